/**
 * Header rules of a proxy hop, as Kong applies them: hop-by-hop headers (and those a `Connection` header names)
 * never cross; X-Forwarded-* and X-Real-IP are believed only from trusted peers, otherwise computed.
 */
import { BlockList, isIPv6 } from 'node:net';
import { GatewayError } from '../errors.ts';

/** Hop-by-hop headers (RFC 9110 §7.6.1) plus the legacy ones Kong removes. */
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer',
  'transfer-encoding', 'upgrade', 'proxy',
]);

/** Names a `Connection` header lists (besides keep-alive/close/upgrade), which must not be forwarded either. */
const NONE: ReadonlySet<string> = new Set();

export function connectionListed(connection: string | string[] | undefined): ReadonlySet<string> {
  // The usual values name nothing to remove: no allocation for them.
  if (!connection || connection === 'keep-alive' || connection === 'close' || connection === 'Keep-Alive') return NONE;
  const out = new Set<string>();
  for (const part of (Array.isArray(connection) ? connection.join(',') : connection).split(',')) {
    const name = part.trim().toLowerCase();
    if (name && name !== 'keep-alive' && name !== 'close' && name !== 'upgrade') out.add(name);
  }
  return out;
}

export function isHopByHop(name: string, listed: ReadonlySet<string>): boolean {
  return HOP_BY_HOP.has(name) || listed.has(name);
}

/** Kong's trusted_ips: addresses and CIDR ranges, IPv4 and IPv6. */
export function trustedPeers(entries: readonly string[]): (ip: string) => boolean {
  if (entries.length === 0) return () => false;
  const list = new BlockList();
  for (const entry of entries) {
    const [addr, bits] = entry.split('/') as [string, string | undefined];
    const family = isIPv6(addr) ? 'ipv6' : 'ipv4';
    try {
      if (bits === undefined) list.addAddress(addr, family);
      else list.addSubnet(addr, Number(bits), family);
    } catch {
      throw new GatewayError('BAD_USAGE', `--trusted-ips: '${entry}' is not an IP address or CIDR range`);
    }
  }
  return (ip: string) => {
    const v4mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
    const addr = v4mapped ? v4mapped[1]! : ip;
    return list.check(addr, isIPv6(addr) ? 'ipv6' : 'ipv4');
  };
}

export function firstValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

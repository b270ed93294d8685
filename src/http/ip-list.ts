/**
 * Lists of addresses and CIDR ranges, IPv4 and IPv6 (Kong's trusted_ips, ip-restriction's allow and deny),
 * built once and checked per request. An IPv4-mapped IPv6 address is checked as the IPv4 address it carries.
 */
import { BlockList, isIPv6 } from 'node:net';

export type IpCheck = (ip: string) => boolean;

/** Throws a RangeError naming the entry when one is not an address or a CIDR range. */
export function ipList(entries: readonly string[]): IpCheck {
  if (entries.length === 0) return () => false;
  const list = new BlockList();
  for (const entry of entries) {
    const [addr, bits] = entry.split('/') as [string, string | undefined];
    const family = isIPv6(addr) ? 'ipv6' : 'ipv4';
    try {
      if (bits === undefined) list.addAddress(addr, family);
      else list.addSubnet(addr, Number(bits), family);
    } catch {
      throw new RangeError(`'${entry}' is not an IP address or CIDR range`);
    }
  }
  return (ip: string) => {
    const v4mapped = ip.startsWith('::ffff:') ? /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(ip) : null;
    const addr = v4mapped ? v4mapped[1]! : ip;
    return list.check(addr, isIPv6(addr) ? 'ipv6' : 'ipv4');
  };
}

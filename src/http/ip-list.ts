/**
 * Lists of addresses and CIDR ranges, IPv4 and IPv6 (Kong's trusted_ips, ip-restriction's allow and deny),
 * built once and checked per request. An IPv4-mapped IPv6 address is checked as the IPv4 address it carries.
 */
import { BlockList, isIPv6 } from 'node:net';

export type IpCheck = (ip: string) => boolean;

/** An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, as a dual-stack socket gives it) as the IPv4 address it carries. */
export function unmapIpv4(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1') : ip;
}

/** Throws a RangeError naming the entry when one is not an address or a CIDR range. */
export function ipList(entries: readonly string[]): IpCheck {
  if (entries.length === 0) return () => false;
  const list = new BlockList();
  for (const entry of entries) {
    const slash = entry.indexOf('/');
    const addr = slash < 0 ? entry : entry.slice(0, slash);
    const family = isIPv6(addr) ? 'ipv6' : 'ipv4';
    const refused = () => new RangeError(`'${entry}' is not an IP address or CIDR range`);
    // Only decimal digits make a prefix: Number() would read '' as /0 (every address) and ' 8' or '0x8' as /8.
    const bits = slash < 0 ? undefined : entry.slice(slash + 1);
    if (bits !== undefined && (!/^\d{1,3}$/.test(bits) || Number(bits) > (family === 'ipv6' ? 128 : 32))) throw refused();
    try {
      if (bits === undefined) list.addAddress(addr, family);
      else list.addSubnet(addr, Number(bits), family);
    } catch {
      throw refused();
    }
  }
  return (ip: string) => {
    const addr = unmapIpv4(ip);
    return list.check(addr, isIPv6(addr) ? 'ipv6' : 'ipv4');
  };
}

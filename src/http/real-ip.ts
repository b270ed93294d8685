/**
 * The client address as nginx's realip module works it out (Kong's `real_ip_header`, `real_ip_recursive` and
 * `trusted_ips`, which is `set_real_ip_from`): only a trusted peer's header counts; its rightmost address is taken,
 * and with `recursive` the list is walked leftwards while the address found is trusted too.
 */
import { isIP } from 'node:net';

export interface RealIpSettings {
  /** Lower case header name (`x-real-ip`, `x-forwarded-for`, …). */
  readonly header: string;
  readonly recursive: boolean;
}

/** An address as ngx_parse_addr_port reads it (an optional port, IPv6 in brackets with one); undefined when none. */
function parseAddress(text: string): string | undefined {
  if (isIP(text) !== 0) return text;
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(text);
  if (bracketed && isIP(bracketed[1]!) === 6) return bracketed[1];
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(text);
  return v4 && isIP(v4[1]!) === 4 ? v4[1] : undefined;
}

export function realIp(peer: string, value: string | undefined, recursive: boolean, isTrusted: (ip: string) => boolean): string {
  if (value === undefined) return peer;
  const parts = value.split(',');
  let address = peer;
  for (let i = parts.length - 1; i >= 0; i--) {
    const part = parts[i]!.trim();
    if (part === '') continue;
    const parsed = parseAddress(part);
    // nginx stops at an address it cannot read, keeping the one it had.
    if (parsed === undefined) break;
    address = parsed;
    if (!recursive || !isTrusted(address)) break;
  }
  return address;
}

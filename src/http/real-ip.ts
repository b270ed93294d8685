/**
 * The client's address as nginx's realip module finds it (Kong's `real_ip_header`, `real_ip_recursive`,
 * `trusted_ips` as `set_real_ip_from`): from a trusted peer, the last address of the header; recursively, the
 * last one that is not itself trusted. Ports (`10.0.0.1:15`, `[::1]:80`) are dropped, as ngx_parse_addr_port does.
 */
import { isIP } from 'node:net';
import type { IpCheck } from './ip-list.ts';

export interface RealIpSettings {
  /** The header to read, lower case (Kong's default: `x-real-ip`). */
  readonly header: string;
  readonly recursive: boolean;
}

export const DEFAULT_REAL_IP: RealIpSettings = { header: 'x-real-ip', recursive: false };

/** `peer` is the socket's address (IPv4-mapped ones unmapped); `value` the header as sent, repeats joined. */
export function realIp(peer: string, value: string | undefined, isTrusted: IpCheck, recursive: boolean): string {
  if (value === undefined) return peer;
  let addr = peer;
  let end = value.length;
  // ngx_http_get_forwarded_addr_internal: walk the list from its end while each address found is trusted.
  do {
    if (!isTrusted(addr)) return addr;
    while (end > 0 && (value[end - 1] === ' ' || value[end - 1] === ',')) end--;
    let start = end;
    while (start > 0 && value[start - 1] !== ' ' && value[start - 1] !== ',') start--;
    const found = address(value.slice(start, end));
    if (found === undefined) return addr;
    addr = found;
    end = start;
  } while (recursive && end > 0);
  return addr;
}

/** An address with or without a port, else undefined. */
function address(token: string): string | undefined {
  if (isIP(token)) return token;
  const v6 = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(token);
  if (v6) return isIP(v6[1]!) === 6 ? v6[1] : undefined;
  const v4 = /^([^:]+):\d{1,5}$/.exec(token);
  return v4 && isIP(v4[1]!) === 4 ? v4[1] : undefined;
}

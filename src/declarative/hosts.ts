/** Checks of host names as routes, SNIs, targets and services write them (Kong's typedefs). */

const LABEL = /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIPv4(s: string): boolean {
  return IPV4.test(s);
}

export function isIPv6(s: string): boolean {
  if (!/^[0-9A-Fa-f:.]+$/.test(s) || !s.includes(':')) return false;
  try {
    return new URL(`http://[${s}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

export function isHostname(s: string): boolean {
  const name = s.endsWith('.') ? s.slice(0, -1) : s;
  return name.length > 0 && name.length <= 253 && name.split('.').every((l) => LABEL.test(l));
}

/** `host`, `host:port`, `[v6]:port`, with Kong's wildcard rules when `wildcard` is allowed. Returns a message or undefined. */
export function checkHostWithPort(value: string, options: { wildcard: boolean; port: boolean }): string | undefined {
  let host = value;
  let port: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(value);
  if (v6) {
    if (!isIPv6(v6[1]!)) return `invalid ipv6 address: ${value}`;
    port = v6[2];
    host = '';
  } else if (!isIPv6(value)) {
    const colon = value.lastIndexOf(':');
    if (colon >= 0) {
      port = value.slice(colon + 1);
      host = value.slice(0, colon);
    }
  } else {
    return undefined;
  }
  if (port !== undefined) {
    if (!options.port) return 'must not have a port';
    if (!/^\d+$/.test(port) || Number(port) > 65535) return `invalid port number`;
  }
  if (host === '') return undefined;
  const stars = host.split('*').length - 1;
  if (stars > 0) {
    if (!options.wildcard) return 'wildcards are not allowed here';
    if (stars > 1) return 'invalid wildcard: must have at most one wildcard';
    if (!host.startsWith('*.') && !host.endsWith('.*')) return 'invalid wildcard: must be placed at leftmost or rightmost label';
    const rest = host.startsWith('*.') ? host.slice(2) : host.slice(0, -2);
    return isHostname(rest) ? undefined : `invalid hostname: ${value}`;
  }
  return isIPv4(host) || isHostname(host) ? undefined : `invalid hostname: ${value}`;
}

/** A target as stored (`host:port`, `[v6]:port`; validation added the default port) → its host and port. */
export function parseTarget(target: string): { readonly host: string; readonly port: number; readonly target: string } {
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(target);
  if (v6) return { host: v6[1]!, port: Number(v6[2]), target };
  const colon = target.lastIndexOf(':');
  return { host: target.slice(0, colon), port: Number(target.slice(colon + 1)), target };
}

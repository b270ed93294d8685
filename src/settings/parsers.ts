/** Parsers of single settings in Kong's value syntax: trusted_ips, port_maps, real_ip_*, headers. */
import { GatewayError } from '../errors.ts';
import { ipList } from '../http/ip-list.ts';
import type { RealIpSettings } from '../http/real-ip.ts';
import type { ListenAddress } from './listen.ts';
import type { HeaderSettings } from './settings.ts';

/** Kong's trusted_ips: addresses and CIDR ranges, IPv4 and IPv6. */
export function parseTrustedIps(flag: string, values: readonly string[]): readonly string[] {
  try {
    ipList(values);
  } catch (err) {
    throw new GatewayError('BAD_USAGE', `${flag}: ${(err as Error).message}`);
  }
  return values;
}

/** Kong's port_maps: `HOST:CONTAINER` port pairs, each port 1-65535. */
export function parsePortMaps(flag: string, values: readonly string[]): ReadonlyMap<number, number> {
  const out = new Map<number, number>();
  for (const value of values) {
    const m = /^(\d{1,5}):(\d{1,5})$/.exec(value);
    const host = Number(m?.[1]);
    const listen = Number(m?.[2]);
    if (!m || host < 1 || host > 65535 || listen < 1 || listen > 65535) throw new GatewayError('BAD_USAGE', `${flag}: expected HOST_PORT:LISTEN_PORT, got '${value}'`);
    out.set(listen, host);
  }
  return out;
}

export function oneOf(flag: string, value: string, allowed: readonly string[]): string {
  if (!allowed.includes(value)) throw new GatewayError('BAD_USAGE', `${flag}: expected one of ${allowed.join(', ')}, got '${value}'`);
  return value;
}

/** Kong's real_ip_header (a header name, or proxy_protocol) and real_ip_recursive. */
export function parseRealIp(labels: { header: string; recursive: string }, header: string, recursive: string, listeners: readonly ListenAddress[]): RealIpSettings {
  if (header.toLowerCase() === 'proxy_protocol' && !listeners.some((l) => l.proxyProtocol)) {
    throw new GatewayError('BAD_USAGE', `${labels.header}: 'proxy_protocol' needs a --proxy-listen with the proxy_protocol option`);
  }
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(header)) throw new GatewayError('BAD_USAGE', `${labels.header}: expected a header name, got '${header}'`);
  if (recursive !== 'on' && recursive !== 'off') throw new GatewayError('BAD_USAGE', `${labels.recursive}: expected on or off, got '${recursive}'`);
  return { header: header.toLowerCase(), recursive: recursive === 'on' };
}

const HEADER_GROUPS: Readonly<Record<string, readonly (keyof HeaderSettings)[]>> = {
  server_tokens: ['via', 'server'],
  latency_tokens: ['upstreamLatency', 'proxyLatency', 'responseLatency', 'adminLatency'],
  via: ['via'],
  server: ['server'],
  'x-kong-upstream-latency': ['upstreamLatency'],
  'x-kong-proxy-latency': ['proxyLatency'],
  'x-kong-response-latency': ['responseLatency'],
  'x-kong-admin-latency': ['adminLatency'],
  'x-kong-upstream-status': ['upstreamStatus'],
  'x-kong-request-id': ['requestId'],
};

export function parseHeaders(labels: { headers: string; upstream: string }, values: readonly string[], upstream: readonly string[]): HeaderSettings {
  const out: Record<keyof HeaderSettings, boolean> = {
    via: false, server: false, upstreamLatency: false, proxyLatency: false, responseLatency: false, adminLatency: false, requestId: false, upstreamStatus: false, upstreamRequestId: false,
  };
  const lower = values.length === 0 ? ['server_tokens', 'latency_tokens', 'x-kong-request-id'] : values.map((v) => v.toLowerCase());
  const unknown = lower.find((v) => v !== 'off' && HEADER_GROUPS[v] === undefined);
  if (unknown) throw new GatewayError('BAD_USAGE', `${labels.headers}: unknown value '${unknown}' (expected off, ${Object.keys(HEADER_GROUPS).join(', ')})`);
  // As in Kong, `off` enables nothing and disables nothing: alone it leaves every header off.
  for (const v of lower) for (const key of HEADER_GROUPS[v] ?? []) out[key] = true;
  const up = upstream.length === 0 ? ['x-kong-request-id'] : upstream.map((v) => v.toLowerCase());
  const badUp = up.find((v) => v !== 'off' && v !== 'x-kong-request-id');
  if (badUp) throw new GatewayError('BAD_USAGE', `${labels.upstream}: unknown value '${badUp}' (expected X-Kong-Request-Id or off)`);
  out.upstreamRequestId = !up.includes('off');
  return out;
}

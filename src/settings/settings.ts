/**
 * STATIC settings: from command-line flags, each with a `GATEWAY_*` environment twin (like Kong's `KONG_*`).
 * Read once at start, never hot-reloaded. Flags win over the environment.
 */
import { GatewayError } from '../errors.ts';
import { ipList } from '../http/ip-list.ts';
import type { RealIpSettings } from '../http/real-ip.ts';

export interface Settings {
  /** The declarative config file (`-c`, `GATEWAY_DECLARATIVE_CONFIG`). */
  readonly configPath: string;
  /** `--plugins`: `bundled`, custom plugin names, or `off` (Kong's `plugins` property). */
  readonly plugins: readonly string[];
  /** `--plugins-path`: folders holding custom plugins, one sub-folder per plugin. */
  readonly pluginsPaths: readonly string[];
  readonly logLevel: LogLevel;
  /** `--proxy-listen`: where the proxy listens (Kong's `proxy_listen`). */
  readonly proxyListen: readonly ListenAddress[];
  /** `--admin-listen`: where the admin API listens, or none (`off`). */
  readonly adminListen: readonly ListenAddress[];
  /** `--status-listen`: where the status API listens (Kong's `status_listen`), or none (`off`). */
  readonly statusListen: readonly ListenAddress[];
  /** `--access-log`: where the proxy's access log goes (Kong's `proxy_access_log`): off, stdout or a file. */
  readonly accessLog: AccessLogTarget;
  /** `--trusted-ips`: peers whose X-Forwarded-* and X-Real-IP headers are believed (Kong's `trusted_ips`). */
  readonly trustedIps: readonly string[];
  /** `--real-ip-header`, `--real-ip-recursive`: where a trusted peer names the client (Kong's `real_ip_*`). */
  readonly realIp: RealIpSettings;
  /** `--headers`: which gateway headers to send (Kong's `headers`). */
  readonly headers: HeaderSettings;
  /** `--port-maps HOST:LISTEN,…`: the port clients reach each listener on, behind a port mapping (Kong's `port_maps`). */
  readonly portMaps: ReadonlyMap<number, number>;
  /** `--error-default-type`: the type of the error pages when a request names none (Kong's `error_default_type`). */
  readonly errorDefaultType: string;
  /** `--error-template-html|json|xml|plain`: files of custom error templates (Kong's `error_template_*`). */
  readonly errorTemplatePaths: Readonly<Partial<Record<'html' | 'json' | 'xml' | 'plain', string>>>;
  /** `--drain-timeout`: seconds in-flight requests get to finish on SIGTERM/SIGINT. */
  readonly drainTimeoutSeconds: number;
  /** How long a client may take, as nginx's directives of the same names (Kong's `nginx_http_*`). */
  readonly clientTimeouts: ClientTimeouts;
  /** `--plugin-timeout`: the longest a plugin's phase may take to settle before its request gets a 500. */
  readonly pluginTimeoutMs: number;
  /** `--mem-cache-size`: bytes each in-memory cache may hold (Kong's `mem_cache_size`; proxy-cache's stores). */
  readonly memCacheSizeBytes: number;
  /** `--syslog-address`: the UDP syslog receiver of the syslog plugin (Kong writes to the local syslog(3)). */
  readonly syslogAddress: { readonly host: string; readonly port: number };
}

/** `off`, standard output, or a file (appended to). */
export type AccessLogTarget = { readonly kind: 'off' } | { readonly kind: 'stdout' } | { readonly kind: 'file'; readonly path: string };

export interface ClientTimeouts {
  /** To send the request's head (nginx's client_header_timeout; the connection is closed, as nginx does). */
  readonly headerMs: number;
  /** Between two reads of the request body (client_body_timeout). */
  readonly bodyMs: number;
  /** Between two writes of the answer that the client does not take (send_timeout). */
  readonly sendMs: number;
}

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
  readonly ssl: boolean;
  /** Connections start with a PROXY protocol header (nginx's `proxy_protocol` listen option). */
  readonly proxyProtocol?: boolean;
  /** The setting's default, not asked for: the status listener warns instead of failing when it is taken. */
  readonly byDefault?: true;
}

/** Kong's `headers` (each header on its own; `server_tokens` and `latency_tokens` name groups) and `headers_upstream`. */
export interface HeaderSettings {
  /** `Via` on proxied responses. */
  readonly via: boolean;
  /** `Server` on the gateway's own answers, and on proxied ones whose upstream sent none. */
  readonly server: boolean;
  readonly upstreamLatency: boolean;
  readonly proxyLatency: boolean;
  /** `X-Kong-Response-Latency` on the gateway's own answers. */
  readonly responseLatency: boolean;
  /** `X-Kong-Admin-Latency` on the admin API's answers. */
  readonly adminLatency: boolean;
  /** `X-Kong-Request-Id` on responses. */
  readonly requestId: boolean;
  /** `X-Kong-Upstream-Status` on proxied responses: off unless asked for, as in Kong. */
  readonly upstreamStatus: boolean;
  /** `X-Kong-Request-Id` on the upstream request (`--headers-upstream`, Kong's `headers_upstream`). */
  readonly upstreamRequestId: boolean;
}

/** Kong's error_default_type values: the types its error templates come in. */
const ERROR_TYPES = ['application/json', 'application/xml', 'text/html', 'text/plain'] as const;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface SettingSpec {
  readonly flag: string;
  readonly env: string;
  /** Kong's own name for it, accepted when the GATEWAY_* one is not set. */
  readonly kongEnv?: string;
  readonly short?: string;
  readonly multiple?: boolean;
  readonly description: string;
}

/** Every setting, for parsing and for `--help`. */
export const SETTING_SPECS = {
  config: { flag: 'config', short: 'c', env: 'GATEWAY_DECLARATIVE_CONFIG', description: 'declarative config file (default ./kong.yaml)' },
  plugins: { flag: 'plugins', env: 'GATEWAY_PLUGINS', multiple: true, description: "plugins to enable: 'bundled', custom names, or 'off' (default bundled)" },
  pluginsPath: { flag: 'plugins-path', env: 'GATEWAY_PLUGINS_PATH', multiple: true, description: 'folder of custom plugins (repeatable; env: colon-separated)' },
  logLevel: { flag: 'log-level', env: 'GATEWAY_LOG_LEVEL', description: `one of ${LOG_LEVELS.join(', ')} (default info)` },
  proxyListen: { flag: 'proxy-listen', env: 'GATEWAY_PROXY_LISTEN', multiple: true, description: "proxy address, 'ADDR:PORT' or 'ADDR:PORT ssl' (repeatable; env: comma-separated; default 0.0.0.0:8000)" },
  adminListen: { flag: 'admin-listen', env: 'GATEWAY_ADMIN_LISTEN', multiple: true, description: "admin API address or 'off' (default 127.0.0.1:8001)" },
  statusListen: { flag: 'status-listen', env: 'GATEWAY_STATUS_LISTEN', kongEnv: 'KONG_STATUS_LISTEN', multiple: true, description: "status API address (/status, /status/ready, /metrics) or 'off' (default 127.0.0.1:8007, as Kong)" },
  accessLog: { flag: 'access-log', env: 'GATEWAY_PROXY_ACCESS_LOG', kongEnv: 'KONG_PROXY_ACCESS_LOG', description: "proxy access log: 'off', 'stdout' or a file path (default off)" },
  trustedIps: { flag: 'trusted-ips', env: 'GATEWAY_TRUSTED_IPS', multiple: true, description: 'peers (IPs or CIDRs) whose X-Forwarded-* headers are trusted (default none)' },
  realIpHeader: { flag: 'real-ip-header', env: 'GATEWAY_REAL_IP_HEADER', kongEnv: 'KONG_REAL_IP_HEADER', description: 'header a trusted peer names the client in, e.g. X-Forwarded-For (default X-Real-IP)' },
  realIpRecursive: { flag: 'real-ip-recursive', env: 'GATEWAY_REAL_IP_RECURSIVE', kongEnv: 'KONG_REAL_IP_RECURSIVE', description: "'on': the client is the last untrusted address of that header (default off)" },
  headers: { flag: 'headers', env: 'GATEWAY_HEADERS', multiple: true, description: "gateway headers to send: server_tokens, latency_tokens, X-Kong-Request-Id, X-Kong-Upstream-Status, or 'off' (default: the first three)" },
  headersUpstream: { flag: 'headers-upstream', env: 'GATEWAY_HEADERS_UPSTREAM', multiple: true, description: "gateway headers the upstream gets: X-Kong-Request-Id, or 'off' (default X-Kong-Request-Id)" },
  portMaps: { flag: 'port-maps', env: 'GATEWAY_PORT_MAPS', multiple: true, description: 'HOST_PORT:LISTEN_PORT pairs when a port mapping (a container) sits in front: X-Forwarded-Port says the host port' },
  errorDefaultType: { flag: 'error-default-type', env: 'GATEWAY_ERROR_DEFAULT_TYPE', description: "type of error pages when a request's Accept and Content-Type name none: application/json, application/xml, text/html, text/plain (default text/plain)" },
  errorTemplateHtml: { flag: 'error-template-html', env: 'GATEWAY_ERROR_TEMPLATE_HTML', description: 'file of the HTML error template (%s: message, then request id)' },
  errorTemplateJson: { flag: 'error-template-json', env: 'GATEWAY_ERROR_TEMPLATE_JSON', description: 'file of the JSON error template' },
  errorTemplateXml: { flag: 'error-template-xml', env: 'GATEWAY_ERROR_TEMPLATE_XML', description: 'file of the XML error template' },
  errorTemplatePlain: { flag: 'error-template-plain', env: 'GATEWAY_ERROR_TEMPLATE_PLAIN', description: 'file of the plain-text error template' },
  drainTimeout: { flag: 'drain-timeout', env: 'GATEWAY_DRAIN_TIMEOUT', description: 'seconds in-flight requests get on shutdown (default 10)' },
  clientHeaderTimeout: { flag: 'client-header-timeout', env: 'GATEWAY_NGINX_HTTP_CLIENT_HEADER_TIMEOUT', kongEnv: 'KONG_NGINX_HTTP_CLIENT_HEADER_TIMEOUT', description: "time a client may take to send a request's head, nginx syntax (default 60s)" },
  clientBodyTimeout: { flag: 'client-body-timeout', env: 'GATEWAY_NGINX_HTTP_CLIENT_BODY_TIMEOUT', kongEnv: 'KONG_NGINX_HTTP_CLIENT_BODY_TIMEOUT', description: 'longest pause between two reads of a request body (default 60s)' },
  sendTimeout: { flag: 'send-timeout', env: 'GATEWAY_NGINX_HTTP_SEND_TIMEOUT', kongEnv: 'KONG_NGINX_HTTP_SEND_TIMEOUT', description: 'longest a client may leave an answer unread (default 60s)' },
  pluginTimeout: { flag: 'plugin-timeout', env: 'GATEWAY_PLUGIN_TIMEOUT', description: "longest a plugin's phase may take to settle, nginx syntax (default 60s)" },
  memCacheSize: { flag: 'mem-cache-size', env: 'GATEWAY_MEM_CACHE_SIZE', kongEnv: 'KONG_MEM_CACHE_SIZE', description: "bytes each proxy-cache dictionary may hold, nginx size syntax such as 128m or 512k (default 128m)" },
  syslogAddress: { flag: 'syslog-address', env: 'GATEWAY_SYSLOG_ADDRESS', description: "the syslog plugin's receiver, UDP HOST:PORT (default 127.0.0.1:514)" },
} as const satisfies Record<string, SettingSpec>;

export type FlagValues = Partial<Record<keyof typeof SETTING_SPECS, string | string[] | undefined>>;

const splitList = (values: readonly string[], separator: RegExp) =>
  values.flatMap((v) => v.split(separator)).map((v) => v.trim()).filter((v) => v !== '');

export function resolveSettings(flags: FlagValues, env: NodeJS.ProcessEnv): Settings {
  const pick = (key: keyof typeof SETTING_SPECS): string[] => {
    const flag = flags[key];
    if (flag !== undefined) return Array.isArray(flag) ? flag : [flag];
    const spec: SettingSpec = SETTING_SPECS[key];
    const fromEnv = env[spec.env] || (spec.kongEnv ? env[spec.kongEnv] : undefined);
    return fromEnv === undefined || fromEnv === '' ? [] : [fromEnv];
  };
  const logLevel = pick('logLevel')[0] ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new GatewayError('BAD_USAGE', `--log-level: expected one of ${LOG_LEVELS.join(', ')}, got '${logLevel}'`);
  }
  const plugins = splitList(pick('plugins'), /,/);
  const drain = pick('drainTimeout')[0] ?? '10';
  const proxyListen = parseListen('--proxy-listen', splitList(pick('proxyListen'), /,/), '0.0.0.0:8000');
  if (!/^\d+(\.\d+)?$/.test(drain)) throw new GatewayError('BAD_USAGE', `--drain-timeout: expected seconds, got '${drain}'`);
  return {
    configPath: pick('config')[0] ?? 'kong.yaml',
    plugins: plugins.length === 0 ? ['bundled'] : plugins,
    pluginsPaths: splitList(pick('pluginsPath'), /:/),
    logLevel: logLevel as LogLevel,
    proxyListen,
    adminListen: parseListen('--admin-listen', splitList(pick('adminListen'), /,/), '127.0.0.1:8001'),
    statusListen: statusListen(splitList(pick('statusListen'), /,/)),
    accessLog: parseAccessLog(pick('accessLog')[0] ?? 'off'),
    trustedIps: parseTrustedIps(splitList(pick('trustedIps'), /,/)),
    realIp: parseRealIp(pick('realIpHeader')[0] ?? 'X-Real-IP', pick('realIpRecursive')[0] ?? 'off', proxyListen),
    headers: parseHeaders(splitList(pick('headers'), /,/), splitList(pick('headersUpstream'), /,/)),
    portMaps: parsePortMaps(splitList(pick('portMaps'), /,/)),
    errorDefaultType: oneOf('--error-default-type', pick('errorDefaultType')[0] ?? 'text/plain', ERROR_TYPES),
    errorTemplatePaths: Object.fromEntries(
      (['html', 'json', 'xml', 'plain'] as const).flatMap((kind) => {
        const path = pick(`errorTemplate${kind[0]!.toUpperCase()}${kind.slice(1)}` as 'errorTemplateHtml')[0];
        return path === undefined ? [] : [[kind, path]];
      }),
    ),
    drainTimeoutSeconds: Number(drain),
    clientTimeouts: {
      headerMs: duration('--client-header-timeout', pick('clientHeaderTimeout')[0] ?? '60s'),
      bodyMs: duration('--client-body-timeout', pick('clientBodyTimeout')[0] ?? '60s'),
      sendMs: duration('--send-timeout', pick('sendTimeout')[0] ?? '60s'),
    },
    pluginTimeoutMs: duration('--plugin-timeout', pick('pluginTimeout')[0] ?? '60s'),
    memCacheSizeBytes: size('--mem-cache-size', pick('memCacheSize')[0] ?? '128m'),
    syslogAddress: hostPort('--syslog-address', pick('syslogAddress')[0] ?? '127.0.0.1:514'),
  };
}

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** nginx's time syntax: `60s`, `500ms`, `1m30s`, a bare number of seconds; more than zero. */
export function duration(flag: string, value: string): number {
  const text = value.trim();
  let ms = 0;
  if (/^\d+(\.\d+)?$/.test(text)) ms = Number(text) * 1000;
  else if (/^(\d+(ms|s|m|h|d))+$/.test(text)) {
    for (const [, n, unit] of text.matchAll(/(\d+)(ms|s|m|h|d)/g)) ms += Number(n) * UNITS[unit!]!;
  } else {
    throw new GatewayError('BAD_USAGE', `${flag}: expected a time such as 60s, 500ms or 1m (nginx's syntax), got '${value}'`);
  }
  if (!(ms > 0) || ms > 2_147_483_647) throw new GatewayError('BAD_USAGE', `${flag}: must be more than 0 and at most 24 days, got '${value}'`);
  return Math.round(ms);
}

const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, k: 1024, m: 1024 * 1024, g: 1024 * 1024 * 1024 };

/** nginx's size syntax (Kong's `mem_cache_size`): bytes, or a number with k or m (g too); more than zero. */
export function size(flag: string, value: string): number {
  const m = /^(\d+)([kmg]?)$/i.exec(value.trim());
  const bytes = m ? Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]! : Number.NaN;
  if (!(bytes > 0) || !Number.isSafeInteger(bytes)) throw new GatewayError('BAD_USAGE', `${flag}: expected a size such as 128m or 512k (nginx's syntax), got '${value}'`);
  return bytes;
}

/** `HOST:PORT` (an IPv6 address in brackets), port 1-65535. */
export function hostPort(flag: string, value: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s[\]]+):(\d{1,5})$/.exec(value.trim());
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new GatewayError('BAD_USAGE', `${flag}: expected HOST:PORT, got '${value}'`);
  return { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port: Number(m[2]) };
}

/** Kong's listen syntax: `ADDR:PORT [ssl]`, several allowed, `off` for none. */
export function parseListen(flag: string, values: readonly string[], fallback: string): ListenAddress[] {
  const list = values.length === 0 ? [fallback] : values;
  if (list.length === 1 && list[0] === 'off') return [];
  return list.map((value) => {
    const [address, ...flags] = value.split(/\s+/);
    const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d{1,5})$/.exec(address ?? '');
    if (!m || Number(m[2]) > 65535) throw new GatewayError('BAD_USAGE', `${flag}: expected ADDR:PORT [ssl], got '${value}'`);
    const unknown = flags.filter((f) => f !== 'ssl' && f !== 'proxy_protocol');
    if (unknown.length > 0) throw new GatewayError('BAD_USAGE', `${flag}: unknown option '${unknown[0]}' in '${value}' (supported: ssl, proxy_protocol)`);
    const listen = { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port: Number(m[2]), ssl: flags.includes('ssl') };
    if (!flags.includes('proxy_protocol')) return listen;
    if (listen.ssl) throw new GatewayError('BAD_USAGE', `${flag}: proxy_protocol is not supported with ssl yet, in '${value}'`);
    return { ...listen, proxyProtocol: true };
  });
}

/** Kong's status_listen default (since 3.6): loopback only, so nothing outside the host reaches it unasked. */
export const DEFAULT_STATUS_LISTEN = '127.0.0.1:8007';

function statusListen(values: readonly string[]): ListenAddress[] {
  const parsed = parseListen('--status-listen', values, DEFAULT_STATUS_LISTEN);
  const ssl = parsed.find((l) => l.ssl || l.proxyProtocol);
  if (ssl) throw new GatewayError('BAD_USAGE', `--status-listen: the ssl and proxy_protocol options are not supported on the status listener yet, in '${values.join(', ')}'`);
  return values.length === 0 ? parsed.map((l) => ({ ...l, byDefault: true as const })) : parsed;
}

/**
 * Kong's proxy_access_log: `off`, or a path. `stdout` (and `/dev/stdout`, which Kong's images use) is the
 * process's standard output. Kong's `PATH FORMAT` (a custom log_format, or nginx's `buffer=` options) has no
 * equivalent here and is refused.
 */
function parseAccessLog(value: string): AccessLogTarget {
  const text = value.trim();
  if (/\s/.test(text)) throw new GatewayError('BAD_USAGE', `--access-log: custom log formats and nginx access_log options are not supported, got '${value}' (expected off, stdout or a file path)`);
  if (text === 'off' || text === '') return { kind: 'off' };
  if (text === 'stdout' || text === '/dev/stdout') return { kind: 'stdout' };
  return { kind: 'file', path: text };
}

/** Kong's trusted_ips: addresses and CIDR ranges, IPv4 and IPv6. */
function parseTrustedIps(values: readonly string[]): readonly string[] {
  try {
    ipList(values);
  } catch (err) {
    throw new GatewayError('BAD_USAGE', `--trusted-ips: ${(err as Error).message}`);
  }
  return values;
}

/** Kong's port_maps: `HOST:CONTAINER` port pairs, each port 1-65535. */
function parsePortMaps(values: readonly string[]): ReadonlyMap<number, number> {
  const out = new Map<number, number>();
  for (const value of values) {
    const m = /^(\d{1,5}):(\d{1,5})$/.exec(value);
    const host = Number(m?.[1]);
    const listen = Number(m?.[2]);
    if (!m || host < 1 || host > 65535 || listen < 1 || listen > 65535) throw new GatewayError('BAD_USAGE', `--port-maps: expected HOST_PORT:LISTEN_PORT, got '${value}'`);
    out.set(listen, host);
  }
  return out;
}

function oneOf(flag: string, value: string, allowed: readonly string[]): string {
  if (!allowed.includes(value)) throw new GatewayError('BAD_USAGE', `${flag}: expected one of ${allowed.join(', ')}, got '${value}'`);
  return value;
}

/** Kong's real_ip_header (a header name, or proxy_protocol) and real_ip_recursive. */
function parseRealIp(header: string, recursive: string, listeners: readonly ListenAddress[]): RealIpSettings {
  if (header.toLowerCase() === 'proxy_protocol' && !listeners.some((l) => l.proxyProtocol)) {
    throw new GatewayError('BAD_USAGE', "--real-ip-header: 'proxy_protocol' needs a --proxy-listen with the proxy_protocol option");
  }
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(header)) throw new GatewayError('BAD_USAGE', `--real-ip-header: expected a header name, got '${header}'`);
  if (recursive !== 'on' && recursive !== 'off') throw new GatewayError('BAD_USAGE', `--real-ip-recursive: expected on or off, got '${recursive}'`);
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

function parseHeaders(values: readonly string[], upstream: readonly string[]): HeaderSettings {
  const out: Record<keyof HeaderSettings, boolean> = {
    via: false, server: false, upstreamLatency: false, proxyLatency: false, responseLatency: false, adminLatency: false, requestId: false, upstreamStatus: false, upstreamRequestId: false,
  };
  const lower = values.length === 0 ? ['server_tokens', 'latency_tokens', 'x-kong-request-id'] : values.map((v) => v.toLowerCase());
  const unknown = lower.find((v) => v !== 'off' && HEADER_GROUPS[v] === undefined);
  if (unknown) throw new GatewayError('BAD_USAGE', `--headers: unknown value '${unknown}' (expected off, ${Object.keys(HEADER_GROUPS).join(', ')})`);
  // As in Kong, `off` enables nothing and disables nothing: alone it leaves every header off.
  for (const v of lower) for (const key of HEADER_GROUPS[v] ?? []) out[key] = true;
  const up = upstream.length === 0 ? ['x-kong-request-id'] : upstream.map((v) => v.toLowerCase());
  const badUp = up.find((v) => v !== 'off' && v !== 'x-kong-request-id');
  if (badUp) throw new GatewayError('BAD_USAGE', `--headers-upstream: unknown value '${badUp}' (expected X-Kong-Request-Id or off)`);
  out.upstreamRequestId = !up.includes('off');
  return out;
}

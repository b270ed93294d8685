/**
 * STATIC settings: from command-line flags, each with a `GATEWAY_*` environment twin and, where Kong has the
 * setting, Kong's `KONG_*` variable and kong.conf key (`--conf`). Read once at start, never hot-reloaded.
 * Precedence: flag > GATEWAY_* > KONG_* > kong.conf > default.
 */
import { availableParallelism } from 'node:os';
import { GatewayError } from '../errors.ts';
import type { RealIpSettings } from '../http/real-ip.ts';
import { readCertificates } from './certificates.ts';
import { readKongConf } from './kong-conf.ts';
import { kongValues, type KongValue } from './kong-sources.ts';
import { parseListen, type ListenAddress } from './listen.ts';
import { oneOf, parseHeaders, parsePortMaps, parseRealIp, parseTrustedIps } from './parsers.ts';
import { selfSignedCertificate, type PemPair } from './self-signed.ts';
import { duration, hostPort, size } from './values.ts';

export type { ListenAddress } from './listen.ts';
export type { PemPair } from './self-signed.ts';
export { duration, hostPort, size } from './values.ts';

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
  /** `--stream-listen`: where TCP/TLS stream traffic is proxied (Kong's `stream_listen`; none by default). */
  readonly streamListen: readonly ListenAddress[];
  /** `--admin-listen`: where the admin API listens, or none (`off`). */
  readonly adminListen: readonly ListenAddress[];
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
  /** `--workers N|auto`: serving threads (Kong's `nginx_worker_processes`; `auto` is one per core). */
  readonly workers: number;
  /** `--status-listen`: where the status API listens, or none (`off`, the default; Kong's `status_listen`). */
  readonly statusListen: readonly ListenAddress[];
  /** `--access-log`: where the proxy's access log goes (Kong's `proxy_access_log`): off, stdout or a file. */
  readonly accessLog: AccessLogTarget;
  /**
   * The certificate each kind of ssl listener serves when nothing else is chosen: Kong's `ssl_cert`,
   * `admin_ssl_cert`, `status_ssl_cert`, or, as Kong does, one made for localhost at start. Set whenever such a
   * listener is.
   */
  readonly sslCertificate?: PemPair;
  readonly adminSslCertificate?: PemPair;
  readonly statusSslCertificate?: PemPair;
  /** What in the settings has no effect here (Kong's keys, listen flags): each to be logged once at start. */
  readonly warnings: readonly string[];
}

/** `off`, standard output, or a file (appended to). */
export type AccessLogTarget = { readonly kind: 'off' } | { readonly kind: 'stdout' } | { readonly kind: 'file'; readonly path: string };

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

export interface ClientTimeouts {
  /** To send the request's head (nginx's client_header_timeout; the connection is closed, as nginx does). */
  readonly headerMs: number;
  /** Between two reads of the request body (client_body_timeout). */
  readonly bodyMs: number;
  /** Between two writes of the answer that the client does not take (send_timeout). */
  readonly sendMs: number;
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

/** Kong's log levels (nginx's) as the nearest level here: pino has no notice, and fatal is its most severe. */
const KONG_LOG_LEVELS: Readonly<Record<string, LogLevel>> = { notice: 'info', crit: 'fatal', alert: 'fatal', emerg: 'fatal' };

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
  config: { flag: 'config', short: 'c', env: 'GATEWAY_DECLARATIVE_CONFIG', kongEnv: 'KONG_DECLARATIVE_CONFIG', description: 'declarative config file, kong.yaml (default ./kong.yaml; in Kong, -c is kong.conf: --conf here)' },
  conf: { flag: 'conf', env: 'GATEWAY_CONF', description: "a kong.conf: Kong's keys in Kong's syntax, below the environment in precedence" },
  plugins: { flag: 'plugins', env: 'GATEWAY_PLUGINS', kongEnv: 'KONG_PLUGINS', multiple: true, description: "plugins to enable: 'bundled', custom names, or 'off' (default bundled)" },
  pluginsPath: { flag: 'plugins-path', env: 'GATEWAY_PLUGINS_PATH', multiple: true, description: 'folder of custom plugins (repeatable; env: colon-separated)' },
  logLevel: { flag: 'log-level', env: 'GATEWAY_LOG_LEVEL', kongEnv: 'KONG_LOG_LEVEL', description: `one of ${LOG_LEVELS.join(', ')}, or Kong's notice, crit, alert, emerg (default info)` },
  proxyListen: { flag: 'proxy-listen', env: 'GATEWAY_PROXY_LISTEN', kongEnv: 'KONG_PROXY_LISTEN', multiple: true, description: "proxy address, Kong's syntax: 'ADDR:PORT [ssl] [proxy_protocol] [backlog=N] ...' (repeatable; comma-separated; default 0.0.0.0:8000)" },
  streamListen: { flag: 'stream-listen', env: 'GATEWAY_STREAM_LISTEN', kongEnv: 'KONG_STREAM_LISTEN', multiple: true, description: "stream (TCP/TLS) proxy address, 'ADDR:PORT' or 'ADDR:PORT ssl' (repeatable; comma-separated; default off)" },
  adminListen: { flag: 'admin-listen', env: 'GATEWAY_ADMIN_LISTEN', kongEnv: 'KONG_ADMIN_LISTEN', multiple: true, description: "admin API address(es) or 'off' (default 127.0.0.1:8001)" },
  statusListen: { flag: 'status-listen', env: 'GATEWAY_STATUS_LISTEN', kongEnv: 'KONG_STATUS_LISTEN', multiple: true, description: "status API address(es) or 'off' (default off)" },
  workers: { flag: 'workers', env: 'GATEWAY_WORKERS', kongEnv: 'KONG_NGINX_WORKER_PROCESSES', description: "serving threads, a number or 'auto': one per core (default auto)" },
  accessLog: { flag: 'access-log', env: 'GATEWAY_PROXY_ACCESS_LOG', kongEnv: 'KONG_PROXY_ACCESS_LOG', description: "proxy access log: 'off', 'stdout' or a file path (default off)" },
  trustedIps: { flag: 'trusted-ips', env: 'GATEWAY_TRUSTED_IPS', kongEnv: 'KONG_TRUSTED_IPS', multiple: true, description: 'peers (IPs or CIDRs) whose X-Forwarded-* headers are trusted (default none)' },
  realIpHeader: { flag: 'real-ip-header', env: 'GATEWAY_REAL_IP_HEADER', kongEnv: 'KONG_REAL_IP_HEADER', description: 'header a trusted peer names the client in, e.g. X-Forwarded-For (default X-Real-IP)' },
  realIpRecursive: { flag: 'real-ip-recursive', env: 'GATEWAY_REAL_IP_RECURSIVE', kongEnv: 'KONG_REAL_IP_RECURSIVE', description: "'on': the client is the last untrusted address of that header (default off)" },
  headers: { flag: 'headers', env: 'GATEWAY_HEADERS', kongEnv: 'KONG_HEADERS', multiple: true, description: "gateway headers to send: server_tokens, latency_tokens, X-Kong-Request-Id, X-Kong-Upstream-Status, or 'off' (default: the first three)" },
  headersUpstream: { flag: 'headers-upstream', env: 'GATEWAY_HEADERS_UPSTREAM', kongEnv: 'KONG_HEADERS_UPSTREAM', multiple: true, description: "gateway headers the upstream gets: X-Kong-Request-Id, or 'off' (default X-Kong-Request-Id)" },
  portMaps: { flag: 'port-maps', env: 'GATEWAY_PORT_MAPS', kongEnv: 'KONG_PORT_MAPS', multiple: true, description: 'HOST_PORT:LISTEN_PORT pairs when a port mapping (a container) sits in front: X-Forwarded-Port says the host port' },
  errorDefaultType: { flag: 'error-default-type', env: 'GATEWAY_ERROR_DEFAULT_TYPE', kongEnv: 'KONG_ERROR_DEFAULT_TYPE', description: "type of error pages when a request's Accept and Content-Type name none: application/json, application/xml, text/html, text/plain (default text/plain)" },
  errorTemplateHtml: { flag: 'error-template-html', env: 'GATEWAY_ERROR_TEMPLATE_HTML', kongEnv: 'KONG_ERROR_TEMPLATE_HTML', description: 'file of the HTML error template (%s: message, then request id)' },
  errorTemplateJson: { flag: 'error-template-json', env: 'GATEWAY_ERROR_TEMPLATE_JSON', kongEnv: 'KONG_ERROR_TEMPLATE_JSON', description: 'file of the JSON error template' },
  errorTemplateXml: { flag: 'error-template-xml', env: 'GATEWAY_ERROR_TEMPLATE_XML', kongEnv: 'KONG_ERROR_TEMPLATE_XML', description: 'file of the XML error template' },
  errorTemplatePlain: { flag: 'error-template-plain', env: 'GATEWAY_ERROR_TEMPLATE_PLAIN', kongEnv: 'KONG_ERROR_TEMPLATE_PLAIN', description: 'file of the plain-text error template' },
  sslCert: { flag: 'ssl-cert', env: 'GATEWAY_SSL_CERT', kongEnv: 'KONG_SSL_CERT', multiple: true, description: "certificate(s) the proxy's ssl listeners serve when the config has none: files or PEM (default: one made for localhost, as Kong does)" },
  sslCertKey: { flag: 'ssl-cert-key', env: 'GATEWAY_SSL_CERT_KEY', kongEnv: 'KONG_SSL_CERT_KEY', multiple: true, description: "the key(s) of --ssl-cert, in the same order" },
  adminSslCert: { flag: 'admin-ssl-cert', env: 'GATEWAY_ADMIN_SSL_CERT', kongEnv: 'KONG_ADMIN_SSL_CERT', multiple: true, description: "certificate(s) of the admin API's ssl listeners (default: one made for localhost)" },
  adminSslCertKey: { flag: 'admin-ssl-cert-key', env: 'GATEWAY_ADMIN_SSL_CERT_KEY', kongEnv: 'KONG_ADMIN_SSL_CERT_KEY', multiple: true, description: 'the key(s) of --admin-ssl-cert' },
  statusSslCert: { flag: 'status-ssl-cert', env: 'GATEWAY_STATUS_SSL_CERT', kongEnv: 'KONG_STATUS_SSL_CERT', multiple: true, description: "certificate(s) of the status API's ssl listeners (default: one made for localhost)" },
  statusSslCertKey: { flag: 'status-ssl-cert-key', env: 'GATEWAY_STATUS_SSL_CERT_KEY', kongEnv: 'KONG_STATUS_SSL_CERT_KEY', multiple: true, description: 'the key(s) of --status-ssl-cert' },
  drainTimeout: { flag: 'drain-timeout', env: 'GATEWAY_DRAIN_TIMEOUT', description: 'seconds in-flight requests get on shutdown (default 10)' },
  clientHeaderTimeout: { flag: 'client-header-timeout', env: 'GATEWAY_NGINX_HTTP_CLIENT_HEADER_TIMEOUT', kongEnv: 'KONG_NGINX_HTTP_CLIENT_HEADER_TIMEOUT', description: "time a client may take to send a request's head, nginx syntax (default 60s)" },
  clientBodyTimeout: { flag: 'client-body-timeout', env: 'GATEWAY_NGINX_HTTP_CLIENT_BODY_TIMEOUT', kongEnv: 'KONG_NGINX_HTTP_CLIENT_BODY_TIMEOUT', description: 'longest pause between two reads of a request body (default 60s)' },
  sendTimeout: { flag: 'send-timeout', env: 'GATEWAY_NGINX_HTTP_SEND_TIMEOUT', kongEnv: 'KONG_NGINX_HTTP_SEND_TIMEOUT', description: 'longest a client may leave an answer unread (default 60s)' },
  pluginTimeout: { flag: 'plugin-timeout', env: 'GATEWAY_PLUGIN_TIMEOUT', description: "longest a plugin's phase may take to settle, nginx syntax (default 60s)" },
  memCacheSize: { flag: 'mem-cache-size', env: 'GATEWAY_MEM_CACHE_SIZE', kongEnv: 'KONG_MEM_CACHE_SIZE', description: "bytes each proxy-cache dictionary may hold, nginx size syntax such as 128m or 512k (default 128m)" },
  syslogAddress: { flag: 'syslog-address', env: 'GATEWAY_SYSLOG_ADDRESS', description: "the syslog plugin's receiver, UDP HOST:PORT (default 127.0.0.1:514)" },
} as const satisfies Record<string, SettingSpec>;

export type SettingKey = keyof typeof SETTING_SPECS;
export type FlagValues = Partial<Record<SettingKey, string | string[] | undefined>>;

const splitList = (values: readonly string[], separator: RegExp) =>
  values.flatMap((v) => v.split(separator)).map((v) => v.trim()).filter((v) => v !== '');

/** Kong key (`proxy_listen`) → the setting it is the twin of, from the specs' `kongEnv`. */
const KONG_TWINS: ReadonlyMap<string, SettingKey> = new Map(
  Object.entries(SETTING_SPECS).flatMap(([key, spec]: [string, SettingSpec]) => (spec.kongEnv ? [[spec.kongEnv.slice(5).toLowerCase(), key as SettingKey]] : [])),
);

const GATEWAY_NAMES: ReadonlySet<string> = new Set(Object.values(SETTING_SPECS).map((spec: SettingSpec) => spec.env));

export function resolveSettings(flags: FlagValues, env: NodeJS.ProcessEnv): Settings {
  const warnings: string[] = [];
  for (const name of Object.keys(env)) if (name.startsWith('GATEWAY_') && !GATEWAY_NAMES.has(name)) warnings.push(`${name}: ignored (not a setting: gateway --help lists them)`);
  const confFlag = flags.conf;
  const confFile = (Array.isArray(confFlag) ? confFlag[0] : confFlag) ?? (env.GATEWAY_CONF || undefined);
  const kong: ReadonlyMap<SettingKey, KongValue> = kongValues(KONG_TWINS, env, confFile === undefined ? undefined : readKongConf(confFile), warnings);
  const origins = new Map<SettingKey, string>();
  const pick = (key: SettingKey): string[] => {
    const spec: SettingSpec = SETTING_SPECS[key];
    const flag = flags[key];
    if (flag !== undefined) {
      origins.set(key, `--${spec.flag}`);
      return Array.isArray(flag) ? flag : [flag];
    }
    const fromEnv = env[spec.env];
    if (fromEnv !== undefined && fromEnv !== '') {
      origins.set(key, spec.env);
      return [fromEnv];
    }
    const fromKong = kong.get(key);
    if (fromKong) origins.set(key, fromKong.origin);
    return fromKong ? [fromKong.value] : [];
  };
  /** Names where a value comes from, for messages: `--proxy-listen`, `KONG_PROXY_LISTEN`, `kong.conf:3: proxy_listen`. */
  const label = (key: SettingKey) => {
    if (!origins.has(key)) pick(key);
    return origins.get(key) ?? `--${SETTING_SPECS[key].flag}`;
  };
  const warn = (message: string) => warnings.push(message);
  const given = pick('logLevel')[0] ?? 'info';
  const logLevel = KONG_LOG_LEVELS[given] ?? given;
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new GatewayError('BAD_USAGE', `${label('logLevel')}: expected one of ${LOG_LEVELS.join(', ')} (or Kong's notice, crit, alert, emerg), got '${given}'`);
  }
  const plugins = splitList(pick('plugins'), /,/);
  const drain = pick('drainTimeout')[0] ?? '10';
  if (!/^\d+(\.\d+)?$/.test(drain)) throw new GatewayError('BAD_USAGE', `${label('drainTimeout')}: expected seconds, got '${drain}'`);
  const proxyListen = parseListen(label('proxyListen'), splitList(pick('proxyListen'), /,/), '0.0.0.0:8000', warn);
  const adminListen = parseListen(label('adminListen'), splitList(pick('adminListen'), /,/), '127.0.0.1:8001', warn);
  const statusListen = parseListen(label('statusListen'), splitList(pick('statusListen'), /,/), 'off', warn);
  const streamListen = parseStreamListen(label('streamListen'), splitList(pick('streamListen'), /,/), warn);
  // Kong's stream TLS terminator serves the proxy's ssl_cert too.
  const proxyTls = [...proxyListen, ...streamListen];
  // As Kong, a kind of listener's certificate is read (and checked) only when one of them is ssl.
  const certificates = (listeners: readonly ListenAddress[], cert: 'sslCert' | 'adminSslCert' | 'statusSslCert', key: 'sslCertKey' | 'adminSslCertKey' | 'statusSslCertKey') => {
    if (!listeners.some((l) => l.ssl)) return undefined;
    return readCertificates(label(cert), splitList(pick(cert), /,/), label(key), splitList(pick(key), /,/));
  };
  const tls = {
    proxy: certificates(proxyTls, 'sslCert', 'sslCertKey'),
    admin: certificates(adminListen, 'adminSslCert', 'adminSslCertKey'),
    status: certificates(statusListen, 'statusSslCert', 'statusSslCertKey'),
  };
  const needs = (listeners: readonly ListenAddress[], configured: PemPair | undefined) => listeners.some((l) => l.ssl) && configured === undefined;
  // One certificate, made once, for every kind of listener that has none (and the same in every worker).
  const made = needs(proxyTls, tls.proxy) || needs(adminListen, tls.admin) || needs(statusListen, tls.status) ? selfSignedCertificate() : undefined;
  const serve = (listeners: readonly ListenAddress[], configured: PemPair | undefined) => (listeners.some((l) => l.ssl) ? (configured ?? made) : undefined);
  return {
    configPath: pick('config')[0] ?? 'kong.yaml',
    plugins: plugins.length === 0 ? ['bundled'] : plugins,
    pluginsPaths: splitList(pick('pluginsPath'), /:/),
    logLevel: logLevel as LogLevel,
    proxyListen,
    streamListen,
    adminListen,
    statusListen,
    accessLog: parseAccessLog(pick('accessLog')[0] ?? 'off'),
    workers: parseWorkers(label('workers'), pick('workers')[0] ?? 'auto'),
    trustedIps: parseTrustedIps(label('trustedIps'), splitList(pick('trustedIps'), /,/)),
    realIp: parseRealIp({ header: label('realIpHeader'), recursive: label('realIpRecursive') }, pick('realIpHeader')[0] ?? 'X-Real-IP', pick('realIpRecursive')[0] ?? 'off', proxyListen),
    headers: parseHeaders({ headers: label('headers'), upstream: label('headersUpstream') }, splitList(pick('headers'), /,/), splitList(pick('headersUpstream'), /,/)),
    portMaps: parsePortMaps(label('portMaps'), splitList(pick('portMaps'), /,/)),
    errorDefaultType: oneOf(label('errorDefaultType'), pick('errorDefaultType')[0] ?? 'text/plain', ERROR_TYPES),
    errorTemplatePaths: Object.fromEntries(
      (['html', 'json', 'xml', 'plain'] as const).flatMap((kind) => {
        const path = pick(`errorTemplate${kind[0]!.toUpperCase()}${kind.slice(1)}` as 'errorTemplateHtml')[0];
        return path === undefined ? [] : [[kind, path]];
      }),
    ),
    drainTimeoutSeconds: Number(drain),
    clientTimeouts: {
      headerMs: duration(label('clientHeaderTimeout'), pick('clientHeaderTimeout')[0] ?? '60s'),
      bodyMs: duration(label('clientBodyTimeout'), pick('clientBodyTimeout')[0] ?? '60s'),
      sendMs: duration(label('sendTimeout'), pick('sendTimeout')[0] ?? '60s'),
    },
    pluginTimeoutMs: duration(label('pluginTimeout'), pick('pluginTimeout')[0] ?? '60s'),
    memCacheSizeBytes: size(label('memCacheSize'), pick('memCacheSize')[0] ?? '128m'),
    syslogAddress: hostPort(label('syslogAddress'), pick('syslogAddress')[0] ?? '127.0.0.1:514'),
    ...(serve(proxyTls, tls.proxy) ? { sslCertificate: serve(proxyTls, tls.proxy) } : {}),
    ...(serve(adminListen, tls.admin) ? { adminSslCertificate: serve(adminListen, tls.admin) } : {}),
    ...(serve(statusListen, tls.status) ? { statusSslCertificate: serve(statusListen, tls.status) } : {}),
    warnings: [...new Set(warnings)],
  };
}

/** Kong's stream_listen: off unless given; the PROXY protocol is not read on stream listeners (refused, not ignored). */
function parseStreamListen(flag: string, values: readonly string[], warn: (message: string) => void): ListenAddress[] {
  const list = parseListen(flag, values, 'off', warn, true);
  const pp = list.find((l) => l.proxyProtocol);
  if (pp) throw new GatewayError('BAD_USAGE', `${flag}: proxy_protocol is not supported on stream listeners, in '${pp.host}:${pp.port} proxy_protocol'`);
  return list;
}

/** Kong's nginx_worker_processes: `auto` is one per core (what Node may use of them), else a count of 1 to 1024. */
function parseWorkers(flag: string, value: string): number {
  const text = value.trim();
  if (text === 'auto') return availableParallelism();
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 1024) throw new GatewayError('BAD_USAGE', `${flag}: expected a number of 1 to 1024 or 'auto', got '${value}'`);
  return Number(text);
}

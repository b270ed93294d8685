/**
 * The admin API, Kong's DB-less subset: node information and status, read-only entities (with Kong's nested
 * forms and pagination), plugin schemas, `GET`/`POST /config`, and reload metrics. Writes to entities answer 405
 * with Kong's message; proxy-cache's purge endpoints (proxy-cache.ts). Listens on loopback unless told otherwise.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import { stringify } from 'yaml';
import type { Config } from '../declarative/config.ts';
import type { PluginModule } from '../plugins/registry.ts';
import { utf8Issue } from '../declarative/load-config.ts';
import { decodeConfig } from '../declarative/load.ts';
import { displayConfig } from '../declarative/vaults.ts';
import { formatIssue } from '../errors.ts';
import type { Reloader } from '../runtime/reload.ts';
import type { WorkerStatus } from '../runtime/worker-pool.ts';
import type { SnapshotStore } from '../runtime/store.ts';
import { inputSchema } from '../schema/input-schema.ts';
import type { ListenAddress } from '../settings/settings.ts';
import { kongErrorFields } from './config-errors.ts';
import { proxyCacheEndpoint } from './proxy-cache.ts';
import { reloadMetrics, statusAnswer, type ServerCounts } from './status-body.ts';
import { METRICS_CONTENT_TYPE, renderMetrics, type MetricSource } from '../observability/metrics.ts';

export interface AdminOptions {
  readonly store: SnapshotStore;
  readonly reloader: Reloader;
  readonly catalog: ReadonlyMap<string, PluginModule>;
  readonly version: string;
  readonly nodeId: string;
  /** The proxy listeners' connection and request counts (`/status`'s `server`). */
  readonly counts: () => Promise<ServerCounts>;
  /**
   * More of `/metrics`: each source returns whole metric families in the exposition format (HELP, TYPE and
   * samples, one per line), after the reload metrics. A source that throws is left out of that scrape.
   */
  readonly metrics?: readonly MetricSource[];
  /** Kong's `headers` on the admin API: `Server` (this token) and `X-Kong-Admin-Latency`. */
  readonly server?: string;
  readonly adminLatency?: boolean;
  /** What an `ssl` admin listener serves: Kong's admin_ssl_cert, or the certificate made at start. */
  readonly certificate?: { readonly cert: string | string[]; readonly key: string | string[] };
  /** Puts the reading of a PROXY protocol header in front of a `proxy_protocol` admin listener's server. */
  readonly acceptProxyProtocol?: (server: Server) => void;
  /** With workers: which config each serves (`/status`'s `workers`). */
  readonly workers?: () => readonly WorkerStatus[];
}

export type { MetricSource };

type Json = unknown;
type Entity = { readonly id: string } & Record<string, unknown>;

/** Endpoint → collection, and the field a name lookup uses. */
const ENDPOINTS: Record<string, { collection: keyof Config; key?: string }> = {
  services: { collection: 'services', key: 'name' },
  routes: { collection: 'routes', key: 'name' },
  consumers: { collection: 'consumers', key: 'username' },
  consumer_groups: { collection: 'consumer_groups', key: 'name' },
  plugins: { collection: 'plugins', key: 'instance_name' },
  upstreams: { collection: 'upstreams', key: 'name' },
  targets: { collection: 'targets', key: 'target' },
  certificates: { collection: 'certificates' },
  snis: { collection: 'snis', key: 'name' },
  keys: { collection: 'keys', key: 'name' },
  // Kong's admin_api_name for key_sets.
  'key-sets': { collection: 'key_sets', key: 'name' },
  vaults: { collection: 'vaults', key: 'prefix' },
};

/**
 * The Kong version whose behaviour this gateway follows: `GET /` reports it as `version`, because decK and Kong's
 * other tools gate features on it. The gateway's own version is `gateway_version`.
 */
export const KONG_COMPATIBLE_VERSION = '3.10.0';

/** Kong's nested listings: parent endpoint → child endpoint → the child's field that points to the parent. */
const NESTED: Record<string, Record<string, string>> = {
  services: { routes: 'service', plugins: 'service' },
  routes: { plugins: 'route' },
  consumers: { plugins: 'consumer' },
  upstreams: { targets: 'upstream' },
  'key-sets': { keys: 'set' },
};

const VERBS: Record<string, string> = { POST: 'create', PUT: 'create or update', PATCH: 'update', DELETE: 'remove' };

/** When each admin request arrived, for X-Kong-Admin-Latency (only kept when that header is on). */
const arrivals = new WeakMap<ServerResponse, number>();

function latencyHeader(res: ServerResponse): Record<string, string> {
  const at = arrivals.get(res);
  return at === undefined ? {} : { 'x-kong-admin-latency': String(Math.round(performance.now() - at)) };
}

function send(res: ServerResponse, status: number, body?: Json, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...latencyHeader(res), ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }), 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

const BODY_LIMIT = 64 * 1024 * 1024;

/** The request body's bytes, or undefined past the limit (the rest is read and dropped). */
function readBody(req: IncomingMessage, limit = BODY_LIMIT): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
    });
    req.on('end', () => resolve(size > limit ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const safeDecode = (part: string) => {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
};

const truthy = (v: string | null) => v !== null && ['1', 'true', 'on', 'yes'].includes(v.toLowerCase());

/** The current config as Kong's `GET /config` exports it: flat, with ids, `_transform: false`. */
export function exportConfig(config: Config): string {
  const out: Record<string, unknown> = { _format_version: '3.0', _transform: false };
  for (const [key, value] of Object.entries(config)) {
    if (Array.isArray(value) && value.length > 0) out[key] = value;
  }
  return stringify(out);
}

function flattenedEntities(config: Config): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [key, value] of Object.entries(config)) {
    if (!Array.isArray(value) || value.length === 0 || key === 'consumer_group_consumers') continue;
    out[key] = Object.fromEntries((value as Entity[]).map((e) => [e.id, e]));
  }
  return out;
}

export function createAdminHandler(options: AdminOptions) {
  const { store } = options;

  function find(endpoint: string, idOrName: string): Entity | undefined {
    const spec = ENDPOINTS[endpoint]!;
    const list = displayConfig(store.current().config)[spec.collection] as readonly Entity[];
    return list.find((e) => e.id === idOrName) ?? (spec.key ? list.find((e) => e[spec.key!] === idOrName) : undefined);
  }

  function page(res: ServerResponse, url: URL, list: readonly Entity[]): void {
    const size = Math.min(Math.max(Number(url.searchParams.get('size') ?? 100) || 100, 1), 1000);
    const offset = Math.max(Number(url.searchParams.get('offset') ?? 0) || 0, 0);
    const data = list.slice(offset, offset + size);
    const nextOffset = offset + size < list.length ? String(offset + size) : null;
    send(res, 200, { data, next: nextOffset === null ? null : `${url.pathname}?offset=${nextOffset}&size=${size}`, ...(nextOffset ? { offset: nextOffset } : {}) });
  }

  async function postConfig(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const bytes = await readBody(req);
    if (!bytes) return send(res, 413, { message: `the configuration is larger than ${BODY_LIMIT / 1024 / 1024} MiB` });
    const undecodable = utf8Issue(bytes, '<POST /config>');
    if (undecodable) {
      return send(res, 400, {
        code: 14, name: 'invalid declarative configuration', message: `declarative config is invalid: ${undecodable.message}`,
        fields: { error: undecodable.message }, positions: [formatIssue(undecodable)],
      });
    }
    const raw = decodeConfig(bytes);
    const type = (req.headers['content-type'] ?? '').toLowerCase();
    let text = raw;
    if (type.includes('application/x-www-form-urlencoded')) text = new URLSearchParams(raw).get('config') ?? '';
    else if (type.includes('application/json')) {
      try {
        const parsed = JSON.parse(raw) as Record<string, unknown>;
        if (typeof parsed.config === 'string') text = parsed.config;
        else if (parsed.config && typeof parsed.config === 'object') text = JSON.stringify(parsed.config);
      } catch {
        // Not JSON after all: the loader reports it with its position.
      }
    }
    if (text.trim() === '') return send(res, 400, { message: 'expected a declarative configuration' });
    const current = store.current();
    const record = await options.reloader.apply(text, '<POST /config>');
    if (record.result === 'unchanged') {
      return truthy(url.searchParams.get('check_hash')) ? send(res, 304) : send(res, 201, flattenedEntities(displayConfig(current.config)));
    }
    if (record.result === 'failed') {
      const { fields, flattened } = kongErrorFields(text, record.errors);
      return send(res, 400, {
        code: 14,
        name: 'invalid declarative configuration',
        message: `declarative config is invalid: ${record.errors.map((e) => `${e.path || '(root)'}: ${e.message}`).join('; ')}`,
        fields,
        ...(truthy(url.searchParams.get('flatten_errors')) ? { flattened_errors: flattened } : {}),
        positions: record.errors.map(formatIssue),
      });
    }
    send(res, 201, flattenedEntities(displayConfig(store.current().config)));
  }

  const metricSources = [reloadMetrics(store, options.reloader), ...(options.metrics ?? [])];

  async function metrics(res: ServerResponse): Promise<void> {
    const text = await renderMetrics(metricSources);
    res.writeHead(200, { ...latencyHeader(res), 'content-type': METRICS_CONTENT_TYPE, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://admin');
    const decoded = url.pathname.split('/').filter(Boolean).map(safeDecode);
    if (decoded.includes(undefined)) return send(res, 400, { message: 'Bad request' });
    const parts = decoded as string[];
    const method = req.method ?? 'GET';
    const snapshot = store.current();
    if (parts.length === 0 && method === 'GET') {
      return send(res, 200, {
        version: KONG_COMPATIBLE_VERSION,
        gateway_version: options.version,
        hostname: hostname(),
        node_id: options.nodeId,
        tagline: 'Welcome to the gateway',
        plugins: {
          available_on_server: Object.fromEntries([...options.catalog.keys()].sort().map((n) => {
            const h = options.catalog.get(n)?.handler;
            return [n, h ? { version: h.version, priority: h.priority } : {}];
          })),
          enabled_in_cluster: [...new Set(snapshot.config.plugins.map((p) => p.name))].sort(),
        },
        configuration: { database: 'off', role: 'traditional' },
      });
    }
    const [first, second, third] = parts;
    if (first === 'status' && parts.length === 1) {
      try {
        return send(res, 200, await statusAnswer({ store, reloader: options.reloader, server: options.counts, ...(options.workers ? { workers: options.workers } : {}) }, url.searchParams));
      } catch (err) {
        if (err instanceof RangeError) return send(res, 400, { message: err.message });
        throw err;
      }
    }
    if (first === 'metrics' && parts.length === 1) return metrics(res);
    if (first === 'config' && parts.length === 1) {
      if (method === 'GET') return send(res, 200, { config: exportConfig(displayConfig(snapshot.config)) });
      if (method === 'POST') return postConfig(req, res, url);
    }
    if (first === 'plugins' && second === 'enabled' && parts.length === 2) {
      return send(res, 200, { enabled_plugins: [...options.catalog.keys()].sort() });
    }
    if (first === 'schemas' && second === 'plugins' && third !== undefined && parts.length === 3) {
      const module = options.catalog.get(third);
      return module ? send(res, 200, inputSchema(module.schema.config)) : send(res, 404, { message: `No plugin named '${third}'` });
    }
    if (first === 'proxy-cache' && options.catalog.has('proxy-cache')) {
      const answer = proxyCacheEndpoint(snapshot.config, method, parts.slice(1));
      if (answer) return send(res, answer.status, answer.body);
    }
    if (first !== undefined && ENDPOINTS[first]) {
      if (method !== 'GET' && method !== 'HEAD') {
        const verb = VERBS[method] ?? 'modify';
        return send(res, 405, { code: 12, name: 'operation unsupported', message: `cannot ${verb} '${ENDPOINTS[first].collection}' entities when not using a database` });
      }
      const shown = displayConfig(snapshot.config);
      const all = shown[ENDPOINTS[first].collection] as readonly Entity[];
      if (parts.length === 1) return page(res, url, all);
      const entity = find(first, second!);
      if (!entity) return send(res, 404, { message: 'Not found' });
      if (parts.length === 2) return send(res, 200, entity);
      const field = third !== undefined ? NESTED[first]?.[third] : undefined;
      if (parts.length === 3 && field) {
        const children = shown[ENDPOINTS[third!]!.collection] as readonly Entity[];
        return page(res, url, children.filter((c) => (c[field] as { id?: string } | null)?.id === entity.id));
      }
    }
    send(res, 404, { message: 'Not found' });
  }

  return (req: IncomingMessage, res: ServerResponse): void => {
    if (options.server) res.setHeader('server', options.server);
    if (options.adminLatency) arrivals.set(res, performance.now());
    route(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { message: 'An unexpected error occurred' });
      else res.destroy();
    });
  };
}

export async function listenAdmin(at: ListenAddress, options: AdminOptions): Promise<{ address: string; port: number; close(): Promise<void> }> {
  const handler = createAdminHandler(options);
  if (at.ssl && !options.certificate) throw new Error(`admin listener ${at.host}:${at.port} is ssl but has no certificate`);
  const server: Server = at.ssl ? createHttpsServer({ cert: options.certificate!.cert, key: options.certificate!.key }, handler) : createServer(handler);
  if (at.proxyProtocol) {
    if (!options.acceptProxyProtocol) throw new Error(`admin listener ${at.host}:${at.port} has proxy_protocol but nothing reads it`);
    options.acceptProxyProtocol(server);
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // As nginx (and proxy/listeners.ts): an IPv6 address is IPv6 only unless ipv6only=off.
    const ipv6Only = at.host.includes(':') ? { ipv6Only: at.ipv6Only ?? true } : {};
    server.listen({ port: at.port, host: at.host, ...(at.backlog === undefined ? {} : { backlog: at.backlog }), ...ipv6Only }, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    address: `${at.host.includes(':') ? `[${at.host}]` : at.host}:${port}`,
    port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

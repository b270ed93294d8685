// Kong: kong/plugins/proxy-cache/handler.lua (3.10), the memory strategy (store.ts).
import type { Kong } from '../../../pdk/kong.ts';
import type { PluginConfig } from '../../schema-types.ts';
import { definePluginHandler } from '../../types.ts';
import { buildCacheKey } from './cache-key.ts';
import { parseDirectives, resourceTtl, seconds, type Directives } from './cache-control.ts';
import { contentTypeMatches, parseMediaType, type MediaType } from './content-type.ts';
import { servedHeaders, storedHeaders } from './headers.ts';
import { fetchEntry, largestBody, retainStores, storeEntry, type CachedResponse } from './store.ts';
import type schema from './schema.ts';

type Config = PluginConfig<typeof schema>;

interface Prepared {
  readonly methods: ReadonlySet<string>;
  readonly codes: ReadonlySet<number>;
  /** The configured content types that parse (Kong skips the others). */
  readonly contentTypes: readonly MediaType[];
  readonly dictionary: string;
}

/** A cacheable request on its way: what header and body filters gather to store. */
interface Pending {
  readonly key: string;
  readonly reqBody: Buffer | undefined;
  headers?: Record<string, string | readonly string[]>;
  ttl?: number;
  readonly chunks: Buffer[];
  size: number;
}

const CACHE_VERSION = 1;
const EMPTY = Buffer.alloc(0);
const now = () => Math.floor(Date.now() / 1000);

type DiagnosticHeader = 'age' | 'X-Cache-Status' | 'X-Cache-Key';

/** Kong shows a diagnostic header when configured, or whatever the config when the client sends Kong-Debug. */
const shows = (kong: Kong, config: Config, header: DiagnosticHeader) => config.response_headers[header] || kong.request.getHeader('kong-debug') !== undefined;

function setHeader(kong: Kong, config: Config, header: DiagnosticHeader, value: string): void {
  if (shows(kong, config, header)) kong.response.setHeader(header, value);
}

/** nginx's `$request` without its query: "GET /path HTTP/1.1", or "GET /path" when there was a query. */
function requestUri(kong: Kong): string {
  const target = kong.request.getPathWithQuery();
  const q = target.indexOf('?');
  return q >= 0 ? `${kong.request.getMethod()} ${target.slice(0, q)}` : `${kong.request.getMethod()} ${target} HTTP/${kong.request.getHttpVersion().toFixed(1)}`;
}

function signal(kong: Kong, config: Config, pending: Pending, status: 'Miss' | 'Refresh'): void {
  kong.ctx.plugin.proxyCache = pending;
  setHeader(kong, config, 'X-Cache-Status', status);
}

/** Whether the client takes the stored answer (Kong: Cache-Control's max-age, max-stale, min-fresh; else cache_ttl). */
function fresh(config: Config, cc: Directives, entry: CachedResponse, at: number): boolean {
  const age = at - entry.timestamp;
  if (!config.cache_control) return age <= config.cache_ttl;
  const maxAge = seconds(cc, 'max-age');
  if (maxAge !== undefined && age > maxAge) return false;
  const maxStale = seconds(cc, 'max-stale');
  if (maxStale !== undefined && age - entry.ttl > maxStale) return false;
  const minFresh = seconds(cc, 'min-fresh');
  if (minFresh !== undefined && entry.ttl - age < minFresh) return false;
  return true;
}

function access(kong: Kong, config: Config, p: Prepared): void | Promise<void> {
  const method = kong.request.getMethod();
  const cc = config.cache_control ? parseDirectives(kong.request.getHeaders()['cache-control']) : {};
  // Kong also means to skip requests with Authorization here, but reads an nginx variable that does not exist.
  if (!p.methods.has(method) || (config.cache_control && (cc['no-store'] || cc['no-cache']))) {
    setHeader(kong, config, 'X-Cache-Status', 'Bypass');
    return;
  }
  const consumer = kong.client.getConsumer();
  const route = kong.router.getRoute();
  let uri = requestUri(kong);
  // Lua's lower: ASCII letters only.
  if (config.ignore_uri_case) uri = uri.replace(/[A-Z]+/g, (s) => s.toLowerCase());
  const key = buildCacheKey(consumer?.id, route?.id, method, uri, kong.request.getQuery(), kong.request.getHeaders(), config);
  setHeader(kong, config, 'X-Cache-Key', key);
  const entry = fetchEntry(p.dictionary, key);
  if (!entry) {
    // RFC 9111 5.2.1.7: only a stored answer will do.
    if (config.cache_control && cc['only-if-cached']) return kong.response.exit(504);
    const headers = kong.request.getHeaders();
    if (headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) return signal(kong, config, { key, reqBody: EMPTY, chunks: [], size: 0 }, 'Miss');
    return kong.request.getRawBody().then((reqBody) => signal(kong, config, { key, reqBody, chunks: [], size: 0 }, 'Miss'));
  }
  const at = now();
  if (!fresh(config, cc, entry, at)) return signal(kong, config, { key, reqBody: undefined, chunks: [], size: 0 }, 'Refresh');
  kong.ctx.shared.proxy_cache_hit = { res: entry, req: { body: entry.reqBody } };
  const headers = servedHeaders(entry.headers);
  if (shows(kong, config, 'age')) headers.age = String(Math.floor(at - entry.timestamp));
  if (shows(kong, config, 'X-Cache-Status')) headers['x-cache-status'] = 'Hit';
  if (shows(kong, config, 'X-Cache-Key')) headers['x-cache-key'] = key;
  kong.response.exit(entry.status, entry.body, headers, { proxied: true });
}

function cacheableResponse(kong: Kong, config: Config, p: Prepared, cc: Directives, contentType: string | readonly string[] | undefined): boolean {
  if (!p.codes.has(kong.response.getStatus() ?? 0)) return false;
  // Several Content-Type headers, or an empty one, cannot be examined.
  if (typeof contentType !== 'string' || contentType === '' || !contentTypeMatches(p.contentTypes, contentType)) return false;
  if (!config.cache_control) return true;
  if (cc.private || cc['no-store'] || cc['no-cache']) return false;
  return resourceTtl(cc, kong.response.getHeaders().expires, Date.now() / 1000) > 0;
}

function headerFilter(kong: Kong, config: Config, p: Prepared): void {
  const pending = kong.ctx.plugin.proxyCache as Pending | undefined;
  if (!pending) return;
  const head = kong.response.getHeaders();
  const cc = config.cache_control ? parseDirectives(head['cache-control']) : {};
  if (cacheableResponse(kong, config, p, cc, head['content-type'])) {
    pending.headers = storedHeaders(head);
    pending.ttl = config.cache_control ? resourceTtl(cc, head.expires, Date.now() / 1000) : config.cache_ttl;
    return;
  }
  setHeader(kong, config, 'X-Cache-Status', 'Bypass');
  kong.ctx.plugin.proxyCache = undefined;
}

function bodyFilter(kong: Kong, config: Config, p: Prepared): void {
  const pending = kong.ctx.plugin.proxyCache as Pending | undefined;
  if (!pending?.headers) return;
  // The body streams on to the client as it comes; a copy is kept for the store, unless it outgrows the budget.
  const chunk = kong.response.getBodyChunk();
  if (chunk.length > 0) {
    pending.size += chunk.length;
    if (pending.size > largestBody()) {
      kong.ctx.plugin.proxyCache = undefined;
      kong.log.debug('response larger than the cache can hold; not cached', { size: pending.size });
      return;
    }
    pending.chunks.push(chunk);
  }
  if (!kong.response.isLastChunk()) return;
  kong.ctx.plugin.proxyCache = undefined;
  const ttl = pending.ttl ?? config.cache_ttl;
  const entry: CachedResponse = {
    status: kong.response.getStatus() ?? 200,
    headers: pending.headers,
    body: pending.chunks.length === 1 ? pending.chunks[0]! : Buffer.concat(pending.chunks, pending.size),
    timestamp: now(),
    ttl,
    version: CACHE_VERSION,
    reqBody: pending.reqBody,
  };
  const storageTtl = config.storage_ttl ?? (config.cache_control ? ttl : config.cache_ttl);
  if (!storeEntry(p.dictionary, pending.key, entry, storageTtl)) kong.log.warn('response could not be cached', { storage_ttl: storageTtl, size: pending.size });
}

export default definePluginHandler<Config, Prepared>({
  version: '1.0.0',
  priority: 100,
  prepare(config) {
    return {
      methods: new Set(config.request_method),
      codes: new Set(config.response_code),
      contentTypes: config.content_type.map(parseMediaType).filter((t): t is MediaType => t !== undefined),
      dictionary: config.memory.dictionary_name,
    };
  },
  configure(configs) {
    retainStores(new Set((configs ?? []).map((c) => c.memory.dictionary_name)));
  },
  access,
  headerFilter,
  bodyFilter,
});

// Kong: kong/plugins/proxy-cache/cache_key.lua — the same composition and hashing (SHA-256, hex), so that
// X-Cache-Key is the one Kong computes for the same request, route and consumer.
import { createHash } from 'node:crypto';

export type Args = Readonly<Record<string, string | true | readonly (string | true)[]>>;

// Lua's sort compares strings bytewise; UTF-16 order differs only past the BMP's private-use area.
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * `field=value` of the listed fields present in `args`, joined with ":": a list sorted and joined with ",",
 * a flag (`true`) as its bare name. `lookup` maps a field to its key in `args` (headers are case-insensitive).
 */
export function keyFrom(args: Args, fields: readonly string[], lookup: (field: string) => string = (f) => f): string {
  const parts: string[] = [];
  for (const field of fields) {
    const arg = args[lookup(field)];
    if (arg === undefined) continue;
    if (Array.isArray(arg)) parts.push(`${field}=${arg.map((v: string | true) => (v === true ? 'true' : v)).sort(byText).join(',')}`);
    else if (arg === true) parts.push(field);
    else parts.push(`${field}=${arg as string}`);
  }
  return parts.join(':');
}

/** The query part: the listed parameters, or all of them (sorted by name) when none are listed. */
export function paramsKey(query: Args, varyQueryParams: readonly string[] | null | undefined): string {
  if (!varyQueryParams || varyQueryParams.length === 0) return keyFrom(query, Object.keys(query).sort(byText));
  return keyFrom(query, varyQueryParams);
}

const headerKey = (field: string) => field.toLowerCase().replaceAll('_', '-');

/** The headers part: only the listed headers (none by default); names looked up as Kong's get_headers does. */
export function headersKey(headers: Args, varyHeaders: readonly string[] | null | undefined): string {
  if (!varyHeaders || varyHeaders.length === 0) return '';
  return keyFrom(headers, varyHeaders, headerKey);
}

/** `consumer:route` on an authenticated route, the route's id, else "default". */
export function prefixUuid(consumerId: string | undefined, routeId: string | undefined): string {
  if (consumerId && routeId) return `${consumerId}:${routeId}`;
  return routeId ?? 'default';
}

export interface KeyConfig {
  readonly vary_query_params?: readonly string[] | null;
  readonly vary_headers?: readonly string[] | null;
}

// Node reads the request line and header values as latin1: their bytes are those chars, as Kong hashes the raw
// bytes. Query values are decoded text (UTF-8), as Kong decodes them to bytes.
const BEYOND_LATIN1 = /[^\x00-\xff]/;
const raw = (text: string) => (BEYOND_LATIN1.test(text) ? text : Buffer.from(text, 'latin1'));

/** sha256_hex("prefix|method|uri|params|headers"). */
export function buildCacheKey(consumerId: string | undefined, routeId: string | undefined, method: string, uri: string, query: Args, headers: Args, config: KeyConfig): string {
  return createHash('sha256')
    .update(`${prefixUuid(consumerId, routeId)}|${method}|`)
    .update(raw(uri))
    .update(`|${paramsKey(query, config.vary_query_params)}|`)
    .update(raw(headersKey(headers, config.vary_headers)))
    .digest('hex');
}

/**
 * Header operations shared by the proxy and the PDK: hop-by-hop rules of a proxy hop (RFC 9110 §7.6.1 plus the
 * legacy headers Kong removes), header names as Kong's PDK takes them, and changes applied to a header record.
 */

import { clientRecord } from './records.ts';

export type Headers = Record<string, string | string[]>;

/**
 * Hop-by-hop request headers plus the legacy ones Kong removes (Proxy: httpoxy). Proxy-Authorization and
 * Proxy-Authenticate go on, as nginx's proxy module passes them (spec 03-upstream_headers_spec.lua:127).
 */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy']);

/**
 * What nginx does not pass back from an upstream's answer: the connection's own headers. Proxy, Proxy-Connection
 * and TE are request headers Kong leaves on answers; Trailer goes only to a client that asked (TE: trailers).
 */
const RESPONSE_HOP_BY_HOP = new Set(['connection', 'keep-alive', 'trailer', 'transfer-encoding', 'upgrade']);

const NONE: ReadonlySet<string> = new Set();

/** Names a `Connection` header lists (besides keep-alive/close/upgrade), which must not be forwarded either. */
export function connectionListed(connection: string | string[] | undefined): ReadonlySet<string> {
  // The usual values name nothing to remove: no allocation for them.
  if (!connection || connection === 'keep-alive' || connection === 'close' || connection === 'Keep-Alive') return NONE;
  const out = new Set<string>();
  for (const part of (Array.isArray(connection) ? connection.join(',') : connection).split(',')) {
    const name = part.trim().toLowerCase();
    if (name && name !== 'keep-alive' && name !== 'close' && name !== 'upgrade') out.add(name);
  }
  return out;
}

export function isHopByHop(name: string, listed: ReadonlySet<string>): boolean {
  return HOP_BY_HOP.has(name) || listed.has(name);
}

export function isResponseHopByHop(name: string, listed: ReadonlySet<string>): boolean {
  return RESPONSE_HOP_BY_HOP.has(name) || listed.has(name);
}

export function firstValue(v: string | readonly string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : (v as string | undefined);
}

/**
 * Raw header pairs → a record where a repeated header is a list (Node joins or drops some repeats). No
 * prototype: header names are the client's.
 */
export function rawHeaders(raw: readonly string[]): Headers {
  const out: Headers = clientRecord();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    const current = out[name];
    if (current === undefined) out[name] = value;
    else if (Array.isArray(current)) current.push(value);
    else out[name] = [current, value];
  }
  return out;
}

/**
 * A header name as Kong's PDK takes it (case-insensitive, `_` for `-`, what cannot go on the wire
 * percent-encoded). Plugins pass the same few constant names on every request: those are remembered (up to a
 * bound, as a plugin could pass names from the request).
 */
const headerNames = new Map<string, string>();
export function headerName(name: string): string {
  const known = headerNames.get(name);
  if (known !== undefined) return known;
  if (typeof name !== 'string') throw new TypeError(`invalid header name "${String(name)}": got ${typeof name}, expected string`);
  const lower = name.toLowerCase();
  const normal = wireHeaderName(lower.includes('_') ? lower.replaceAll('_', '-') : lower);
  if (headerNames.size < 1024) headerNames.set(name, normal);
  return normal;
}

/** One header change: set replaces, add appends a value, clear removes. */
export type HeaderOp = readonly [name: string, op: 'set' | 'add' | 'clear', value: string | readonly string[]];

/** One header change, in place. */
export function applyHeaderOp(headers: Headers, [name, op, value]: HeaderOp): void {
  // `delete` turns an object into a slow dictionary: only when there is something to remove.
  if (op === 'clear') {
    if (headers[name] !== undefined) delete headers[name];
    // A client's `api_key` is the header a plugin clearing `api_key` (or `api-key`) means: names reach here with
    // `_` as `-`, so the underscore spelling is cleared too (hide_credentials must not let it through).
    if (name.includes('-')) {
      const underscored = name.replaceAll('-', '_');
      if (headers[underscored] !== undefined) delete headers[underscored];
    }
  } else if (op === 'set') headers[name] = typeof value === 'string' ? value : [...value];
  else {
    const current = headers[name];
    const added = typeof value === 'string' ? [value] : [...value];
    headers[name] = current === undefined ? (added.length === 1 ? added[0]! : added) : [...(Array.isArray(current) ? current : [current]), ...added];
  }
}

/** Changes in the order they were asked for. */
export function applyHeaderOps(headers: Headers, ops: readonly HeaderOp[]): void {
  for (const op of ops) applyHeaderOp(headers, op);
}

// What ngx_lua percent-encodes in header values and names (ngx_http_lua_util.c's escape tables): Kong's PDK
// raises no error for them, and neither does this one.
const VALUE_ESCAPED = /[\x00-\x08\x0a-\x1f\x7f]/;
/** Anything but what Node writes as is (tab, printable ASCII, latin1 beyond ASCII): one test for the usual value. */
const NOT_PLAIN = /[^\t\x20-\x7e\x80-\xff]/;
const NAME_ESCAPED = /[\x00-\x20"(),/:;<=>?@[\\\]{}\x7f-\xff]/;
const NOT_LATIN1 = /[^\x00-\xff]/;
const hex = (c: string) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;

/** A header name a plugin gave, as it goes on the wire (separators and control bytes percent-encoded). */
export function wireHeaderName(name: string): string {
  const bytes = NOT_LATIN1.test(name) ? Buffer.from(name, 'utf8').toString('latin1') : name;
  return NAME_ESCAPED.test(bytes) ? bytes.replace(new RegExp(NAME_ESCAPED.source, 'g'), hex) : bytes;
}

function wireValue(value: string): string {
  if (!NOT_PLAIN.test(value)) return value;
  // Node writes header values as latin1: text beyond it goes as its UTF-8 bytes, as nginx writes a Lua string.
  const bytes = NOT_LATIN1.test(value) ? Buffer.from(value, 'utf8').toString('latin1') : value;
  return VALUE_ESCAPED.test(bytes) ? bytes.replace(new RegExp(VALUE_ESCAPED.source, 'g'), hex) : bytes;
}

/**
 * A header value a plugin gave, checked and made safe as Kong's PDK takes it: a string, number or boolean (the
 * last two written as text) or a list of strings; control characters percent-encoded. Anything else throws
 * Kong's message.
 */
export function wireHeaderValue(name: string, value: unknown): string | string[] {
  if (typeof value === 'string') return wireValue(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    return value.map((v: unknown) => {
      if (typeof v !== 'string') throw new TypeError(`invalid header value in array "${name}": got ${typeof v}, expected string`);
      return wireValue(v);
    });
  }
  throw new TypeError(`invalid header value for "${name}": got ${value === null ? 'nil' : typeof value}, expected array of string, string, number or boolean`);
}

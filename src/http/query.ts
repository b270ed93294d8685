/**
 * Query strings as Kong reads and writes them: repeated arguments become arrays, an argument without `=` is
 * `true`, `+` is a space, and a part that does not decode is kept as written.
 */

import { clientRecord } from './records.ts';

export type ParsedQuery = Record<string, string | true | (string | true)[]>;

/** How many arguments Kong reads by default (ngx_lua's get_uri_args and get_post_args: `max_args` 100). */
export const MAX_ARGS = 100;

/**
 * Kong's query parsing: repeated arguments become arrays, an argument without `=` is `true`; no more than
 * `maxArgs` are read (the rest of a long string is not even split). The record has no prototype: a client's
 * `__proto__` or `constructor` is an argument like any other.
 */
export function parseQuery(raw: string, maxArgs = MAX_ARGS): ParsedQuery {
  const out: ParsedQuery = clientRecord();
  let read = 0;
  for (let start = 0; start < raw.length && read < maxArgs;) {
    let end = raw.indexOf('&', start);
    if (end < 0) end = raw.length;
    const part = raw.slice(start, end);
    start = end + 1;
    if (part === '') continue;
    read++;
    const eq = part.indexOf('=');
    const key = decodeQueryPart(eq < 0 ? part : part.slice(0, eq));
    const value: string | true = eq < 0 ? true : decodeQueryPart(part.slice(eq + 1));
    const existing = out[key];
    // Pushed, not copied: a body of a million repeats must parse in linear time.
    if (existing === undefined) out[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else out[key] = [existing, value];
  }
  return out;
}

/** A query name or value decoded (`+` is a space); one that does not decode is kept as written. */
export function decodeQueryPart(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** Arguments → query string, as Kong's `set_query` encodes them (sorted by name; `true` → a bare name). */
export function encodeQuery(args: Readonly<Record<string, string | true | readonly (string | true)[]>>): string {
  const parts: string[] = [];
  for (const key of Object.keys(args).sort()) {
    const value = args[key]!;
    for (const v of Array.isArray(value) ? value : [value]) parts.push(v === true ? encodeURIComponent(key) : `${encodeURIComponent(key)}=${encodeURIComponent(v as string)}`);
  }
  return parts.join('&');
}

/**
 * The query string (with its `?`) without the named arguments, as Kong 3.10's `clear_query_arg` writes it (ada's
 * URLSearchParams: what is kept is decoded and re-encoded in order, a bare name gets `=`, spaces are `%20`).
 */
export function withoutArgs(query: string, names: ReadonlySet<string>): string {
  const params = new URLSearchParams(query);
  for (const name of names) params.delete(name);
  const kept = params.toString();
  return kept === '' ? '' : `?${kept.includes('+') ? kept.replaceAll('+', '%20') : kept}`;
}

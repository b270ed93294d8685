/**
 * Kong's `transform_headers` over the request headers as they stand (the client's and earlier plugins' changes).
 * Kong works on the Lua table ngx_lua gives, whose keys are lower case and whose lookups fall back to the lower
 * case (`_` as `-`) name, then clears what it removed or renamed and sets every entry left; this keeps the same
 * table semantics and sends only the entries that differ.
 */
import { headerName } from '../../../http/headers.ts';
import type { Kong } from '../../../pdk/kong.ts';
import type { Prepared } from './config.ts';
import type { RequestEnv } from './env.ts';
import { appendValue, render } from './values.ts';

type HeaderValue = string | readonly string[];

/** A Lua table of headers: raw keys, with ngx_lua's fallback on lookup. */
class HeaderTable {
  readonly raw = new Map<string, HeaderValue>();

  get(key: string): HeaderValue | undefined {
    const v = this.raw.get(key);
    if (v !== undefined) return v;
    const normal = key.toLowerCase().replaceAll('_', '-');
    return normal === key ? undefined : this.raw.get(normal);
  }

  set(key: string, value: HeaderValue | undefined): void {
    if (value === undefined) this.raw.delete(key);
    else this.raw.set(key, value);
  }

  /** Kong's `rename`: moves a present value (replacing what the new name held). */
  rename(from: string, to: string): boolean {
    if (from === to) return false;
    const v = this.get(from);
    if (v === undefined) return false;
    this.set(from, undefined);
    this.set(to, v);
    return true;
  }
}

const same = (a: HeaderValue | undefined, b: HeaderValue | undefined) =>
  a === b || (Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => v === b[i]));

export function transformHeaders(kong: Kong, conf: Prepared, env: RequestEnv): void {
  const view = kong.service.request.getHeaders();
  const headers = new HeaderTable();
  for (const [k, v] of Object.entries(view)) if (k !== 'host') headers.raw.set(k, v);
  const toRemove = new Set<string>();

  for (const entry of conf.remove.headers) {
    const name = entry.toLowerCase();
    if (headers.get(name) !== undefined) {
      headers.set(name, undefined);
      toRemove.add(name);
    }
  }
  for (const pair of conf.rename.headers) {
    const to = render(pair.value, env);
    if (to === undefined) continue;
    const from = pair.name;
    // A change of case only renames the key as written; otherwise both names are taken in lower case.
    const moved = from.toLowerCase() === to.toLowerCase() ? headers.rename(from, to) : headers.rename(from.toLowerCase(), to.toLowerCase());
    if (moved) toRemove.add(from);
  }
  for (const pair of conf.replace.headers) {
    const name = pair.name.toLowerCase();
    // Host is replaced whether or not the table has it (Kong dropped it from the table first).
    if (headers.get(name) !== undefined || name === 'host') headers.set(name, render(pair.value, env));
  }
  for (const pair of conf.add.headers) {
    if (headers.get(pair.name) === undefined && pair.name.toLowerCase() !== 'host') headers.set(pair.name, render(pair.value, env));
  }
  for (const pair of conf.append.headers) {
    const name = pair.name;
    const lower = name.toLowerCase();
    if (name !== lower && headers.get(name) !== undefined) {
      headers.set(name, headers.get(name));
      headers.set(lower, undefined);
    }
    const next = appendValue(headers.get(name), render(pair.value, env)) as readonly string[];
    headers.set(name, next.length > 0 ? next : undefined);
  }

  const cleared = new Set<string>();
  for (const name of toRemove) {
    kong.service.request.clearHeader(name);
    cleared.add(headerName(name));
  }
  for (const [name, value] of headers.raw) {
    const normal = headerName(name);
    const before = cleared.has(normal) ? undefined : view[normal];
    // Host is always set: setting it is what makes it the upstream's (the client's would not go otherwise).
    if (normal === 'host' || !same(before, value)) kong.service.request.setHeaders({ [name]: value });
  }
}

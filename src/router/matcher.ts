/**
 * One route → its matchers, as Kong's traditional_compatible router builds them: a route with several paths gets
 * one matcher per path (each ranks by its own path), and every matcher carries Kong's priority
 * (kong/router/transform.lua `get_priority`). Kong's ATC router tries equal priorities by route id, highest
 * first; a route whose paths Kong splits (prefixes of different lengths, or regexes beside prefixes) ranks each
 * part by the id Kong derives for it.
 */
import { createHash } from 'node:crypto';
import { compileKongRegex, type KongRegex } from './kong-regex.ts';
import type { Route, Service } from '../declarative/config.ts';

export interface RequestFacts {
  /** Upper case. */
  readonly method: string;
  /** Lower case, without port and without a trailing dot. */
  readonly host: string;
  /** The Host header's port, else the port the request came in on. */
  readonly port: number;
  /** Normalized (Kong's URI normalization), without the query string. */
  readonly path: string;
  /** Lower-case names, as node gives them. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** Every value of every header, repeated ones apart (node's `headersDistinct`); `headers` when absent. */
  readonly headerValues?: Readonly<Record<string, readonly string[] | undefined>>;
  /** The TLS server name (https only), lower case. */
  readonly sni: string | undefined;
  readonly scheme: 'http' | 'https';
}

export interface Captures {
  /** Index 0 is the whole match, as Kong's `get_uri_captures()`; a group that took no part is undefined (nil in Kong). */
  readonly unnamed: readonly (string | undefined)[];
  readonly named: Readonly<Record<string, string>>;
}

export interface RouteMatch {
  readonly route: Route;
  readonly service: Service | null;
  /** What the path matcher matched at the start of the path (for strip_path), or null without one. */
  readonly matchedPath: string | null;
  readonly captures: Captures | null;
}

type HostPattern = { readonly kind: 'exact' | 'suffix' | 'prefix'; readonly name: string; readonly port: number | undefined };
/** A regex that matches nothing (validation refuses bad regexes; a config reaching here has none). */
const NEVER: KongRegex = { source: '', engine: 'v8', exec: () => null, test: () => false };

/**
 * `name` is Kong's field name (`http.headers.x_foo`: dashes as underscores); nginx's header table finds a header
 * spelled with underscores first (Kong sets `underscores_in_headers on`), then the one with dashes.
 */
type HeaderTest = { readonly name: string; readonly dashed: string; readonly values: ReadonlySet<string> | undefined; readonly regex: KongRegex | undefined };
type SniPattern = { readonly kind: 'exact' | 'suffix' | 'prefix'; readonly name: string };
type PathTest = { readonly kind: 'prefix'; readonly prefix: string } | { readonly kind: 'regex'; readonly regex: KongRegex };

export interface Matcher {
  readonly route: Route;
  readonly service: Service | null;
  /** Exact host names this matcher can only match (empty: not indexable by host). */
  readonly exactHosts: readonly string[];
  /** Kong's priority, compared element by element, higher first. */
  readonly priority: readonly number[];
  /** Equal priorities: the (lower-case) route id Kong's ATC router sees, highest first. */
  readonly tieId: string;
  /** Then the path's position in the route (one Kong matcher ORs them in order). */
  readonly pathIndex: number;
  /** Position among all matchers of the router once sorted by priority (set by the router). */
  rank: number;
  readonly hosts: readonly HostPattern[] | undefined;
  readonly methods: ReadonlySet<string> | undefined;
  readonly headers: readonly HeaderTest[];
  readonly path: PathTest | undefined;
  readonly snis: readonly SniPattern[] | undefined;
}

function hostPattern(raw: string): HostPattern {
  const lower = raw.toLowerCase();
  const m = /^(.*?)(?::(\d+))?$/.exec(lower)!;
  const name = m[1]!;
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (name.startsWith('*.')) return { kind: 'suffix', name: name.slice(1), port };
  if (name.endsWith('.*')) return { kind: 'prefix', name: name.slice(0, -1), port };
  return { kind: 'exact', name: name.endsWith('.') ? name.slice(0, -1) : name, port };
}

function sniPattern(raw: string): SniPattern {
  const lower = raw.toLowerCase();
  if (lower.startsWith('*')) return { kind: 'suffix', name: lower.slice(1).replace(/\.$/, '') };
  if (lower.endsWith('*')) return { kind: 'prefix', name: lower.slice(0, -1) };
  return { kind: 'exact', name: lower.length > 1 ? lower.replace(/\.$/, '') : lower };
}

function headerTest(name: string, values: readonly string[]): HeaderTest {
  const field = name.toLowerCase().replace(/-/g, '_');
  const names = { name: field, dashed: field.replace(/_/g, '-') };
  const first = values[0];
  if (values.length === 1 && first !== undefined && first.startsWith('~*')) {
    // Kong lower-cases the whole value, the regex too (transform.lua: `escape_str(value:lower())`).
    const re = compileKongRegex(first.slice(2).toLowerCase(), { anchored: false, dialect: 'rust' });
    // Validation refused bad regexes already; a config reaching here has good ones.
    if (re.ok) return { ...names, values: undefined, regex: re.regex };
  }
  return { ...names, values: new Set(values.map((v) => v.toLowerCase())), regex: undefined };
}

/** Kong's namespace for the ids of the parts of a split route (kong/router/transform.lua). */
const SPLIT_NAMESPACE = Buffer.from('7f145bf90dce4f9198ebdebbce4b9f6b', 'hex');

function uuidv5(name: string): string {
  const h = createHash('sha1').update(SPLIT_NAMESPACE).update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.toString('hex', 0, 16);
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/**
 * Kong groups a route's paths (all regexes together, prefixes by length) and, when there is more than one group,
 * gives each group a route of its own, with an id derived from the route's and the group's position.
 */
function pathGroupIds(id: string, paths: readonly string[]): string[] {
  const keys = paths.map((p) => (p.startsWith('~') ? 0 : Buffer.byteLength(p)));
  const order = [...new Set(keys)];
  if (order.length === 1) return paths.map(() => id);
  return keys.map((k) => uuidv5(`${id}#${order.indexOf(k) + 1}`));
}

const nonEmpty = <T>(xs: readonly T[] | null | undefined): xs is readonly T[] => Array.isArray(xs) && xs.length > 0;

/** The matchers of one route. */
export function compileMatchers(route: Route, service: Service | null): Matcher[] {
  const hosts = nonEmpty(route.hosts) ? route.hosts.map(hostPattern) : undefined;
  const methods = nonEmpty(route.methods) ? new Set(route.methods) : undefined;
  const headers = route.headers ? Object.entries(route.headers).map(([n, v]) => headerTest(n, v)) : [];
  const snis = nonEmpty(route.snis) ? route.snis.map(sniPattern) : undefined;
  const fields = [hosts, methods, headers.length > 0 ? headers : undefined, nonEmpty(route.paths) ? route.paths : undefined, snis].filter(Boolean).length;
  const plainHostsOnly = hosts?.every((h) => h.kind === 'exact') ? 1 : 0;
  const exactHosts = hosts !== undefined && plainHostsOnly ? [...new Set(hosts.map((h) => h.name))] : [];
  const base = { route, service, exactHosts, hosts, methods, headers, snis, rank: 0 };
  const id = route.id.toLowerCase();
  if (!nonEmpty(route.paths)) {
    return [{ ...base, path: undefined, priority: [fields, plainHostsOnly, headers.length, 0, 0, 0], tieId: id, pathIndex: 0 }];
  }
  const ids = pathGroupIds(id, route.paths);
  return route.paths.map((p, i): Matcher => {
    const tie = { tieId: ids[i]!, pathIndex: i };
    if (p.startsWith('~')) {
      const re = compileKongRegex(p.slice(1), { anchored: true, dialect: 'rust-path' });
      const regex = re.ok ? re.regex : NEVER;
      return { ...base, ...tie, path: { kind: 'regex', regex }, priority: [fields, plainHostsOnly, headers.length, 1, route.regex_priority, 0] };
    }
    // Kong ranks by the prefix's length in bytes, 19 bits of it.
    return { ...base, ...tie, path: { kind: 'prefix', prefix: p }, priority: [fields, plainHostsOnly, headers.length, 0, 0, Buffer.byteLength(p) & 0x7ffff] };
  });
}

function hostMatches(patterns: readonly HostPattern[], host: string, port: number): boolean {
  for (const p of patterns) {
    if (p.port !== undefined && p.port !== port) continue;
    if (p.kind === 'exact' ? host === p.name : p.kind === 'suffix' ? host.length > p.name.length && host.endsWith(p.name) : host.length > p.name.length && host.startsWith(p.name)) {
      return true;
    }
  }
  return false;
}

function sniMatches(patterns: readonly SniPattern[], sni: string): boolean {
  for (const p of patterns) {
    if (p.kind === 'exact' ? sni === p.name : p.kind === 'suffix' ? sni.endsWith(p.name) : sni.startsWith(p.name)) return true;
  }
  return false;
}

function headerValues(req: RequestFacts, test: HeaderTest): string | readonly string[] | undefined {
  const all = req.headerValues ?? req.headers;
  return all[test.name] ?? all[test.dashed];
}

function headerMatches(test: HeaderTest, raw: string | readonly string[] | undefined): boolean {
  if (raw === undefined) return false;
  const values = typeof raw === 'string' ? [raw] : raw;
  // Kong: any(lower(http.headers.<name>)), any of the header's values.
  for (const v of values) {
    const lower = v.toLowerCase();
    if (test.regex ? test.regex.test(lower) : test.values!.has(lower)) return true;
  }
  return false;
}

/** The match, or undefined. Every configured field must match, as in Kong. */
export function tryMatch(m: Matcher, req: RequestFacts): RouteMatch | undefined {
  if (m.methods && !m.methods.has(req.method)) return undefined;
  if (m.hosts && !hostMatches(m.hosts, req.host, req.port)) return undefined;
  // Kong checks SNIs on https only.
  if (m.snis && req.scheme === 'https' && (req.sni === undefined || !sniMatches(m.snis, req.sni))) return undefined;
  for (const h of m.headers) if (!headerMatches(h, headerValues(req, h))) return undefined;
  if (!m.path) return { route: m.route, service: m.service, matchedPath: null, captures: null };
  if (m.path.kind === 'prefix') {
    if (!req.path.startsWith(m.path.prefix)) return undefined;
    return { route: m.route, service: m.service, matchedPath: m.path.prefix, captures: null };
  }
  const found = m.path.regex.exec(req.path);
  if (!found) return undefined;
  const named: Record<string, string> = {};
  for (const k in found.groups) named[k] = found.groups[k]!;
  // Kong reports captures only when a group took part (atc.lua has_capture): the whole match alone is none.
  const captures = hasGroups(found.values) ? { unnamed: [...found.values], named } : null;
  return { route: m.route, service: m.service, matchedPath: found.values[0]!, captures };
}

export function hasGroups(values: readonly (string | undefined)[]): boolean {
  for (let i = 1; i < values.length; i++) if (values[i] !== undefined) return true;
  return false;
}

export function comparePriority(a: Matcher, b: Matcher): number {
  for (let i = 0; i < a.priority.length; i++) {
    const d = b.priority[i]! - a.priority[i]!;
    if (d !== 0) return d;
  }
  if (a.tieId !== b.tieId) return a.tieId < b.tieId ? 1 : -1;
  return a.pathIndex - b.pathIndex;
}

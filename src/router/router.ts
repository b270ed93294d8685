/**
 * Kong's HTTP router (traditional_compatible semantics) over a config's routes: `compileRouter` once per
 * snapshot, `match` per request. Matchers are ranked once; a request only visits the candidates for its host
 * (exact-host matchers are indexed by host) and its path (prefixes in a trie), and results of repeated request
 * shapes are cached.
 */
import type { Config, Route, Service } from '../declarative/config.ts';
import { HTTP_SUBSYSTEM } from '../entities/protocols.ts';
import { CandidateSet } from './candidates.ts';
import { compileExpression, fieldsOf, type ExpressionFacts, type PathOutcome } from './expression-matcher.ts';
import { parseExpression } from './expression-parser.ts';
import { sortSteps } from './sort-steps.ts';
import { comparePriority, compileMatchers, tryMatch, type Matcher, type RouteMatch } from './matcher.ts';

export type { RequestFacts, RouteMatch, Captures } from './matcher.ts';
export type { ExpressionFacts } from './expression-matcher.ts';

export interface Router {
  match(req: ExpressionFacts): RouteMatch | undefined;
}

interface ExpressionRoute {
  readonly route: Route;
  readonly service: Service | null;
  readonly test: (req: ExpressionFacts) => PathOutcome | undefined;
}

/** Above typical route counts, so repeated request shapes stay cached; cleared whole when full. */
const CACHE_SIZE = 16384;
/** Longer request paths, or keys (header values enter them), are matched without caching: client input must not grow the cache's memory. */
const CACHEABLE_PATH = 512;
const CACHEABLE_KEY = 1024;

/** Routes of the HTTP subsystem; routes of a disabled service are left out, as in Kong (their requests get 404). */
function httpRoutes(config: Pick<Config, 'routes' | 'services'>): { route: Route; service: Service | null }[] {
  const services = new Map(config.services.map((s) => [s.id, s]));
  const out: { route: Route; service: Service | null }[] = [];
  for (const route of config.routes) {
    if (!route.protocols.some((p) => HTTP_SUBSYSTEM.has(p))) continue;
    const service = route.service ? (services.get(route.service.id) ?? null) : null;
    if (service && !service.enabled) continue;
    out.push({ route, service });
  }
  return out;
}

/** How Kong's expressions flavour names a route's protocols in `net.protocol` (kong/router/expressions.lua). */
const PROTOCOL_OVERRIDE: Readonly<Record<string, string>> = { grpc: 'http', grpcs: 'https', ws: 'http', wss: 'https' };

/**
 * Kong's expressions flavour adds `net.protocol == <each of the route's protocols>` to an expression, except for a
 * route whose one protocol is https (it must still match plain http, for the 426 or the redirect).
 */
function withProtocols(protocols: readonly string[], test: ExpressionRoute['test']): ExpressionRoute['test'] {
  if (protocols.length === 1 && protocols[0] === 'https') return test;
  const allowed = new Set(protocols.map((p) => PROTOCOL_OVERRIDE[p] ?? p));
  if (allowed.has('http') && allowed.has('https')) return test;
  return (req) => (allowed.has(req.scheme) ? test(req) : undefined);
}

function compareIdsDescending(a: string, b: string): number {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  return x === y ? 0 : x < y ? 1 : -1;
}

export function compileRouter(config: Pick<Config, 'routes' | 'services'>): Router {
  const steps = routerSteps(config);
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
}

/** Routes compiled between two yields of routerSteps. */
const ROUTES_PER_STEP = 500;

/**
 * compileRouter in steps: it yields between slices of the work, so that a thread that serves while it compiles
 * (a worker during a reload) can let requests through; run to the end, it is compileRouter.
 */
export function* routerSteps(config: Pick<Config, 'routes' | 'services'>): Generator<void, Router> {
  const matchers: Matcher[] = [];
  const expressions: (ExpressionRoute & { order: number })[] = [];
  const expressionFields = new Set<string>();
  const routes = httpRoutes(config);
  for (let i = 0; i < routes.length; i++) {
    if (i % ROUTES_PER_STEP === ROUTES_PER_STEP - 1) yield;
    const { route, service } = routes[i]!;
    if (route.expression === null) {
      for (const m of compileMatchers(route, service)) matchers.push(m);
      continue;
    }
    let ast: ReturnType<typeof parseExpression>;
    try {
      ast = parseExpression(route.expression);
    } catch {
      continue; // validation refuses such a route; a config reaching here has none
    }
    for (const f of fieldsOf(ast)) expressionFields.add(f);
    expressions.push({ route, service, test: withProtocols(route.protocols, compileExpression(ast)), order: i });
  }
  yield;
  // Kong's expressions flavour: by priority, higher first, then by id, highest first (Kong's ATC router);
  // expression routes before traditional ones.
  expressions.sort((a, b) => b.route.priority - a.route.priority || compareIdsDescending(a.route.id, b.route.id) || a.order - b.order);
  const ranked = yield* sortSteps(matchers, comparePriority);
  yield;
  ranked.forEach((m, i) => {
    m.rank = i;
  });
  const hostLists = new Map<string, Matcher[]>();
  const generalList: Matcher[] = [];
  for (const m of ranked) {
    if (m.exactHosts.length === 0) generalList.push(m);
    for (const h of m.exactHosts) {
      let list = hostLists.get(h);
      if (!list) hostLists.set(h, (list = []));
      list.push(m);
    }
  }
  const byHost = new Map<string, CandidateSet>();
  for (const [h, list] of hostLists) byHost.set(h, yield* CandidateSet.build(list));
  yield;
  const general = yield* CandidateSet.build(generalList);
  yield;
  // Only these headers can change a result, so only they enter the cache key.
  const headerFields = [
    ...matchers.flatMap((m) => m.headers.map((h) => h.name)),
    ...[...expressionFields].filter((f) => f.startsWith('http.headers.')).map((f) => f.slice('http.headers.'.length).toLowerCase()),
  ];
  // A field reads the header spelled with underscores, else the one with dashes: both enter the key.
  const headerNames = [...new Set(headerFields.flatMap((f) => [f, f.replace(/_/g, '-')]))].sort();
  const keyHasQuery = [...expressionFields].some((f) => f.startsWith('http.queries.'));
  const keyHasDst = expressionFields.has('net.dst.ip') || expressionFields.has('net.dst.port');
  // A route that looks at the client's address would make the cache per client: do not cache at all then.
  const cacheable = !expressionFields.has('net.src.ip') && !expressionFields.has('net.src.port');
  const cache = new Map<string, RouteMatch | null>();

  const walk = (req: ExpressionFacts): RouteMatch | undefined => {
    for (const e of expressions) {
      const outcome = e.test(req);
      if (outcome) return { route: e.route, service: e.service, matchedPath: outcome.matchedPath, captures: outcome.captures };
    }
    // The host's candidate lists and the general ones, merged by rank as they are tried (most requests stop at
    // the first). Scratch arrays: matching is synchronous and never re-entered.
    const lists = scratchLists;
    lists.length = 0;
    byHost.get(req.host)?.collect(req.path, lists);
    general.collect(req.path, lists);
    const at = scratchPositions;
    for (let k = 0; k < lists.length; k++) at[k] = 0;
    for (;;) {
      let best = -1;
      let bestRank = Infinity;
      for (let k = 0; k < lists.length; k++) {
        const m = lists[k]![at[k]!];
        if (m !== undefined && m.rank < bestRank) {
          best = k;
          bestRank = m.rank;
        }
      }
      if (best < 0) return undefined;
      const found = tryMatch(lists[best]![at[best]!++]!, req);
      if (found) return found;
    }
  };
  const scratchLists: Matcher[][] = [];
  const scratchPositions: number[] = [];

  return {
    match(req) {
      if (!cacheable || req.path.length > CACHEABLE_PATH) return walk(req);
      let key = `${req.method} ${req.scheme} ${req.host}:${req.port} ${req.sni ?? ''} ${req.path}`;
      if (keyHasQuery) key += `?${req.rawQuery ?? ''}`;
      if (keyHasDst) key += ` ${req.dstIp ?? ''}:${req.dstPort ?? ''}`;
      const headers = headerNames.length > 0 ? (req.headerValues ?? req.headers) : req.headers;
      for (const name of headerNames) {
        const v = headers[name];
        key += `\u0000${v === undefined ? '' : typeof v === 'string' ? v : v.join('\u0001')}`;
      }
      if (key.length > CACHEABLE_KEY) return walk(req);
      const cached = cache.get(key);
      if (cached !== undefined) return cached ?? undefined;
      const found = walk(req);
      if (cache.size >= CACHE_SIZE) cache.clear();
      cache.set(key, found ?? null);
      return found;
    },
  };
}

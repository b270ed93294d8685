/**
 * One proxied request, from arrival to the last byte: read the snapshot once, run the global plugins' rewrite
 * phase, route, answer the cases Kong answers itself (404, 426/redirect, 503), run the access phase (consumer-
 * scoped instances resolved as authentication happens), pick a peer, forward with Kong's headers and plugins'
 * changes, and let the header, body and log phases see the answer. Bodies stream unless a plugin asks otherwise.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Route, Service } from '../declarative/config.ts';
import { normalizePath } from '../declarative/uri.ts';
import type { JsonValue, ResponseSource } from '../pdk/kong.ts';
import { applyHeaderOp, decodeQueryPart, parseQuery, RequestKong, type HeaderOp } from '../pdk/request-kong.ts';
import type { RouteMatch } from '../router/router.ts';
import { upstreamPath } from '../router/upstream-path.ts';
import type { SnapshotStore } from '../runtime/store.ts';
import type { BalanceContext, Balancer, Peer } from '../snapshot/balancer.ts';
import { NO_PHASES, phaseSteps, resolveStep, type PhaseSteps, type PlannedPlugin, type PlanStep, type RoutePlan } from '../snapshot/plugin-plans.ts';
import type { Snapshot } from '../snapshot/snapshot.ts';
import type { HeaderSettings } from '../settings/settings.ts';
import type { HealthRegistry } from '../upstream/health.ts';
import type { PoolRegistry } from '../upstream/pools.ts';
import { cancelOnClose, createForwarder, watchClose, type ForwardJob, type Upgrade, type UpstreamStats } from './forward.ts';
import { connectionListed, firstValue, isHopByHop } from './headers.ts';
import { defaultMessage, errorBody } from './kong-errors.ts';
import { runAccess, runSteps, type PhaseState } from './phase-runner.ts';
import { headersSent, serializeRequest } from './serialize.ts';

export type { Upgrade } from './forward.ts';

export interface ProxyOptions {
  readonly store: SnapshotStore;
  readonly pools: PoolRegistry;
  readonly headers: HeaderSettings;
  readonly isTrusted: (ip: string) => boolean;
  readonly log: Logger;
  /** Product token for Via and Server, e.g. `gateway/0.1.0`. */
  readonly serverToken: string;
  readonly health: HealthRegistry;
}

interface Listener {
  readonly port: number;
  readonly scheme: 'http' | 'https';
}

type Headers = Record<string, string | string[]>;

/** The most a plugin can read of a request body into memory (kong.request.getRawBody). */
const REQUEST_BODY_LIMIT = 8 * 1024 * 1024;

const elapsed = (since: number) => Math.round(performance.now() - since);
const NO_GROUPS: readonly string[] = Object.freeze([]);
const unmapped = (ip: string) => (ip.startsWith('::ffff:') ? ip.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1') : ip);

/** The query string (with its `?`) without the named arguments (names compared decoded, as Kong reads them). */
function withoutArgs(query: string, names: ReadonlySet<string>): string {
  const kept = query.slice(1).split('&').filter((part) => {
    const eq = part.indexOf('=');
    return part !== '' && !names.has(decodeQueryPart(eq < 0 ? part : part.slice(0, eq)));
  });
  return kept.length > 0 ? `?${kept.join('&')}` : '';
}

/** The request id Kong sends as X-Kong-Request-Id: 32 hex characters, cut from a pool of random bytes. */
let pool = randomBytes(4096);
let offset = 0;
function newRequestId(): string {
  if (offset + 16 > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  offset += 16;
  return pool.toString('hex', offset - 16, offset);
}

/** Kong's order for the phases after access: priority descending, then name descending. */
const byPriority = (a: PlannedPlugin, b: PlannedPlugin) =>
  b.handler.priority - a.handler.priority || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0);

const fixedOf = (step: PlanStep) => step.fixed?.planned;
const NOTHING = () => undefined;

export function createProxyHandler(options: ProxyOptions, listener: Listener) {
  const { headers: headerSettings } = options;
  const forwarder = createForwarder(options);

  return function handle(req: IncomingMessage, res: ServerResponse, upgrade?: Upgrade): void {
    const started = performance.now();
    const startedAt = Date.now();
    const requestId = newRequestId();
    const snapshot = options.store.current();
    const stats: UpstreamStats = { tries: [], upstreamUri: undefined, upstreamStatus: undefined, upstreamLatency: undefined, proxyLatency: undefined };
    // Declared before any answer can be given: the header filter reads them (no plugins until a route matched).
    // The phases after access and their plugins (compiled per route; per request only for consumer-scoped plans).
    let phases: PhaseSteps = NO_PHASES;
    let pdk: RequestKong | undefined;
    let match: RouteMatch | undefined;
    const state: PhaseState = { exited: false };
    const fail = (status: number, message = defaultMessage(status), extra?: Readonly<Record<string, string>>) => answer(status, message, extra);
    const fail500 = () => fail(500);

    const rawUrl = req.url ?? '';
    const queryAt = rawUrl.indexOf('?');
    const rawPath = queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt);
    const query = queryAt < 0 ? '' : rawUrl.slice(queryAt);
    const path = rawPath.startsWith('/') ? normalizePath(rawPath) : undefined;
    if (path === undefined) return fail(400);

    const peerIp = req.socket.remoteAddress ?? '';
    const trusted = options.isTrusted(peerIp);
    const forwardedIp = unmapped(trusted ? (firstValue(req.headers['x-real-ip']) ?? peerIp) : peerIp);
    const forwardedProto = trusted ? firstValue(req.headers['x-forwarded-proto'])?.toLowerCase() : undefined;
    const scheme = forwardedProto === 'https' || forwardedProto === 'http' ? forwardedProto : listener.scheme;
    const hostHeader = (req.headers.host ?? '').toLowerCase();
    let host = hostHeader;
    let hostPort = listener.port;
    if (hostHeader.includes(':') || hostHeader.endsWith('.')) {
      const hostMatch = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(hostHeader);
      host = (hostMatch?.[1] ?? '').replace(/\.$/, '');
      if (hostMatch?.[2] !== undefined) hostPort = Number(hostMatch[2]);
    }
    const sni = listener.scheme === 'https' ? ((req.socket as { servername?: string }).servername?.toLowerCase() ?? undefined) : undefined;

    const kongFor = (p: PlannedPlugin) => pdk!.forPlugin(p.id, p.name);
    const makePdk = (): RequestKong => {
      if (pdk) return pdk;
      const forwardedHost = trusted ? firstValue(req.headers['x-forwarded-host']) : undefined;
      const forwardedPort = trusted ? Number(firstValue(req.headers['x-forwarded-port'])) : NaN;
      pdk = new RequestKong({
        req, scheme: listener.scheme, host, port: hostPort, path, rawQuery: query.slice(1), peerIp: unmapped(peerIp), forwardedIp,
        forwarded: { scheme, host: forwardedHost ?? host, port: Number.isInteger(forwardedPort) ? forwardedPort : hostPort },
        credentials: snapshot.credentials, startedAt, log: options.log, requestId,
        hasUpstream: (name) => snapshot.upstreams.has(name),
        serialize: () => serializeRequest({ req, res, pdk: pdk!, match, stats, startedAt, started, scheme, host: hostHeader, forwardedIp }),
      }, pluginAnswer, REQUEST_BODY_LIMIT);
      // The log phase runs once the answer is out; what it does never changes the answer. The same listener
      // cancels the upstream request of a client that left. `on`, not `once`: 'close' comes once.
      if (snapshot.plugins.anyLog) {
        watchClose(res);
        res.on('close', () => {
          cancelOnClose(res);
          if (phases.log.length === 0) return;
          pdk!.setResponse(res.statusCode, headersSent(res, pdk!));
          const done = runSteps('log', phases.log, kongFor, { exited: false }, options.log, NOTHING);
          if (done instanceof Promise) done.catch(() => undefined);
        });
      }
      return pdk;
    };

    if (snapshot.plugins.globalPhases.rewrite.length > 0) {
      // Only global plugins run here: no route is known yet. They also form the plan of a request no route takes.
      makePdk();
      phases = snapshot.plugins.globalPhases;
      const ran = runSteps('rewrite', phases.rewrite, kongFor, state, options.log, fail500);
      if (ran instanceof Promise) {
        ran.then(() => state.exited || routeRequest(), fail500);
        return;
      }
      if (state.exited) return;
    }
    routeRequest();

    function routeRequest(): void {
      match = snapshot.router.match({
        method: req.method ?? 'GET', host, port: hostPort, path: path!, headers: req.headers, sni, scheme,
        rawQuery: query.slice(1), srcIp: peerIp, srcPort: req.socket.remotePort, dstIp: req.socket.localAddress, dstPort: listener.port,
      });
      if (!match) return fail(404, 'no Route matched with those values');
      const { route } = match;
      if (scheme === 'http' && !route.protocols.includes('http') && route.protocols.includes('https')) {
        return redirectToHttps(route, host, hostHeader, rawUrl);
      }
      const routePlan = snapshot.plugins.forRoute(route.id);
      if (routePlan.access.length === 0) {
        phases = NO_PHASES;
        return proceed();
      }
      makePdk().match = match;
      phases = routePlan.phases;
      const ran = routePlan.consumerScoped ? accessWithConsumers(routePlan) : runAccess(routePlan.access, fixedOf, kongFor, state, options.log, fail500);
      if (ran instanceof Promise) {
        ran.then(() => state.exited || proceed(), fail500);
        return;
      }
      if (!state.exited) proceed();
    }

    /**
     * The access phase when some instance is scoped to consumers: each step resolves as the phase reaches it, so
     * plugins after an authentication plugin see the consumer it identified. The later phases run the instances
     * the access phase ran, and for steps it did not reach (a plugin answered), those for the final consumer.
     */
    function accessWithConsumers(routePlan: RoutePlan): void | Promise<void> {
      const kong = pdk!;
      const chosen = new Map<PlanStep, PlannedPlugin | undefined>();
      const resolve = (step: PlanStep) => {
        const consumerId = kong.consumer?.id;
        return resolveStep(step, consumerId, consumerId === undefined ? NO_GROUPS : snapshot.credentials.consumerGroupIdsOf(consumerId));
      };
      const pick = (step: PlanStep) => {
        const p = resolve(step);
        chosen.set(step, p);
        return p;
      };
      const settle = () => {
        phases = phaseSteps(routePlan.access.map((s) => (chosen.has(s) ? chosen.get(s) : resolve(s))).filter((p): p is PlannedPlugin => p !== undefined).sort(byPriority));
      };
      const ran = runAccess(routePlan.access, pick, kongFor, state, options.log, () => {
        settle();
        fail(500);
      });
      if (ran instanceof Promise) return ran.then(settle);
      settle();
    }

    function proceed(): void {
      const m = match!;
      const { route, service } = m;
      if (!service) return fail(503, 'no Service found with those values');
      const override = pdk?.upstreamOverride;
      const upstreamName = override ? (override.kind === 'upstream' ? override.name : undefined) : snapshot.upstreams.has(service.host) ? service.host : undefined;
      const peers = override?.kind === 'target' ? singlePeer(override.host, override.port) : pickPeers(snapshot, service, upstreamName);
      if (!peers) return fail(503, 'failure to get a peer from the ring-balancer');
      const upstreamHeaders = forwardedHeaders(m);
      if (pdk) applyHeaderOps(upstreamHeaders, pdk.headerOps);
      let upstreamQuery = pdk?.upstreamQuery !== undefined ? (pdk.upstreamQuery === '' ? '' : `?${pdk.upstreamQuery}`) : query;
      if (pdk && pdk.removedQueryArgs.size > 0) upstreamQuery = withoutArgs(upstreamQuery, pdk.removedQueryArgs);
      const target = (pdk?.upstreamPath ?? upstreamPath({ servicePath: service.path, requestPath: path!, matched: m.matchedPath, stripPath: route.strip_path, pathHandling: route.path_handling })) + upstreamQuery;
      stats.upstreamUri = target;
      const setCookies: string[] = [];
      // Only consistent-hashing reads the request; the other balancers need nothing built per request.
      const hashing = upstreamName !== undefined && snapshot.upstreams.get(upstreamName)?.upstream.algorithm === 'consistent-hashing';
      const balance = hashing ? balanceContext(m, setCookies) : undefined;
      const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
      const job: ForwardJob = {
        snapshot, service, route, peers, upstreamName, balance, setCookies, target, started, requestId, stats,
        method: pdk?.upstreamMethod ?? req.method ?? 'GET',
        headers: upstreamHeaders,
        body: pdk ? pdk.upstreamBody(hasBody) : hasBody ? req : null,
        buffered: phases.response.length > 0 || pdk?.bufferingEnabled === true,
        headerFilter,
        bodyFilter: phases.bodyFilter.length > 0 ? bodyFilter : undefined,
        respond,
        fail,
        bodyLimit: pdk?.bodyLimit,
      };
      if (upgrade) forwarder.tunnel(req, upgrade, job);
      else forwarder.forward(req, res, job);
    }

    /** Buffered mode: the response phase over the whole upstream answer; undefined when a plugin answered instead. */
    async function respond(status: number, headers: Headers, body: Buffer): Promise<{ status: number; headers: Headers; body: Buffer } | undefined> {
      const kong = pdk!;
      kong.setServiceResponse(status, { ...headers }, body);
      kong.setResponse(status, headers, 'service');
      kong.responseBody = body;
      if (phases.response.length > 0) {
        const ran = runSteps('response', phases.response, kongFor, state, options.log, fail500);
        if (ran instanceof Promise) await ran;
        if (state.exited) return undefined;
      }
      return { status: kong.status ?? status, headers: kong.headers, body: kong.responseBody ?? body };
    }

    /** The header filter phase, on the head about to be written (synchronous: the head cannot wait). */
    function headerFilter(status: number, headers: Headers, source?: ResponseSource): void {
      if (!pdk) return;
      const kong = pdk;
      kong.setResponse(status, headers, source);
      if (phases.headerFilter.length === 0) return;
      const ran = runSteps('headerFilter', phases.headerFilter, kongFor, { exited: false }, options.log, NOTHING);
      if (ran instanceof Promise) {
        options.log.warn({ request_id: requestId }, 'a headerFilter phase returned a promise; header filters must be synchronous');
        ran.catch(() => undefined);
      }
    }

    /** The body filter phase over one chunk of the answer; a plugin failing here cuts the response. */
    function bodyFilter(chunk: Buffer, last: boolean): Buffer | Promise<Buffer> {
      const kong = pdk!;
      kong.chunk = chunk;
      kong.lastChunk = last;
      const ran = runSteps('bodyFilter', phases.bodyFilter, kongFor, { exited: false }, options.log, () => res.destroy());
      return ran instanceof Promise ? ran.then(() => kong.chunk) : kong.chunk;
    }

    /** Kong's error answer (its templates by Accept), through the header and body filters. */
    function answer(status: number, message: string, extra: Readonly<Record<string, string>> = {}): void {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const body = req.method === 'HEAD' ? { contentType: 'application/json; charset=utf-8', body: '' } : errorBody(message, requestId, firstValue(req.headers.accept));
      const headers: Headers = { 'content-type': body.contentType, ...extra };
      send(status, headers, Buffer.from(body.body), 'error');
    }

    /** kong.response.exit / error from a plugin. */
    function pluginAnswer(status: number, body: string | JsonValue | undefined, extra: Readonly<Record<string, string>>, kind: 'exit' | 'error'): void {
      state.exited = true;
      if (res.headersSent) return;
      if (kind === 'error') return answer(status, typeof body === 'string' ? body : defaultMessage(status), extra);
      const isText = typeof body === 'string';
      const text = body === undefined || body === null ? '' : isText ? body : JSON.stringify(body);
      const headers: Headers = {};
      if (body !== undefined && body !== null && !isText) headers['content-type'] = 'application/json; charset=utf-8';
      for (const [k, v] of Object.entries(extra)) headers[k.toLowerCase()] = v;
      send(status, headers, Buffer.from(text), 'exit');
    }

    /** An answer the gateway gives itself: Kong's headers, the header filter, the body filter over the whole body. */
    function send(status: number, headers: Headers, body: Buffer, source: ResponseSource): void {
      if (headerSettings.requestId) headers['x-kong-request-id'] = requestId;
      if (headerSettings.serverTokens) headers.server = options.serverToken;
      if (headerSettings.latencyTokens) headers['x-kong-response-latency'] = String(elapsed(started));
      headerFilter(status, headers, source);
      const write = (out: Buffer) => {
        if (res.headersSent) return;
        headers['content-length'] = String(out.length);
        res.writeHead(status, headers);
        res.end(req.method === 'HEAD' ? undefined : out);
      };
      if (phases.bodyFilter.length === 0) return write(body);
      const filtered = bodyFilter(body, true);
      if (filtered instanceof Promise) filtered.then(write, () => res.destroy());
      else write(filtered);
    }

    function redirectToHttps(r: Route, h: string, rawHost: string, url: string): void {
      const code = r.https_redirect_status_code;
      if (code === 426) return fail(426, 'Please use HTTPS protocol', { connection: 'Upgrade', upgrade: 'TLS/1.2, HTTP/1.1' });
      const headers: Headers = { location: `https://${rawHost || h}${url}`, 'content-length': '0' };
      if (headerSettings.requestId) headers['x-kong-request-id'] = requestId;
      headerFilter(code, headers, 'exit');
      res.writeHead(code, headers);
      res.end();
    }

    /** What the balancer may hash on, computed only if it asks. */
    function balanceContext(m: RouteMatch, setCookies: string[]): BalanceContext {
      let cookies: Map<string, string> | undefined;
      let args: Record<string, string | true | (string | true)[]> | undefined;
      return {
        clientIp: forwardedIp,
        path: path!,
        consumerId: pdk?.consumer?.id,
        header: (name) => firstValue(req.headers[name.toLowerCase()]),
        cookie: (name) => {
          cookies ??= new Map(
            (firstValue(req.headers.cookie) ?? '').split(';').map((c) => c.trim()).filter(Boolean).map((c) => {
              const eq = c.indexOf('=');
              return [eq < 0 ? c : c.slice(0, eq), eq < 0 ? '' : c.slice(eq + 1)] as [string, string];
            }),
          );
          return cookies.get(name);
        },
        queryArg: (name) => {
          args ??= parseQuery(query.slice(1));
          const v = args[name];
          const value = Array.isArray(v) ? v[0] : v;
          return value === undefined ? undefined : value === true ? '' : value;
        },
        uriCapture: (name) => {
          const captures = m.captures;
          if (!captures) return undefined;
          return /^\d+$/.test(name) ? captures.unnamed[Number(name)] : captures.named[name];
        },
        setCookie: (header) => setCookies.push(header),
      };
    }

    function forwardedHeaders(m: RouteMatch): Headers {
      const listed = connectionListed(req.headers.connection);
      const out: Headers = {};
      const incoming = req.headers;
      for (const name in incoming) {
        const value = incoming[name];
        if (value === undefined || isHopByHop(name, listed) || name === 'host') continue;
        out[name] = value;
      }
      const te = firstValue(req.headers.te);
      if (te && /\btrailers\b/i.test(te)) out.te = 'trailers';
      const peer = unmapped(peerIp);
      const incomingXff = req.headers['x-forwarded-for'];
      out['x-forwarded-for'] = incomingXff ? `${Array.isArray(incomingXff) ? incomingXff.join(', ') : incomingXff}, ${peer}` : peer;
      const believe = (name: string, computed: string | undefined): void => {
        const given = trusted ? firstValue(req.headers[name]) : undefined;
        const value = given ?? computed;
        // Only a header the client sent is deleted (`delete` makes an object a slow dictionary).
        if (value === undefined || value === '') {
          if (out[name] !== undefined) delete out[name];
        } else {
          out[name] = value;
        }
      };
      believe('x-forwarded-proto', scheme);
      believe('x-forwarded-host', host);
      believe('x-forwarded-port', String(hostPort));
      believe('x-forwarded-path', path);
      const prefix = m.route.strip_path && m.matchedPath && m.matchedPath !== '/' ? m.matchedPath : undefined;
      believe('x-forwarded-prefix', prefix);
      out['x-real-ip'] = (trusted ? firstValue(req.headers['x-real-ip']) : undefined) ?? peer;
      if (headerSettings.requestId) out['x-kong-request-id'] = requestId;
      return out;
    }
  };

  /** A service's peers: the named upstream's balancer, else the service's host itself. */
  function pickPeers(snapshot: Snapshot, service: Service, upstreamName: string | undefined): Balancer | undefined {
    const balanced = upstreamName ? snapshot.upstreams.get(upstreamName) : undefined;
    if (balanced) return balanced.balancer.empty ? undefined : balanced.balancer;
    // One per service, made on first use: services are frozen per snapshot, so this goes with the snapshot.
    let peers = servicePeers.get(service);
    if (!peers) servicePeers.set(service, (peers = singlePeer(service.host, service.port)));
    return peers;
  }

  function singlePeer(host: string, port: number): Balancer {
    const peer: Peer = { host, port, target: `${host}:${port}` };
    return { empty: false, next: (exclude) => (exclude.has(peer.target) ? undefined : peer), release: () => undefined };
  }
}

const servicePeers = new WeakMap<Service, Balancer>();

/** Plugins' changes to the upstream request's headers, in the order they asked for them. */
function applyHeaderOps(headers: Headers, ops: readonly HeaderOp[]): void {
  for (const op of ops) applyHeaderOp(headers, op);
}

/**
 * One proxied request, from arrival to the last byte: read the snapshot once, route, answer the cases Kong
 * answers itself (404, 426/redirect, 503), pick a peer, forward with Kong's headers, stream the answer back.
 * Bodies are streamed both ways; nothing is buffered.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect as netConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import type { Logger } from 'pino';
import type { Route, Service } from '../declarative/config.ts';
import { normalizePath } from '../declarative/uri.ts';
import type { RouteMatch } from '../router/router.ts';
import { upstreamPath } from '../router/upstream-path.ts';
import type { SnapshotStore } from '../runtime/store.ts';
import type { BalanceContext, Balancer, Peer } from '../snapshot/balancer.ts';
import type { Snapshot } from '../snapshot/snapshot.ts';
import type { PlannedPlugin } from '../snapshot/plugin-plans.ts';
import type { HeaderSettings } from '../settings/settings.ts';
import type { PoolRegistry } from '../upstream/pools.ts';
import type { HealthRegistry } from '../upstream/health.ts';
import type { UpstreamTls } from '../snapshot/upstream-tls.ts';
import { connectionListed, firstValue, isHopByHop } from './headers.ts';
import { defaultMessage, errorBody } from './kong-errors.ts';
import { runPhase } from './phase-runner.ts';
import { parseQuery, requestKongFactory, type RequestKong } from '../pdk/request-kong.ts';

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

/** The client side of an Upgrade request: its socket and the bytes that came after the headers. */
export interface Upgrade {
  readonly socket: Duplex;
  readonly head: Buffer;
}

/** Why forwarding failed before a response arrived, and how Kong answers it. */
type Failure = { readonly status: 502 | 503 | 504; readonly message: string; readonly retryable: boolean };

const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

function classify(err: unknown): Failure {
  const code = (err as { code?: string }).code ?? '';
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return { status: 504, message: defaultMessage(504), retryable: true };
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return { status: 504, message: defaultMessage(504), retryable: false };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { status: 503, message: 'name resolution failed', retryable: false };
  return { status: 502, message: defaultMessage(502), retryable: CONNECT_ERRORS.has(code) };
}

const elapsed = (since: number) => Math.round(performance.now() - since);
const NO_PLUGINS: readonly PlannedPlugin[] = Object.freeze([]);

/** The query string (with its `?`) without the named arguments. */
function withoutArgs(query: string, names: ReadonlySet<string>): string {
  const kept = query.slice(1).split('&').filter((part) => {
    const eq = part.indexOf('=');
    let key = eq < 0 ? part : part.slice(0, eq);
    try {
      key = decodeURIComponent(key.replace(/\+/g, ' '));
    } catch {
      // an undecodable name is compared as written
    }
    return part !== '' && !names.has(key);
  });
  return kept.length > 0 ? `?${kept.join('&')}` : '';
}

/** The request id Kong sends as X-Kong-Request-Id: 32 hex characters. */
const newRequestId = () => randomUUID().replace(/-/g, '');

export function createProxyHandler(options: ProxyOptions, listener: Listener) {
  const { headers: headerSettings } = options;

  function answer(
    req: IncomingMessage, res: ServerResponse, started: number, requestId: string, status: number, message: string,
    extra: Readonly<Record<string, string>> = {}, beforeHead?: (status: number, headers: Record<string, string | string[]>) => void,
  ): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = req.method === 'HEAD' ? { contentType: 'application/json; charset=utf-8', body: '' } : errorBody(message, requestId, firstValue(req.headers.accept));
    const headers: Record<string, string | string[]> = { 'content-type': body.contentType, 'content-length': String(Buffer.byteLength(body.body)), ...extra };
    if (headerSettings.requestId) headers['x-kong-request-id'] = requestId;
    if (headerSettings.serverTokens) headers.server = options.serverToken;
    if (headerSettings.latencyTokens) headers['x-kong-response-latency'] = String(elapsed(started));
    beforeHead?.(status, headers);
    res.writeHead(status, headers);
    res.end(body.body);
  }

  return function handle(req: IncomingMessage, res: ServerResponse, upgrade?: Upgrade): void {
    const started = performance.now();
    const requestId = newRequestId();
    const snapshot = options.store.current();
    // Declared before any answer can be given: the header filter reads them (no plugins until a route matched).
    let plan: readonly PlannedPlugin[] = NO_PLUGINS;
    let pdk: RequestKong | undefined;
    const fail = (status: number, message = defaultMessage(status), extra?: Readonly<Record<string, string>>) =>
      answer(req, res, started, requestId, status, message, extra, headerFilter);

    const rawUrl = req.url ?? '';
    const queryAt = rawUrl.indexOf('?');
    const rawPath = queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt);
    const query = queryAt < 0 ? '' : rawUrl.slice(queryAt);
    const path = rawPath.startsWith('/') ? normalizePath(rawPath) : undefined;
    if (path === undefined) return fail(400);

    const peerIp = req.socket.remoteAddress ?? '';
    const trusted = options.isTrusted(peerIp);
    const forwardedProto = trusted ? firstValue(req.headers['x-forwarded-proto'])?.toLowerCase() : undefined;
    const scheme = forwardedProto === 'https' || forwardedProto === 'http' ? forwardedProto : listener.scheme;
    const hostHeader = (req.headers.host ?? '').toLowerCase();
    const hostMatch = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(hostHeader);
    const host = (hostMatch?.[1] ?? '').replace(/\.$/, '');
    const hostPort = hostMatch?.[2] !== undefined ? Number(hostMatch[2]) : listener.port;
    const sni = listener.scheme === 'https' ? ((req.socket as { servername?: string }).servername?.toLowerCase() ?? undefined) : undefined;

    const match = snapshot.router.match({
      method: req.method ?? 'GET', host, port: hostPort, path, headers: req.headers, sni, scheme,
      rawQuery: query.slice(1), srcIp: peerIp, srcPort: req.socket.remotePort, dstIp: req.socket.localAddress, dstPort: listener.port,
    });
    if (!match) return fail(404, 'no Route matched with those values');
    const { route, service } = match;
    if (scheme === 'http' && !route.protocols.includes('http') && route.protocols.includes('https')) {
      return redirectToHttps(route, host, hostHeader, rawUrl);
    }
    plan = snapshot.plugins.forRoute(route.id);
    if (plan.length > 0) {
      const state = { exited: false };
      const clientIp = (trusted ? (firstValue(req.headers['x-real-ip']) ?? peerIp) : peerIp).replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
      const kong = (pdk = requestKongFactory({ req, scheme, host, port: hostPort, path, rawQuery: query.slice(1), match, clientIp, credentials: snapshot.credentials }, (status, body, headers, kind) => {
        state.exited = true;
        if (kind === 'error') return fail(status, typeof body === 'string' ? body : defaultMessage(status), headers);
        pluginExit(status, body, headers);
      }));
      if (plan.some((p) => p.handler.log)) {
        // The log phase runs once the answer is out; what it does never changes the answer.
        res.once('close', () => {
          kong.setResponse(res.statusCode, res.getHeaders() as Record<string, string | string[]>);
          const done = runPhase('log', plan, (p) => kong.forPlugin(p.id), { exited: false }, options.log, () => undefined);
          if (done instanceof Promise) done.catch(() => undefined);
        });
      }
      const ran = runPhase('access', plan, (p) => kong.forPlugin(p.id), state, options.log, () => fail(500));
      if (ran instanceof Promise) {
        ran.then(() => state.exited || proceed(), () => fail(500));
        return;
      }
      if (state.exited) return;
    }
    proceed();

    function proceed(): void {
      if (!service) return fail(503, 'no Service found with those values');
      const peers = pickPeers(snapshot, service);
      if (!peers) return fail(503, 'failure to get a peer from the ring-balancer');
      const upstreamHeaders = forwardedHeaders(req, match!, { scheme, host, port: hostPort, path: path!, peerIp, trusted, requestId });
      for (const [name, value] of pdk?.upstreamHeaderChanges ?? []) {
        if (value === null) delete upstreamHeaders[name];
        else upstreamHeaders[name] = value;
      }
      const upstreamQuery = pdk && pdk.removedQueryArgs.size > 0 ? withoutArgs(query, pdk.removedQueryArgs) : query;
      const target = upstreamPath({ servicePath: service.path, requestPath: path!, matched: match!.matchedPath, stripPath: route.strip_path, pathHandling: route.path_handling }) + upstreamQuery;
      const setCookies: string[] = [];
      // Only consistent-hashing reads the request; the other balancers need nothing built per request.
      const hashing = snapshot.upstreams.get(service.host)?.upstream.algorithm === 'consistent-hashing';
      const balance = hashing ? balanceContext(req, match!, path!, query, trusted ? (firstValue(req.headers['x-real-ip']) ?? peerIp) : peerIp, setCookies) : undefined;
      const job = { snapshot, service, route, peers, headers: upstreamHeaders, target, started, requestId, fail, balance, setCookies, beforeHead: headerFilter };
      if (upgrade) tunnel(req, upgrade, job);
      else void forward(req, res, job);
    }

    /** The header filter phase, on the head about to be written (synchronous: the head cannot wait). */
    function headerFilter(status: number, headers: Record<string, string | string[]>): void {
      if (!pdk || !plan.some((p) => p.handler.headerFilter)) return;
      const kong = pdk;
      kong.setResponse(status, headers);
      const ran = runPhase('headerFilter', plan, (p) => kong.forPlugin(p.id), { exited: false }, options.log, () => undefined);
      if (ran instanceof Promise) {
        options.log.warn({ request_id: requestId }, 'a headerFilter phase returned a promise; header filters must be synchronous');
        ran.catch(() => undefined);
      }
    }

    /** kong.response.exit: a record is sent as JSON, a string as it is. */
    function pluginExit(status: number, body: unknown, extra: Readonly<Record<string, string>>): void {
      if (res.headersSent) return;
      const isText = typeof body === 'string';
      const text = body === undefined || body === null ? '' : isText ? body : JSON.stringify(body);
      const headers: Record<string, string | string[]> = {};
      if (body !== undefined && body !== null && !isText) headers['content-type'] = 'application/json; charset=utf-8';
      for (const [k, v] of Object.entries(extra)) headers[k.toLowerCase()] = v;
      headers['content-length'] = String(Buffer.byteLength(text));
      if (headerSettings.requestId) headers['x-kong-request-id'] = requestId;
      if (headerSettings.serverTokens) headers.server = options.serverToken;
      if (headerSettings.latencyTokens) headers['x-kong-response-latency'] = String(elapsed(started));
      headerFilter(status, headers);
      res.writeHead(status, headers);
      res.end(req.method === 'HEAD' ? undefined : text);
    }


    function redirectToHttps(r: Route, h: string, rawHost: string, url: string): void {
      const code = r.https_redirect_status_code;
      if (code === 426) return fail(426, 'Please use HTTPS protocol', { connection: 'Upgrade', upgrade: 'TLS/1.2, HTTP/1.1' });
      res.writeHead(code, { location: `https://${rawHost || h}${url}`, 'content-length': 0, ...(headerSettings.requestId ? { 'x-kong-request-id': requestId } : {}) });
      res.end();
    }
  };

  /** A service's peers: its upstream's balancer when its host names one, else the host itself. */
  function pickPeers(snapshot: Snapshot, service: Service): Balancer | undefined {
    const balanced = snapshot.upstreams.get(service.host);
    if (balanced) return balanced.balancer.empty ? undefined : balanced.balancer;
    const peer: Peer = { host: service.host, port: service.port, target: `${service.host}:${service.port}` };
    return { empty: false, next: (exclude) => (exclude.has(peer.target) ? undefined : peer), release: () => undefined };
  }

  /** What the balancer may hash on, computed only if it asks. */
  function balanceContext(req: IncomingMessage, match: RouteMatch, path: string, query: string, clientIp: string, setCookies: string[]): BalanceContext {
    let cookies: Map<string, string> | undefined;
    let args: Record<string, string | true | (string | true)[]> | undefined;
    return {
      clientIp: clientIp.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1'),
      path,
      consumerId: undefined,
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
        const first = Array.isArray(v) ? v[0] : v;
        return first === undefined ? undefined : first === true ? '' : first;
      },
      uriCapture: (name) => {
        const captures = match.captures;
        if (!captures) return undefined;
        return /^\d+$/.test(name) ? captures.unnamed[Number(name)] : captures.named[name];
      },
      setCookie: (header) => setCookies.push(header),
    };
  }

  function forwardedHeaders(
    req: IncomingMessage,
    match: RouteMatch,
    at: { scheme: string; host: string; port: number; path: string; peerIp: string; trusted: boolean; requestId: string },
  ): Record<string, string | string[]> {
    const listed = connectionListed(req.headers.connection);
    const out: Record<string, string | string[]> = {};
    const incoming = req.headers;
    for (const name in incoming) {
      const value = incoming[name];
      if (value === undefined || isHopByHop(name, listed) || name === 'host') continue;
      out[name] = value;
    }
    const te = firstValue(req.headers.te);
    if (te && /\btrailers\b/i.test(te)) out.te = 'trailers';
    const peer = at.peerIp.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
    const incomingXff = req.headers['x-forwarded-for'];
    out['x-forwarded-for'] = incomingXff ? `${Array.isArray(incomingXff) ? incomingXff.join(', ') : incomingXff}, ${peer}` : peer;
    const believe = (name: string, computed: string | undefined): void => {
      const incoming = at.trusted ? firstValue(req.headers[name]) : undefined;
      const value = incoming ?? computed;
      if (value === undefined || value === '') delete out[name];
      else out[name] = value;
    };
    believe('x-forwarded-proto', at.scheme);
    believe('x-forwarded-host', at.host);
    believe('x-forwarded-port', String(at.port));
    believe('x-forwarded-path', at.path);
    const prefix = match.route.strip_path && match.matchedPath && match.matchedPath !== '/' ? match.matchedPath : undefined;
    believe('x-forwarded-prefix', prefix);
    out['x-real-ip'] = (at.trusted ? firstValue(req.headers['x-real-ip']) : undefined) ?? peer;
    if (headerSettings.requestId) out['x-kong-request-id'] = at.requestId;
    return out;
  }

  interface Forward {
    readonly snapshot: Snapshot;
    readonly service: Service;
    readonly route: Route;
    readonly peers: Balancer;
    readonly balance: BalanceContext | undefined;
    readonly setCookies: string[];
    /** The header filter phase, run on the head just before it is written. */
    readonly beforeHead: (status: number, headers: Record<string, string | string[]>) => void;
    readonly headers: Record<string, string | string[]>;
    readonly target: string;
    readonly started: number;
    readonly requestId: string;
    readonly fail: (status: number, message?: string) => void;
  }

  /**
   * A WebSocket (or other Upgrade) handshake: the routed request is written to the peer as it came, with Kong's
   * headers, and from then on bytes flow both ways untouched. The peer's 101 reaches the client as it is.
   */
  function tunnel(req: IncomingMessage, upgrade: Upgrade, f: Forward): void {
    const balanced = f.snapshot.upstreams.get(f.service.host)?.upstream;
    const peer = f.peers.next({ has: (t) => (balanced ? !options.health.isHealthy(balanced.name, t) : false) }, f.balance);
    if (!peer) return f.fail(503, 'failure to get a peer from the ring-balancer');
    upgrade.socket.once('close', () => f.peers.release(peer));
    const secure = f.service.protocol === 'https' || f.service.protocol === 'wss';
    const upstream = secure
      ? tlsConnect(tunnelTls(peer, f.snapshot.upstreamTls.get(f.service.id)))
      : netConnect({ host: peer.host, port: peer.port });
    const timer = setTimeout(() => upstream.destroy(Object.assign(new Error('connect timeout'), { code: 'UND_ERR_CONNECT_TIMEOUT' })), f.service.connect_timeout);
    let connected = false;
    upstream.once(secure ? 'secureConnect' : 'connect', () => {
      connected = true;
      clearTimeout(timer);
      const defaultPort = secure ? 443 : 80;
      const headers: Record<string, string | string[]> = {
        ...f.headers,
        host: f.route.preserve_host && req.headers.host ? req.headers.host : peer.port === defaultPort ? peer.host : `${peer.host}:${peer.port}`,
        connection: 'keep-alive, Upgrade',
        upgrade: firstValue(req.headers.upgrade) ?? 'websocket',
      };
      let head = `${req.method ?? 'GET'} ${f.target} HTTP/1.1\r\n`;
      for (const [name, value] of Object.entries(headers)) {
        for (const v of Array.isArray(value) ? value : [value]) head += `${name}: ${v}\r\n`;
      }
      upstream.write(`${head}\r\n`);
      if (upgrade.head.length > 0) upstream.write(upgrade.head);
      upgrade.socket.pipe(upstream);
      upstream.pipe(upgrade.socket);
    });
    upstream.on('error', (err) => {
      clearTimeout(timer);
      if (!connected) return f.fail(classify(err).status, classify(err).message);
      upgrade.socket.destroy();
    });
    upgrade.socket.on('error', () => upstream.destroy());
    upgrade.socket.on('close', () => upstream.destroy());
    upstream.on('close', () => upgrade.socket.destroy());
  }

  function tunnelTls(peer: Peer, tls: UpstreamTls | undefined) {
    return {
      host: peer.host,
      port: peer.port,
      ...(/^[\d.]+$|:/.test(peer.host) ? {} : { servername: peer.host }),
      rejectUnauthorized: tls?.verify ?? false,
      ...(tls?.ca ? { ca: [...tls.ca] } : {}),
      ...(tls?.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
    };
  }

  async function forward(req: IncomingMessage, res: ServerResponse, f: Forward): Promise<void> {
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    const failed = new Set<string>();
    const balanced = f.snapshot.upstreams.get(f.service.host)?.upstream;
    const exclude = balanced
      ? { has: (t: string) => failed.has(t) || !options.health.isHealthy(balanced.name, t) }
      : failed;
    const passive = balanced?.healthchecks.passive;
    const abort = new AbortController();
    // Only a client that leaves before the answer is complete cancels the upstream request. (writableFinished
    // would still be false while the socket flushes: every response would look aborted.)
    res.once('close', () => {
      if (!res.writableEnded) abort.abort();
    });
    let failure: Failure | undefined;
    for (let attempt = 0; attempt <= f.service.retries; attempt++) {
      const peer = f.peers.next(exclude, f.balance);
      if (!peer) break;
      const protocol = f.service.protocol === 'https' ? 'https' : 'http';
      const pool = options.pools.get({
        protocol, host: peer.host, port: peer.port, connectTimeout: f.service.connect_timeout,
        servername: protocol === 'https' && !/^[\d.]+$|:/.test(peer.host) ? peer.host : undefined,
        tls: f.snapshot.upstreamTls.get(f.service.id),
      });
      const defaultPort = protocol === 'https' ? 443 : 80;
      const headers = { ...f.headers, host: f.route.preserve_host && req.headers.host ? req.headers.host : peer.port === defaultPort ? peer.host : `${peer.host}:${peer.port}` };
      const sentAt = performance.now();
      try {
        // stream(): undici writes the body straight into the client's response, with backpressure; no
        // intermediate stream and no per-response pipeline bookkeeping.
        await pool.stream(
          {
            path: f.target,
            method: (req.method ?? 'GET') as 'GET',
            headers,
            body: hasBody ? req : null,
            headersTimeout: f.service.read_timeout,
            bodyTimeout: f.service.read_timeout,
            signal: abort.signal,
          },
          ({ statusCode, headers: upstreamHeaders }) => {
            if (balanced && passive) options.health.report(balanced, peer.target, passive, { kind: 'status', status: statusCode });
            writeResponseHead(res, statusCode, upstreamHeaders as Record<string, string | string[] | undefined>, f, sentAt, req.httpVersion);
            return res;
          },
        );
        f.peers.release(peer);
        return;
      } catch (err) {
        f.peers.release(peer);
        if (abort.signal.aborted) return;
        if (res.headersSent) {
          // The answer had begun: nothing to send instead, only to cut it.
          if (!res.destroyed) options.log.warn({ request_id: f.requestId, err: (err as Error).message }, 'upstream response ended early');
          res.destroy();
          return;
        }
        failure = classify(err);
        failed.add(peer.target);
        if (balanced && passive) options.health.report(balanced, peer.target, passive, { kind: failure.status === 504 ? 'timeout' : 'tcp' });
        options.log.debug({ request_id: f.requestId, target: peer.target, code: (err as { code?: string }).code }, 'upstream attempt failed');
        // A request body already streamed cannot be sent again.
        if (!failure.retryable || hasBody) break;
      }
    }
    f.fail(failure?.status ?? 503, failure?.message ?? 'failure to get a peer from the ring-balancer');
  }

  function writeResponseHead(
    res: ServerResponse,
    statusCode: number,
    upstreamHeaders: Record<string, string | string[] | undefined>,
    f: Forward,
    sentAt: number,
    httpVersion: string,
  ): void {
    const received = performance.now();
    const listed = connectionListed(upstreamHeaders.connection);
    const out: Record<string, string | string[]> = {};
    for (const name in upstreamHeaders) {
      const value = upstreamHeaders[name];
      if (value === undefined || isHopByHop(name, listed)) continue;
      out[name] = value;
    }
    if (headerSettings.serverTokens) {
      const via = `${httpVersion} ${options.serverToken}`;
      out.via = out.via ? `${Array.isArray(out.via) ? out.via.join(', ') : out.via}, ${via}` : via;
    }
    if (headerSettings.latencyTokens) {
      out['x-kong-upstream-latency'] = String(Math.round(received - sentAt));
      out['x-kong-proxy-latency'] = String(Math.round(sentAt - f.started));
    }
    if (headerSettings.requestId) out['x-kong-request-id'] = f.requestId;
    if (f.setCookies.length > 0) {
      const existing = out['set-cookie'];
      out['set-cookie'] = [...(existing === undefined ? [] : Array.isArray(existing) ? existing : [existing]), ...f.setCookies];
    }
    f.beforeHead(statusCode, out);
    res.writeHead(statusCode, out);
  }
}

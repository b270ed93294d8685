/**
 * Sending a routed request to its upstream and the answer back: a peer from the balancer, the request on a
 * keep-alive pool, retries on connection failures to the next peer, passive health reports, and the response
 * head with Kong's headers. The body comes back one of three ways: straight into the client's response (no
 * plugin touches it), through a sink (body filters, trailers), or buffered whole (a `response` phase or
 * `enableBuffering`). WebSocket upgrades are tunnelled.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect as netConnect } from 'node:net';
import { Readable, Writable, type Duplex } from 'node:stream';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { Dispatcher, Pool } from 'undici';
import type { Route, Service, Upstream } from '../declarative/config.ts';
import type { UpstreamBody } from '../pdk/request-body.ts';
import type { BalanceContext, Balancer, Exclusions, Peer } from '../snapshot/balancer.ts';
import type { Snapshot } from '../snapshot/snapshot.ts';
import type { UpstreamTls } from '../snapshot/upstream-tls.ts';
import type { HeaderSettings } from '../settings/settings.ts';
import type { HealthRegistry } from '../upstream/health.ts';
import { poolKeyFor } from '../upstream/pool-key.ts';
import type { PoolRegistry } from '../upstream/pools.ts';
import { checkVerifyDepth } from '../upstream/verify-depth.ts';
import { connectionListed, firstValue, isHopByHop } from './headers.ts';
import { defaultMessage } from './kong-errors.ts';

type Headers = Record<string, string | string[]>;

/** The client side of an Upgrade request: its socket and the bytes that came after the headers. */
export interface Upgrade {
  readonly socket: Duplex;
  readonly head: Buffer;
}

/** What the log serializer reports about the upstream side. */
export interface UpstreamStats {
  readonly tries: { ip: string; port: number }[];
  upstreamUri: string | undefined;
  upstreamStatus: number | undefined;
  /** Milliseconds from sending the request to the response head. */
  upstreamLatency: number | undefined;
  /** Milliseconds from arrival to the request being sent upstream. */
  proxyLatency: number | undefined;
}

export interface ForwardJob {
  readonly snapshot: Snapshot;
  readonly service: Service;
  readonly route: Route;
  readonly peers: Balancer;
  /** The upstream's name when the peers come from one (health checks report to it). */
  readonly upstreamName: string | undefined;
  readonly balance: BalanceContext | undefined;
  readonly setCookies: readonly string[];
  readonly method: string;
  readonly target: string;
  readonly headers: Headers;
  readonly body: UpstreamBody;
  readonly started: number;
  readonly requestId: string;
  readonly stats: UpstreamStats;
  /** Buffered mode: the whole upstream answer goes to `respond` before anything is sent. */
  readonly buffered: boolean;
  /** The header filter phase, on the head about to be written (synchronous: the head cannot wait). */
  readonly headerFilter: (status: number, headers: Headers) => void;
  /** The body filter phase over one chunk; undefined when no plugin filters bodies. */
  readonly bodyFilter: ((chunk: Buffer, last: boolean) => Buffer | Promise<Buffer>) | undefined;
  /** Buffered mode: the response phase; resolves false when a plugin answered instead. */
  readonly respond: (status: number, headers: Headers, body: Buffer) => Promise<{ status: number; headers: Headers; body: Buffer } | undefined>;
  readonly fail: (status: number, message?: string) => void;
  /** A streamed body past `bytes` is cut and answered `status` (request-size-limiting on chunked bodies). */
  readonly bodyLimit: { readonly bytes: number; readonly status: number; readonly message: string } | undefined;
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

const WRITE_TIMEOUT: Failure = { status: 504, message: defaultMessage(504), retryable: false };
/** The reason given to undici when the upstream request is cancelled (one object: nobody reads its stack). */
const CANCELLED = Object.assign(new Error('upstream request cancelled'), { code: 'GATEWAY_CANCELLED' });

/** The exchange a response belongs to, while cancelling it still means something. */
const kExchange = Symbol('exchange');
type Cancellable = ServerResponse & { [kExchange]?: { cancel(): void } | null | undefined };

/** A client that leaves before its answer is complete cancels the upstream request (shared: no closure per request). */
function onClientClose(this: Cancellable): void {
  this[kExchange]?.cancel();
}

/**
 * Marks a response whose 'close' listener the caller has and which calls `cancelOnClose` first: the exchange
 * then adds none of its own (one listener per response instead of two).
 */
export function watchClose(res: ServerResponse): void {
  (res as Cancellable)[kExchange] = null;
}

export function cancelOnClose(res: ServerResponse): void {
  onClientClose.call(res as Cancellable);
}
const EMPTY = Buffer.alloc(0);

/**
 * Kong's write_timeout (nginx's proxy_send_timeout): the longest wait between two successive writes of the
 * request body to the upstream. undici pulls the next chunk once the previous one is written, so the time
 * between handing a chunk over and the next pull is the time one write took.
 */
function withWriteTimeout(body: AsyncIterable<Buffer>, ms: number, onTimeout: () => void, limit: number, onLimit: () => void): AsyncIterable<Buffer> {
  return (async function* () {
    let size = 0;
    for await (const chunk of body) {
      size += chunk.length;
      if (size > limit) return onLimit();
      const timer = setTimeout(onTimeout, ms);
      try {
        yield chunk;
      } finally {
        clearTimeout(timer);
      }
    }
  })();
}

/**
 * Where the body goes when plugins filter it or trailers follow it: each chunk through the body filter, then to
 * the client with backpressure. The response is ended by `finish` (after the last filter call and the
 * trailers), not when undici ends this stream.
 */
class ResponseSink extends Writable {
  readonly #res: ServerResponse;
  readonly #filter: ForwardJob['bodyFilter'];

  constructor(res: ServerResponse, filter: ForwardJob['bodyFilter']) {
    super();
    this.#res = res;
    this.#filter = filter;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const out = this.#filter ? this.#filter(chunk, false) : chunk;
    if (out instanceof Promise) out.then((b) => this.#send(b, callback), callback);
    else this.#send(out, callback);
  }

  #send(chunk: Buffer, callback: (error?: Error | null) => void): void {
    if (chunk.length === 0 || this.#res.write(chunk)) return callback();
    this.#res.once('drain', () => callback());
  }

  async finish(trailers: Record<string, string | string[] | undefined> | undefined): Promise<void> {
    const tail = this.#filter ? await this.#filter(EMPTY, true) : EMPTY;
    if (trailers && Object.keys(trailers).length > 0) this.#res.addTrailers(trailers as Record<string, string | string[]>);
    this.#res.end(tail.length > 0 ? tail : undefined);
  }
}

export interface ForwarderOptions {
  readonly pools: PoolRegistry;
  readonly health: HealthRegistry;
  readonly log: Logger;
  readonly headers: HeaderSettings;
  /** Product token for Via and Server, e.g. `gateway/0.1.0`. */
  readonly serverToken: string;
}

export function createForwarder(options: ForwarderOptions) {
  const { headers: headerSettings } = options;

  /** The upstream's head as the client gets it: hop-by-hop headers out, Kong's headers in. */
  function responseHead(upstream: Record<string, string | string[] | undefined>, f: ForwardJob, httpVersion: string): Headers {
    const listed = connectionListed(upstream.connection);
    const out: Headers = {};
    for (const name in upstream) {
      const value = upstream[name];
      if (value === undefined || isHopByHop(name, listed)) continue;
      out[name] = value;
    }
    if (headerSettings.serverTokens) {
      const via = `${httpVersion} ${options.serverToken}`;
      out.via = out.via ? `${Array.isArray(out.via) ? out.via.join(', ') : out.via}, ${via}` : via;
    }
    if (headerSettings.latencyTokens) {
      out['x-kong-upstream-latency'] = String(f.stats.upstreamLatency ?? 0);
      out['x-kong-proxy-latency'] = String(f.stats.proxyLatency ?? 0);
    }
    if (headerSettings.requestId) out['x-kong-request-id'] = f.requestId;
    if (headerSettings.upstreamStatus && f.stats.upstreamStatus !== undefined) out['x-kong-upstream-status'] = String(f.stats.upstreamStatus);
    if (f.setCookies.length > 0) {
      const existing = out['set-cookie'];
      out['set-cookie'] = [...(existing === undefined ? [] : Array.isArray(existing) ? existing : [existing]), ...f.setCookies];
    }
    return out;
  }

  /**
   * A peer's pool for a service, remembered on the peer: the registry's key is a string built from six fields,
   * too dear to build per request. A pool a reload closed is looked up again.
   */
  const poolOfPeer = new WeakMap<Peer, { readonly service: Service; readonly pool: Pool }>();

  function poolFor(f: ForwardJob, peer: Peer): Pool {
    const known = poolOfPeer.get(peer);
    if (known !== undefined && known.service === f.service && !known.pool.closed) return known.pool;
    const pool = options.pools.get(poolKeyFor(f.service, peer, f.snapshot.upstreamTls.get(f.service.id)));
    poolOfPeer.set(peer, { service: f.service, pool });
    return pool;
  }

  /**
   * Kong's upstream-wide `healthchecks.threshold`: below that percentage of the targets' weight being healthy, the
   * whole upstream is unhealthy and gets no traffic.
   */
  function belowThreshold(f: ForwardJob): boolean {
    const entry = f.upstreamName ? f.snapshot.upstreams.get(f.upstreamName) : undefined;
    const threshold = entry?.upstream.healthchecks.threshold ?? 0;
    if (!entry || threshold <= 0) return false;
    let total = 0;
    let healthy = 0;
    for (const [target, weight] of entry.weights) {
      total += weight;
      if (options.health.isHealthy(entry.upstream.name, target)) healthy += weight;
    }
    return total === 0 || (healthy / total) * 100 < threshold;
  }

  /**
   * One request's way upstream, as undici's dispatch handler (undici's `stream` costs a promise, an async
   * resource and a set of stream listeners per request; measured ~10% of a bare proxy's throughput). The same
   * object serves every attempt: attempts never overlap, and a failed one starts the next from its error.
   */
  class Exchange implements Dispatcher.DispatchHandler, Exclusions {
    readonly req: IncomingMessage;
    readonly res: ServerResponse;
    readonly f: ForwardJob;
    readonly balanced: Upstream | undefined;
    readonly body: Buffer | Readable | null;
    /** Targets this request already failed on; made on the first failure (most requests have none). */
    failed: Set<string> | undefined = undefined;
    attempts = 0;
    failure: Failure | undefined = undefined;
    controller: Dispatcher.DispatchController | null = null;
    cancelled = false;
    /** The upstream answer is complete. */
    ended = false;
    timedOutWriting = false;
    overLimit = false;
    // The attempt under way.
    peer: Peer | undefined = undefined;
    sentAt = 0;
    status = 0;
    upstreamHeaders: Record<string, string | string[] | undefined> = {};
    sink: ResponseSink | undefined = undefined;
    chunks: Buffer[] | undefined = undefined;
    resume: (() => void) | undefined = undefined;

    constructor(req: IncomingMessage, res: ServerResponse, f: ForwardJob, balanced: Upstream | undefined) {
      this.req = req;
      this.res = res;
      this.f = f;
      this.balanced = balanced;
      const given = f.body;
      if (given === null || Buffer.isBuffer(given)) {
        this.body = given;
      } else {
        this.body = Readable.from(withWriteTimeout(given, f.service.write_timeout, () => {
          this.timedOutWriting = true;
          this.cancel();
        }, f.bodyLimit?.bytes ?? Infinity, () => {
          this.overLimit = true;
          this.cancel();
        }), { objectMode: false });
      }
      if (Buffer.isBuffer(given)) {
        // Built for this request only: changed in place.
        delete f.headers['transfer-encoding'];
        f.headers['content-length'] = String(given.length);
      }
      // null: the caller's own 'close' listener cancels (watchClose); undefined: nobody listens yet.
      const watched = (res as Cancellable)[kExchange] === null;
      (res as Cancellable)[kExchange] = this;
      if (!watched) res.on('close', onClientClose);
    }

    /** Exclusions for the balancer: targets already failed, and unhealthy ones. */
    has(target: string): boolean {
      return this.failed?.has(target) === true || (this.balanced !== undefined && !options.health.isHealthy(this.balanced.name, target));
    }

    cancel(): void {
      if (this.cancelled || this.ended) return;
      this.cancelled = true;
      this.controller?.abort(CANCELLED);
    }

    /** The next attempt, on the next peer; when none is left (or retries are spent), Kong's error. */
    attempt(): void {
      const f = this.f;
      const peer = this.attempts++ <= f.service.retries ? f.peers.next(this, f.balance) : undefined;
      if (!peer) {
        this.detach();
        if (!this.res.headersSent) f.fail(this.failure?.status ?? 503, this.failure?.message ?? 'failure to get a peer from the ring-balancer');
        return;
      }
      this.peer = peer;
      this.controller = null;
      this.status = 0;
      f.stats.tries.push({ ip: peer.host, port: peer.port });
      const defaultPort = f.service.protocol === 'https' ? 443 : 80;
      f.headers.host = f.route.preserve_host && this.req.headers.host ? this.req.headers.host : peer.port === defaultPort ? peer.host : `${peer.host}:${peer.port}`;
      this.sentAt = performance.now();
      f.stats.proxyLatency = Math.round(this.sentAt - f.started);
      poolFor(f, peer).dispatch({
        path: f.target,
        method: f.method as 'GET',
        headers: f.headers,
        body: this.body,
        headersTimeout: f.service.read_timeout,
        bodyTimeout: f.service.read_timeout,
      }, this);
    }

    onRequestStart(controller: Dispatcher.DispatchController): void {
      this.controller = controller;
      if (this.cancelled) controller.abort(CANCELLED);
    }

    onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, head: Record<string, string | string[] | undefined>): void {
      if (statusCode < 200) return;
      const f = this.f;
      this.status = statusCode;
      this.upstreamHeaders = head;
      f.stats.upstreamLatency = Math.round(performance.now() - this.sentAt);
      f.stats.upstreamStatus = statusCode;
      const passive = this.balanced?.healthchecks.passive;
      if (passive) options.health.report(this.balanced!, this.peer!.target, passive, { kind: 'status', status: statusCode });
      if (f.buffered) {
        this.chunks = [];
        return;
      }
      const out = responseHead(head, f, this.req.httpVersion);
      const announcedTrailers = head.trailer;
      if (f.bodyFilter || announcedTrailers) {
        // The length changes with filtering, and trailers need chunked encoding.
        delete out['content-length'];
        if (announcedTrailers) out.trailer = announcedTrailers;
        const sink = (this.sink = new ResponseSink(this.res, f.bodyFilter));
        sink.on('error', (err) => (this.ended ? this.broken(err) : controller.abort(err)));
      }
      f.headerFilter(statusCode, out);
      this.res.writeHead(statusCode, out);
    }

    onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
      if (this.chunks) {
        this.chunks.push(chunk);
        return;
      }
      const to = this.sink ?? this.res;
      if (to.write(chunk)) return;
      // A client gone before this exchange could hear of it (it left during an async phase) never drains.
      if (this.res.destroyed) return controller.abort(CANCELLED);
      controller.pause();
      to.once('drain', (this.resume ??= () => this.controller?.resume()));
    }

    onResponseEnd(_controller: Dispatcher.DispatchController, trailers: Record<string, string | string[] | undefined>): void {
      const f = this.f;
      f.peers.release(this.peer!, performance.now() - this.sentAt);
      const { res, sink, chunks } = this;
      this.ended = true;
      this.detach();
      if (chunks) {
        finishBuffered(this.req, res, f, this.status, this.upstreamHeaders, Buffer.concat(chunks)).catch((err: unknown) => {
          if (res.headersSent) this.broken(err);
          else f.fail(500);
        });
      } else if (sink) {
        sink.end((err?: Error | null) => {
          if (!err) sink.finish(trailers).catch((e: unknown) => this.broken(e));
        });
      } else {
        res.end();
      }
    }

    onResponseError(_controller: Dispatcher.DispatchController | null, err: Error): void {
      // undici reports a throw from onResponseEnd here too: the attempt is over and was released already.
      if (this.ended) return this.broken(err);
      try {
        this.attemptFailed(err);
      } catch (thrown) {
        // Whatever went wrong in here must not reach undici (it would re-emit it as an uncaught 'error').
        this.crashed(thrown);
      }
    }

    crashed(thrown: unknown): void {
      options.log.error({ request_id: this.f.requestId, err: (thrown as Error)?.message ?? String(thrown) }, 'upstream error handling failed');
      this.detach();
      if (this.res.headersSent) this.res.destroy();
      else this.f.fail(500);
    }

    private attemptFailed(err: Error): void {
      const f = this.f;
      const peer = this.peer!;
      f.peers.release(peer);
      this.sink?.destroy();
      this.sink = undefined;
      this.chunks = undefined;
      const { res } = this;
      // We cut the request ourselves: a body over its limit, or a write_timeout.
      const cut = this.overLimit && f.bodyLimit ? f.bodyLimit : this.timedOutWriting ? WRITE_TIMEOUT : undefined;
      if (cut) {
        this.detach();
        if (res.headersSent) res.destroy();
        else f.fail(cut.status, cut.message);
        return;
      }
      if (this.cancelled) return this.detach();
      if (res.headersSent) return this.broken(err);
      const failure = (this.failure = classify(err));
      (this.failed ??= new Set()).add(peer.target);
      const passive = this.balanced?.healthchecks.passive;
      if (passive) options.health.report(this.balanced!, peer.target, passive, { kind: failure.status === 504 ? 'timeout' : 'tcp' });
      options.log.debug({ request_id: f.requestId, target: peer.target, code: (err as { code?: string }).code }, 'upstream attempt failed');
      // A streamed request body cannot be sent again; a buffered one can.
      // The next attempt after undici has finished with this one (its error handling is still on the stack).
      if (failure.retryable && (this.body === null || Buffer.isBuffer(this.body))) return queueMicrotask(() => {
        try {
          this.attempt();
        } catch (thrown) {
          this.crashed(thrown);
        }
      });
      this.detach();
      if (!res.headersSent) f.fail(failure.status, failure.message);
    }

    /** The answer had begun: nothing to send instead, only to cut it. */
    broken(err: unknown): void {
      this.detach();
      if (!this.res.destroyed) options.log.warn({ request_id: this.f.requestId, err: (err as Error).message }, 'upstream response ended early');
      this.res.destroy();
    }

    /** The exchange is over: a client leaving now cancels nothing. */
    detach(): void {
      (this.res as Cancellable)[kExchange] = undefined;
    }
  }

  function forward(req: IncomingMessage, res: ServerResponse, f: ForwardJob): void {
    // The client left while plugins ran: nobody to answer, nothing to ask the upstream.
    if (res.destroyed) return;
    if (belowThreshold(f)) return f.fail(503, 'failure to get a peer from the ring-balancer');
    const balanced = f.upstreamName ? f.snapshot.upstreams.get(f.upstreamName)?.upstream : undefined;
    new Exchange(req, res, f, balanced).attempt();
  }

  /** Buffered mode: the response phase sees the whole answer, then the header and body filters, then it is sent. */
  async function finishBuffered(req: IncomingMessage, res: ServerResponse, f: ForwardJob, status: number, upstream: Record<string, string | string[] | undefined>, body: Buffer): Promise<void> {
    const head = responseHead(upstream, f, req.httpVersion);
    const answer = await f.respond(status, head, body);
    if (!answer || res.headersSent) return;
    let out = answer.body;
    const headers = answer.headers;
    delete headers['transfer-encoding'];
    f.headerFilter(answer.status, headers);
    if (f.bodyFilter) out = await f.bodyFilter(out, true);
    if (!(req.method === 'HEAD' || answer.status === 204 || answer.status === 304)) headers['content-length'] = String(out.length);
    res.writeHead(answer.status, headers);
    res.end(req.method === 'HEAD' ? undefined : out);
  }

  /**
   * A WebSocket (or other Upgrade) handshake: the routed request is written to the peer as it came, with Kong's
   * headers, and from then on bytes flow both ways untouched. The peer's 101 reaches the client as it is.
   */
  function tunnel(req: IncomingMessage, upgrade: Upgrade, f: ForwardJob): void {
    if (belowThreshold(f)) return f.fail(503, 'failure to get a peer from the ring-balancer');
    const balanced = f.upstreamName ? f.snapshot.upstreams.get(f.upstreamName)?.upstream : undefined;
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
      clearTimeout(timer);
      const tooDeep = secure ? checkVerifyDepth(upstream as TLSSocket, f.snapshot.upstreamTls.get(f.service.id)?.verifyDepth) : undefined;
      if (tooDeep) return upstream.destroy(tooDeep);
      connected = true;
      const defaultPort = secure ? 443 : 80;
      const headers: Headers = {
        ...f.headers,
        host: f.route.preserve_host && req.headers.host ? req.headers.host : peer.port === defaultPort ? peer.host : `${peer.host}:${peer.port}`,
        connection: 'keep-alive, Upgrade',
        upgrade: firstValue(req.headers.upgrade) ?? 'websocket',
      };
      let head = `${f.method} ${f.target} HTTP/1.1\r\n`;
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

  return { forward, tunnel };
}

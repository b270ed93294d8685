/**
 * One request's way upstream and its answer's way back, as undici's dispatch handler: a peer from the balancer,
 * the request on that peer's keep-alive pool, the next peer after a failed try (Kong's retries), passive health
 * reports, and the answer handed to the proxy's answer owner as it comes (head, chunks with backpressure, end),
 * or whole in buffered mode. undici's `stream` costs a promise, an async resource and a set of stream listeners
 * per request (measured ~10% of a bare proxy's throughput), hence the handler.
 */
import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { Dispatcher, Pool } from 'undici';
import type { Service } from '../declarative/config.ts';
import { describeError } from '../errors.ts';
import type { ClientTimeouts } from '../settings/settings.ts';
import type { Exclusions, Peer } from '../snapshot/balancer.ts';
import { tryHost, type Cancellable, type UpstreamAnswer, type UpstreamCall, type UpstreamHead } from './call.ts';

export type { Cancellable, UpstreamAnswer, UpstreamBody, UpstreamCall, UpstreamHead, UpstreamStats } from './call.ts';
import { classify, mayRetry, NO_PEER, WRITE_TIMEOUT, type Failure } from './failures.ts';
import { belowThreshold, type HealthRegistry } from './health.ts';
import { poolKeyFor } from './pool-key.ts';
import type { PoolRegistry } from './pools.ts';
import { withWriteTimeout, type TimedBody } from './write-timeout.ts';

/** The most buffered mode (a `response` phase, `enableBuffering`) holds of an upstream answer, in memory. */
export const BUFFERED_LIMIT = 64 * 1024 * 1024;
const TOO_LARGE = { status: 502, message: 'An invalid response was received from the upstream server' } as const;

/** The reason given to undici when the upstream request is cancelled (one object: nobody reads its stack). */
const CANCELLED = Object.assign(new Error('upstream request cancelled'), { code: 'GATEWAY_CANCELLED' });

export interface ExchangeOptions {
  readonly pools: PoolRegistry;
  readonly health: HealthRegistry;
  readonly log: Logger;
  /** `bodyMs`: the longest pause between two reads of a streamed request body (nginx's client_body_timeout). */
  readonly clientTimeouts: ClientTimeouts;
}

/**
 * A peer's pool for a service, remembered on the peer: the registry's key is a string built from six fields, too
 * dear to build per request. A pool a reload closed is looked up again.
 */
const poolOfPeer = new WeakMap<Peer, { readonly service: Service; readonly pool: Pool }>();

function poolFor(pools: PoolRegistry, call: UpstreamCall, peer: Peer): Pool {
  const known = poolOfPeer.get(peer);
  if (known !== undefined && known.service === call.service && !known.pool.closed) return known.pool;
  const pool = pools.get(poolKeyFor(call.service, peer, call.tls));
  poolOfPeer.set(peer, { service: call.service, pool });
  return pool;
}

/**
 * The same object serves every try: tries never overlap, and a failed one starts the next from its error.
 */
class Exchange implements Dispatcher.DispatchHandler, Exclusions, Cancellable {
  readonly options: ExchangeOptions;
  readonly call: UpstreamCall;
  readonly answer: UpstreamAnswer;
  readonly body: Buffer | Readable | null;
  /** A streamed body's timers (write_timeout, client_body_timeout), stopped when the exchange is over. */
  readonly timedBody: TimedBody | undefined;
  /**
   * Targets this request already failed on, avoided while others are left (then the ring comes round again, as
   * Kong's retries do); made on the first failure (most requests have none).
   */
  failed: Set<string> | undefined = undefined;
  attempts = 0;
  failure: Failure | undefined = undefined;
  controller: Dispatcher.DispatchController | null = null;
  cancelled = false;
  /** The upstream answer is complete. */
  ended = false;
  timedOutWriting = false;
  overLimit = false;
  // The try under way.
  peer: Peer | undefined = undefined;
  sentAt = 0;
  status = 0;
  upstreamHeaders: UpstreamHead = {};
  chunks: Buffer[] | undefined = undefined;
  bufferedBytes = 0;
  /** The upstream's answer outgrew what buffered mode holds. */
  tooLarge = false;
  resume: (() => void) | undefined = undefined;

  constructor(options: ExchangeOptions, call: UpstreamCall, answer: UpstreamAnswer) {
    this.options = options;
    this.call = call;
    this.answer = answer;
    const given = call.body;
    if (given === null || Buffer.isBuffer(given)) {
      this.body = given;
      this.timedBody = undefined;
    } else {
      this.timedBody = withWriteTimeout(given, {
        writeMs: call.service.write_timeout,
        onWriteTimeout: () => {
          this.timedOutWriting = true;
          this.cancel();
        },
        readMs: options.clientTimeouts.bodyMs,
        onReadTimeout: () => {
          // nginx's client_body_timeout: the request is given up and its connection closed, without an answer.
          options.log.info({ request_id: call.requestId }, 'client timed out sending the request body');
          this.cancel();
          this.answer.cut(undefined);
        },
        limit: call.bodyLimit?.bytes ?? Infinity,
        onLimit: () => {
          this.overLimit = true;
          this.cancel();
        },
      });
      this.body = Readable.from(this.timedBody, { objectMode: false });
    }
    if (Buffer.isBuffer(given)) {
      delete call.headers['transfer-encoding'];
      call.headers['content-length'] = String(given.length);
    }
    answer.attach(this);
  }

  /** Exclusions for the balancer: targets already failed, and unhealthy ones. */
  has(target: string): boolean {
    const balanced = this.call.balanced;
    return this.failed?.has(target) === true || (balanced !== undefined && !this.options.health.isHealthy(balanced.upstream.name, target));
  }

  cancel(): void {
    if (this.cancelled || this.ended) return;
    this.cancelled = true;
    this.controller?.abort(CANCELLED);
  }

  /** The next try, on the next peer; when none is left (or retries are spent), Kong's error. */
  attempt(): void {
    const call = this.call;
    let peer: Peer | undefined;
    if (this.attempts++ <= call.service.retries) {
      peer = call.peers.next(this, call.balance);
      if (!peer && this.failed) {
        // Every target failed this request once: round the ring again (a single host is tried again).
        this.failed = undefined;
        peer = call.peers.next(this, call.balance);
      }
    }
    if (!peer) {
      this.detach();
      if (!this.answer.begun) this.answer.fail(this.failure?.status ?? NO_PEER.status, this.failure?.message ?? NO_PEER.message);
      return;
    }
    this.peer = peer;
    this.controller = null;
    this.status = 0;
    this.bufferedBytes = 0;
    call.stats.tries.push({ ip: peer.host, port: peer.port, start: Date.now() });
    call.headers.host = tryHost(call, peer, call.service.protocol === 'https');
    this.sentAt = performance.now();
    call.stats.proxyLatency = Math.round(this.sentAt - call.started);
    poolFor(this.options.pools, call, peer).dispatch({
      path: call.target,
      method: call.method as 'GET',
      headers: call.headers,
      body: this.body,
      headersTimeout: call.service.read_timeout,
      bodyTimeout: call.service.read_timeout,
    }, this);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.cancelled) controller.abort(CANCELLED);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, head: UpstreamHead): void {
    if (statusCode < 200) return;
    const call = this.call;
    this.status = statusCode;
    this.upstreamHeaders = head;
    call.stats.upstreamLatency = Math.round(performance.now() - this.sentAt);
    call.stats.upstreamStatus = statusCode;
    const balanced = call.balanced?.upstream;
    if (balanced) this.options.health.report(balanced, this.peer!.target, balanced.healthchecks.passive, { kind: 'status', status: statusCode });
    if (call.buffered) {
      this.chunks = [];
      return;
    }
    this.answer.head(statusCode, head);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.chunks) {
      this.chunks.push(chunk);
      this.bufferedBytes += chunk.length;
      if (this.bufferedBytes > BUFFERED_LIMIT) {
        this.tooLarge = true;
        this.chunks = undefined;
        this.options.log.warn({ request_id: this.call.requestId, limit: BUFFERED_LIMIT }, 'the upstream answer is too large to buffer; answering 502');
        controller.abort(CANCELLED);
      }
      return;
    }
    const answer = this.answer;
    if (answer.write(chunk)) return;
    // A client gone before this exchange could hear of it (it left during an async phase) never drains.
    if (answer.gone) return controller.abort(CANCELLED);
    controller.pause();
    answer.onDrain((this.resume ??= () => this.controller?.resume()));
  }

  onResponseEnd(_controller: Dispatcher.DispatchController, trailers: UpstreamHead): void {
    this.call.peers.release(this.peer!, performance.now() - this.sentAt);
    this.ended = true;
    this.detach();
    const chunks = this.chunks;
    if (chunks) this.answer.whole(this.status, this.upstreamHeaders, Buffer.concat(chunks));
    else this.answer.end(trailers);
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, err: Error): void {
    // undici reports a throw from onResponseEnd here too: the try is over and was released already.
    if (this.ended) return this.broken(err);
    try {
      this.attemptFailed(err);
    } catch (thrown) {
      // Whatever went wrong in here must not reach undici (it would re-emit it as an uncaught 'error').
      this.crashed(thrown);
    }
  }

  crashed(thrown: unknown): void {
    this.options.log.error({ request_id: this.call.requestId, err: describeError(thrown) }, 'upstream error handling failed');
    this.detach();
    if (this.answer.begun) this.answer.cut(thrown);
    else this.answer.fail(500, 'An unexpected error occurred');
  }

  private attemptFailed(err: Error): void {
    const call = this.call;
    const peer = this.peer!;
    call.peers.release(peer);
    this.chunks = undefined;
    const answer = this.answer;
    // We cut the request ourselves: a body over its limit, a write_timeout, an answer too large to buffer.
    const cut = this.overLimit && call.bodyLimit ? call.bodyLimit : this.timedOutWriting ? WRITE_TIMEOUT : this.tooLarge ? TOO_LARGE : undefined;
    if (cut) {
      this.detach();
      if (answer.begun) answer.cut(undefined);
      else answer.fail(cut.status, cut.message);
      return;
    }
    if (this.cancelled) return this.detach();
    if (answer.begun) return this.broken(err);
    const failure = (this.failure = classify(err));
    const tried = call.stats.tries[call.stats.tries.length - 1];
    if (tried) {
      tried.state = 'failed';
      tried.code = failure.status;
    }
    (this.failed ??= new Set()).add(peer.target);
    const balanced = call.balanced?.upstream;
    if (balanced) this.options.health.report(balanced, peer.target, balanced.healthchecks.passive, { kind: failure.timeout ? 'timeout' : 'tcp' });
    this.options.log.debug({ request_id: call.requestId, target: peer.target, code: (err as { code?: string }).code }, 'upstream attempt failed');
    // A streamed request body cannot be sent again; a buffered one can. Once the upstream's head came (buffered
    // mode holds it back from the client), the answer is this peer's: nginx goes to the next upstream only
    // while it waits for the head.
    // The next try after undici has finished with this one (its error handling is still on the stack).
    if (this.status === 0 && mayRetry(failure, call.method) && (this.body === null || Buffer.isBuffer(this.body))) return queueMicrotask(() => {
      try {
        this.attempt();
      } catch (thrown) {
        this.crashed(thrown);
      }
    });
    this.detach();
    if (!answer.begun) answer.fail(failure.status, failure.message);
  }

  /** The answer had begun: nothing to send instead, only to cut it. */
  broken(err: unknown): void {
    this.detach();
    this.answer.cut(err);
  }

  /**
   * The exchange is over: a client leaving now cancels nothing, and the body's timers no longer act on this
   * answer (undici may still be sending the rest of a body the upstream answered without reading).
   */
  detach(): void {
    this.timedBody?.detach();
    this.answer.attach(undefined);
  }
}

/** Sends the call upstream; its answer, or Kong's error for its failure, goes to `answer`. */
export function exchange(options: ExchangeOptions, call: UpstreamCall, answer: UpstreamAnswer): void {
  // The client left while plugins ran: nobody to answer, nothing to ask the upstream.
  if (answer.gone) return;
  if (call.balanced && belowThreshold(options.health, call.balanced)) return answer.fail(NO_PEER.status, NO_PEER.message);
  new Exchange(options, call, answer).attempt();
}

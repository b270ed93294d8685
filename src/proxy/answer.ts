/**
 * The one owner of every way an answer leaves (as Fastify's reply): the gateway's own answers and plugins'
 * exits (`send`), and the upstream's answer as the exchange feeds it (streamed, or whole in buffered mode). Each
 * goes through Kong's response head, the header filter, the body filter (and the `response` phase when
 * buffered) before it is written. It also owns the response's one 'close' listener: a client that leaves
 * cancels the upstream request, and the log phase runs once the answer is out.
 */
import { Writable } from 'node:stream';
import type { ServerResponse } from 'node:http';
import { connectionListed, firstValue, isHopByHop, type Headers } from '../http/headers.ts';
import { defaultMessage, errorBody } from '../http/kong-errors.ts';
import type { JsonValue, ResponseSource } from '../pdk/kong.ts';
import type { Cancellable, UpstreamAnswer, UpstreamHead } from '../upstream/exchange.ts';
import type { ProxyRequest } from './proxy-request.ts';
import { runSteps } from './phase-runner.ts';
import { headersSent } from './serialize.ts';

/** A complete answer the gateway gives (as opposed to the upstream's, which streams through the exchange). */
export type Answer =
  /** Kong's error answer (kong.response.error and the gateway's own): its body typed by the client's Accept. */
  | { readonly kind: 'error'; readonly status: number; readonly message?: string; readonly headers?: Readonly<Record<string, string>> }
  /** kong.response.exit: a record body is sent as JSON. */
  | { readonly kind: 'exit'; readonly status: number; readonly body: string | JsonValue | undefined; readonly headers: Readonly<Record<string, string>> }
  /** An https-only route asked over http (its https_redirect_status_code). */
  | { readonly kind: 'redirect'; readonly status: number; readonly location: string };

const EMPTY = Buffer.alloc(0);
const NOTHING = () => undefined;
const elapsed = (since: number) => Math.round(performance.now() - since);

const kReply = Symbol('reply');
type Watched = ServerResponse & { [kReply]?: Reply };

/** The response's one 'close' listener (shared: no closure per request). */
function onResponseClose(this: Watched): void {
  this[kReply]?.closed();
}

/**
 * Where the body goes when plugins filter it or trailers follow it: each chunk through the body filter, then to
 * the client with backpressure. The response is ended by `finish` (after the last filter call and the
 * trailers), not when the exchange ends this stream.
 */
class ResponseSink extends Writable {
  readonly #res: ServerResponse;
  readonly #filter: ((chunk: Buffer, last: boolean) => Buffer | Promise<Buffer>) | undefined;

  constructor(res: ServerResponse, filter: ((chunk: Buffer, last: boolean) => Buffer | Promise<Buffer>) | undefined) {
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

  async finish(trailers: UpstreamHead | undefined): Promise<void> {
    const tail = this.#filter ? await this.#filter(EMPTY, true) : EMPTY;
    if (trailers && Object.keys(trailers).length > 0) this.#res.addTrailers(trailers as Record<string, string | string[]>);
    this.#res.end(tail.length > 0 ? tail : undefined);
  }
}

export class Reply implements UpstreamAnswer {
  readonly #ctx: ProxyRequest;
  readonly #res: Watched;
  #exchange: Cancellable | undefined;
  #watching = false;
  #sink: ResponseSink | undefined;

  constructor(ctx: ProxyRequest) {
    this.#ctx = ctx;
    this.#res = ctx.res;
  }

  /** Every complete answer the gateway gives: Kong's head, the header filter, the body filter, written. */
  send(answer: Answer): void {
    switch (answer.kind) {
      case 'error': return this.#error(answer.status, answer.message ?? defaultMessage(answer.status), answer.headers);
      case 'exit': return this.#exit(answer.status, answer.body, answer.headers);
      case 'redirect': return this.#redirect(answer.status, answer.location);
    }
  }

  /** kong.response.exit and error from a plugin: ends the phase loop, and answers unless an answer is out. */
  pluginAnswer(status: number, body: string | JsonValue | undefined, extra: Readonly<Record<string, string>>, kind: 'exit' | 'error'): void {
    this.#ctx.flags.exited = true;
    if (this.#res.headersSent) return;
    if (kind === 'error') return this.#error(status, typeof body === 'string' ? body : defaultMessage(status), extra);
    this.#exit(status, body, extra);
  }

  #error(status: number, message: string, extra: Readonly<Record<string, string>> = {}): void {
    const res = this.#res;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const { req, facts } = this.#ctx;
    const body = req.method === 'HEAD' ? { contentType: 'application/json; charset=utf-8', body: '' } : errorBody(message, facts.requestId, firstValue(req.headers.accept));
    const headers: Headers = { 'content-type': body.contentType, ...extra };
    this.#own(status, headers, Buffer.from(body.body), 'error');
  }

  #exit(status: number, body: string | JsonValue | undefined, extra: Readonly<Record<string, string>>): void {
    const isText = typeof body === 'string';
    const text = body === undefined || body === null ? '' : isText ? body : JSON.stringify(body);
    const headers: Headers = {};
    if (body !== undefined && body !== null && !isText) headers['content-type'] = 'application/json; charset=utf-8';
    for (const [k, v] of Object.entries(extra)) headers[k.toLowerCase()] = v;
    this.#own(status, headers, Buffer.from(text), 'exit');
  }

  #redirect(status: number, location: string): void {
    const headers: Headers = { location, 'content-length': '0' };
    if (this.#ctx.env.headers.requestId) headers['x-kong-request-id'] = this.#ctx.facts.requestId;
    this.headerFilter(status, headers, 'exit');
    this.#res.writeHead(status, headers);
    this.#res.end();
  }

  /** An answer the gateway gives itself: Kong's headers, the header filter, the body filter over the whole body. */
  #own(status: number, headers: Headers, body: Buffer, source: ResponseSource): void {
    const { env, facts, req } = this.#ctx;
    const res = this.#res;
    if (env.headers.requestId) headers['x-kong-request-id'] = facts.requestId;
    if (env.headers.serverTokens) headers.server = env.serverToken;
    if (env.headers.latencyTokens) headers['x-kong-response-latency'] = String(elapsed(facts.started));
    this.headerFilter(status, headers, source);
    const write = (out: Buffer) => {
      if (res.headersSent) return;
      headers['content-length'] = String(out.length);
      res.writeHead(status, headers);
      res.end(req.method === 'HEAD' ? undefined : out);
    };
    if (this.#ctx.phases.bodyFilter.length === 0) return write(body);
    const filtered = this.bodyFilter(body, true);
    if (filtered instanceof Promise) filtered.then(write, () => res.destroy());
    else write(filtered);
  }

  /** The header filter phase, on the head about to be written (synchronous: the head cannot wait). */
  headerFilter(status: number, headers: Headers, source?: ResponseSource): void {
    const ctx = this.#ctx;
    const kong = ctx.pdk;
    if (!kong) return;
    kong.setResponse(status, headers, source);
    const steps = ctx.phases.headerFilter;
    if (steps.length === 0) return;
    const ran = runSteps('headerFilter', steps, kong, { exited: false }, ctx.env.log, NOTHING);
    if (ran instanceof Promise) {
      ctx.env.log.warn({ request_id: ctx.facts.requestId }, 'a headerFilter phase returned a promise; header filters must be synchronous');
      ran.catch(() => undefined);
    }
  }

  /** The body filter phase over one chunk of the answer; a plugin failing here cuts the response. */
  bodyFilter(chunk: Buffer, last: boolean): Buffer | Promise<Buffer> {
    const ctx = this.#ctx;
    const kong = ctx.pdk!;
    kong.chunk = chunk;
    kong.lastChunk = last;
    const ran = runSteps('bodyFilter', ctx.phases.bodyFilter, kong, { exited: false }, ctx.env.log, () => this.#res.destroy());
    return ran instanceof Promise ? ran.then(() => kong.chunk) : kong.chunk;
  }

  // ---- The upstream's answer, as the exchange feeds it.

  get gone(): boolean {
    return this.#res.destroyed;
  }

  get begun(): boolean {
    return this.#res.headersSent;
  }

  /** The upstream's head as the client gets it: hop-by-hop headers out, Kong's headers in. */
  #responseHead(upstream: UpstreamHead): Headers {
    const { env, facts, stats, req } = this.#ctx;
    const settings = env.headers;
    const listed = connectionListed(upstream.connection);
    const out: Headers = {};
    for (const name in upstream) {
      const value = upstream[name];
      if (value === undefined || isHopByHop(name, listed)) continue;
      out[name] = value;
    }
    if (settings.serverTokens) {
      const via = `${req.httpVersion} ${env.serverToken}`;
      out.via = out.via ? `${Array.isArray(out.via) ? out.via.join(', ') : out.via}, ${via}` : via;
    }
    if (settings.latencyTokens) {
      out['x-kong-upstream-latency'] = String(stats.upstreamLatency ?? 0);
      out['x-kong-proxy-latency'] = String(stats.proxyLatency ?? 0);
    }
    if (settings.requestId) out['x-kong-request-id'] = facts.requestId;
    if (settings.upstreamStatus && stats.upstreamStatus !== undefined) out['x-kong-upstream-status'] = String(stats.upstreamStatus);
    const setCookies = this.#ctx.setCookies;
    if (setCookies !== undefined && setCookies.length > 0) {
      const existing = out['set-cookie'];
      out['set-cookie'] = [...(existing === undefined ? [] : Array.isArray(existing) ? existing : [existing]), ...setCookies];
    }
    return out;
  }

  head(status: number, upstream: UpstreamHead): void {
    const out = this.#responseHead(upstream);
    const announcedTrailers = upstream.trailer;
    const filters = this.#ctx.phases.bodyFilter.length > 0;
    if (filters || announcedTrailers) {
      // The length changes with filtering, and trailers need chunked encoding.
      delete out['content-length'];
      if (announcedTrailers) out.trailer = announcedTrailers;
      const sink = (this.#sink = new ResponseSink(this.#res, filters ? (chunk, last) => this.bodyFilter(chunk, last) : undefined));
      sink.on('error', (err) => {
        this.#exchange?.cancel();
        this.cut(err);
      });
    }
    this.headerFilter(status, out);
    this.#res.writeHead(status, out);
  }

  write(chunk: Buffer): boolean {
    return (this.#sink ?? this.#res).write(chunk);
  }

  onDrain(resume: () => void): void {
    (this.#sink ?? this.#res).once('drain', resume);
  }

  end(trailers: UpstreamHead): void {
    const sink = this.#sink;
    if (!sink) {
      this.#res.end();
      return;
    }
    sink.end((err?: Error | null) => {
      if (!err) sink.finish(trailers).catch((e: unknown) => this.cut(e));
    });
  }

  whole(status: number, upstream: UpstreamHead, body: Buffer): void {
    this.#finishBuffered(status, upstream, body).catch((err: unknown) => {
      if (this.#res.headersSent) this.cut(err);
      else this.#error(500, defaultMessage(500));
    });
  }

  /** Buffered mode: the response phase sees the whole answer, then the header and body filters, then it is sent. */
  async #finishBuffered(status: number, upstream: UpstreamHead, body: Buffer): Promise<void> {
    const ctx = this.#ctx;
    const res = this.#res;
    const kong = ctx.pdk!;
    const head = this.#responseHead(upstream);
    kong.setServiceResponse(status, { ...head }, body);
    kong.setResponse(status, head, 'service');
    kong.responseBody = body;
    if (ctx.phases.response.length > 0) {
      const ran = runSteps('response', ctx.phases.response, kong, ctx.flags, ctx.env.log, ctx.fail500);
      if (ran instanceof Promise) await ran;
      if (ctx.flags.exited) return;
    }
    if (res.headersSent) return;
    const answerStatus = kong.status ?? status;
    const headers = kong.headers;
    let out = kong.responseBody ?? body;
    delete headers['transfer-encoding'];
    this.headerFilter(answerStatus, headers);
    if (ctx.phases.bodyFilter.length > 0) out = await this.bodyFilter(out, true);
    const method = ctx.req.method;
    if (!(method === 'HEAD' || answerStatus === 204 || answerStatus === 304)) headers['content-length'] = String(out.length);
    res.writeHead(answerStatus, headers);
    res.end(method === 'HEAD' ? undefined : out);
  }

  fail(status: number, message: string): void {
    this.#error(status, message);
  }

  cut(reason: unknown): void {
    const res = this.#res;
    if (reason !== undefined && !res.destroyed) this.#ctx.env.log.warn({ request_id: this.#ctx.facts.requestId, err: (reason as Error)?.message }, 'upstream response ended early');
    this.#sink?.destroy();
    res.destroy();
  }

  attach(exchange: Cancellable | undefined): void {
    this.#exchange = exchange;
    if (exchange) this.watch();
  }

  /** Adds the response's 'close' listener, once. */
  watch(): void {
    if (this.#watching) return;
    this.#watching = true;
    this.#res[kReply] = this;
    this.#res.on('close', onResponseClose);
  }

  /**
   * The response closed (sent, or the client left): cancel the upstream request if it is still under way, and
   * run the log phase. What the log phase does never changes the answer.
   */
  closed(): void {
    const exchange = this.#exchange;
    if (exchange) {
      this.#exchange = undefined;
      exchange.cancel();
    }
    const ctx = this.#ctx;
    const kong = ctx.pdk;
    if (!kong || ctx.phases.log.length === 0) return;
    kong.setResponse(this.#res.statusCode, headersSent(this.#res, kong));
    const done = runSteps('log', ctx.phases.log, kong, { exited: false }, ctx.env.log, NOTHING);
    if (done instanceof Promise) done.catch(() => undefined);
  }
}

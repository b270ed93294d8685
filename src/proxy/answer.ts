/**
 * The one owner of every way an answer leaves (as Fastify's reply): the gateway's own answers and plugins'
 * exits (`send`), and the upstream's answer as the exchange feeds it (streamed, or whole in buffered mode). Each
 * goes through Kong's head, the header filter, the body filter (and the `response` phase when buffered) before
 * it is written. A header filter that fails turns the answer into Kong's 500; a head that cannot be written is
 * a 500 too; a client that stops reading is cut after the send timeout. It also owns the response's one 'close'
 * listener: a client that leaves cancels the upstream request, and the log phase runs once the answer is out.
 */
import type { ServerResponse } from 'node:http';
import { describeError } from '../errors.ts';
import { firstValue, type Headers } from '../http/headers.ts';
import { defaultMessage } from '../http/kong-errors.ts';
import type { JsonValue, ResponseSource } from '../pdk/kong.ts';
import type { Cancellable, UpstreamAnswer, UpstreamHead } from '../upstream/exchange.ts';
import { bodyFilter, headerFilter, logPhase, responsePhase } from './filters.ts';
import type { ProxyRequest } from './proxy-request.ts';
import { errorAnswer, exitAnswer, logOwnError, type Answer } from './own-answers.ts';
import { ownHead, proxiedHead, refusalPage, serializeHead, settleServer, switchingHead, upstreamHead, writeHead } from './response-head.ts';
import { ResponseSink } from './response-sink.ts';
import { SendTimeout } from './send-timeout.ts';
import { writeAccessLine } from './access-log.ts';

const kReply = Symbol('reply');
type Watched = ServerResponse & { [kReply]?: Reply };

/** The response's one 'close' listener (shared: no closure per request). */
function onResponseClose(this: Watched): void {
  this[kReply]?.closed();
}

export class Reply implements UpstreamAnswer {
  readonly #ctx: ProxyRequest;
  readonly #res: Watched;
  #exchange: Cancellable | undefined;
  #watching = false;
  #sink: ResponseSink | undefined;
  /** The length of the 101 head written for a WebSocket handshake (outside the response), for the access log. */
  #switchedHead = 0;
  /** Set when a header filter failed: Kong's 500 body, sent instead of the answer's own. */
  #replacement: Buffer | undefined;

  constructor(ctx: ProxyRequest) {
    this.#ctx = ctx;
    this.#res = ctx.res;
  }

  /** Every complete answer the gateway gives: Kong's head, the header filter, the body filter, written. */
  send(answer: Answer): void {
    switch (answer.kind) {
      case 'error':
        if (answer.status >= 500) logOwnError(this.#ctx, answer.status, answer.message ?? defaultMessage(answer.status));
        return this.#error(answer.status, answer.message ?? defaultMessage(answer.status), answer.headers);
      case 'exit': return this.#exit(answer.status, answer.body, answer.headers);
      case 'redirect': return this.#redirect(answer.status, answer.location);
      case 'refused': return this.#refused(answer.status, answer.message);
    }
  }

  #refused(status: number, message: string | undefined): void {
    const res = this.#res;
    const page = refusalPage(this.#ctx, status, message);
    res.shouldKeepAlive = false;
    if (writeHead(this.#ctx, page.status, ownHead(this.#ctx, { 'content-type': page.contentType, 'content-length': String(page.body.length) }))) this.#end(this.#ctx.req.method === 'HEAD' ? undefined : page.body);
  }

  /** kong.response.exit and error from a plugin: ends the phase loop, and answers unless an answer is out. */
  pluginAnswer(status: number, body: string | Buffer | JsonValue | undefined, extra: Readonly<Record<string, unknown>>, kind: 'exit' | 'error', proxied = false): void {
    this.#ctx.flags.exited = true;
    if (this.#res.headersSent) return;
    if (kind === 'error') return this.#error(status, typeof body === 'string' ? body : defaultMessage(status), extra);
    this.#exit(status, body, extra, proxied);
  }

  #error(status: number, message: string, extra: Readonly<Record<string, unknown>> = {}): void {
    if (this.#res.headersSent) {
      this.#res.destroy();
      return;
    }
    const { headers, body } = errorAnswer(this.#ctx, status, message, extra);
    this.#own(status, headers, body, 'error');
  }

  #exit(status: number, body: string | Buffer | JsonValue | undefined, extra: Readonly<Record<string, unknown>>, proxied = false): void {
    const content = exitAnswer(body, extra);
    this.#own(status, content.headers, content.body, 'exit', proxied);
  }

  #redirect(status: number, location: string): void {
    const headers: Headers = ownHead(this.#ctx, { location, 'content-length': '0' }, false);
    const sent = this.headerFilter(status, headers, 'exit');
    settleServer(this.#ctx.env, headers);
    if (writeHead(this.#ctx, sent, headers)) this.#end(this.#replacement);
  }

  /** An answer the gateway gives itself: Kong's headers, the header filter, the body filter over the whole body. */
  #own(status: number, headers: Headers, body: Buffer, source: ResponseSource, proxied = false): void {
    const res = this.#res;
    const head = this.#ctx.req.method === 'HEAD';
    const sent = this.headerFilter(status, proxied ? proxiedHead(this.#ctx, status, headers) : ownHead(this.#ctx, headers, false), source);
    if (!proxied) settleServer(this.#ctx.env, headers);
    const write = (out: Buffer) => {
      if (res.headersSent) return;
      // nginx sends no Content-Length with a 204 or a 304 (they have no body).
      if (sent === 204 || sent === 304) delete headers['content-length'];
      else headers['content-length'] = String(out.length);
      if (writeHead(this.#ctx, sent, headers)) this.#end(head || sent === 204 || sent === 304 ? undefined : out);
    };
    if (this.#replacement) return write(this.#replacement);
    if (this.#ctx.phases.bodyFilter.length === 0) return write(body);
    const filtered = this.bodyFilter(body, true);
    if (filtered instanceof Promise) filtered.then(write, () => res.destroy()).catch((err: unknown) => this.#ctx.crash(err));
    else write(filtered);
  }

  /** The header filter phase (see filters.ts); a failure there makes `#replacement` Kong's 500 body. */
  headerFilter(status: number, headers: Headers, source?: ResponseSource): number {
    const ctx = this.#ctx;
    const sent = headerFilter(ctx, status, headers, source, (body) => {
      this.#replacement = body;
    });
    // Kong writes the request id after the plugins' header filters: none can replace it (33-request-id-header_spec.lua:107).
    if (ctx.env.headers.requestId && ctx.phases.headerFilter.length > 0) headers['x-kong-request-id'] = ctx.facts.requestId;
    return sent;
  }

  bodyFilter(chunk: Buffer, last: boolean): Buffer | Promise<Buffer> {
    return bodyFilter(this.#ctx, chunk, last, () => this.#res.destroy());
  }

  // ---- The upstream's answer, as the exchange feeds it.

  get gone(): boolean {
    return this.#res.destroyed;
  }

  get begun(): boolean {
    return this.#res.headersSent;
  }

  switching(upstream: UpstreamHead, names: ReadonlyMap<string, string>): string | undefined {
    const out = switchingHead(this.#ctx, upstream);
    if (this.#ctx.pdk && this.#ctx.phases.headerFilter.length > 0) this.#ctx.pdk.setServiceResponse(101, { ...out });
    // Kong runs the header filter on the 101 too; a status a plugin sets cannot undo the peer's switch.
    this.headerFilter(101, out);
    if (!this.#replacement) {
      const head = serializeHead(101, 'Switching Protocols', out, names);
      this.#switchedHead = head.length;
      return head;
    }
    if (writeHead(this.#ctx, 500, out)) this.#end(this.#replacement);
    return undefined;
  }

  head(status: number, upstream: UpstreamHead): void {
    const out = upstreamHead(this.#ctx, upstream);
    const announcedTrailers = upstream.trailer;
    const filters = this.#ctx.phases.bodyFilter.length > 0;
    if (filters || announcedTrailers) {
      // The length changes with filtering, and trailers need chunked encoding.
      delete out['content-length'];
      // Kong announces them only to a client that asked (TE: trailers; kong/runloop/handler.lua header_filter).
      if (announcedTrailers && /\btrailers\b/i.test(firstValue(this.#ctx.req.headers.te) ?? '')) out.trailer = announcedTrailers;
    }
    // kong.service.response shows the upstream's head as it came, whatever the header filters then change.
    if (this.#ctx.pdk && this.#ctx.phases.headerFilter.length > 0) this.#ctx.pdk.setServiceResponse(status, { ...out });
    const sent = this.headerFilter(status, out);
    if (this.#replacement) {
      // A header filter failed: Kong's 500 instead; the upstream's body is not wanted.
      this.#exchange?.cancel();
      if (writeHead(this.#ctx, sent, out)) this.#end(this.#replacement);
      return;
    }
    if (!writeHead(this.#ctx, sent, out)) {
      this.#exchange?.cancel();
      return;
    }
    if (filters || announcedTrailers) {
      const sink = (this.#sink = new ResponseSink(this.#res, filters ? (chunk, last) => this.bodyFilter(chunk, last) : undefined, (res, resume) => this.#send().awaitDrain(res, resume)));
      sink.on('error', (err) => {
        this.#exchange?.cancel();
        this.cut(err);
      });
    }
  }

  write(chunk: Buffer): boolean {
    // An answer replaced by Kong's 500 drops the upstream's body.
    if (this.#replacement || this.#res.writableEnded) return true;
    return (this.#sink ?? this.#res).write(chunk);
  }

  onDrain(resume: () => void): void {
    if (this.#sink) this.#sink.once('drain', resume);
    else this.#send().awaitDrain(this.#res, resume);
  }

  /** The send timeout, made the first time the client is waited on. */
  #sendTimeout: SendTimeout | undefined;

  #send(): SendTimeout {
    if (this.#sendTimeout) return this.#sendTimeout;
    const ctx = this.#ctx;
    this.#sendTimeout = new SendTimeout(this.#res, ctx.env.clientTimeouts.sendMs, () => this.watch(), () => {
      ctx.env.log.info({ request_id: ctx.facts.requestId }, 'client timed out reading the answer (send timeout)');
      this.#exchange?.cancel();
      this.#res.destroy();
    });
    return this.#sendTimeout;
  }

  /** Ends the answer; what the client has not taken yet must be taken within the send timeout. */
  #end(body: Buffer | undefined): void {
    const res = this.#res;
    res.end(body);
    // Most answers fit the socket's buffer: no timer for them.
    if (res.writableLength > 0 && !res.writableFinished) this.#send().awaitFinish();
  }

  end(trailers: UpstreamHead): void {
    if (this.#replacement || this.#res.writableEnded) return;
    const sink = this.#sink;
    if (!sink) {
      this.#end(undefined);
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
    const kong = ctx.pdk!;
    if (!(await responsePhase(ctx, status, upstreamHead(ctx, upstream), body))) return;
    const headers = kong.headers;
    let out = kong.responseBody ?? body;
    delete headers['transfer-encoding'];
    const sent = this.headerFilter(kong.status ?? status, headers);
    if (this.#replacement) out = this.#replacement;
    else if (ctx.phases.bodyFilter.length > 0) out = await this.bodyFilter(out, true);
    const method = ctx.req.method;
    if (!(method === 'HEAD' || sent === 204 || sent === 304)) headers['content-length'] = String(out.length);
    if (writeHead(this.#ctx, sent, headers)) this.#end(method === 'HEAD' ? undefined : out);
  }

  /**
   * The upstream request failed. 502 and 504 are nginx's (proxy_pass), answered by Kong's error handler as a
   * proxied answer: its page typed by Accept, else Content-Type, else --error-default-type, with the proxied
   * answer's headers (Via, latencies). Others (503 when no peer or no address) are kong.response.error's.
   */
  fail(status: number, message: string): void {
    if (status >= 500) logOwnError(this.#ctx, status, message);
    if (status !== 502 && status !== 504) return this.#error(status, message);
    if (this.#res.headersSent) {
      this.#res.destroy();
      return;
    }
    const page = refusalPage(this.#ctx, status);
    this.#own(page.status, { 'content-type': page.contentType }, page.body, 'error', true);
  }

  cut(reason: unknown): void {
    const res = this.#res;
    if (reason !== undefined && !res.destroyed) this.#ctx.env.log.warn({ request_id: this.#ctx.facts.requestId, err: describeError(reason) }, 'upstream response ended early');
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
    this.#sendTimeout?.clear();
    const exchange = this.#exchange;
    if (exchange) {
      this.#exchange = undefined;
      exchange.cancel();
    }
    logPhase(this.#ctx);
    writeAccessLine(this.#ctx, this.#switchedHead);
  }
}

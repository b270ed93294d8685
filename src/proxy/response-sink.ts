/**
 * Where an upstream body goes when plugins filter it or trailers follow it: each chunk through the body filter,
 * then to the client with backpressure. The response is ended by `finish` (after the last filter call and the
 * trailers), not when the exchange ends this stream.
 */
import type { ServerResponse } from 'node:http';
import { Writable } from 'node:stream';

type Filter = (chunk: Buffer, last: boolean) => Buffer | Promise<Buffer>;
type Trailers = Record<string, string | string[] | undefined>;

const EMPTY = Buffer.alloc(0);

export class ResponseSink extends Writable {
  readonly #res: ServerResponse;
  readonly #filter: Filter | undefined;
  readonly #awaitDrain: (res: ServerResponse, resume: () => void) => void;

  constructor(res: ServerResponse, filter: Filter | undefined, awaitDrain: (res: ServerResponse, resume: () => void) => void) {
    super();
    this.#res = res;
    this.#filter = filter;
    this.#awaitDrain = awaitDrain;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const out = this.#filter ? this.#filter(chunk, false) : chunk;
    if (out instanceof Promise) out.then((b) => this.#send(b, callback), callback);
    else this.#send(out, callback);
  }

  #send(chunk: Buffer, callback: (error?: Error | null) => void): void {
    if (chunk.length === 0 || this.#res.write(chunk)) return callback();
    this.#awaitDrain(this.#res, () => callback());
  }

  async finish(trailers: Trailers | undefined): Promise<void> {
    const tail = this.#filter ? await this.#filter(EMPTY, true) : EMPTY;
    if (trailers && Object.keys(trailers).length > 0) this.#res.addTrailers(trailers as Record<string, string | string[]>);
    this.#res.end(tail.length > 0 ? tail : undefined);
  }
}


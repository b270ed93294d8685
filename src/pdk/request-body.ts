/**
 * The client's request body as plugins and the upstream see it. It streams straight through unless a plugin
 * reads it (`kong.request.getRawBody`) or replaces it (`kong.service.request.setRawBody`); then the upstream gets
 * the buffered bytes with a Content-Length. A body beyond the limit is not buffered whole: the read gives
 * undefined (as Kong's get_raw_body gives nil for a body that did not fit its buffer) and the bytes read so far
 * go upstream ahead of the rest of the stream.
 */
import type { IncomingMessage } from 'node:http';

export type UpstreamBody = Buffer | AsyncIterable<Buffer> | null;

export class RequestBody {
  readonly #req: IncomingMessage;
  readonly #limit: number;
  #read: Promise<Buffer | undefined> | undefined;
  /** Chunks taken from the stream by a read that hit the limit. */
  #head: Buffer[] = [];
  #whole: Buffer | undefined;
  #replaced: Buffer | undefined;

  readonly #timeoutMs: number;
  readonly #beforeRead: () => void;

  constructor(req: IncomingMessage, limit: number, timeoutMs: number, beforeRead: () => void) {
    this.#req = req;
    this.#limit = limit;
    this.#timeoutMs = timeoutMs;
    this.#beforeRead = beforeRead;
  }

  /** A read is under way: the client is still sending (its pace is the body timeout's business). */
  get reading(): boolean {
    return this.#reading;
  }

  #reading = false;

  /** True once the body is (or will be) held in memory rather than streamed. */
  get buffered(): boolean {
    return this.#replaced !== undefined || this.#whole !== undefined;
  }

  read(): Promise<Buffer | undefined> {
    if (this.#replaced) return Promise.resolve(this.#replaced);
    this.#read ??= new Promise((resolve, reject) => {
      const req = this.#req;
      let size = 0;
      const chunks: Buffer[] = [];
      // nginx's client_body_timeout: a client that stops sending loses its connection.
      let timer: NodeJS.Timeout | undefined;
      const expired = () => {
        // The read fails with the timeout (not with whatever destroying the request emits), then the connection goes.
        onError(Object.assign(new Error('the client timed out sending the request body'), { code: 'CLIENT_BODY_TIMEOUT' }));
        req.destroy();
      };
      const idle = () => {
        clearTimeout(timer);
        timer = setTimeout(expired, this.#timeoutMs);
      };
      const onData = (chunk: Buffer) => {
        idle();
        chunks.push(chunk);
        size += chunk.length;
        if (size > this.#limit) {
          req.pause();
          cleanup();
          this.#head = chunks;
          resolve(undefined);
        }
      };
      const onEnd = () => {
        cleanup();
        this.#whole = Buffer.concat(chunks, size);
        resolve(this.#whole);
      };
      const onError = (err: Error) => {
        cleanup();
        reject(err);
      };
      const onClose = () => {
        if (!req.readableEnded) onError(new Error('the client went away while sending the request body'));
      };
      const cleanup = () => {
        this.#reading = false;
        clearTimeout(timer);
        req.off('data', onData);
        req.off('end', onEnd);
        req.off('error', onError);
        req.off('close', onClose);
      };
      if (req.readableEnded) return resolve((this.#whole = Buffer.alloc(0)));
      // Gone before the read began: its 'close' was emitted already and will not come again.
      if (req.destroyed) return reject(new Error('the client went away while sending the request body'));
      this.#reading = true;
      this.#beforeRead();
      idle();
      req.on('data', onData);
      req.on('end', onEnd);
      req.on('error', onError);
      req.on('close', onClose);
    });
    return this.#read;
  }

  replace(body: Buffer): void {
    this.#replaced = body;
  }

  /** What goes upstream: the replacement, the buffered body, or the stream (after any bytes already read). */
  upstream(hasBody: boolean): UpstreamBody {
    if (this.#replaced) return this.#replaced;
    if (this.#whole) return this.#whole;
    if (!hasBody) return null;
    const head = this.#head;
    const req = this.#req;
    if (head.length === 0) return req;
    this.#head = [];
    return (async function* () {
      yield* head;
      req.resume();
      for await (const chunk of req) yield chunk as Buffer;
    })();
  }
}

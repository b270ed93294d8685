/**
 * nginx's send_timeout for one response: while a write waits for the client (or the end of an answer is not taken
 * yet), the client has that long to take more, else the answer is cut. One timer per response, made on the first
 * wait and re-armed on the next; the response's close clears it.
 */
import type { ServerResponse } from 'node:http';

export class SendTimeout {
  readonly #res: ServerResponse;
  readonly #ms: number;
  /** Called the first time the client is waited on (the owner then watches the response's close). */
  readonly #arming: () => void;
  /** Called when the client took too long: the owner logs, cancels the upstream and destroys the response. */
  readonly #expired: () => void;
  #timer: NodeJS.Timeout | undefined;
  #waiting = false;
  #resume: (() => void) | undefined;

  constructor(res: ServerResponse, ms: number, arming: () => void, expired: () => void) {
    this.#res = res;
    this.#ms = ms;
    this.#arming = arming;
    this.#expired = expired;
  }

  /** Waits for the response to drain, then calls `resume`; the client must take more within the timeout. */
  awaitDrain(res: ServerResponse, resume: () => void): void {
    this.#resume = resume;
    this.#arm();
    res.once('drain', this.#drained);
  }

  /** The response was ended with bytes still queued: the client must take them within the timeout. */
  awaitFinish(): void {
    this.#arm();
    this.#res.once('finish', this.#drained);
  }

  clear(): void {
    clearTimeout(this.#timer);
    this.#waiting = false;
  }

  #arm(): void {
    this.#waiting = true;
    if (this.#timer) this.#timer.refresh();
    else {
      this.#arming();
      this.#timer = setTimeout(this.#timedOut, this.#ms);
    }
  }

  readonly #timedOut = (): void => {
    if (this.#waiting && !this.#res.destroyed) this.#expired();
  };

  readonly #drained = (): void => {
    this.#waiting = false;
    const resume = this.#resume;
    this.#resume = undefined;
    resume?.();
  };
}

/**
 * A streamed request body on its way upstream, timed as nginx times it: Kong's write_timeout (nginx's
 * proxy_send_timeout) is the longest wait between two successive writes to the upstream, and client_body_timeout
 * the longest wait for the client's next chunk. undici pulls the next chunk once the previous one is written, so
 * the time a yielded chunk takes to come back is a write, and the time the source takes to give one is a read.
 * The same pass counts the body against a limit (request-size-limiting on bodies without a length).
 */
export interface BodyTimers {
  readonly writeMs: number;
  readonly onWriteTimeout: () => void;
  readonly readMs: number;
  readonly onReadTimeout: () => void;
  readonly limit: number;
  readonly onLimit: () => void;
}

/**
 * What is left of a body past its limit, read and dropped, as nginx discards a body it refused (Kong reads a
 * chunked body whole before request-size-limiting answers). A client that then stalls longer than the read
 * timeout is let go: its body is given up, and with it the connection.
 */
async function discard(source: AsyncIterator<Buffer>, readMs: number): Promise<void> {
  try {
    for (;;) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const stalled = new Promise<undefined>((resolve) => {
        timer = setTimeout(resolve, readMs, undefined);
      });
      const next = await Promise.race([source.next(), stalled]);
      clearTimeout(timer);
      if (next === undefined) {
        await source.return?.();
        return;
      }
      if (next.done) return;
    }
  } catch {
    // The client went away: nothing is left to discard.
  }
}

/** The timed body; `detach` once the exchange is over: undici may still pull the body, but no timer fires. */
export interface TimedBody extends AsyncIterable<Buffer> {
  detach(): void;
}

export function withWriteTimeout(body: AsyncIterable<Buffer>, t: BodyTimers): TimedBody {
  let detached = false;
  // One wait at a time: for the source (a read) or for undici (a write).
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (ms: number, fire: () => void) => {
    timer = setTimeout(() => {
      timer = undefined;
      if (!detached) fire();
    }, ms);
  };
  const disarm = () => {
    clearTimeout(timer);
    timer = undefined;
  };
  const timed = (async function* () {
    let size = 0;
    const source = body[Symbol.asyncIterator]();
    let done = false;
    try {
      for (;;) {
        arm(t.readMs, t.onReadTimeout);
        let next: IteratorResult<Buffer>;
        try {
          next = await source.next();
        } finally {
          disarm();
        }
        if (next.done) {
          done = true;
          return;
        }
        const chunk = next.value;
        size += chunk.length;
        if (size > t.limit) {
          if (!detached) t.onLimit();
          // The rest is read and dropped, so the client's connection stays usable for its next request.
          done = true;
          void discard(source, t.readMs);
          return;
        }
        arm(t.writeMs, t.onWriteTimeout);
        try {
          yield chunk;
        } finally {
          disarm();
        }
      }
    } finally {
      // Stopped early (a limit, a cancelled request): let the source clean up, as for-await would.
      if (!done) await source.return?.();
    }
  })();
  return Object.assign(timed, {
    detach: () => {
      detached = true;
      disarm();
    },
  });
}

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

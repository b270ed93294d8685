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

export function withWriteTimeout(body: AsyncIterable<Buffer>, t: BodyTimers): AsyncIterable<Buffer> {
  return (async function* () {
    let size = 0;
    const source = body[Symbol.asyncIterator]();
    let done = false;
    try {
      for (;;) {
        const reading = setTimeout(t.onReadTimeout, t.readMs);
        let next: IteratorResult<Buffer>;
        try {
          next = await source.next();
        } finally {
          clearTimeout(reading);
        }
        if (next.done) {
          done = true;
          return;
        }
        const chunk = next.value;
        size += chunk.length;
        if (size > t.limit) return t.onLimit();
        const writing = setTimeout(t.onWriteTimeout, t.writeMs);
        try {
          yield chunk;
        } finally {
          clearTimeout(writing);
        }
      }
    } finally {
      // Stopped early (a limit, a cancelled request): let the source clean up, as for-await would.
      if (!done) await source.return?.();
    }
  })();
}

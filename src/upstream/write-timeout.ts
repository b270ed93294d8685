/**
 * Kong's write_timeout (nginx's proxy_send_timeout): the longest wait between two successive writes of the
 * request body to the upstream. undici pulls the next chunk once the previous one is written, so the time
 * between handing a chunk over and the next pull is the time one write took. The same pass counts the body
 * against a limit (request-size-limiting on bodies without a length).
 */
export function withWriteTimeout(body: AsyncIterable<Buffer>, ms: number, onTimeout: () => void, limit: number, onLimit: () => void): AsyncIterable<Buffer> {
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

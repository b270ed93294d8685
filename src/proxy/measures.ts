/**
 * The latencies and sizes of Kong's log record, computed alone (kong.log.getLatencies(), getSizes()) for plugins
 * that count every request: a few reads and additions, nothing built.
 */
import type { IncomingMessage } from 'node:http';
import type { Latencies, Sizes } from '../pdk/kong.ts';
import type { UpstreamStats } from '../upstream/call.ts';

/** `started` is performance.now() at arrival. */
export function latencies(started: number, stats: UpstreamStats): Latencies {
  const request = Math.round(performance.now() - started);
  const upstream = stats.upstreamLatency;
  // Kong: KONG_PROXY_LATENCY when proxied, else KONG_RESPONSE_LATENCY (its own answer; here measured to its end).
  return { request, proxy: upstream ?? -1, kong: stats.proxyLatency ?? request };
}

/**
 * nginx's `$request_length` (request line, headers, body) and `$bytes_sent` (what went to the client since
 * `writtenBefore`, the socket's count when the request's plugins first ran, before anything of its answer).
 */
export function sizes(req: IncomingMessage, writtenBefore: number): Sizes {
  // "METHOD SP target SP HTTP/x.y CRLF", each "name: value CRLF", then CRLF.
  let request = (req.method?.length ?? 0) + (req.url?.length ?? 0) + 14;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) request += raw[i]!.length + raw[i + 1]!.length + 4;
  const length = req.headers['content-length'];
  if (length !== undefined) {
    const n = Number(length);
    if (Number.isSafeInteger(n) && n > 0) request += n;
  }
  const written = req.socket.bytesWritten;
  return { request, response: written === undefined ? 0 : Math.max(0, written - writtenBefore) };
}

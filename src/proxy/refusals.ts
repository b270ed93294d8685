/**
 * What nginx refuses before Kong runs, with the status nginx gives (Kong's error handler writes the body):
 * HTTP versions it does not speak, a request line or a header line over its buffers (large_client_header_buffers
 * 4 8k), Host faults on HTTP/1.1, TRACE, request targets that are neither a path nor an absolute URL, and paths
 * whose percent-encoding does not decode.
 */
import type { RequestFacts } from './request-facts.ts';

export interface Refusal {
  readonly status: number;
  readonly message?: string;
}

/** nginx's large header buffer: a request line, or one header line, must fit in it (with its CRLF). */
export const LINE_LIMIT = 8192;

/**
 * nginx's validate_host: no `/`, no control bytes or spaces, no `..`, not empty without its port and trailing
 * dot. One pass over the characters: regexes here cost about 1% of requests/s (measured).
 */
export function badHost(host: string): boolean {
  let previous = 0;
  for (let i = 0; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c === 47 /* / */ || (c === 46 /* . */ && previous === 46)) return true;
    previous = c;
  }
  let end = host.length;
  while (end > 0 && host.charCodeAt(end - 1) >= 48 && host.charCodeAt(end - 1) <= 57) end--;
  end = end > 0 && host.charCodeAt(end - 1) === 58 /* : */ ? end - 1 : host.length;
  if (end > 0 && host.charCodeAt(end - 1) === 46) end--;
  return end === 0;
}

export function refusal(facts: RequestFacts): Refusal | undefined {
  const req = facts.req;
  if (req.httpVersionMajor !== 1) return req.httpVersionMajor > 1 ? { status: 505 } : { status: 400 };
  // METHOD SP target SP HTTP/1.x CRLF
  if (facts.method.length + facts.rawUrl.length + 12 > LINE_LIMIT) return { status: 414 };
  const raw = req.rawHeaders;
  let hosts = 0;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    // name: value CRLF
    if (name.length + raw[i + 1]!.length + 4 > LINE_LIMIT) return { status: 400, message: 'Request header or cookie too large' };
    if (name.length === 4 && name.toLowerCase() === 'host') hosts++;
  }
  if (hosts > 1) return { status: 400 };
  if (hosts === 0) {
    if (req.httpVersionMinor >= 1) return { status: 400 };
  } else {
    if (badHost(req.headers.host ?? '')) return { status: 400 };
  }
  if (facts.method === 'TRACE') return { status: 405 };
  if (facts.normalizedPath === undefined) return { status: 400 };
  return undefined;
}

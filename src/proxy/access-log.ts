/**
 * The proxy's access log (Kong's `proxy_access_log`): one line per request when its answer is over, in Kong's
 * `kong_log_format` (kong/templates/nginx_kong.lua):
 *
 *   $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer"
 *   "$http_user_agent" kong_request_id: "$kong_request_id"
 *
 * Every value the client chose is escaped as nginx's `escape=default` does: `"`, `\`, control bytes and bytes
 * above 126 become `\xHH`, so a line is always one line of printable ASCII. The line goes to a sink that buffers
 * it (main.ts opens it): the request path only formats and hands it over.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { firstValue } from '../http/headers.ts';
import type { ProxyRequest } from './proxy-request.ts';

/** Where lines go; `write` never blocks (the sink buffers, and drops when its buffer is full). */
export interface AccessLogSink {
  write(line: string): void;
}

const HEX = '0123456789ABCDEF';
const UNSAFE = /["\\\x00-\x1f\x7f-\uffff]/;

function hexByte(b: number): string {
  return `\\x${HEX[b >> 4]}${HEX[b & 15]}`;
}

/**
 * nginx's escape=default. Node reads request lines and headers as latin1, one character per byte, so a
 * character up to 0xFF is the byte the client sent; anything wider (not from the wire) is escaped byte by byte
 * of its UTF-8.
 */
export function escapeLogValue(value: string): string {
  if (!UNSAFE.test(value)) return value;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x22 || c === 0x5c || c < 0x20 || (c > 0x7e && c <= 0xff)) out += hexByte(c);
    else if (c > 0xff) {
      const ch = String.fromCodePoint(value.codePointAt(i)!);
      if (ch.length === 2) i++;
      for (const b of Buffer.from(ch, 'utf8')) out += hexByte(b);
    } else out += value[i];
  }
  return out;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => (n < 10 ? `0${n}` : String(n));
let cachedSecond = -1;
let cachedTime = '';

/** nginx's $time_local, `04/Dec/2026:21:16:59 +0000`, made once a second. */
export function timeLocal(now = Date.now()): string {
  const second = Math.floor(now / 1000);
  if (second === cachedSecond) return cachedTime;
  const d = new Date(second * 1000);
  const offset = -d.getTimezoneOffset();
  const abs = Math.abs(offset);
  cachedTime = `${two(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${offset < 0 ? '-' : '+'}${two(Math.floor(abs / 60))}${two(abs % 60)}`;
  cachedSecond = second;
  return cachedTime;
}

/** nginx's $remote_user: the user of Basic credentials, else `-`. */
function remoteUser(authorization: string | undefined): string {
  if (authorization === undefined || authorization.length < 7 || authorization.slice(0, 6).toLowerCase() !== 'basic ') return '-';
  const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('latin1');
  const colon = decoded.indexOf(':');
  return colon < 0 ? '-' : escapeLogValue(decoded.slice(0, colon));
}

const quoted = (value: string | undefined) => (value === undefined ? '-' : escapeLogValue(value));

export interface AccessLineFields {
  readonly remoteAddr: string;
  /** The request line as sent, without its CRLF (`-` when none could be read). */
  readonly request: string;
  readonly status: number;
  readonly bodyBytesSent: number;
  readonly referer?: string;
  readonly userAgent?: string;
  readonly authorization?: string;
  readonly requestId: string;
}

export function accessLine(f: AccessLineFields): string {
  return `${f.remoteAddr} - ${remoteUser(f.authorization)} [${timeLocal()}] "${escapeLogValue(f.request)}" ${f.status} ${f.bodyBytesSent} "${quoted(f.referer)}" "${quoted(f.userAgent)}" kong_request_id: "${f.requestId}"\n`;
}

/**
 * The line of a request whose answer is over. `writtenBefore` is the socket's byte count when the request
 * arrived: what went out since, less the head, is nginx's $body_bytes_sent (for a WebSocket, the frames after the
 * 101 head of `switchedHead` bytes). A request whose answer never began (the client left) is nginx's 499.
 */
export function requestAccessLine(req: IncomingMessage, res: ServerResponse, remoteAddr: string, requestId: string, writtenBefore: number, switchedHead: number): string {
  const head = (res as { _header?: string | null })._header;
  const sent = Math.max(0, (req.socket.bytesWritten ?? 0) - writtenBefore - (head ? head.length : switchedHead));
  const headers = req.headers;
  return accessLine({
    remoteAddr,
    request: `${req.method} ${req.url} HTTP/${req.httpVersion}`,
    status: res.headersSent ? res.statusCode : switchedHead > 0 ? 101 : 499,
    bodyBytesSent: sent,
    referer: firstValue(headers.referer),
    userAgent: firstValue(headers['user-agent']),
    authorization: firstValue(headers.authorization),
    requestId,
  });
}

/** The request's line, once its answer is over (when the access log is on). */
export function writeAccessLine(ctx: ProxyRequest, switchedHead: number): void {
  ctx.env.accessLog?.write(requestAccessLine(ctx.req, ctx.res, ctx.facts.forwardedIp, ctx.facts.requestId, ctx.bytesSentBefore ?? 0, switchedHead));
}

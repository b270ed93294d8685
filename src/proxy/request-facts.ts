/**
 * What the client sent, read once when the request arrives: the request id, the path (normalized) and the query,
 * the peer and the client as the gateway trusts it (`--trusted-ips`), scheme, Host and port, and the TLS server
 * name. The router matches on this object as it is; plugins see it through `kong.request` and `kong.client`.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { firstValue } from '../http/headers.ts';
import { normalizePath } from '../http/path.ts';
import type { ExpressionFacts } from '../router/router.ts';

export interface Listener {
  readonly port: number;
  readonly scheme: 'http' | 'https';
}

/** The request id Kong sends as X-Kong-Request-Id: 32 hex characters, cut from a pool of random bytes. */
let pool = randomBytes(4096);
let offset = 0;
function newRequestId(): string {
  if (offset + 16 > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  offset += 16;
  return pool.toString('hex', offset - 16, offset);
}

const unmapped = (ip: string) => (ip.startsWith('::ffff:') ? ip.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1') : ip);

export class RequestFacts implements ExpressionFacts {
  readonly req: IncomingMessage;
  readonly listener: Listener;
  readonly requestId = newRequestId();
  /** performance.now() at arrival (latencies), and the wall clock (the log record, ttls). */
  readonly started = performance.now();
  readonly startedAt = Date.now();
  readonly method: string;
  /** The request target as sent. */
  readonly rawUrl: string;
  /** The query string with its `?`, or ''. */
  readonly query: string;
  /** Without the `?`. */
  readonly rawQuery: string;
  /** Normalized as Kong normalizes it; undefined when the path is malformed (Kong's 400). */
  readonly normalizedPath: string | undefined;
  /** The peer's address as the socket gives it. */
  readonly srcIp: string;
  /** The peer, IPv4-mapped addresses written as IPv4. */
  readonly peerIp: string;
  /** Whether the peer is in --trusted-ips (its X-Forwarded-* and X-Real-IP are believed). */
  readonly trusted: boolean;
  readonly forwardedIp: string;
  /** The client's scheme: X-Forwarded-Proto from a trusted peer, else the listener's. */
  readonly scheme: 'http' | 'https';
  /** The Host header, lower case, as sent (port included). */
  readonly hostHeader: string;
  /** Lower case, without port and without a trailing dot. */
  readonly host: string;
  /** The Host header's port, else the listener's. */
  readonly port: number;
  readonly sni: string | undefined;

  constructor(req: IncomingMessage, listener: Listener, isTrusted: (ip: string) => boolean) {
    this.req = req;
    this.listener = listener;
    this.method = req.method ?? 'GET';
    const rawUrl = (this.rawUrl = req.url ?? '');
    const queryAt = rawUrl.indexOf('?');
    const rawPath = queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt);
    this.query = queryAt < 0 ? '' : rawUrl.slice(queryAt);
    this.rawQuery = queryAt < 0 ? '' : rawUrl.slice(queryAt + 1);
    this.normalizedPath = rawPath.startsWith('/') ? normalizePath(rawPath) : undefined;
    const peer = (this.srcIp = req.socket.remoteAddress ?? '');
    this.peerIp = unmapped(peer);
    const trusted = (this.trusted = isTrusted(peer));
    this.forwardedIp = unmapped(trusted ? (firstValue(req.headers['x-real-ip']) ?? peer) : peer);
    const forwardedProto = trusted ? firstValue(req.headers['x-forwarded-proto'])?.toLowerCase() : undefined;
    this.scheme = forwardedProto === 'https' || forwardedProto === 'http' ? forwardedProto : listener.scheme;
    const hostHeader = (this.hostHeader = (req.headers.host ?? '').toLowerCase());
    let host = hostHeader;
    let port = listener.port;
    if (hostHeader.includes(':') || hostHeader.endsWith('.')) {
      const hostMatch = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(hostHeader);
      host = (hostMatch?.[1] ?? '').replace(/\.$/, '');
      if (hostMatch?.[2] !== undefined) port = Number(hostMatch[2]);
    }
    this.host = host;
    this.port = port;
    this.sni = listener.scheme === 'https' ? ((req.socket as { servername?: string }).servername?.toLowerCase() ?? undefined) : undefined;
  }

  /** The normalized path (the pipeline answers 400 before anything reads a malformed one). */
  get path(): string {
    return this.normalizedPath!;
  }

  get headers(): IncomingMessage['headers'] {
    return this.req.headers;
  }

  get srcPort(): number | undefined {
    return this.req.socket.remotePort;
  }

  get dstIp(): string | undefined {
    return this.req.socket.localAddress;
  }

  get dstPort(): number {
    return this.listener.port;
  }

  /** X-Forwarded-Host from a trusted peer, else the Host. */
  get forwardedHost(): string {
    return (this.trusted ? firstValue(this.req.headers['x-forwarded-host']) : undefined) ?? this.host;
  }

  /** X-Forwarded-Port from a trusted peer, else the Host's port. */
  get forwardedPort(): number {
    const given = this.trusted ? Number(firstValue(this.req.headers['x-forwarded-port'])) : NaN;
    return Number.isInteger(given) ? given : this.port;
  }
}

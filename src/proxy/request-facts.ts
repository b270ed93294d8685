/**
 * What the client sent, read once when the request arrives: the request id, the path (normalized) and the query,
 * the peer and the client as the gateway trusts it (`--trusted-ips`), scheme, Host and port, and the TLS server
 * name. The router matches on this object as it is; plugins see it through `kong.request` and `kong.client`.
 * An absolute-form target (`GET http://host/path HTTP/1.1`) is read as nginx reads it: the path from it, the
 * request's host (`$host`) from its authority, and routing still by the Host header, as Kong's router does.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { firstValue } from '../http/headers.ts';
import { unmapIpv4 } from '../http/ip-list.ts';
import { DEFAULT_REAL_IP, realIp, type RealIpSettings } from '../http/real-ip.ts';
import { proxiedAddress } from './proxy-protocol.ts';
import { countRequest } from './connections.ts';
import { normalizePath } from '../http/path.ts';
import type { ExpressionFacts } from '../router/router.ts';

export interface Listener {
  readonly port: number;
  readonly scheme: 'http' | 'https';
  /** The port clients reach it on, when --port-maps maps this one (Kong's `ctx.host_port`); else `port`. */
  readonly hostPort: number;
}

/** The request id Kong sends as X-Kong-Request-Id: 32 hex characters, cut from a pool of random bytes. */
let pool = randomBytes(4096);
let offset = 0;
export function newRequestId(): string {
  if (offset + 16 > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  offset += 16;
  return pool.toString('hex', offset - 16, offset);
}

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
  /** Path and query (origin-form), also of an absolute-form target: nginx's `$request_uri`. */
  readonly target: string;
  /** The authority of an absolute-form target, lower case, without its port. */
  readonly absoluteHost: string | undefined;
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
  /** The client as nginx's realip module finds it (`$remote_addr`): --real-ip-header from a trusted peer. */
  readonly forwardedIp: string;
  /** nginx's $connection and $connection_requests. */
  readonly connection: { readonly serial: number; readonly requests: number };
  /** The client's scheme: X-Forwarded-Proto from a trusted peer, else the listener's. */
  readonly scheme: 'http' | 'https';
  /** The Host header, lower case, as sent (port included). */
  readonly hostHeader: string;
  /** Lower case, without port and without a trailing dot. */
  readonly host: string;
  /** The Host header's port, else the listener's. */
  readonly port: number;
  readonly sni: string | undefined;

  constructor(req: IncomingMessage, listener: Listener, isTrusted: (ip: string) => boolean, real: RealIpSettings = DEFAULT_REAL_IP) {
    this.req = req;
    this.listener = listener;
    this.method = req.method ?? 'GET';
    const rawUrl = (this.rawUrl = req.url ?? '');
    let target = rawUrl;
    let absoluteHost: string | undefined;
    if (rawUrl.charCodeAt(0) !== 47 /* / */) {
      const absolute = /^https?:\/\/([^/?#]*)(.*)$/i.exec(rawUrl);
      if (absolute) {
        absoluteHost = absolute[1]!.toLowerCase().replace(/^[^@]*@/, '').replace(/:\d*$/, '').replace(/\.$/, '');
        target = absolute[2] === '' ? '/' : absolute[2]!.startsWith('?') ? `/${absolute[2]}` : absolute[2]!;
      }
    }
    this.target = target;
    this.absoluteHost = absoluteHost;
    const queryAt = target.indexOf('?');
    const rawPath = queryAt < 0 ? target : target.slice(0, queryAt);
    this.query = queryAt < 0 ? '' : target.slice(queryAt);
    this.rawQuery = queryAt < 0 ? '' : target.slice(queryAt + 1);
    this.normalizedPath = rawPath.startsWith('/') ? normalizePath(rawPath) : undefined;
    const peer = (this.srcIp = req.socket.remoteAddress ?? '');
    this.peerIp = unmapIpv4(peer);
    const trusted = (this.trusted = isTrusted(peer));
    this.connection = countRequest(req.socket);
    if (trusted && real.header === 'proxy_protocol') {
      this.forwardedIp = unmapIpv4(proxiedAddress(req.socket)?.ip ?? this.peerIp);
    } else if (trusted) {
      const given = req.headers[real.header];
      this.forwardedIp = unmapIpv4(realIp(this.peerIp, Array.isArray(given) ? given.join(', ') : given, isTrusted, real.recursive));
    } else {
      this.forwardedIp = this.peerIp;
    }
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
    // A handshake without SNI (a client using an address, a health check) leaves servername false, not a string.
    const servername = listener.scheme === 'https' ? (req.socket as { servername?: unknown }).servername : undefined;
    this.sni = typeof servername === 'string' && servername !== '' ? servername.toLowerCase() : undefined;
  }

  /** The normalized path (the pipeline answers 400 before anything reads a malformed one). */
  get path(): string {
    return this.normalizedPath!;
  }

  get headers(): IncomingMessage['headers'] {
    return this.req.headers;
  }

  /** Each value of a repeated header apart (node joins or drops repeats in `headers`): what Kong's router sees. */
  get headerValues(): Readonly<Record<string, readonly string[] | undefined>> {
    return this.req.headersDistinct;
  }

  /** Whether the request has a body to read: chunked, or a Content-Length above 0 (Node refuses both at once). */
  get hasBody(): boolean {
    const headers = this.req.headers;
    return headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;
  }

  get srcPort(): number | undefined {
    return this.req.socket.remotePort;
  }

  get dstIp(): string | undefined {
    return this.req.socket.localAddress;
  }

  get dstPort(): number {
    return this.listener.hostPort;
  }

  /** The request's host as nginx's `$host` has it (Kong's `kong.request.get_host`, X-Forwarded-Host upstream). */
  get requestHost(): string {
    return this.absoluteHost ?? this.host;
  }

  /** X-Forwarded-Host from a trusted peer, else the request's host. */
  get forwardedHost(): string {
    return (this.trusted ? firstValue(this.req.headers['x-forwarded-host']) : undefined) ?? this.requestHost;
  }

  /**
   * Kong's `get_forwarded_port`: from a trusted peer, X-Forwarded-Port, else the port of X-Forwarded-Host; else
   * the port the gateway listens on (never the Host header's), as --port-maps maps it.
   */
  get forwardedPort(): number {
    if (this.trusted) {
      const given = validPort(firstValue(this.req.headers['x-forwarded-port']));
      if (given !== undefined) return given;
      const host = firstValue(this.req.headers['x-forwarded-host']);
      const inHost = host === undefined ? undefined : validPort(/:(\d+)$/.exec(host.replace(/^[^@]*@/, ''))?.[1]);
      if (inHost !== undefined) return inHost;
    }
    return this.listener.hostPort;
  }
}

function validPort(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*\d{1,5}\s*$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : undefined;
}

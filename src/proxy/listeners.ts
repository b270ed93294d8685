/**
 * The proxy's HTTP listeners, and what reaches them before a request does: nginx's limits and timeouts for a
 * request's head, what it answers to requests it will not take (CONNECT, malformed ones), pipelined requests
 * handled one at a time, `Expect: 100-continue`, WebSocket upgrades (only those: any other Upgrade is an
 * ordinary request). Closing a listener stops accepting, makes answers close their connections, lets in-flight
 * requests finish within the drain timeout, then cuts what is left.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { createSecureContext } from 'node:tls';
import type { Duplex } from 'node:stream';
import { describeError } from '../errors.ts';
import { errorPage } from '../http/kong-errors.ts';
import { acceptProxyProtocol } from './proxy-protocol.ts';
import type { ListenAddress } from '../settings/settings.ts';
import { socketOptions } from '../http/socket-options.ts';
import { runCertificatePhase } from './certificate-phase.ts';
import { handleRequest } from './pipeline.ts';
import { answering, closeFully, isWebSocketHandshake, onUpgrade } from './upgrades.ts';
import type { ProxyEnv, ProxyOptions } from './proxy-request.ts';
import { LINE_LIMIT } from './refusals.ts';
import { newRequestId } from './request-facts.ts';
import { accessLine } from './access-log.ts';
import { unmapIpv4 } from '../http/ip-list.ts';

export interface RunningListener {
  readonly address: string;
  readonly port: number;
  /** After a reload: TLS listeners take the new default certificate (per-SNI ones are looked up per handshake). */
  refreshTls(): void;
  /** Open client connections. */
  connections(): Promise<number>;
  /** Since the listener opened: connections accepted, requests read; and requests being answered now. */
  readonly counts: ListenerCounts;
  close(drainMs: number): Promise<void>;
}

export interface ListenerCounts {
  readonly accepted: number;
  readonly requests: number;
  readonly inFlight: number;
}

/** nginx's large_client_header_buffers (4 8k): the whole head of a request. */
const HEAD_LIMIT = 4 * LINE_LIMIT;


/**
 * A whole answer written on a connection the HTTP server no longer answers on (a malformed request, CONNECT),
 * then the connection closed: fully, once written, or after the send timeout if the client does not read it.
 */
function closeWith(socket: Duplex, status: number, reason: string, headers: Record<string, string>, body: string, sendMs: number): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  let head = `HTTP/1.1 ${status} ${reason}\r\n`;
  for (const [k, v] of Object.entries({ ...headers, 'content-length': String(Buffer.byteLength(body)), connection: 'close' })) head += `${k}: ${v}\r\n`;
  closeFully(socket, sendMs, `${head}\r\n${body}`);
}

/** Kong's page for what nginx answers before a request is read whole (the request's headers are unknown here). */
function refuse(env: ProxyEnv, socket: Duplex, status: number, reason: string, message?: string, request = '-'): void {
  const requestId = newRequestId();
  const page = errorPage(status, message, requestId, undefined, undefined, env.errorDefaultType, env.errorTemplates);
  env.accessLog?.write(accessLine({ remoteAddr: unmapIpv4((socket as Socket).remoteAddress ?? '-'), request, status: page.status, bodyBytesSent: Buffer.byteLength(page.body), requestId }));
  const headers: Record<string, string> = { 'content-type': page.contentType };
  if (env.headers.requestId) headers['x-kong-request-id'] = requestId;
  if (env.headers.server) headers.server = env.serverToken;
  closeWith(socket, page.status, reason, headers, page.body, env.clientTimeouts.sendMs);
}

/** The request line (before its CRLF) is longer than nginx's buffer: 414, else the head as a whole is too big. */
const lineTooLong = (packet: unknown) => Buffer.isBuffer(packet) && !packet.subarray(0, LINE_LIMIT).includes('\r\n');

/** What nginx logs as $request of a request it could not parse: the bytes read, up to the line's end (at most 2 KiB). */
function rawRequestLine(packet: unknown): string {
  if (!Buffer.isBuffer(packet) || packet.length === 0) return '-';
  const end = packet.indexOf('\r\n');
  return packet.toString('latin1', 0, Math.min(end < 0 ? packet.length : end, 2048));
}

function onClientError(env: ProxyEnv, err: NodeJS.ErrnoException & { rawPacket?: unknown }, socket: Duplex): void {
  const code = err.code ?? '';
  // nginx closes a connection whose head does not come in time (client_header_timeout), without an answer; and
  // once an answer has begun on a connection, a second status line would corrupt it.
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT' || code === 'ECONNRESET' || answering(socket)) {
    socket.destroy();
    return;
  }
  if (code === 'HPE_HEADER_OVERFLOW') {
    if (lineTooLong(err.rawPacket)) return refuse(env, socket, 414, 'Request-URI Too Large', undefined, rawRequestLine(err.rawPacket));
    return refuse(env, socket, 494, 'Bad Request', undefined, rawRequestLine(err.rawPacket));
  }
  refuse(env, socket, 400, 'Bad Request', undefined, rawRequestLine(err.rawPacket));
}

/**
 * CONNECT: nginx answers 405 to one with a path, 400 to one with an authority (host:port); one pipelined behind
 * an answer still going out waits for it.
 */
function onConnect(env: ProxyEnv, req: IncomingMessage, socket: Duplex): void {
  socket.on('error', () => socket.destroy());
  const answer = () => {
    const line = `CONNECT ${req.url} HTTP/${req.httpVersion}`;
    if ((req.url ?? '').startsWith('/')) refuse(env, socket, 405, 'Not Allowed', undefined, line);
    else refuse(env, socket, 400, 'Bad Request', undefined, line);
  };
  const busy = answering(socket);
  if (busy) busy.once('finish', () => setImmediate(answer));
  else answer();
}

/** Pipelined requests waiting on one connection, beyond which the connection is read no further for a while. */
const QUEUE_LIMIT = 16;
const waiting = new WeakMap<Duplex, number>();

function onRequest(env: ProxyEnv, req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): void {
  if (res.socket !== null) return handleRequest(env, req, res, undefined, expectsContinue);
  // A pipelined request waits for the answer before it (Node queues its response until then), as nginx reads
  // the next request only once the previous one is answered. A client that piles them up is read no further
  // until the queue shrinks.
  const socket = req.socket;
  const queued = (waiting.get(socket) ?? 0) + 1;
  waiting.set(socket, queued);
  if (queued > QUEUE_LIMIT) socket.pause();
  res.once('socket', () => {
    const left = (waiting.get(socket) ?? 1) - 1;
    waiting.set(socket, left);
    if (left <= QUEUE_LIMIT / 2 && socket.isPaused()) socket.resume();
    handleRequest(env, req, res, undefined, expectsContinue);
  });
}

/** `reusePort`: one of several workers listening on the same address; the kernel spreads connections over them. */
export async function listen(at: ListenAddress, options: ProxyOptions, reusePort = false): Promise<RunningListener> {
  const timeouts = options.clientTimeouts;
  // Kong's default certificate (its ssl_cert, or the one made at start): what a handshake with no SNI gets, and
  // one whose SNI matches no certificate and no `*` SNI. Without it (a listener given none), the `*` SNI's
  // certificate or the config's first is the default.
  const fallbackPem = options.defaultCertificate;
  const fallback = at.ssl && fallbackPem ? createSecureContext(fallbackPem) : undefined;
  const common = {
    keepAliveTimeout: 60_000,
    requestTimeout: 0,
    headersTimeout: timeouts.headerMs,
    connectionsCheckingInterval: Math.min(1000, timeouts.headerMs),
    maxHeaderSize: HEAD_LIMIT,
    // Answered with Kong's page by the pipeline, not Node's bare 400.
    requireHostHeader: false,
    // Kong upgrades only WebSocket connections; any other Upgrade (h2c, ...) is an ordinary request.
    shouldUpgradeCallback: isWebSocketHandshake,
  };
  const server: Server = at.ssl
    ? createHttpsServer({
        ...common,
        // nginx bounds a TLS handshake by client_header_timeout too.
        handshakeTimeout: timeouts.headerMs,
        ...(fallbackPem ?? options.store.current().certificates.defaultPem ?? {}),
        // The certificate is chosen per handshake from the current snapshot, so a reload changes it too.
        SNICallback: (servername, done) => {
          try {
            const snapshot = options.store.current();
            const choose = () => {
              const ctx = fallback ? (snapshot.certificates.lookupSni(servername) ?? fallback) : snapshot.certificates.lookup(servername);
              if (ctx) done(null, ctx);
              else done(new Error('no certificate configured'));
            };
            if (!snapshot.plugins.global.some((p) => p.handler.certificate)) return choose();
            runCertificatePhase(snapshot.plugins.global, servername || undefined, options.log).then(choose, (err: unknown) => done(err as Error));
          } catch (err) {
            options.log.error({ servername, err: describeError(err) }, 'choosing a certificate failed');
            done(err as Error);
          }
        },
      })
    : createServer(common);
  if (at.proxyProtocol) acceptProxyProtocol(server, timeouts.headerMs);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ ...socketOptions(at), reusePort }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const env: ProxyEnv = { ...options, listener: { port, scheme: at.ssl ? 'https' : 'http', hostPort: options.portMaps?.get(port) ?? port }, servicePeers: new WeakMap(), lifecycle: { draining: false }, webSockets: new Set() };
  // nginx's stub_status counters (prometheus' kong_nginx_connections_total): an addition per connection and request.
  const counts = { accepted: 0, requests: 0, inFlight: 0 };
  const answered = () => {
    counts.inFlight--;
  };
  const counted = (res: ServerResponse) => {
    counts.requests++;
    counts.inFlight++;
    res.on('close', answered);
  };
  server.on('connection', () => {
    counts.accepted++;
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    counted(res);
    onRequest(env, req, res, false);
  });
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    counted(res);
    onRequest(env, req, res, true);
  });
  // nginx ignores an expectation it does not know (Node would answer 417).
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    counted(res);
    onRequest(env, req, res, false);
  });
  server.on('connect', (req: IncomingMessage, socket: Duplex) => onConnect(env, req, socket));
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => onClientError(env, err, socket));
  // WebSocket handshakes take the same path (see upgrades.ts).
  const tunnels = new Set<Duplex>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    counts.requests++;
    onUpgrade(env, server, at.ssl, tunnels, req, socket, head);
  });
  return {
    address: `${at.host.includes(':') ? `[${at.host}]` : at.host}:${port}`,
    port,
    connections: () => new Promise<number>((resolve) => server.getConnections((err, n) => resolve(err ? 0 : n))),
    counts,
    refreshTls() {
      const pem = options.store.current().certificates.defaultPem;
      if (at.ssl && pem && !fallbackPem) (server as HttpsServer).setSecureContext(pem);
    },
    async close(drainMs) {
      env.lifecycle.draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => {
        server.closeAllConnections();
        // A ws service's connections are closed as WebSocket connections (1001 Going Away both ways); open
        // tunnels are detached from the server: cut them too when the drain time is up.
        const closing = new Set<Duplex>();
        for (const ws of env.webSockets) {
          closing.add(ws.socket);
          ws.goAway();
        }
        for (const socket of tunnels) if (!closing.has(socket)) socket.destroy();
      }, drainMs);
      await closed;
      if (tunnels.size > 0) await new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (tunnels.size === 0) {
            clearInterval(check);
            resolve();
          }
        }, 50);
      });
      clearTimeout(timer);
    },
  };
}

/**
 * The proxy's HTTP listeners, and what reaches them before a request does: nginx's limits and timeouts for a
 * request's head, what it answers to requests it will not take (CONNECT, malformed ones), pipelined requests
 * handled one at a time, `Expect: 100-continue`, WebSocket upgrades (only those: any other Upgrade is an
 * ordinary request). Closing a listener stops accepting, makes answers close their connections, lets in-flight
 * requests finish within the drain timeout, then cuts what is left.
 */
import { createServer, ServerResponse, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { errorPage } from '../http/kong-errors.ts';
import type { ListenAddress } from '../settings/settings.ts';
import { runCertificatePhase } from './certificate-phase.ts';
import { handleRequest } from './pipeline.ts';
import type { ProxyEnv, ProxyOptions } from './proxy-request.ts';
import { LINE_LIMIT } from './refusals.ts';
import { newRequestId } from './request-facts.ts';

export interface RunningListener {
  readonly address: string;
  readonly port: number;
  /** After a reload: TLS listeners take the new default certificate (per-SNI ones are looked up per handshake). */
  refreshTls(): void;
  /** Open client connections. */
  connections(): Promise<number>;
  close(drainMs: number): Promise<void>;
}

/** nginx's large_client_header_buffers (4 8k): the whole head of a request. */
const HEAD_LIMIT = 4 * LINE_LIMIT;

const isWebSocket = (req: IncomingMessage) => (req.headers.upgrade ?? '').toLowerCase() === 'websocket';

/** Node's record of the response a connection is writing (set from assignSocket until it is done). */
const answering = (socket: Duplex) => (socket as { _httpMessage?: ServerResponse | null })._httpMessage;

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
  const timer = setTimeout(() => socket.destroy(), sendMs);
  timer.unref();
  socket.end(`${head}\r\n${body}`, () => {
    clearTimeout(timer);
    socket.destroy();
  });
}

/** Kong's page for what nginx answers before a request is read whole (the request's headers are unknown here). */
function refuse(env: ProxyEnv, socket: Duplex, status: number, reason: string, message?: string): void {
  const requestId = newRequestId();
  const page = errorPage(status, message, requestId, undefined, undefined);
  const headers: Record<string, string> = { 'content-type': page.contentType };
  if (env.headers.requestId) headers['x-kong-request-id'] = requestId;
  if (env.headers.serverTokens) headers.server = env.serverToken;
  closeWith(socket, page.status, reason, headers, page.body, env.clientTimeouts.sendMs);
}

/** The request line (before its CRLF) is longer than nginx's buffer: 414, else the head as a whole is too big. */
const lineTooLong = (packet: unknown) => Buffer.isBuffer(packet) && !packet.subarray(0, LINE_LIMIT).includes('\r\n');

function onClientError(env: ProxyEnv, err: NodeJS.ErrnoException & { rawPacket?: unknown }, socket: Duplex): void {
  const code = err.code ?? '';
  // nginx closes a connection whose head does not come in time (client_header_timeout), without an answer; and
  // once an answer has begun on a connection, a second status line would corrupt it.
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT' || code === 'ECONNRESET' || answering(socket)) {
    socket.destroy();
    return;
  }
  if (code === 'HPE_HEADER_OVERFLOW') {
    if (lineTooLong(err.rawPacket)) return refuse(env, socket, 414, 'Request-URI Too Large');
    return refuse(env, socket, 494, 'Bad Request');
  }
  refuse(env, socket, 400, 'Bad Request');
}

/** CONNECT: nginx answers 405 to one with a path, 400 to one with an authority (host:port). */
function onConnect(env: ProxyEnv, req: IncomingMessage, socket: Duplex): void {
  socket.on('error', () => socket.destroy());
  if ((req.url ?? '').startsWith('/')) refuse(env, socket, 405, 'Not Allowed');
  else refuse(env, socket, 400, 'Bad Request');
}

function onRequest(env: ProxyEnv, req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): void {
  // A pipelined request waits for the answer before it (Node queues its response until then), as nginx reads
  // the next request only once the previous one is answered.
  if (res.socket === null) res.once('socket', () => handleRequest(env, req, res, undefined, expectsContinue));
  else handleRequest(env, req, res, undefined, expectsContinue);
}

export async function listen(at: ListenAddress, options: ProxyOptions): Promise<RunningListener> {
  const timeouts = options.clientTimeouts;
  const common = {
    keepAliveTimeout: 60_000,
    requestTimeout: 0,
    headersTimeout: timeouts.headerMs,
    connectionsCheckingInterval: Math.min(1000, timeouts.headerMs),
    maxHeaderSize: HEAD_LIMIT,
    // Answered with Kong's page by the pipeline, not Node's bare 400.
    requireHostHeader: false,
    // Kong upgrades only WebSocket connections; any other Upgrade (h2c, ...) is an ordinary request.
    shouldUpgradeCallback: isWebSocket,
  };
  const server: Server = at.ssl
    ? createHttpsServer({
        ...common,
        ...(options.store.current().certificates.defaultPem ?? {}),
        // The certificate is chosen per handshake from the current snapshot, so a reload changes it too.
        SNICallback: (servername, done) => {
          try {
            const snapshot = options.store.current();
            const choose = () => {
              const ctx = snapshot.certificates.lookup(servername);
              if (ctx) done(null, ctx);
              else done(new Error('no certificate configured'));
            };
            if (!snapshot.plugins.global.some((p) => p.handler.certificate)) return choose();
            runCertificatePhase(snapshot.plugins.global, servername || undefined, options.log).then(choose, (err: unknown) => done(err as Error));
          } catch (err) {
            options.log.error({ servername, err: (err as Error)?.message ?? String(err) }, 'choosing a certificate failed');
            done(err as Error);
          }
        },
      })
    : createServer(common);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const env: ProxyEnv = { ...options, listener: { port, scheme: at.ssl ? 'https' : 'http' }, servicePeers: new WeakMap(), lifecycle: { draining: false } };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => onRequest(env, req, res, false));
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => onRequest(env, req, res, true));
  // nginx ignores an expectation it does not know (Node would answer 417).
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => onRequest(env, req, res, false));
  server.on('connect', (req: IncomingMessage, socket: Duplex) => onConnect(env, req, socket));
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => onClientError(env, err, socket));
  // WebSocket handshakes take the same path; their response object writes straight to their socket. Until the
  // peer answers 101 the socket is still HTTP: an ordinary answer hands it back to the server.
  const tunnels = new Set<Duplex>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const onError = () => socket.destroy();
    socket.on('error', onError);
    const res = new ServerResponse(req);
    res.assignSocket(socket as Socket);
    let opened = false;
    res.once('finish', () => {
      if (opened || socket.destroyed || !res.shouldKeepAlive || env.lifecycle.draining) return socket.end();
      res.detachSocket(socket as Socket);
      socket.off('error', onError);
      if (head.length > 0) socket.unshift(head);
      // Back to the HTTP server, which parses the connection's next request.
      server.emit(at.ssl ? 'secureConnection' : 'connection', socket);
    });
    handleRequest(env, req, res, {
      socket,
      head,
      opened: () => {
        opened = true;
        tunnels.add(socket);
        socket.once('close', () => tunnels.delete(socket));
      },
    });
  });
  return {
    address: `${at.host.includes(':') ? `[${at.host}]` : at.host}:${port}`,
    port,
    connections: () => new Promise<number>((resolve) => server.getConnections((err, n) => resolve(err ? 0 : n))),
    refreshTls() {
      const pem = options.store.current().certificates.defaultPem;
      if (at.ssl && pem) (server as HttpsServer).setSecureContext(pem);
    },
    async close(drainMs) {
      env.lifecycle.draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => {
        server.closeAllConnections();
        // Open WebSocket tunnels are detached from the server: cut them too when the drain time is up.
        for (const socket of tunnels) socket.destroy();
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

/**
 * The proxy's HTTP listeners. Closing one stops accepting, lets in-flight requests finish within the drain
 * timeout, then cuts what is left.
 */
import { createServer, ServerResponse, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ListenAddress } from '../settings/settings.ts';
import { runCertificatePhase } from './certificate-phase.ts';
import { handleRequest } from './pipeline.ts';
import type { ProxyEnv, ProxyOptions } from './proxy-request.ts';

export interface RunningListener {
  readonly address: string;
  readonly port: number;
  /** After a reload: TLS listeners take the new default certificate (per-SNI ones are looked up per handshake). */
  refreshTls(): void;
  /** Open client connections. */
  connections(): Promise<number>;
  close(drainMs: number): Promise<void>;
}

export async function listen(at: ListenAddress, options: ProxyOptions): Promise<RunningListener> {
  const common = { keepAliveTimeout: 60_000, requestTimeout: 0, headersTimeout: 60_000 };
  const server: Server = at.ssl
    ? createHttpsServer({
        ...common,
        ...(options.store.current().certificates.defaultPem ?? {}),
        // The certificate is chosen per handshake from the current snapshot, so a reload changes it too.
        SNICallback: (servername, done) => {
          const snapshot = options.store.current();
          const choose = () => {
            const ctx = snapshot.certificates.lookup(servername);
            if (ctx) done(null, ctx);
            else done(new Error('no certificate configured'));
          };
          if (!snapshot.plugins.global.some((p) => p.handler.certificate)) return choose();
          runCertificatePhase(snapshot.plugins.global, servername || undefined, options.log).then(choose, (err: unknown) => done(err as Error));
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
  const env: ProxyEnv = { ...options, listener: { port, scheme: at.ssl ? 'https' : 'http' }, servicePeers: new WeakMap() };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => handleRequest(env, req, res));
  // Upgrade requests (WebSocket) take the same path; the response object writes straight to their socket.
  const tunnels = new Set<Duplex>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    tunnels.add(socket);
    socket.once('close', () => tunnels.delete(socket));
    socket.on('error', () => socket.destroy());
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    handleRequest(env, req, res, { socket, head });
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
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

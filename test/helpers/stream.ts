/** Stream (TCP/TLS) test servers and clients on loopback. */
import { readFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer, type TLSSocket } from 'node:tls';

const TLS = new URL('../fixtures/tls/', import.meta.url).pathname;
export const fixture = (name: string): string => readFileSync(`${TLS}${name}`, 'utf8');

/** A port free right now (for listeners whose port the config must name before they start). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface EchoServer {
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: () => number;
  close(): Promise<void>;
}

/**
 * An echo server: it sends `greeting` (if any) when a connection opens, then echoes every byte back. With `tls`,
 * it terminates TLS itself with the fixture `upstream.*` certificate.
 */
/** The SNI a TLS echo server was asked for, as Kong's mock upstream's `get_sni` tells it ("nil" for none). */
export const sniGreeting = (socket: Socket): string => `${(socket as TLSSocket).servername || 'nil'}\n`;

export async function startEcho(greeting: string | ((socket: Socket) => string) = '', options: { tls?: boolean } = {}): Promise<EchoServer> {
  let accepted = 0;
  const sockets = new Set<Socket>();
  const onSocket = (socket: Socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const hello = typeof greeting === 'function' ? greeting(socket) : greeting;
    if (hello !== '') socket.write(hello);
    socket.pipe(socket);
  };
  const server: Server = options.tls
    ? createTlsServer({ cert: fixture('upstream.crt'), key: fixture('upstream.key') }, onSocket)
    : createServer(onSocket);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    accepted: () => accepted,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

export interface Exchange {
  /** What came back before the connection closed or `expect` bytes arrived. */
  readonly received: string;
  /** The connection was closed by the other side. */
  readonly closed: boolean;
  /** On TLS, the certificate the client was shown. */
  readonly fingerprint?: string;
}

export interface ExchangeOptions {
  /** Connect with TLS and this SNI (or none when `''`). */
  readonly tls?: { readonly servername: string };
  /** Stop (and close) once this many bytes came back. */
  readonly expect?: number;
}

/** Connects, writes `message`, reads until `expect` bytes came back or the other side closed. */
export function exchange(port: number, message: string, options: ExchangeOptions = {}): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    let received = '';
    let settled = false;
    const socket: Socket = options.tls
      ? tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...(options.tls.servername ? { servername: options.tls.servername } : {}) })
      : connect({ host: '127.0.0.1', port });
    let fingerprint: string | undefined;
    const done = (closed: boolean) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve({ received, closed, ...(fingerprint ? { fingerprint } : {}) });
    };
    socket.setEncoding('utf8');
    socket.once(options.tls ? 'secureConnect' : 'connect', () => {
      if (options.tls) fingerprint = (socket as TLSSocket).getPeerCertificate().fingerprint256;
      socket.write(message);
    });
    socket.on('data', (chunk: string) => {
      received += chunk;
      if (options.expect !== undefined && Buffer.byteLength(received) >= options.expect) done(false);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return done(true);
      if (!settled) {
        settled = true;
        reject(err);
      }
    });
    socket.on('close', () => done(true));
  });
}

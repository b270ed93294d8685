/** Receivers of the logging plugins on loopback (TCP, TLS, UDP), and the drop counters the admin's /metrics shows. */
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';

export interface Receiver<T> {
  readonly port: number;
  /** What arrived so far: lines (TCP) or datagrams (UDP), as text. */
  readonly received: T[];
  /** Resolves with the next `n` items to arrive after what was already taken by earlier calls. */
  next(n?: number): Promise<T[]>;
  close(): Promise<void>;
}

function queue<T>(): { received: T[]; push(item: T): void; next(n?: number): Promise<T[]> } {
  const received: T[] = [];
  let taken = 0;
  let waiter: (() => void) | undefined;
  return {
    received,
    push(item) {
      received.push(item);
      waiter?.();
    },
    async next(n = 1) {
      while (received.length < taken + n) await new Promise<void>((resolve) => (waiter = resolve));
      const out = received.slice(taken, taken + n);
      taken += n;
      return out;
    },
  };
}

const tls = new URL('../fixtures/tls/', import.meta.url);

/** A TCP (or TLS) server collecting newline-terminated lines; `port` 0 picks one. */
export async function startTcpReceiver(options: { tls?: boolean; port?: number } = {}): Promise<Receiver<string> & { readonly connections: number; readonly open: number; readonly servernames: (string | false)[] }> {
  const q = queue<string>();
  const sockets = new Set<Socket>();
  let connections = 0;
  const servernames: (string | false)[] = [];
  const onSocket = (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        q.push(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
        nl = buffered.indexOf('\n');
      }
    });
  };
  const server: Server = options.tls
    ? createTlsServer({ key: readFileSync(new URL('rsa.key', tls)), cert: readFileSync(new URL('rsa.crt', tls)) }, (s) => {
      servernames.push((s as Socket & { servername?: string | false }).servername ?? false);
      onSocket(s);
    })
    : createTcpServer(onSocket);
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    received: q.received,
    next: q.next,
    get connections() {
      return connections;
    },
    get open() {
      return sockets.size;
    },
    servernames,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/** A UDP socket collecting datagrams; `port` 0 picks one. */
export async function startUdpReceiver(port = 0): Promise<Receiver<string>> {
  const q = queue<string>();
  const socket: UdpSocket = createSocket('udp4');
  socket.on('message', (msg) => q.push(msg.toString('utf8')));
  await new Promise<void>((resolve) => socket.bind(port, '127.0.0.1', resolve));
  return {
    port: socket.address().port,
    received: q.received,
    next: q.next,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** `gateway_log_entries_dropped_total{plugin, reason}` as the admin's /metrics shows it (0 when absent). */
export async function dropCount(admin: string, plugin: string, reason: string): Promise<number> {
  const r = await request(`${admin}/metrics`);
  const text = await r.body.text();
  const line = text.split('\n').find((l) => l.startsWith(`gateway_log_entries_dropped_total{plugin="${plugin}",reason="${reason}"} `));
  return line ? Number(line.split(' ').pop()) : 0;
}

/** Polls `check` until it returns a value that is not undefined (the node:test timeout bounds the wait). */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, pauseMs = 20): Promise<T> {
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}

/** Raw sockets for hostile tests: bytes exactly as written, and what the gateway sent back and when it closed. */
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RawExchange {
  /** Everything the gateway wrote, as latin1 text. */
  readonly text: string;
  /** The gateway closed (or reset) the connection. */
  readonly closed: boolean;
}

export interface RawOptions {
  /** How long to wait for the answer before giving up (ms). */
  readonly waitMs?: number;
  /** Stop waiting once the text read so far satisfies this. */
  readonly until?: (text: string) => boolean;
  /** Do not end our side after writing (a client that keeps its end open). */
  readonly keepOpen?: boolean;
  readonly tls?: boolean;
  /** Written after the first part, with a pause in between. */
  readonly later?: readonly { readonly afterMs: number; readonly data: string | Buffer }[];
}

/** Writes `data` on a new connection and collects the answer until the gateway closes or `waitMs` passes. */
export function raw(port: number, data: string | Buffer, options: RawOptions = {}): Promise<RawExchange> {
  return new Promise((resolve) => {
    const socket: Socket = options.tls ? tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false }) : connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    const done = (closed: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed });
    };
    const timer = setTimeout(() => done(false), options.waitMs ?? 2000);
    socket.once(options.tls ? 'secureConnect' : 'connect', () => {
      socket.write(data);
      for (const part of options.later ?? []) setTimeout(() => socket.writable && socket.write(part.data), part.afterMs);
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (options.until?.(Buffer.concat(chunks).toString('latin1'))) done(false);
    });
    socket.on('end', () => done(true));
    socket.on('close', () => done(true));
    socket.on('error', () => done(true));
  });
}

/** The status codes of every response in a stream of responses. */
export const statuses = (text: string) => [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));

export interface RecordingUpstream {
  readonly port: number;
  /** Every request it got: method, target, headers. */
  readonly seen: { method: string; url: string; headers: IncomingMessage['headers'] }[];
  /** The most requests it had in flight at once. */
  readonly maxConcurrent: () => number;
  close(): Promise<void>;
}

/** An upstream that records what reached it; `respond` decides the answer (default: 200 with the target). */
export async function recordingUpstream(respond?: (req: IncomingMessage, res: ServerResponse) => void): Promise<RecordingUpstream> {
  const seen: RecordingUpstream['seen'] = [];
  let inFlight = 0;
  let max = 0;
  const server: Server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    inFlight++;
    max = Math.max(max, inFlight);
    res.once('close', () => inFlight--);
    if (respond) return respond(req, res);
    req.resume();
    req.on('end', () => {
      const body = `${req.method} ${req.url}`;
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    maxConcurrent: () => max,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

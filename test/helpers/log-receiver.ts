/** A log server on loopback for the logging plugins' tests: records what it is sent; can answer errors, go down and come back. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly json: unknown;
}

export interface LogReceiver {
  readonly port: number;
  readonly received: Received[];
  /** The status the next requests get (200 by default). */
  status: number;
  /** Resolves once `n` requests arrived in all. */
  waitFor(n: number, timeoutMs?: number): Promise<Received[]>;
  /** Every log entry received so far (arrays flattened). */
  entries(): Record<string, unknown>[];
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startLogReceiver(): Promise<LogReceiver> {
  let server: Server | undefined;
  let port = 0;
  const received: Received[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const receiver: LogReceiver = {
    port: 0,
    received,
    status: 200,
    waitFor(n, timeoutMs = 10_000) {
      if (received.length >= n) return Promise.resolve(received);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`log receiver: ${received.length} requests of ${n} after ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ n, resolve: () => { clearTimeout(timer); resolve(received); } });
      });
    },
    entries() {
      return received.flatMap((r) => (Array.isArray(r.json) ? (r.json as Record<string, unknown>[]) : [r.json as Record<string, unknown>]));
    },
    async down() {
      const s = server!;
      server = undefined;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    async up() {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = Buffer.concat(chunks).toString();
          let json: unknown;
          try {
            json = JSON.parse(body);
          } catch {
            json = undefined;
          }
          const status = receiver.status;
          if (status < 300) {
            received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, json });
            for (const w of waiters.splice(0)) {
              if (received.length >= w.n) w.resolve();
              else waiters.push(w);
            }
          }
          res.writeHead(status, { 'content-type': 'text/plain' });
          res.end(status < 300 ? 'ok' : 'nope');
        });
      });
      await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
      (receiver as { port: number }).port = port;
    },
    async close() {
      if (server) await receiver.down();
    },
  };
  await receiver.up();
  return receiver;
}

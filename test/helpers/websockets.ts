/** WebSocket peers for end-to-end tests of ws services: an echo upstream that records what it got, and a client. */
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer, type RawData } from 'ws';

export interface Received {
  readonly data: string | Buffer;
  readonly binary: boolean;
}

export interface EchoUpstream {
  readonly port: number;
  readonly server: WebSocketServer;
  /** Messages each connection received, in order. */
  readonly messages: Received[];
  readonly pongs: string[];
  /** Each connection's close code and reason as the upstream saw them. */
  readonly closes: { code: number; reason: string }[];
  readonly handshakes: IncomingMessage[];
  /** The open connections. */
  readonly sockets: Set<WebSocket>;
  close(): Promise<void>;
}

const asReceived = (data: RawData, binary: boolean): Received => ({ data: binary ? Buffer.from(data as Buffer) : (data as Buffer).toString(), binary });

/**
 * Echoes each message back with its type; "server-close:CODE" makes it close with CODE, "server-ping:X" makes it
 * ping X, anything it receives as text "say:X" it answers X.
 */
export async function startEchoUpstream(options: { handleProtocols?: (protocols: Set<string>) => string | false } = {}): Promise<EchoUpstream> {
  const messages: Received[] = [];
  const closes: { code: number; reason: string }[] = [];
  const pongs: string[] = [];
  const handshakes: IncomingMessage[] = [];
  const sockets = new Set<WebSocket>();
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, ...(options.handleProtocols ? { handleProtocols: options.handleProtocols } : {}) });
  server.on('connection', (ws, req) => {
    handshakes.push(req);
    sockets.add(ws);
    ws.on('message', (data, isBinary) => {
      const got = asReceived(data, isBinary);
      messages.push(got);
      const text = typeof got.data === 'string' ? got.data : '';
      if (text.startsWith('server-close:')) return ws.close(Number(text.slice(13)), 'server bye');
      if (text.startsWith('server-ping:')) return ws.ping(text.slice(12));
      if (text.startsWith('say:')) return ws.send(text.slice(4));
      ws.send(data, { binary: isBinary });
    });
    ws.on('pong', (data) => pongs.push(data.toString()));
    ws.on('close', (code, reason) => {
      sockets.delete(ws);
      closes.push({ code, reason: reason.toString() });
    });
    ws.on('error', () => undefined);
  });
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    server,
    messages,
    pongs,
    closes,
    handshakes,
    sockets,
    close: () => new Promise<void>((resolve) => {
      for (const ws of sockets) ws.terminate();
      server.close(() => resolve());
    }),
  };
}

/** A client that keeps what it receives; `next()` waits for the next message. */
export interface TestClient {
  readonly ws: WebSocket;
  /** The head of the 101 the client got. */
  readonly head: IncomingMessage['headers'];
  next(): Promise<Received>;
  closed(): Promise<{ code: number; reason: string }>;
}

export async function openClient(url: string, options: WebSocket.ClientOptions = {}, protocols: string[] = []): Promise<TestClient> {
  const ws = new WebSocket(url, protocols, options);
  const queue: Received[] = [];
  const waiting: ((r: Received) => void)[] = [];
  ws.on('message', (data, isBinary) => {
    const got = asReceived(data, isBinary);
    const w = waiting.shift();
    if (w) w(got);
    else queue.push(got);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  let head: IncomingMessage['headers'] = {};
  ws.once('upgrade', (res) => {
    head = res.headers;
  });
  ws.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`unexpected ${res.statusCode}`), { status: res.statusCode })));
  });
  return {
    ws,
    head,
    next: () => new Promise<Received>((resolve) => {
      const got = queue.shift();
      if (got) resolve(got);
      else waiting.push(resolve);
    }),
    closed: () => closed,
  };
}

/** The status and body of a handshake the gateway (or the upstream) refused. */
export function refusedHandshake(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: IncomingMessage['headers'] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('error', reject);
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('the handshake was accepted'));
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
  });
}

/** Waits until `check` holds, polling (for effects that land on the far side of a connection). */
export async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

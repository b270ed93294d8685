/**
 * The status listener (Kong's `status_listen`): `GET /status`, `GET /status/ready`, `GET /metrics`, and Kong's
 * `POST /status/ready` with `status=draining` (what `kong drain` sends: readiness turns 503, serving goes on).
 * Nothing else: no config, no entities. Its own small HTTP server, apart from the admin API, so that it can go
 * on answering 503 while the proxy drains; no request, however malformed, can end it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ListenAddress } from '../settings/settings.ts';
import { METRICS_CONTENT_TYPE, renderMetrics, type MetricSource } from '../observability/metrics.ts';
import type { Readiness } from './readiness.ts';

export interface StatusSource {
  readiness(): Readiness;
  /** The body of `GET /status` (the admin API's), given its query; a RangeError is a 400 with its message. */
  status(query?: URLSearchParams): Promise<unknown>;
  /** The families of `GET /metrics` (the admin API's). */
  readonly metrics: readonly MetricSource[];
  /** `POST /status/ready` with `status=draining` (Kong's `kong drain`); without it that POST is refused. */
  drain?(): void;
  /** Kong's `Server` header (`headers` has server_tokens), e.g. `gateway/0.1.0`. */
  readonly server?: string;
  /** For an `ssl` listener: Kong's `status_ssl_cert` (or the one made at start). */
  readonly certificate?: { readonly cert: string | string[]; readonly key: string | string[] };
}

export interface RunningStatus {
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Kong's default route and its handle_error (kong/api/api_helpers.lua). */
const NOT_FOUND = { message: 'Not found' };
const NOT_ALLOWED = { message: 'Method not allowed' };
const ROUTES = new Set(['/status', '/status/ready', '/metrics']);
/** A drain request is a few bytes of JSON or a form; anything bigger is not one. */
const BODY_LIMIT = 16 * 1024;

function send(res: ServerResponse, status: number, body?: unknown, type = 'application/json; charset=utf-8'): void {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  // nginx sends no Content-Length with a 204.
  const head: Record<string, string | number> = status === 204 ? {} : { 'content-length': Buffer.byteLength(text) };
  if (body !== undefined) head['content-type'] = type;
  res.writeHead(status, head);
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= BODY_LIMIT) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > BODY_LIMIT ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(undefined));
  });
}

/** Lapis' params: the query, then a JSON or form body. */
async function drainAsked(req: IncomingMessage, url: URL): Promise<boolean> {
  if (url.searchParams.get('status') === 'draining') return true;
  const body = await readBody(req);
  if (!body) return false;
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  if (type.includes('application/json')) {
    try {
      return (JSON.parse(body) as { status?: unknown } | null)?.status === 'draining';
    } catch {
      return false;
    }
  }
  return new URLSearchParams(body).get('status') === 'draining';
}

async function route(source: StatusSource, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://status');
  // Kong's default route: a trailing slash names the same endpoint.
  const path = url.pathname.length > 1 && url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
  if (!ROUTES.has(path)) return send(res, 404, NOT_FOUND);
  const method = req.method ?? 'GET';
  if (method === 'POST' && path === '/status/ready' && source.drain) {
    if (!(await drainAsked(req, url))) return send(res, 400);
    source.drain();
    return send(res, 204);
  }
  if (method !== 'GET' && method !== 'HEAD') return send(res, 405, NOT_ALLOWED);
  if (path === '/status/ready') {
    const verdict = source.readiness();
    return send(res, verdict.ready ? 200 : 503, { message: verdict.message });
  }
  if (path === '/status') {
    try {
      return send(res, 200, await source.status(url.searchParams));
    } catch (err) {
      if (err instanceof RangeError) return send(res, 400, { message: err.message });
      throw err;
    }
  }
  send(res, 200, await renderMetrics(source.metrics), METRICS_CONTENT_TYPE);
}

export function createStatusHandler(source: StatusSource): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (source.server) res.setHeader('server', source.server);
    req.on('error', () => res.destroy());
    route(source, req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { message: 'An unexpected error occurred' });
      else res.destroy();
    });
  };
}

export async function listenStatus(at: ListenAddress, source: StatusSource): Promise<RunningStatus> {
  const options = { headersTimeout: 10_000, requestTimeout: 30_000, keepAliveTimeout: 5_000 };
  const server: Server = at.ssl && source.certificate
    ? createHttpsServer({ ...options, cert: source.certificate.cert, key: source.certificate.key }, createStatusHandler(source))
    : createServer(options, createStatusHandler(source));
  // A malformed request gets nginx's bare 400 and its connection closed; nothing reaches the handler.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // After it listens, an error of the server (not of a connection) is logged by no one and must not end the process.
  server.on('error', () => undefined);
  const port = (server.address() as AddressInfo).port;
  return {
    address: `${at.host.includes(':') ? `[${at.host}]` : at.host}:${port}`,
    port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

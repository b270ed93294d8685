/**
 * What the ported authentication specs share: an upstream that answers like Kong's mock upstream (`/request`
 * echoes the request: its headers, uri and parsed body), a client call by Host header as Kong's specs route, and
 * the ids the specs compare.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after } from 'node:test';
import { request } from 'undici';
import { startTestGateway, type TestGateway } from '../helpers/servers.ts';

/** What the mock upstream echoes: the request as it arrived upstream. */
export interface MockEcho {
  readonly method: string;
  /** The request uri with its query, as the upstream saw it (Kong's mock: `vars.request_uri`). */
  readonly uri: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  /** The body parsed by its content type (form, JSON or multipart fields); Kong's mock: `post_data.params`. */
  readonly params: Record<string, unknown> | undefined;
}

async function paramsOf(req: IncomingMessage, body: Buffer): Promise<Record<string, unknown> | undefined> {
  const type = req.headers['content-type'] ?? '';
  if (body.length === 0) return undefined;
  if (type.startsWith('application/json')) return JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  if (type.startsWith('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
  if (type.startsWith('multipart/form-data')) {
    const form = await new Response(new Uint8Array(body), { headers: { 'content-type': type } }).formData();
    return Object.fromEntries([...form.entries()].map(([k, v]) => [k, String(v)]));
  }
  return undefined;
}

/** Kong's mock upstream, as far as these specs use it: `/status/NNN` answers NNN, anything else echoes. */
export async function startMockUpstream(): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      void paramsOf(req, body).catch(() => undefined).then((params) => {
        const status = /^\/status\/(\d{3})/.exec(req.url ?? '');
        const echo: MockEcho = { method: req.method ?? '', uri: req.url ?? '', headers: req.headers, body: body.toString('utf8'), params };
        res.writeHead(status ? Number(status[1]) : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(echo));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** The mock upstream and a gateway over `yaml(port)`; both stop after the file's tests. */
export async function startSpecGateway(yaml: (upstreamPort: number) => string, flags: Parameters<typeof startTestGateway>[1] = {}): Promise<TestGateway> {
  const upstream = await startMockUpstream();
  const gw = await startTestGateway(yaml(upstream.port), flags);
  after(async () => {
    await gw.stop();
    await upstream.close();
  });
  return gw;
}

export interface SpecRequest {
  readonly method?: string;
  readonly path?: string;
  readonly host?: string;
  readonly headers?: Record<string, string | string[]>;
  readonly body?: string | Buffer;
}

export interface SpecResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  /** The body as JSON, when it is. */
  readonly json: Record<string, unknown> | undefined;
  /** The upstream's echo, when the request reached it. */
  readonly echo: MockEcho | undefined;
}

export async function send(gw: TestGateway, r: SpecRequest): Promise<SpecResponse> {
  const headers: Record<string, string | string[]> = { ...(r.host ? { host: r.host } : {}), ...r.headers };
  const res = await request(`${gw.url}${r.path ?? '/request'}`, { method: (r.method ?? 'GET') as 'GET', headers, body: r.body });
  const text = await res.body.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  const echo = json && 'uri' in json && 'headers' in json ? (json as unknown as MockEcho) : undefined;
  return { status: res.statusCode, headers: res.headers, text, json, echo };
}

/** A form body, a JSON body, or a multipart one (with its content type), from the same fields. */
export function encodeBody(type: string, fields: Record<string, string | readonly string[]>): { body: string; contentType: string } {
  if (type === 'application/json') return { body: JSON.stringify(fields), contentType: type };
  if (type === 'application/x-www-form-urlencoded') {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) for (const x of typeof v === 'string' ? [v] : v) p.append(k, x);
    return { body: p.toString(), contentType: type };
  }
  const boundary = 'kong-spec-boundary';
  const parts = Object.entries(fields).flatMap(([k, v]) => (typeof v === 'string' ? [v] : v).map((x) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${x}\r\n`));
  return { body: `${parts.join('')}--${boundary}--\r\n`, contentType: `multipart/form-data; boundary=${boundary}` };
}

export const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

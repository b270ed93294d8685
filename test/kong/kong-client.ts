/**
 * Shared by the ported Kong spec tables: a client that sends headers exactly as given (node's own, which, unlike
 * undici, sends hop-by-hop headers), and the mock upstream Kong's specs talk to.
 */
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { after } from 'node:test';
import { startUpstream, type Echo, type Upstream } from '../helpers/servers.ts';

export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One request on a fresh connection; `headers` go as written (a Host among them replaces the default). */
export function send(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The headers the echo upstream saw, asserting a 200 first. */
export async function upstreamHeaders(port: number, path: string, headers: Record<string, string> = {}): Promise<Echo['headers']> {
  const r = await send(port, path, headers);
  if (r.status !== 200) throw new Error(`expected 200, got ${r.status}: ${r.body}`);
  return (JSON.parse(r.body) as Echo).headers;
}

/** The Server header the mock upstream sends (Kong's mock upstream is an openresty). */
export const MOCK_SERVER = 'mock-upstream';

/** Kong's mock upstream paths the specs use, else the echo; stopped after the file's tests. */
export async function mockUpstream(): Promise<Upstream> {
  const u = await startUpstream((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/hop-by-hop') {
      // spec/fixtures/template_inject/nginx_kong_test_custom_inject_http.lua:111
      req.resume();
      res.writeHead(200, {
        'keep-alive': 'timeout=5, max=1000',
        proxy: 'Remove-Me',
        'proxy-connection': 'close',
        'proxy-authenticate': 'Basic',
        'proxy-authorization': 'Basic YWxhZGRpbjpvcGVuc2VzYW1l',
        te: 'trailers, deflate;q=0.5',
        trailer: 'Expires',
        upgrade: 'example/1, foo/2',
        server: MOCK_SERVER,
      });
      res.end('hello\r\n');
      return;
    }
    const status = /^\/status\/(\d{3})$/.exec(path ?? '');
    if (status) {
      // mock_upstream's /status/:code
      req.resume();
      res.writeHead(Number(status[1]), { 'content-type': 'application/json', server: MOCK_SERVER });
      res.end(JSON.stringify({ code: Number(status[1]), method: req.method, url: req.url, headers: req.headers }));
      return;
    }
    let bytes = 0;
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      const echo: Omit<Echo, 'bodySha256'> = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, bodyBytes: bytes, server: 'mock' };
      res.writeHead(200, { 'content-type': 'application/json', server: MOCK_SERVER });
      res.end(JSON.stringify(echo));
    });
  });
  after(async () => {
    await u.close();
  });
  return u;
}

// The upstream of proxy-cache's tests: httpbin's endpoints that Kong's spec uses, each answer numbered, and a
// count of the requests it got (a hit never reaches it).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CountingUpstream {
  readonly port: number;
  /** Requests received so far. */
  readonly hits: () => number;
  close(): Promise<void>;
}

export async function startCountingUpstream(): Promise<CountingUpstream> {
  let count = 0;
  const server: Server = createServer((req, res) => {
    const n = ++count;
    const url = new URL(req.url ?? '/', 'http://upstream');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const json = (status: number, extra: Record<string, string> = {}) => {
        const body = JSON.stringify({ n, method: req.method, url: req.url, body: Buffer.concat(chunks).toString() });
        res.writeHead(status, { 'content-type': 'application/json', 'x-upstream-n': String(n), ...extra });
        res.end(body);
      };
      const [, first, arg] = url.pathname.split('/');
      switch (first) {
        case 'cache':
          // httpbin's /cache/N: Cache-Control: public, max-age=N
          return json(200, { 'cache-control': `public, max-age=${arg}` });
        case 'response-headers':
          return json(200, Object.fromEntries([...url.searchParams].map(([k, v]) => [k.toLowerCase(), v])));
        case 'status':
          return json(Number(arg));
        case 'xml':
          res.writeHead(200, { 'content-type': 'application/xml', 'x-upstream-n': String(n) });
          return res.end(`<n>${n}</n>`);
        case 'stream': {
          // Chunked, no Content-Length, as httpbin's /stream/N.
          res.writeHead(200, { 'content-type': 'application/json', 'x-upstream-n': String(n) });
          for (let i = 0; i < Number(arg); i++) res.write(`${JSON.stringify({ id: i, n })}\n`);
          return res.end();
        }
        case 'big': {
          res.writeHead(200, { 'content-type': 'text/plain', 'x-upstream-n': String(n) });
          const size = Number(arg);
          // In several writes, so that the body reaches the gateway in several chunks.
          for (let left = size; left > 0; left -= 8192) res.write(Buffer.alloc(Math.min(8192, left), 97 + (n % 26)));
          return res.end();
        }
        case 'limits':
          return json(200, { 'x-ratelimit-remaining-minute': '4', 'ratelimit-remaining': '4', 'x-kept': 'yes' });
        case 'ignore-case':
        case 'acknowledge-case':
          return json(404);
        default:
          return json(200);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    hits: () => count,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

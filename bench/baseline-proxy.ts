/**
 * The floor: a bare reverse proxy on node:http and an undici keep-alive Pool, no routing, no plugins, no
 * headers of its own. What any Node gateway built on undici pays per request. PORT and UPSTREAM from env.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { Pool } from 'undici';

const pool = new Pool(process.env.UPSTREAM!, { connections: 64, pipelining: 1, keepAliveTimeout: 60_000 });
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);
const strip = (h: IncomingHttpHeaders | Record<string, string | string[] | undefined>) => {
  const out: Record<string, string | string[]> = {};
  for (const k in h) if (!HOP.has(k) && h[k] !== undefined) out[k] = h[k]!;
  return out;
};

createServer((req, res) => {
  // pool.stream: undici writes the body straight into the response (the fastest way undici offers).
  pool
    .stream(
      { method: req.method as 'GET', path: req.url ?? '/', headers: strip(req.headers), body: req.method === 'GET' || req.method === 'HEAD' ? null : req },
      ({ statusCode, headers }) => {
        res.writeHead(statusCode, strip(headers as Record<string, string | string[] | undefined>));
        return res;
      },
    )
    .catch(() => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
}).listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGINT', () => process.exit(0));

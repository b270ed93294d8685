/**
 * The floor: a bare reverse proxy on node:http and an undici keep-alive Pool, no routing, no plugins, no
 * headers of its own. What any Node gateway built on undici pays per request. PORT and UPSTREAM from env.
 * With KONG_HEADERS=1 it also adds the headers Kong adds each way (fixed values), to show what they cost alone.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { Pool } from 'undici';

const pool = new Pool(process.env.UPSTREAM!, { connections: 64, pipelining: 1, keepAliveTimeout: 60_000 });
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);
const KONG_HEADERS = process.env.KONG_HEADERS === '1';
const upstreamExtra = {
  'x-forwarded-for': '127.0.0.1', 'x-forwarded-proto': 'http', 'x-forwarded-host': '127.0.0.1', 'x-forwarded-port': '8000',
  'x-forwarded-path': '/', 'x-real-ip': '127.0.0.1', 'x-kong-request-id': '0123456789abcdef0123456789abcdef',
};
const clientExtra = { via: '1.1 gateway/0.1.0', 'x-kong-upstream-latency': '1', 'x-kong-proxy-latency': '0', 'x-kong-request-id': '0123456789abcdef0123456789abcdef' };
const strip = (h: IncomingHttpHeaders | Record<string, string | string[] | undefined>) => {
  const out: Record<string, string | string[]> = {};
  for (const k in h) if (!HOP.has(k) && h[k] !== undefined) out[k] = h[k]!;
  return out;
};

createServer((req, res) => {
  // pool.stream: undici writes the body straight into the response (the fastest way undici offers).
  pool
    .stream(
      { method: req.method as 'GET', path: req.url ?? '/', headers: KONG_HEADERS ? { ...strip(req.headers), ...upstreamExtra } : strip(req.headers), body: req.method === 'GET' || req.method === 'HEAD' ? null : req },
      ({ statusCode, headers }) => {
        const out = strip(headers as Record<string, string | string[] | undefined>);
        res.writeHead(statusCode, KONG_HEADERS ? { ...out, ...clientExtra } : out);
        return res;
      },
    )
    .catch(() => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
}).listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGINT', () => process.exit(0));

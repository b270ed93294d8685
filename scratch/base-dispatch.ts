import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { Pool, type Dispatcher } from 'undici';
const pool = new Pool(process.env.UPSTREAM!, { connections: 64, pipelining: 1, keepAliveTimeout: 60_000 });
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);
const strip = (h: IncomingHttpHeaders | Record<string, string | string[] | undefined>) => {
  const out: Record<string, string | string[]> = {};
  for (const k in h) if (!HOP.has(k) && h[k] !== undefined) out[k] = h[k]!;
  return out;
};
class H implements Dispatcher.DispatchHandler {
  res: ServerResponse;
  constructor(res: ServerResponse) { this.res = res; }
  onRequestStart() {}
  onResponseStart(c: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders) {
    this.res.writeHead(status, strip(headers));
  }
  onResponseData(c: Dispatcher.DispatchController, chunk: Buffer) {
    if (!this.res.write(chunk)) { c.pause(); this.res.once('drain', () => c.resume()); }
  }
  onResponseEnd() { this.res.end(); }
  onResponseError() { this.res.headersSent ? this.res.destroy() : this.res.writeHead(502).end(); }
}
createServer((req, res) => {
  pool.dispatch({ method: req.method as 'GET', path: req.url ?? '/', headers: strip(req.headers), body: req.method === 'GET' || req.method === 'HEAD' ? null : req }, new H(res));
}).listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\n'));

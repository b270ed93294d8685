/** Benchmark upstream: a fixed small JSON body for every request, keep-alive. PORT from env. */
import { createServer } from 'node:http';

const body = Buffer.from('{"ok":true,"from":"bench-upstream"}\n');
const server = createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\n'));

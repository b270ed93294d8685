// write_timeout: an upstream that stops reading the request body gets the request cut after write_timeout, and
// the client Kong's 504. A buffered (replayable) body is retried on connection failures; a streamed one is not.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { startTestGateway } from '../helpers/servers.ts';

// Reads the request head, then never reads again: the gateway's writes back up once the socket buffers fill.
const sockets: Socket[] = [];
const stalled = createServer((socket) => {
  sockets.push(socket);
  socket.once('data', () => socket.pause());
});
await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
const port = (stalled.address() as AddressInfo).port;

const gw = await startTestGateway(`_format_version: "3.0"
services:
- name: stalled
  url: http://127.0.0.1:${port}
  write_timeout: 300
  read_timeout: 60000
  routes: [{ name: stalled, paths: [/upload] }]
`);

after(async () => {
  await gw.stop();
  for (const s of sockets) s.destroy();
  stalled.close();
});

test('an upstream that stops reading the body: 504 after write_timeout', async () => {
  const started = Date.now();
  const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest(`${gw.url}/upload`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    // Keep offering 64 KiB chunks (64 MiB at most), as fast as the gateway takes them.
    const chunk = Buffer.alloc(64 * 1024, 1);
    let sent = 0;
    const pump = () => {
      while (sent < 1024) {
        sent++;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
  assert.equal(status, 504);
  assert.equal(JSON.parse(body).message, 'The upstream server is timing out');
  assert.ok(Date.now() - started < 20_000, 'answered long before read_timeout');
});

// WebSocket upgrades on http routes pass through: handshake routed like any request, then frames both ways.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import type { IncomingMessage } from 'node:http';
import { startTestGateway } from '../helpers/servers.ts';

const upstream = new WebSocketServer({ host: '127.0.0.1', port: 0 });
await once(upstream, 'listening');
const handshakes: IncomingMessage[] = [];
upstream.on('connection', (socket, req) => {
  handshakes.push(req);
  socket.on('message', (data, binary) => socket.send(binary ? data : `echo: ${data.toString()}`, { binary }));
});
const port = (upstream.address() as AddressInfo).port;

const gw = await startTestGateway(`_format_version: "3.0"
services:
- name: chat
  url: http://127.0.0.1:${port}
  routes:
  - { name: chat, paths: [/chat] }
  - name: tagged
    paths: [/tagged]
    plugins: [{ name: response-transformer, config: { add: { headers: ["x-tagged:yes"] } } }]
`);

after(async () => {
  await gw.stop();
  upstream.close();
});

function open(path: string): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${gw.port}${path}`);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

test('frames flow both ways, text and binary; the handshake is routed and forwarded with Kong\'s headers', async () => {
  const ws = await open('/chat/room-1?user=ann');
  ws.send('hello');
  const [text] = await once(ws, 'message');
  assert.equal(String(text), 'echo: hello');
  const blob = Buffer.from([0, 1, 2, 250, 255]);
  ws.send(blob);
  const [binary] = await once(ws, 'message');
  assert.deepEqual(Buffer.from(binary as Buffer), blob);
  const handshake = handshakes.at(-1)!;
  assert.equal(handshake.url, '/room-1?user=ann', 'strip_path applies');
  assert.equal(handshake.headers['x-forwarded-for'], '127.0.0.1');
  assert.match(String(handshake.headers['x-kong-request-id']), /^[0-9a-f]{32}$/);
  ws.close();
  await once(ws, 'close');
});

test('an upgrade no route matches gets Kong\'s 404', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${gw.port}/nowhere`);
  const [, res] = (await once(ws, 'unexpected-response')) as [unknown, IncomingMessage];
  assert.equal(res.statusCode, 404);
  let body = '';
  for await (const chunk of res) body += String(chunk);
  assert.equal(JSON.parse(body).message, 'no Route matched with those values');
  ws.on('error', () => undefined); // terminating a socket that never opened reports that, which is expected here
  ws.terminate();
});

test('many messages on one connection arrive in order', async () => {
  const ws = await open('/chat/x');
  const got: string[] = [];
  const done = new Promise<void>((resolve) => ws.on('message', (m) => {
    got.push(String(m));
    if (got.length === 200) resolve();
  }));
  for (let i = 0; i < 200; i++) ws.send(`m${i}`);
  await done;
  assert.deepEqual(got, Array.from({ length: 200 }, (_, i) => `echo: m${i}`));
  ws.close();
});

test('the 101 goes through Kong\'s header filter: Kong\'s headers and the plugins\' (as nginx runs header filters on it)', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${gw.port}/tagged`);
  // 'open' follows 'upgrade' in the same turn: wait for both at once.
  const opened = once(ws, 'open');
  const [res] = (await once(ws, 'upgrade')) as [IncomingMessage];
  await opened;
  assert.equal(res.headers['x-tagged'], 'yes');
  assert.equal(res.headers.connection, 'upgrade');
  assert.match(String(res.headers.via), /^1\.1 gateway\//);
  ws.send('after');
  const [text] = await once(ws, 'message');
  assert.equal(String(text), 'echo: after');
  ws.close();
  await once(ws, 'close');
});

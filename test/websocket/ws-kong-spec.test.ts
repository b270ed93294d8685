// Kong's spec/02-integration/05-proxy/09-websockets_spec.lua, on WebSocket services (`protocol: ws`, routes
// `[ws, wss]`) instead of an http route: the 101's head, text frames and ping/pong, over ws and wss (TLS on the
// gateway's ssl listener, and a wss upstream). Then what a ws service does when its upstream refuses or is down.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { connect, createServer as createTcp, type AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { startTestGateway } from '../helpers/servers.ts';
import { openClient, refusedHandshake, startEchoUpstream } from '../helpers/websockets.ts';

const SPEC = 'spec/02-integration/05-proxy/09-websockets_spec.lua';
const fixture = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');
const kongFixture = (name: string) => JSON.stringify(fixture(`../kong/fixtures/tls/${name}`));

const upstream = await startEchoUpstream();
// A wss upstream: the same echo over TLS.
const tlsServer = createServer({ cert: fixture('../fixtures/tls/upstream.crt'), key: fixture('../fixtures/tls/upstream.key') });
const secure = new WebSocketServer({ server: tlsServer });
secure.on('connection', (ws) => ws.on('message', (data, binary) => ws.send(data, { binary })));
tlsServer.listen(0, '127.0.0.1');
await once(tlsServer, 'listening');
// A port nothing listens on.
const down = await new Promise<number>((resolve) => {
  const probe = createTcp().listen(0, '127.0.0.1', () => {
    const { port } = probe.address() as AddressInfo;
    probe.close(() => resolve(port));
  });
});
const refusing = await startRefusing();

const gw = await startTestGateway(`_format_version: "3.0"
certificates:
- cert: ${kongFixture('ssl-example.com.crt')}
  key: ${kongFixture('ssl-example.com.key')}
  snis: ["*"]
services:
- name: ws
  protocol: ws
  host: 127.0.0.1
  port: ${upstream.port}
  routes: [{ protocols: [ws, wss], paths: [/up-ws] }]
- name: wss
  protocol: wss
  host: 127.0.0.1
  port: ${(tlsServer.address() as AddressInfo).port}
  routes: [{ protocols: [ws, wss], paths: [/up-wss] }]
- name: secure-only
  protocol: ws
  host: 127.0.0.1
  port: ${upstream.port}
  routes: [{ protocols: [wss], paths: [/secure-only] }]
- name: down
  protocol: ws
  host: 127.0.0.1
  port: ${down}
  routes: [{ protocols: [ws], paths: [/down] }]
- name: refusing
  protocol: ws
  host: 127.0.0.1
  port: ${refusing.port}
  routes: [{ protocols: [ws], paths: [/refusing] }]
`, { proxyListen: ['127.0.0.1:0', '127.0.0.1:0 ssl'] });
after(async () => {
  await gw.stop();
  await upstream.close();
  secure.close();
  tlsServer.close();
  refusing.server.close();
});
const sslPort = gw.gateway.listeners[1]!.port;

async function startRefusing() {
  const { createServer: createHttp } = await import('node:http');
  const server = createHttp((req, res) => {
    res.writeHead(404, { 'content-type': 'text/plain', 'x-upstream': 'refusing' });
    res.end(`no websocket at ${req.url}`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

test(`${SPEC}:102 returns correct headers on handshake with Kong (a ws service)`, async () => {
  const socket = connect(gw.port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(`GET /up-ws HTTP/1.1\r\nUpgrade: websocket\r\nHost: 127.0.0.1:${gw.port}\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nConnection: Upgrade\r\n\r\n`);
  let head = '';
  while (!head.includes('\r\n\r\n')) head += ((await once(socket, 'data')) as [Buffer])[0].toString('latin1');
  socket.destroy();
  assert.ok(head.startsWith('HTTP/1.1 101 Switching Protocols\r\n'), head);
  assert.ok(head.includes('Connection: upgrade\r\n'), head);
  assert.ok(head.includes('Upgrade: websocket\r\n'), head);
  assert.ok(head.includes('Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n'), head);
  assert.match(head, /\r\nVia: 1\.1 gateway\/[\d.]+\r\n/);
  assert.match(head, /\r\nX-Kong-Upstream-Latency: \d+\r\n/);
});

for (const [line, label, scheme, port, path] of [
  [126, 'with Kong', 'ws', () => gw.port, '/up-ws'],
  [131, 'with kong under HTTPS', 'wss', () => sslPort, '/up-ws'],
  [131, 'with kong under HTTPS, to a wss service', 'wss', () => sslPort, '/up-wss'],
] as const) {
  test(`${SPEC}:${line} sends and gets text ${label}`, async () => {
    const c = await openClient(`${scheme}://127.0.0.1:${port()}${path}`, { rejectUnauthorized: false });
    const payload = JSON.stringify({ message: 'hello websocket' });
    c.ws.send(payload);
    assert.deepEqual(await c.next(), { data: payload, binary: false });
    c.ws.close();
    await c.closed();
  });
}

for (const [line, label, scheme, port] of [
  [156, 'with Kong', 'ws', () => gw.port],
  [161, 'with kong under HTTPS', 'wss', () => sslPort],
] as const) {
  test(`${SPEC}:${line} plays ping-pong ${label}`, async () => {
    const c = await openClient(`${scheme}://127.0.0.1:${port()}/up-ws`, { rejectUnauthorized: false });
    const pong = new Promise<string>((resolve) => c.ws.once('pong', (d) => resolve(d.toString())));
    c.ws.ping('ping-pong');
    assert.equal(await pong, 'ping-pong');
    c.ws.close();
    await c.closed();
  });
}

test('an upstream that answers the handshake with a 404: relayed to the client as it came', async () => {
  const r = await refusedHandshake(`ws://127.0.0.1:${gw.port}/refusing/x`);
  assert.equal(r.status, 404);
  assert.equal(r.body, 'no websocket at /x');
  assert.equal(r.headers['x-upstream'], 'refusing');
  assert.match(String(r.headers.via), /gateway/);
});

test('an upstream that is down: Kong\'s 502', async () => {
  const r = await refusedHandshake(`ws://127.0.0.1:${gw.port}/down`);
  assert.equal(r.status, 502);
  assert.match(r.body, /An invalid response was received from the upstream server/);
});

test('a route that takes only wss answers a handshake over plain http as an https-only route does: 426', async () => {
  const r = await refusedHandshake(`ws://127.0.0.1:${gw.port}/secure-only`);
  assert.equal(r.status, 426);
  assert.match(r.body, /Please use HTTPS protocol/);
  const c = await openClient(`wss://127.0.0.1:${sslPort}/secure-only`, { rejectUnauthorized: false });
  c.ws.send('over tls');
  assert.equal((await c.next()).data, 'over tls');
  c.ws.close();
  await c.closed();
});

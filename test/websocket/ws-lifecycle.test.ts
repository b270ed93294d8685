// WebSocket services over a connection's life: a client that does not read never makes the gateway buffer
// without bound (the upstream is read no further), open connections keep the snapshot they started on across a
// reload, and a stop closes them with 1001 Going Away at the drain timeout. Bundled handshake plugins too.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { startTestGateway } from '../helpers/servers.ts';
import { openClient, refusedHandshake, startEchoUpstream, until } from '../helpers/websockets.ts';

const fixtures = new URL('../fixtures/plugins', import.meta.url).pathname;
const upstream = await startEchoUpstream();
after(() => upstream.close());

const config = (tag: string) => `_format_version: "3.0"
services:
- name: ws
  protocol: ws
  host: 127.0.0.1
  port: ${upstream.port}
  routes:
  - { name: plain, protocols: [ws], paths: [/plain] }
  - name: tagged
    protocols: [ws]
    paths: [/tagged]
    plugins: [{ name: ws-frames, config: { tag: ${tag} } }]
  - name: closed
    protocols: [ws]
    paths: [/closed]
    plugins: [{ name: request-termination, config: { status_code: 503, message: maintenance } }]
  - name: limited
    protocols: [ws]
    paths: [/limited]
    plugins: [{ name: rate-limiting, config: { minute: 2, policy: local } }]
  - name: denied
    protocols: [ws]
    paths: [/denied]
    plugins: [{ name: ip-restriction, config: { deny: [127.0.0.1] } }]
`;
const flags = { plugins: ['bundled', 'ws-frames'], pluginsPath: [fixtures] };

test('a client that reads nothing: the gateway stops reading the upstream, which keeps what it cannot send', async () => {
  const gw = await startTestGateway(config('A'), flags);
  try {
    // A raw client: the handshake, then nothing read at all.
    const socket = connect(gw.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(`GET /plain HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
    const [first] = (await once(socket, 'data')) as [Buffer];
    assert.match(first.toString('latin1'), /^HTTP\/1\.1 101 /);
    socket.pause();
    await until(() => upstream.sockets.size > 0, 'the upstream connection');
    const peer = [...upstream.sockets].at(-1)!;
    const message = Buffer.alloc(1024 * 1024, 1);
    const total = 96;
    for (let i = 0; i < total; i++) peer.send(message);
    // The upstream's buffer stops shrinking once the gateway stops reading: wait until it has held steady for a
    // second (a gateway that did not stop would have taken everything by then).
    let last = -1;
    let since = Date.now();
    await until(() => {
      const now = peer.bufferedAmount;
      if (now !== last) {
        last = now;
        since = Date.now();
      }
      return Date.now() - since >= 1000;
    }, 'the upstream\'s buffer to settle', 30_000);
    const taken = total * message.length - peer.bufferedAmount;
    // What left the upstream sits in kernel buffers and, bounded, in the gateway: far below what was sent.
    assert.ok(taken < 32 * 1024 * 1024, `the gateway took ${taken} bytes from the upstream while its client read nothing`);
    // Once the client reads, everything arrives.
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    socket.resume();
    await until(() => received >= total * message.length, 'every byte at the client', 30_000);
    socket.destroy();
  } finally {
    await gw.stop();
  }
});

test('open connections keep the snapshot they started on across a reload; new ones get the new one', async () => {
  const gw = await startTestGateway(config('before'), flags);
  try {
    const old = await openClient(`ws://127.0.0.1:${gw.port}/tagged`);
    old.ws.send('say:tag?');
    assert.equal((await old.next()).data, 'before');
    writeFileSync(gw.file, config('after'));
    const record = await gw.gateway.reload('test');
    assert.notEqual(record.result, 'failed');
    const fresh = await openClient(`ws://127.0.0.1:${gw.port}/tagged`);
    fresh.ws.send('say:tag?');
    assert.equal((await fresh.next()).data, 'after');
    old.ws.send('say:tag?');
    assert.equal((await old.next()).data, 'before');
    old.ws.close();
    fresh.ws.close();
    await Promise.all([old.closed(), fresh.closed()]);
  } finally {
    await gw.stop();
  }
});

test('a stop closes open connections with 1001 Going Away at the drain timeout, both ways', async () => {
  const gw = await startTestGateway(config('A'), flags);
  const c = await openClient(`ws://127.0.0.1:${gw.port}/plain`);
  c.ws.send('ping?');
  await c.next();
  const before = upstream.closes.length;
  const stopped = gw.stop();
  assert.deepEqual(await c.closed(), { code: 1001, reason: 'Going Away' });
  await stopped;
  await until(() => upstream.closes.length > before, 'the upstream\'s close');
  assert.equal(upstream.closes.at(-1)!.code, 1001);
});

test('request-termination, rate-limiting and ip-restriction answer the handshake, as on an HTTP route', async () => {
  const gw = await startTestGateway(config('A'), flags);
  try {
    const base = `ws://127.0.0.1:${gw.port}`;
    const terminated = await refusedHandshake(`${base}/closed`);
    assert.equal(terminated.status, 503);
    assert.equal((JSON.parse(terminated.body) as { message: string }).message, 'maintenance');
    const denied = await refusedHandshake(`${base}/denied`);
    assert.equal(denied.status, 403);
    assert.match(denied.body, /IP address not allowed/);
    const opened = [await openClient(`${base}/limited`), await openClient(`${base}/limited`)];
    assert.equal(opened[0]!.head['x-ratelimit-limit-minute'], '2', 'rate-limiting\'s headers are on the 101');
    assert.equal(opened[1]!.head['x-ratelimit-remaining-minute'], '0');
    const limited = await refusedHandshake(`${base}/limited`);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers['retry-after'] !== undefined, true);
    for (const c of opened) c.ws.close();
    await Promise.all(opened.map((c) => c.closed()));
  } finally {
    await gw.stop();
  }
});

test('a client that breaks the protocol (an unmasked frame) is closed with 1002; the upstream gets 1001; the gateway serves on', async () => {
  const gw = await startTestGateway(config('A'), flags);
  try {
    const socket = connect(gw.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(`GET /plain HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
    await once(socket, 'data');
    await until(() => upstream.sockets.size > 0, 'the upstream connection');
    const before = upstream.closes.length;
    const got: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => got.push(chunk));
    // FIN + text, length 2, no mask bit: RFC 6455 5.1 says the server must close.
    socket.write(Buffer.from([0x81, 0x02, 0x68, 0x69]));
    await once(socket, 'close');
    const frame = Buffer.concat(got);
    assert.equal(frame[0], 0x88, 'a close frame');
    assert.equal(frame.readUInt16BE(2), 1002);
    await until(() => upstream.closes.length > before, 'the upstream\'s close');
    assert.equal(upstream.closes.at(-1)!.code, 1001);
    const c = await openClient(`ws://127.0.0.1:${gw.port}/plain`);
    c.ws.send('still here');
    assert.equal((await c.next()).data, 'still here');
    c.ws.close();
    await c.closed();
  } finally {
    await gw.stop();
  }
});

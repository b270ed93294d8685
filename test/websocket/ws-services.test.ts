// WebSocket services (`protocol: ws`): proxied frame by frame with real ws clients and servers; the handshake
// phase (refusals, key-auth, consumer-scoped instances), the frame phases of a test plugin changing, dropping and
// closing frames each way, ping/pong, fragmentation, close codes, payload limits, and wsClose.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestGateway } from '../helpers/servers.ts';
import { tempDir } from '../helpers/temp.ts';
import { openClient, refusedHandshake, startEchoUpstream, until } from '../helpers/websockets.ts';
import type { WsCloseRecord } from '../fixtures/plugins/ws-frames/handler.ts';

const fixtures = new URL('../fixtures/plugins', import.meta.url).pathname;
const closes = ((globalThis as { __wsCloses?: WsCloseRecord[] }).__wsCloses ??= []);
const logFile = join(tempDir('ws-log'), 'ws.log');

const upstream = await startEchoUpstream({ handleProtocols: (p) => (p.has('chat') ? 'chat' : false) });
const gw = await startTestGateway(`_format_version: "3.0"
services:
- name: ws
  protocol: ws
  host: 127.0.0.1
  port: ${upstream.port}
  routes:
  - { name: plain, protocols: [ws], paths: [/plain] }
  - name: frames
    protocols: [ws]
    paths: [/frames]
    plugins: [{ name: ws-frames }]
  - name: slow
    protocols: [ws]
    paths: [/slow]
    plugins: [{ name: ws-frames, config: { delayMs: 20 } }]
  - name: small
    protocols: [ws]
    paths: [/small]
    plugins: [{ name: ws-frames, config: { clientMaxPayload: 10 } }]
  - name: private
    protocols: [ws]
    paths: [/private]
    plugins:
    - { name: key-auth }
    - { name: ws-frames, config: { tag: everyone } }
  - name: logged
    protocols: [ws]
    paths: [/logged]
    plugins: [{ name: file-log, config: { path: ${logFile} } }]
consumers:
- username: alice
  keyauth_credentials: [{ key: alice-key }]
  plugins:
  - { name: ws-frames, route: private, config: { tag: alice } }
- username: bob
  keyauth_credentials: [{ key: bob-key }]
`, { plugins: ['bundled', 'ws-frames'], pluginsPath: [fixtures] });
after(async () => {
  await gw.stop();
  await upstream.close();
});
const base = `ws://127.0.0.1:${gw.port}`;

test('text and binary messages cross both ways unchanged, as their own types; the upstream gets Kong\'s headers', async () => {
  const c = await openClient(`${base}/plain/chat?x=1`);
  c.ws.send('hello');
  assert.deepEqual(await c.next(), { data: 'hello', binary: false });
  const bytes = Buffer.from([0, 1, 2, 255, 254]);
  c.ws.send(bytes);
  assert.deepEqual(await c.next(), { data: bytes, binary: true });
  const seen = upstream.handshakes.at(-1)!;
  assert.equal(seen.url, '/chat?x=1');
  assert.equal(seen.headers['x-forwarded-proto'], 'http');
  assert.match(String(seen.headers.via), /gateway/);
  c.ws.close();
  await c.closed();
});

test('a fragmented message reaches the upstream whole, and a big one both ways', async () => {
  const c = await openClient(`${base}/plain`);
  c.ws.send('frag', { fin: false });
  c.ws.send('men', { fin: false });
  c.ws.send('ted', { fin: true });
  assert.deepEqual(await c.next(), { data: 'fragmented', binary: false });
  const big = Buffer.alloc(900_000, 7);
  c.ws.send(big);
  const back = await c.next();
  assert.equal((back.data as Buffer).length, big.length);
  assert.ok((back.data as Buffer).equals(big));
  c.ws.close();
  await c.closed();
});

test('pings and pongs are forwarded, not answered by the gateway', async () => {
  const c = await openClient(`${base}/plain`, { autoPong: true });
  const pong = new Promise<string>((resolve) => c.ws.once('pong', (d) => resolve(d.toString())));
  c.ws.ping('client-ping');
  assert.equal(await pong, 'client-ping', 'the upstream answered the ping (through the gateway)');
  const ping = new Promise<string>((resolve) => c.ws.once('ping', (d) => resolve(d.toString())));
  c.ws.send('server-ping:from-upstream');
  assert.equal(await ping, 'from-upstream');
  await until(() => upstream.pongs.includes('from-upstream'), 'the client\'s pong at the upstream');
  c.ws.close();
  await c.closed();
});

test('close codes cross both ways: the client\'s to the upstream, the upstream\'s to the client', async () => {
  const c = await openClient(`${base}/plain`);
  const before = upstream.closes.length;
  c.ws.close(4100, 'client bye');
  await c.closed();
  await until(() => upstream.closes.length > before, 'the upstream\'s close');
  assert.deepEqual(upstream.closes.at(-1), { code: 4100, reason: 'client bye' });
  const d = await openClient(`${base}/plain`);
  d.ws.send('server-close:4200');
  assert.deepEqual(await d.closed(), { code: 4200, reason: 'server bye' });
});

test('the subprotocol the upstream chose is the one the client gets', async () => {
  const c = await openClient(`${base}/plain`, {}, ['other', 'chat']);
  assert.equal(c.ws.protocol, 'chat');
  assert.equal(upstream.handshakes.at(-1)!.headers['sec-websocket-protocol'], 'other,chat');
  c.ws.close();
  await c.closed();
});

test('a plugin changes and drops client frames, and closes from the client phase (4000 to the client, 4001 upstream)', async () => {
  const c = await openClient(`${base}/frames`);
  assert.equal(c.head['x-ws-frames'], 'A', 'a header the handshake phase set is on the 101');
  const before = upstream.messages.length;
  c.ws.send('drop');
  c.ws.send('upper:abc');
  assert.deepEqual(await c.next(), { data: 'UPPER:ABC', binary: false });
  assert.deepEqual(upstream.messages.slice(before).map((m) => m.data), ['UPPER:ABC'], 'the dropped frame never reached the upstream');
  const closesBefore = upstream.closes.length;
  c.ws.send('close');
  assert.deepEqual(await c.closed(), { code: 4000, reason: 'closed by plugin' });
  await until(() => upstream.closes.length > closesBefore, 'the upstream\'s close');
  assert.deepEqual(upstream.closes.at(-1), { code: 4001, reason: 'closed by plugin' });
});

test('a plugin changes and drops upstream frames, and closes from the upstream phase (4003 upstream, 4004 to the client)', async () => {
  const c = await openClient(`${base}/frames`);
  c.ws.send('say:updrop');
  c.ws.send('say:tag?');
  assert.deepEqual(await c.next(), { data: 'A', binary: false }, 'the dropped frame never reached the client');
  const closesBefore = upstream.closes.length;
  c.ws.send('say:upclose');
  assert.deepEqual(await c.closed(), { code: 4004, reason: 'closed by plugin' });
  await until(() => upstream.closes.length > closesBefore, 'the upstream\'s close');
  assert.deepEqual(upstream.closes.at(-1), { code: 4003, reason: 'closed by plugin' });
});

test('a close frame goes through the frame phase: its status as the plugin set it', async () => {
  const c = await openClient(`${base}/frames`);
  const before = upstream.closes.length;
  c.ws.close(4010, 'changed');
  await c.closed();
  await until(() => upstream.closes.length > before, 'the upstream\'s close');
  assert.deepEqual(upstream.closes.at(-1), { code: 4011, reason: 'changed' });
});

test('frames wait for a phase that returns a promise, and keep their order', async () => {
  const c = await openClient(`${base}/slow`);
  for (const m of ['one', 'upper:two', 'three']) c.ws.send(m);
  const got = [await c.next(), await c.next(), await c.next()].map((r) => r.data);
  assert.deepEqual(got, ['one', 'UPPER:TWO', 'three']);
  c.ws.close();
  await c.closed();
});

test('a handshake phase that returns a promise: the upstream is asked once it settles', async () => {
  const c = await openClient(`${base}/frames`, { headers: { 'x-slow': '1' } });
  c.ws.send('upper:later');
  assert.equal((await c.next()).data, 'UPPER:LATER');
  c.ws.close();
  await c.closed();
});

test('the handshake phase may refuse with kong.response.exit; a route of a ws service answers 426 to a plain request', async () => {
  const before = upstream.handshakes.length;
  const refused = await refusedHandshake(`${base}/frames`, { 'x-refuse': '1' });
  assert.equal(refused.status, 403);
  assert.deepEqual(JSON.parse(refused.body), { message: 'refused by ws-frames' });
  assert.equal(upstream.handshakes.length, before, 'the upstream was never asked');
  const plain = await fetch(`http://127.0.0.1:${gw.port}/plain`);
  assert.equal(plain.status, 426);
  assert.equal(((await plain.json()) as { message: string }).message, 'Upgrade Required');
});

test('key-auth on the handshake: 401 without a key; frame phases see the consumer, and its own instance applies', async () => {
  const refused = await refusedHandshake(`${base}/private`);
  assert.equal(refused.status, 401);
  assert.equal((JSON.parse(refused.body) as { message: string }).message, 'No API key found in request');
  const alice = await openClient(`${base}/private`, { headers: { apikey: 'alice-key' } });
  alice.ws.send('whoami');
  assert.deepEqual((await alice.next()).data, 'consumer=alice');
  alice.ws.send('say:tag?');
  assert.equal((await alice.next()).data, 'alice', 'the consumer-scoped instance runs in the frame phases');
  const bob = await openClient(`${base}/private`, { headers: { apikey: 'bob-key' } });
  bob.ws.send('say:tag?');
  assert.equal((await bob.next()).data, 'everyone');
  const closesBefore = closes.length;
  alice.ws.close();
  await alice.closed();
  await until(() => closes.length > closesBefore, 'wsClose');
  assert.deepEqual(closes.at(-1), { consumer: 'alice', status: 101, frames: 3 });
  bob.ws.close();
  await bob.closed();
});

test('Kong\'s max payload: over the client limit the client gets 1009 and the upstream 1001; setMaxPayloadSize lowers it', async () => {
  const c = await openClient(`${base}/plain`);
  const before = upstream.closes.length;
  c.ws.send(Buffer.alloc(1_048_577));
  assert.equal((await c.closed()).code, 1009);
  await until(() => upstream.closes.length > before, 'the upstream\'s close');
  assert.equal(upstream.closes.at(-1)!.code, 1001);
  const small = await openClient(`${base}/small`);
  small.ws.send('0123456789');
  assert.equal((await small.next()).data, '0123456789');
  small.ws.send('0123456789A');
  assert.equal((await small.closed()).code, 1009);
});

test('the log plugins log a ws connection once it is over, with its 101', async () => {
  const c = await openClient(`${base}/logged`);
  c.ws.send('x');
  await c.next();
  c.ws.close();
  await c.closed();
  await until(() => {
    try {
      return readFileSync(logFile, 'utf8').trim() !== '';
    } catch {
      return false;
    }
  }, 'the file-log line');
  const lines = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { response: { status: number }; request: { uri: string } });
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.response.status, 101);
  assert.equal(lines[0]!.request.uri, '/logged');
});

// A WebSocket handshake the upstream refuses (any answer but 101) must not turn the client's connection into a
// raw tunnel past routing and authentication: the answer is relayed as an ordinary response, and what the
// client sends next on that connection is parsed, routed and checked as HTTP again.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writePlugins } from '../helpers/plugins.ts';
import { raw, recordingUpstream, statuses } from '../helpers/raw.ts';
import { startTestGateway } from '../helpers/servers.ts';

const dir = writePlugins([
  { name: 'logs', handler: "export default { version: '1', priority: 1, log(kong) { (globalThis.__wsLogs ??= []).push(kong.response.getStatus()); } };\n" },
  { name: 'slow-access', handler: "export default { version: '1', priority: 1, access() { return new Promise((r) => setTimeout(r, 300)); } };\n" },
]);

const upstream = await recordingUpstream((req, res) => {
  req.resume();
  const body = `no websocket here: ${req.url}`;
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
const gw = await startTestGateway(`_format_version: "3.0"
services:
- name: s
  url: http://127.0.0.1:${upstream.port}
  routes:
  - { name: open, paths: [/open] }
  - { name: logged, paths: [/logged], plugins: [{ name: logs }] }
  - { name: slow, paths: [/slow], plugins: [{ name: slow-access }] }
  - name: private
    paths: [/private]
    plugins: [{ name: key-auth }]
consumers:
- username: alice
  keyauth_credentials: [{ key: alice-key }]
`, { plugins: ['bundled', 'logs', 'slow-access'], pluginsPath: [dir] });
after(async () => {
  await gw.stop();
  await upstream.close();
});

const handshake = (path: string) => `GET ${path} HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`;

test('a handshake answered 200 is relayed as a response; the next request on the connection is authenticated', async () => {
  const before = upstream.seen.length;
  const r = await raw(gw.port, handshake('/open/ws'), {
    waitMs: 3000,
    later: [{ afterMs: 300, data: 'GET /private/secret HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n' }],
  });
  assert.deepEqual(statuses(r.text), [200, 401], r.text);
  assert.match(r.text, /no websocket here: \/ws/);
  assert.match(r.text, /No API key found in request/);
  assert.deepEqual(upstream.seen.slice(before).map((s) => s.url), ['/ws'], 'the second request never reached the upstream');
});

test('a handshake answered 200, then a request with a key: routed and authenticated as any request', async () => {
  const before = upstream.seen.length;
  const r = await raw(gw.port, handshake('/open/again'), {
    waitMs: 3000,
    later: [{ afterMs: 300, data: 'GET /private/ok HTTP/1.1\r\nHost: a\r\napikey: alice-key\r\nConnection: close\r\n\r\n' }],
  });
  assert.deepEqual(statuses(r.text), [200, 200], r.text);
  const second = upstream.seen.slice(before)[1]!;
  assert.equal(second.url, '/ok');
  assert.equal(second.headers['x-consumer-username'], 'alice', 'key-auth ran on it');
});

test('a handshake to a route that refuses it (key-auth) is answered by the gateway, and nothing is tunnelled', async () => {
  const before = upstream.seen.length;
  const r = await raw(gw.port, handshake('/private/ws'), { waitMs: 1500, later: [{ afterMs: 200, data: 'raw bytes that must not reach the upstream' }] });
  // The 401 keeps the connection HTTP: what follows is read as a request, and refused as the garbage it is.
  assert.deepEqual(statuses(r.text), [401, 400]);
  assert.equal(upstream.seen.length, before);
});

test('a handshake pipelined behind an answer still going out waits for it, then is answered', async () => {
  const r = await raw(gw.port, `GET /open/first HTTP/1.1\r\nHost: a\r\n\r\n${handshake('/open/second')}`, { waitMs: 3000, until: (t) => statuses(t).length >= 2 });
  assert.deepEqual(statuses(r.text), [200, 200], r.text);
  assert.match(r.text, /no websocket here: \/first[\s\S]*no websocket here: \/second/);
});

test('a handshake with a body is not an upgrade: an ordinary request, its body not read as a second request', async () => {
  const before = upstream.seen.length;
  const body = 'GET /private/smuggled HTTP/1.1\r\nHost: a\r\n\r\n';
  const r = await raw(gw.port, `GET /open/with-body HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nContent-Length: ${body.length}\r\n\r\n${body}`, { waitMs: 1500 });
  assert.deepEqual(statuses(r.text), [200], r.text);
  assert.deepEqual(upstream.seen.slice(before).map((s) => s.url), ['/with-body']);
  assert.equal(upstream.seen.at(-1)!.headers.upgrade, undefined);
});

test('a refused handshake whose answer closes the connection closes it fully, even if the client keeps its end open', async () => {
  const r = await raw(gw.port, handshake('/nowhere-routed').replace('Host: a', 'Host: a..b'), { waitMs: 2000, keepOpen: true });
  assert.deepEqual(statuses(r.text), [400]);
  assert.ok(r.closed);
});

test('the log phase runs for a handshake answered as an ordinary response, as for any request', async () => {
  const r = await raw(gw.port, handshake('/logged/ws'), { waitMs: 1000, until: (t) => statuses(t).length > 0 });
  assert.deepEqual(statuses(r.text), [200]);
  await new Promise((res) => setTimeout(res, 50));
  assert.deepEqual((globalThis as { __wsLogs?: number[] }).__wsLogs, [200]);
});

test('a client that leaves while the access phase runs: the handshake is not sent upstream', async () => {
  const before = upstream.seen.length;
  await raw(gw.port, handshake('/slow/ws'), { waitMs: 50 });
  // The access phase ends 300 ms after the handshake; give the tunnel time to (not) reach the upstream.
  await new Promise((res) => setTimeout(res, 600));
  assert.equal(upstream.seen.length, before);
});

// Requests nginx refuses or handles in its own way, sent byte for byte on raw sockets. Each answer is what nginx
// gives (Kong's error handler writes the body: typed by Accept, else Content-Type, else text/plain), and a
// recording upstream shows that nothing the gateway refused, or should have handled itself, reached it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { raw, recordingUpstream, statuses } from '../helpers/raw.ts';
import { startTestGateway } from '../helpers/servers.ts';

const upstream = await recordingUpstream();
const gw = await startTestGateway(`_format_version: "3.0"
services:
- name: s
  url: http://127.0.0.1:${upstream.port}
  routes:
  - { name: any, paths: [/] }
  - { name: only-b, hosts: [b.example], paths: [/b] }
`);
after(async () => {
  await gw.stop();
  await upstream.close();
});

const send = (text: string, waitMs = 1500) => raw(gw.port, text, { waitMs });
const seenBefore = () => upstream.seen.length;
const PLAIN_400 = /^HTTP\/1\.1 400 [^\r]*\r\n[\s\S]*content-type: text\/plain; charset=utf-8\r\n[\s\S]*\r\n\r\nBad request\nrequest_id: [0-9a-f]{32}\n$/;

test('HTTP/1.1 without Host, with two Host headers, or with a malformed one: 400, nothing upstream, connection closed', async () => {
  const before = seenBefore();
  for (const request of [
    'GET / HTTP/1.1\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: a/b\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: a..b\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: :80\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: .:80\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: .\r\n\r\n',
  ]) {
    const r = await send(request);
    assert.match(r.text, PLAIN_400, JSON.stringify(request));
    assert.match(r.text, /\r\nconnection: close\r\n/i);
    assert.ok(r.closed, 'the connection is closed after the 400');
  }
  assert.equal(upstream.seen.length, before);
  // HTTP/1.0 needs no Host, as in nginx.
  assert.deepEqual(statuses((await send('GET / HTTP/1.0\r\n\r\n')).text), [200]);
  // A trailing dot, a port, an IPv6 literal are a host like any other.
  for (const host of ['a.example.', 'a.example:8000', '[::1]:8000']) {
    assert.deepEqual(statuses((await send(`GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)).text), [200], host);
  }
});

test("Kong's error page follows Accept, then the request's Content-Type", async () => {
  const json = await send('GET / HTTP/1.1\r\nAccept: application/json\r\n\r\n');
  assert.match(json.text, /\r\n\r\n\{\n {2}"message":"Bad request",\n {2}"request_id":"[0-9a-f]{32}"\n\}$/);
  const html = await send('GET / HTTP/1.1\r\nContent-Type: text/html\r\n\r\n');
  assert.match(html.text, /content-type: text\/html; charset=utf-8/);
});

test('versions nginx does not speak: HTTP/2.0 on an HTTP/1 listener gets 505, HTTP/0.9 a 400', async () => {
  const before = seenBefore();
  const h2 = await send('GET / HTTP/2.0\r\nHost: a\r\n\r\n');
  assert.deepEqual(statuses(h2.text), [505]);
  assert.match(h2.text, /<title>505 HTTP Version Not Supported<\/title>/);
  assert.deepEqual(statuses((await send('GET /\r\n\r\n')).text), [400]);
  assert.equal(upstream.seen.length, before);
});

test('TRACE gets 405, CONNECT 405 (with a path) or 400 (with an authority), odd methods and targets 400', async () => {
  const before = seenBefore();
  const trace = await send('TRACE / HTTP/1.1\r\nHost: a\r\n\r\n');
  assert.deepEqual(statuses(trace.text), [405]);
  assert.match(trace.text, /\r\n\r\nMethod not allowed\nrequest_id: [0-9a-f]{32}\n$/);
  assert.deepEqual(statuses((await send('CONNECT /x HTTP/1.1\r\nHost: a\r\n\r\n')).text), [405]);
  assert.deepEqual(statuses((await send('CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n')).text), [400]);
  assert.deepEqual(statuses((await send('OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n')).text), [400]);
  assert.deepEqual(statuses((await send('get / HTTP/1.1\r\nHost: a\r\n\r\n')).text), [400]);
  assert.deepEqual(statuses((await send('GET /%zz HTTP/1.1\r\nHost: a\r\n\r\n')).text), [400]);
  assert.equal(upstream.seen.length, before);
});

test("nginx's buffers: a request line over 8 KiB is 414, a header line over 8 KiB or a head over 32 KiB is 400", async () => {
  const before = seenBefore();
  const longLine = await send(`GET /${'a'.repeat(9000)} HTTP/1.1\r\nHost: a\r\n\r\n`);
  assert.deepEqual(statuses(longLine.text), [414]);
  assert.match(longLine.text, /URI too long/);
  const longHeader = await send(`GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'b'.repeat(9000)}\r\n\r\n`);
  assert.deepEqual(statuses(longHeader.text), [400]);
  assert.match(longHeader.text, /Request header or cookie too large/);
  const many = Array.from({ length: 6 }, (_, i) => `X-H${i}: ${'c'.repeat(7000)}\r\n`).join('');
  const bigHead = await send(`GET / HTTP/1.1\r\nHost: a\r\n${many}\r\n`);
  assert.deepEqual(statuses(bigHead.text), [400]);
  assert.match(bigHead.text, /Request header or cookie too large/);
  const longUrlInBigHead = await send(`GET /${'u'.repeat(40_000)} HTTP/1.1\r\nHost: a\r\n\r\n`);
  assert.deepEqual(statuses(longUrlInBigHead.text), [414]);
  assert.equal(upstream.seen.length, before);
  // Just under the limits is fine.
  assert.deepEqual(statuses((await send(`GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'b'.repeat(8000)}\r\n\r\n`)).text), [200]);
});

test('an absolute-form target is accepted: the path from it, routing by the Host header, as nginx and Kong do', async () => {
  const r = await send('GET http://b.example/b/x?q=1 HTTP/1.1\r\nHost: b.example\r\nConnection: close\r\n\r\n');
  assert.deepEqual(statuses(r.text), [200]);
  const last = upstream.seen.at(-1)!;
  assert.equal(last.url, '/x?q=1', 'routed by Host to only-b, whose /b is stripped');
  assert.equal(last.headers['x-forwarded-host'], 'b.example');
});

test("X-Forwarded-Port is the gateway's listening port, whatever the Host header says", async () => {
  await send('GET /p HTTP/1.1\r\nHost: a.example:9999\r\nConnection: close\r\n\r\n');
  assert.equal(upstream.seen.at(-1)!.headers['x-forwarded-port'], String(gw.port));
});

test('after a 400 the connection is closed fully, even if the client keeps its end open', async () => {
  const r = await raw(gw.port, 'GET / HTTP/1.1\r\n\r\n', { keepOpen: true, waitMs: 1500 });
  assert.ok(r.closed, 'the gateway closed the connection');
});

test('an Upgrade other than websocket (h2c) is an ordinary request: the upstream never sees the Upgrade', async () => {
  const r = await send('GET /h2c HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n');
  assert.deepEqual(statuses(r.text), [200]);
  const last = upstream.seen.at(-1)!;
  assert.equal(last.url, '/h2c');
  assert.equal(last.headers.upgrade, undefined);
  assert.doesNotMatch(String(last.headers.connection ?? ''), /upgrade/i);
});

test('pipelined requests are answered in order, one at a time upstream', async () => {
  const slow = await recordingUpstream((req, res) => {
    req.resume();
    setTimeout(() => res.end(`${req.url}`), 40);
  });
  const pg = await startTestGateway(`_format_version: "3.0"\nservices:\n- name: s\n  url: http://127.0.0.1:${slow.port}\n  routes:\n  - { name: r, paths: [/] }\n`);
  try {
    const three = ['/one', '/two', '/three'].map((p) => `GET ${p} HTTP/1.1\r\nHost: a\r\n\r\n`).join('');
    const r = await raw(pg.port, three, { waitMs: 3000, until: (t) => statuses(t).length === 3 && t.endsWith('/three') });
    assert.deepEqual(statuses(r.text), [200, 200, 200]);
    assert.deepEqual([...r.text.matchAll(/\r\n\r\n(\/[a-z]+)/g)].map((m) => m[1]), ['/one', '/two', '/three']);
    assert.equal(slow.maxConcurrent(), 1, 'nginx reads the next request only once the previous one is answered');
  } finally {
    await pg.stop();
    await slow.close();
  }
});

test('a malformed chunk after the answer began cuts the connection: no second status line', async () => {
  const streaming = await recordingUpstream((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('started ');
    req.on('data', () => undefined);
    req.on('error', () => undefined);
    setTimeout(() => res.end('done'), 300);
  });
  const sg = await startTestGateway(`_format_version: "3.0"\nservices:\n- name: s\n  url: http://127.0.0.1:${streaming.port}\n  routes:\n  - { name: r, paths: [/] }\n`);
  try {
    const r = await raw(sg.port, 'POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n', {
      waitMs: 2000,
      later: [{ afterMs: 150, data: 'zz-not-a-chunk\r\n\r\n' }],
    });
    assert.deepEqual(statuses(r.text), [200], r.text);
    assert.ok(r.closed);
  } finally {
    await sg.stop();
    await streaming.close();
  }
});

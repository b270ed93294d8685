// The proxy end to end: a real client, the gateway and a real upstream on loopback.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'undici';
import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { startTestGateway, startUpstream, type Echo, type TestGateway, } from '../helpers/servers.ts';

const upstream = await startUpstream();
const slow = await startUpstream((_req, res) => setTimeout(() => res.end('late'), 1500), 'slow');
const closedPort = await (async () => {
  const u = await startUpstream();
  await u.close();
  return u.port;
})();

const gw: TestGateway = await startTestGateway(`_format_version: "3.0"
services:
- name: api
  url: http://127.0.0.1:${upstream.port}/base
  routes:
  - { name: strip, paths: [/api], strip_path: true }
  - { name: keep, paths: [/keep], strip_path: false }
  - { name: preserve, paths: [/preserve], preserve_host: true }
  - { name: regex, paths: ["~/users/(?<id>\\\\d+)$"] }
  - { name: https-only, paths: [/secure], protocols: [https] }
  - { name: https-redirect, paths: [/moved], protocols: [https], https_redirect_status_code: 301 }
  - { name: expression, expression: '(http.path == "/expr") || (http.path ^= "/expr/")', priority: 5 }
- name: dead
  url: http://127.0.0.1:${closedPort}
  retries: 2
  routes:
  - { name: dead, paths: [/dead] }
- name: slow
  url: http://127.0.0.1:${slow.port}
  read_timeout: 200
  routes:
  - { name: slow, paths: [/slow] }
routes:
- { name: no-service, paths: [/lonely] }
`);

after(async () => {
  await gw.stop();
  await Promise.all([upstream.close(), slow.close()]);
});

async function get(path: string, headers: Record<string, string> = {}, method = 'GET') {
  const res = await request(`${gw.url}${path}`, { method: method as 'GET', headers });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text };
}

test('forwards with strip_path and the service path; the query string is kept', async () => {
  const r = await get('/api/orders/7?x=1&y=%20');
  assert.equal(r.status, 200);
  const echo = JSON.parse(r.text) as Echo;
  assert.equal(echo.url, '/base/orders/7?x=1&y=%20');
  assert.equal(JSON.parse((await get('/keep/a')).text).url, '/base/keep/a');
  assert.equal(JSON.parse((await get('/users/42')).text).url, '/base');
  assert.equal(JSON.parse((await get('/expr/a/b')).text).url, '/base/a/b', 'an expression route strips what its path predicate matched');
});

test("Kong's upstream headers: Host, X-Forwarded-*, X-Real-IP, X-Kong-Request-Id", async () => {
  const r = await get('/api/x', { host: 'Shop.Example.com:8000' });
  const h = (JSON.parse(r.text) as Echo).headers;
  assert.equal(h.host, `127.0.0.1:${upstream.port}`, 'the target, not the client Host, unless preserve_host');
  assert.equal(h['x-forwarded-for'], '127.0.0.1');
  assert.equal(h['x-forwarded-proto'], 'http');
  assert.equal(h['x-forwarded-host'], 'shop.example.com');
  // The port the gateway listens on, not the Host header's (kong/runloop/handler.lua: ctx.host_port, $server_port).
  assert.equal(h['x-forwarded-port'], String(gw.port));
  assert.equal(h['x-forwarded-path'], '/api/x');
  assert.equal(h['x-forwarded-prefix'], '/api');
  assert.equal(h['x-real-ip'], '127.0.0.1');
  assert.match(String(h['x-kong-request-id']), /^[0-9a-f]{32}$/);
  assert.equal(r.headers['x-kong-request-id'], h['x-kong-request-id'], 'the client gets the same request id');
  const preserved = JSON.parse((await get('/preserve', { host: 'shop.example.com' })).text) as Echo;
  assert.equal(preserved.headers.host, 'shop.example.com');
});

test('forwarded headers from an untrusted peer are not believed; X-Forwarded-For is appended to', async () => {
  const r = await get('/api/x', { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https', 'x-real-ip': '198.51.100.1' });
  const h = (JSON.parse(r.text) as Echo).headers;
  assert.equal(h['x-forwarded-for'], '203.0.113.9, 127.0.0.1');
  assert.equal(h['x-forwarded-proto'], 'http');
  assert.equal(h['x-real-ip'], '127.0.0.1');
});

test('hop-by-hop headers, and those Connection names, do not cross', async () => {
  // undici refuses to send hop-by-hop headers, so this client is node's own.
  const text = await new Promise<string>((resolve, reject) => {
    const req = httpRequest(`${gw.url}/api/x`, {
      headers: { connection: 'keep-alive, x-secret-hop', 'x-secret-hop': 'no', 'keep-alive': 'timeout=5', 'proxy-connection': 'x', te: 'trailers, deflate' },
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
  const h = (JSON.parse(text) as Echo).headers;
  assert.equal(h['keep-alive'], undefined);
  assert.equal(h['x-secret-hop'], undefined);
  assert.equal(h['proxy-connection'], undefined);
  assert.equal(h.te, 'trailers');
});

test('response headers: Via and latencies added, upstream headers kept', async () => {
  const r = await get('/api/x');
  assert.equal(r.headers['x-upstream'], 'upstream');
  assert.match(String(r.headers.via), /^1\.1 gateway\/\d+\.\d+\.\d+$/);
  assert.match(String(r.headers['x-kong-upstream-latency']), /^\d+$/);
  assert.match(String(r.headers['x-kong-proxy-latency']), /^\d+$/);
});

test('404: Kong\'s body and request id, JSON unless Accept asks otherwise', async () => {
  const r = await get('/nothing-here');
  assert.equal(r.status, 404);
  assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
  const id = String(r.headers['x-kong-request-id']);
  assert.equal(r.text, `{\n  "message":"no Route matched with those values",\n  "request_id":"${id}"\n}`);
  assert.match(String(r.headers['x-kong-response-latency']), /^\d+$/);
  const plain = await get('/nothing-here', { accept: 'text/plain' });
  assert.equal(plain.text, `no Route matched with those values\nrequest_id: ${String(plain.headers['x-kong-request-id'])}\n`);
  const html = await get('/nothing-here', { accept: 'text/html,application/xhtml+xml' });
  assert.match(html.text, /<p>no Route matched with those values\.<\/p>/);
  assert.equal(html.headers['content-type'], 'text/html; charset=utf-8');
});

test('503 for a route without a service; 502 when the upstream refuses, after the retries', async () => {
  const lonely = await get('/lonely');
  assert.equal(lonely.status, 503);
  assert.equal(JSON.parse(lonely.text).message, 'no Service found with those values');
  // nginx's 502 and 504 go through Kong's error handler: text/plain unless the request names a type.
  const dead = await get('/dead');
  assert.equal(dead.status, 502);
  assert.equal(dead.text, `An invalid response was received from the upstream server\nrequest_id: ${dead.headers['x-kong-request-id']}\n`);
  assert.equal(JSON.parse((await get('/dead', { accept: 'application/json' })).text).message, 'An invalid response was received from the upstream server');
});

test('504 when the upstream is slower than read_timeout', async () => {
  const r = await get('/slow');
  assert.equal(r.status, 504);
  assert.equal(r.text, `The upstream server is timing out\nrequest_id: ${r.headers['x-kong-request-id']}\n`);
});

test('https-only routes: 426, or the configured redirect', async () => {
  const r = await get('/secure');
  assert.equal(r.status, 426);
  assert.equal(JSON.parse(r.text).message, 'Please use HTTPS protocol');
  assert.equal(r.headers.upgrade, 'TLS/1.2, HTTP/1.1');
  const moved = await get('/moved/a?b=1', { host: 'shop.example.com' });
  assert.equal(moved.status, 301);
  assert.equal(moved.headers.location, 'https://shop.example.com/moved/a?b=1');
});

test("https_redirect_status_code: Location is built from the forwarded host and the request URI (kong/runloop/handler.lua)", async () => {
  // $host: lower case, without the Host header's port (the https port is not the http one).
  const withPort = await get('/moved/a?b=1', { host: 'Shop.Example.com:8000' });
  assert.equal(withPort.status, 301);
  assert.equal(withPort.headers.location, 'https://shop.example.com/moved/a?b=1');
  // X-Forwarded-Host from a peer that is not trusted is ignored.
  const untrusted = await get('/moved/a', { host: 'shop.example.com', 'x-forwarded-host': 'edge.example.net' });
  assert.equal(untrusted.headers.location, 'https://shop.example.com/moved/a');
  // From a trusted peer, X-Forwarded-Host as given (an X-Forwarded-Proto of http still redirects).
  const trusted = await startTestGateway(`_format_version: "3.0"
services:
- name: api
  url: http://127.0.0.1:${upstream.port}
  routes:
  - { name: https-redirect, paths: [/moved], protocols: [https], https_redirect_status_code: 308 }
`, { trustedIps: ['127.0.0.1'] });
  try {
    const res = await request(`${trusted.url}/moved/x?y=2`, { headers: { host: 'internal:8000', 'x-forwarded-host': 'edge.example.net', 'x-forwarded-proto': 'http' } });
    await res.body.text();
    assert.equal(res.statusCode, 308);
    assert.equal(res.headers.location, 'https://edge.example.net/moved/x?y=2');
  } finally {
    await trusted.stop();
  }
});

test('400 for a path with a bad percent-encoding, from Kong\'s error handler (text/plain unless Accept says otherwise)', async () => {
  // nginx refuses the request before Kong runs; kong/error_handlers.lua types its page by Accept, then
  // Content-Type, then error_default_type (text/plain).
  const r = await get('/api/%zz');
  assert.equal(r.status, 400);
  assert.match(r.text, /^Bad request\nrequest_id: [0-9a-f]{32}\n$/);
  assert.equal(r.headers.connection, 'close');
  const json = await get('/api/%zz', { accept: 'application/json' });
  assert.equal(JSON.parse(json.text).message, 'Bad request');
});

test('request bodies stream through (8 MB, chunked), byte for byte', async () => {
  const body = randomBytes(8 * 1024 * 1024);
  const chunks = [body.subarray(0, 3_000_000), body.subarray(3_000_000)];
  const res = await request(`${gw.url}/api/upload`, {
    method: 'POST',
    body: Readable.from(chunks),
  });
  const echo = JSON.parse(await res.body.text()) as Echo;
  assert.equal(res.statusCode, 200);
  assert.equal(echo.bodyBytes, body.length);
  assert.equal(echo.bodySha256, createHash('sha256').update(body).digest('hex'));
  assert.equal(echo.headers['transfer-encoding'], 'chunked');
});

test('HEAD and methods pass through', async () => {
  const r = await get('/api/x', {}, 'DELETE');
  assert.equal((JSON.parse(r.text) as Echo).method, 'DELETE');
});

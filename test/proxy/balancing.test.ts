// Upstreams and targets end to end: round-robin by weight, retries to the next target, weight 0, no peer.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startTestGateway, startUpstream, type Echo } from '../helpers/servers.ts';

const a = await startUpstream(undefined, 'a');
const b = await startUpstream(undefined, 'b');
const dead = await (async () => {
  const u = await startUpstream();
  await u.close();
  return u.port;
})();

const gw = await startTestGateway(`_format_version: "3.0"
upstreams:
- name: pair.internal
  targets:
  - { target: "127.0.0.1:${a.port}", weight: 100 }
  - { target: "127.0.0.1:${b.port}", weight: 300 }
- name: half-dead.internal
  targets:
  - { target: "127.0.0.1:${dead}" }
  - { target: "127.0.0.1:${a.port}" }
- name: drained.internal
  targets:
  - { target: "127.0.0.1:${a.port}", weight: 0 }
- name: sticky.internal
  hash_on: cookie
  hash_on_cookie: stick
  targets:
  - { target: "127.0.0.1:${a.port}" }
  - { target: "127.0.0.1:${b.port}" }
services:
- { name: pair, host: pair.internal, routes: [{ name: pair, paths: [/pair] }] }
- { name: half-dead, host: half-dead.internal, retries: 3, routes: [{ name: half-dead, paths: [/half-dead] }] }
- { name: drained, host: drained.internal, routes: [{ name: drained, paths: [/drained] }] }
- { name: sticky, host: sticky.internal, routes: [{ name: sticky, paths: [/sticky] }] }
`, { trustedIps: ['127.0.0.1'], headers: ['off'] });

after(async () => {
  await gw.stop();
  await Promise.all([a.close(), b.close()]);
});

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await request(`${gw.url}${path}`, { headers });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

test('round-robin follows the weights', async () => {
  const seen: Record<string, number> = {};
  for (let i = 0; i < 40; i++) {
    const server = (JSON.parse((await get('/pair')).text) as Echo).server;
    seen[server] = (seen[server] ?? 0) + 1;
  }
  assert.deepEqual(seen, { a: 10, b: 30 });
});

test('a target that refuses connections is skipped: the retry goes to the next one', async () => {
  for (let i = 0; i < 6; i++) {
    const r = await get('/half-dead');
    assert.equal(r.status, 200);
    assert.equal((JSON.parse(r.text) as Echo).server, 'a');
  }
});

test('weight 0 takes a target out: no peer, 503', async () => {
  const r = await get('/drained');
  assert.equal(r.status, 503);
  assert.equal(JSON.parse(r.text).message, 'failure to get a peer from the ring-balancer');
});

test('from a trusted peer, forwarded headers are believed', async () => {
  const r = await get('/pair', { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'shop.example.com', 'x-real-ip': '198.51.100.7' });
  const h = (JSON.parse(r.text) as Echo).headers;
  assert.equal(h['x-forwarded-proto'], 'https');
  assert.equal(h['x-forwarded-host'], 'shop.example.com');
  assert.equal(h['x-real-ip'], '198.51.100.7');
});

test('headers off: no Via, latency or request id headers', async () => {
  const r = await get('/pair');
  for (const name of ['via', 'x-kong-upstream-latency', 'x-kong-proxy-latency', 'x-kong-request-id']) assert.equal(r.headers[name], undefined, name);
  const missing = await get('/none');
  assert.equal(missing.headers.server, undefined);
  assert.equal(missing.headers['x-kong-response-latency'], undefined);
});

test('hash_on cookie: a client without the cookie gets one, and then always the same target', async () => {
  const first = await get('/sticky');
  const setCookie = String(first.headers['set-cookie']);
  assert.match(setCookie, /^stick=[0-9a-f-]{36}; Path=\/; Same-Site=Lax; HttpOnly$/);
  const cookie = setCookie.split(';')[0]!;
  const servers = new Set<string>();
  for (let i = 0; i < 10; i++) {
    const r = await get('/sticky', { cookie });
    assert.equal(r.headers['set-cookie'], undefined, 'no new cookie once the client has one');
    servers.add((JSON.parse(r.text) as Echo).server);
  }
  assert.equal(servers.size, 1);
});

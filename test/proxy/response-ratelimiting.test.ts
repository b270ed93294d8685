// response-ratelimiting end to end, policy local: Kong's spec cases (spec/03-plugins/24-response-rate-limiting/
// 04-access_spec.lua) with a real upstream that reports usage in X-Kong-Limit (as httpbin's /response-headers does
// in Kong's spec). Kong's cases use `second` windows; here `minute` ones (a case waits when the minute is about
// to turn), so that the counts cannot straddle a window.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGateway, startUpstream } from '../helpers/servers.ts';
import { freshWindow, get } from '../helpers/rate-limits.ts';

const MINUTE = 60_000;
// The upstream answers the request's headers, with the `x-kong-limit` (or `usage`) query argument as a response header.
const upstream = await startUpstream((req, res) => {
  const query = new URL(req.url ?? '/', 'http://x').searchParams;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  for (const name of ['x-kong-limit', 'usage']) if (query.has(name)) headers[name] = query.getAll(name).join(', ');
  res.writeHead(200, headers);
  res.end(JSON.stringify({ headers: req.headers }));
});
const rrl = (config: string) => `{ name: response-ratelimiting, config: { ${config} } }`;
const gw = await startTestGateway(`_format_version: "3.0"
consumers:
- { username: c1, keyauth_credentials: [{ key: apikey123 }] }
- { username: c2, keyauth_credentials: [{ key: apikey124 }] }
services:
- name: s
  url: http://127.0.0.1:${upstream.port}
  routes:
  - { name: t1, hosts: [test1.test], plugins: [${rrl('limits: { video: { minute: 6 } }')}] }
  - { name: t1b, hosts: [test1b.test], plugins: [${rrl('limits: { video: { minute: 6 } }')}] }
  - { name: t2, hosts: [test2.test], plugins: [${rrl('limits: { video: { minute: 12, hour: 24 }, image: { minute: 6 } }')}] }
  - name: t3
    hosts: [test3.test]
    plugins: [{ name: key-auth }, ${rrl('limits: { video: { minute: 3 } }')}]
  - { name: t4, hosts: [test4.test], plugins: [${rrl('limits: { video: { minute: 14 }, image: { minute: 6 } }')}] }
  - { name: t7, hosts: [test7.test], plugins: [${rrl('block_on_first_violation: true, limits: { video: { minute: 6, hour: 12 }, image: { minute: 4 } }')}] }
  - { name: t8, hosts: [test8.test], plugins: [${rrl('limits: { video: { minute: 6, hour: 12 }, image: { minute: 5 } }')}] }
  - { name: t9, hosts: [test9.test], plugins: [${rrl('hide_client_headers: true, limits: { video: { minute: 6 } }')}] }
  - { name: expire, hosts: [expire1.test], plugins: [${rrl('limits: { video: { second: 6 } }')}] }
  - { name: custom, hosts: [custom.test], plugins: [${rrl('header_name: usage, limits: { video: { minute: 2 } }')}] }
- name: s10
  url: http://127.0.0.1:${upstream.port}
  plugins: [${rrl('limits: { video: { minute: 6 } }')}]
  routes:
  - { name: svc-1, hosts: [test-service1.test] }
  - { name: svc-2, hosts: [test-service2.test] }
plugins:
- { name: response-ratelimiting, consumer: c1, config: { limits: { video: { minute: 4 } } } }
`);

after(async () => {
  await gw.stop();
  await upstream.close();
});

const call = (host: string, query = '', headers: Record<string, string> = {}) => get(`${gw.url}/response-headers${query}`, { host, ...headers });
const q = (usage: string, extra = '') => `?x-kong-limit=${encodeURIComponent(usage)}${extra}`;

/** Kong's test_limit (04-access_spec.lua:91): `limit` responses using video=1 pass, then the next is 429. */
async function assertLimit(host: string, limit: number, auth = '') {
  for (let i = 0; i < limit; i++) assert.equal((await call(host, q('video=1', auth))).status, 200, `request ${i + 1}`);
  const probe = await call(host, auth ? `?${auth.slice(1)}` : '');
  assert.equal(probe.headers['x-ratelimit-remaining-video-minute'], '0');
  const refused = await call(host, q('video=1', auth));
  assert.equal(refused.status, 429);
  assert.equal(refused.headers['x-ratelimit-limit-video-minute'], String(limit));
  assert.equal(refused.headers['x-ratelimit-remaining-video-minute'], '0');
}

test('returns the remaining counter, and hides the usage header from the client (04-access_spec.lua:422)', async () => {
  await freshWindow(MINUTE, 10_000);
  for (let i = 0; i < 3; i++) assert.equal((await call('test1b.test', q('video=1'))).status, 200);
  const r = await call('test1b.test', q('video=1'));
  assert.equal(r.status, 200);
  assert.equal(r.headers['x-ratelimit-limit-video-minute'], '6');
  assert.equal(r.headers['x-ratelimit-remaining-video-minute'], '2', 'what is left once this response is counted');
  assert.equal(r.headers['x-kong-limit'], undefined);
});

test('blocks past the limit (04-access_spec.lua:463)', async () => {
  await freshWindow(MINUTE, 10_000);
  await assertLimit('test1.test', 6);
});

test('a service instance counts across its routes (04-access_spec.lua:468)', async () => {
  await freshWindow(MINUTE, 10_000);
  const usage = q('video=1, test=6');
  for (let i = 0; i < 3; i++) assert.equal((await call('test-service1.test', usage)).status, 200);
  for (let i = 0; i < 3; i++) assert.equal((await call('test-service2.test', usage)).status, 200);
  assert.equal((await call('test-service1.test', usage)).status, 429);
});

test('several limits and periods (04-access_spec.lua:495)', async () => {
  await freshWindow(MINUTE, 10_000);
  for (let i = 0; i < 3; i++) assert.equal((await call('test2.test', q('video=2, image=1'))).status, 200);
  let r = await call('test2.test');
  assert.equal(r.headers['x-ratelimit-limit-video-minute'], '12');
  assert.equal(r.headers['x-ratelimit-remaining-video-minute'], '6');
  assert.equal(r.headers['x-ratelimit-limit-video-hour'], '24');
  assert.equal(r.headers['x-ratelimit-remaining-video-hour'], '18');
  assert.equal(r.headers['x-ratelimit-limit-image-minute'], '6');
  assert.equal(r.headers['x-ratelimit-remaining-image-minute'], '3');
  for (let i = 0; i < 3; i++) assert.equal((await call('test2.test', q('video=1, image=1'))).status, 200);
  r = await call('test2.test');
  assert.equal(r.headers['x-ratelimit-remaining-image-minute'], '0');
  assert.equal(r.headers['x-ratelimit-remaining-video-minute'], '3');
  assert.equal(r.headers['x-ratelimit-remaining-video-hour'], '15');
  r = await call('test2.test', q('video=1, image=1'));
  assert.equal(r.status, 429, 'image is used up');
  assert.equal(r.headers['x-ratelimit-remaining-image-minute'], '0');
  assert.equal(r.headers['x-ratelimit-remaining-video-minute'], '2');
  assert.equal(r.headers['x-ratelimit-remaining-video-hour'], '14');
});

test('a consumer instance beats the route instance; other consumers get the route one (04-access_spec.lua:555, :560)', async () => {
  await freshWindow(MINUTE, 10_000);
  await assertLimit('test3.test', 4, '&apikey=apikey123');
  await assertLimit('test3.test', 3, '&apikey=apikey124');
});

test('the upstream is told what is left of each limit (04-access_spec.lua:568)', async () => {
  await freshWindow(MINUTE, 10_000);
  let body = JSON.parse((await call('test8.test')).text) as { headers: Record<string, string> };
  assert.equal(body.headers['x-ratelimit-remaining-image'], '5');
  assert.equal(body.headers['x-ratelimit-remaining-video'], '6', 'the smallest of its periods');
  body = JSON.parse((await call('test8.test', q('video=2, image=1'))).text) as { headers: Record<string, string> };
  assert.equal(body.headers['x-ratelimit-remaining-video'], '6', 'before this response is counted');
  body = JSON.parse((await call('test8.test')).text) as { headers: Record<string, string> };
  assert.equal(body.headers['x-ratelimit-remaining-image'], '4');
  assert.equal(body.headers['x-ratelimit-remaining-video'], '4');
});

test('usage of several names in one header (04-access_spec.lua:595)', async () => {
  await freshWindow(MINUTE, 10_000);
  for (let i = 0; i < 6; i++) assert.equal((await call('test4.test', q('video=2, image=1'))).status, 200);
  await call('test4.test', q('video=1'));
  const r = await call('test4.test', q('video=2, image=1'));
  assert.equal(r.status, 429);
  assert.equal(r.headers['x-ratelimit-remaining-image-minute'], '0');
  assert.equal(r.headers['x-ratelimit-remaining-video-minute'], '0');
});

test('block_on_first_violation refuses in access, naming the limit (04-access_spec.lua:621)', async () => {
  await freshWindow(MINUTE, 10_000);
  assert.equal((await call('test7.test', q('video=2, image=4'))).status, 200);
  const before = upstream.requests.length;
  const r = await call('test7.test', q('video=2'));
  assert.equal(r.status, 429);
  assert.equal(JSON.parse(r.text).message, "API rate limit exceeded for 'image'");
  assert.equal(upstream.requests.length, before, 'refused before the upstream');
});

test('hide_client_headers (04-access_spec.lua:638)', async () => {
  const r = await call('test9.test', q('video=1'));
  assert.equal(r.status, 200);
  assert.equal(r.headers['x-ratelimit-remaining-video-minute'], undefined);
  assert.equal(r.headers['x-ratelimit-limit-video-minute'], undefined);
  assert.equal(r.headers['x-kong-limit'], undefined, 'the usage header is still taken away');
});

test('header_name: usage read from another header; unknown names, bad numbers and `a=b=c` are ignored', async () => {
  await freshWindow(MINUTE, 10_000);
  const usage = (v: string) => `?usage=${encodeURIComponent(v)}`;
  assert.equal((await call('custom.test', usage('other=5, video=x, video=1=2'))).headers['x-ratelimit-remaining-video-minute'], '2');
  const r = await call('custom.test', usage(' video = 1 '));
  assert.equal(r.headers['x-ratelimit-remaining-video-minute'], '1');
  assert.equal(r.headers.usage, undefined);
  assert.equal((await call('custom.test', usage('video=0x1'))).headers['x-ratelimit-remaining-video-minute'], '0', "Lua's tonumber reads hex");
  assert.equal((await call('custom.test', usage('video=1'))).status, 429);
});

test('a second counter expires with its second (04-access_spec.lua:689)', async () => {
  await freshWindow(1000, 600);
  let r = await call('expire1.test', q('video=1'));
  assert.equal(r.status, 200);
  assert.equal(r.headers['x-ratelimit-limit-video-second'], '6');
  assert.equal(r.headers['x-ratelimit-remaining-video-second'], '5');
  await freshWindow(1000, 999);
  r = await call('expire1.test', q('video=1'));
  assert.equal(r.headers['x-ratelimit-remaining-video-second'], '5', 'a new second, a new counter');
});

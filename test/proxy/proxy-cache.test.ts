// proxy-cache: Kong's proxy-level cases (spec/03-plugins/31-proxy-cache/02-access_spec.lua), through a real
// gateway to an upstream that counts its requests: a hit never reaches it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'undici';
import { raw } from '../helpers/raw.ts';
import { startTestGateway } from '../helpers/servers.ts';
import { startCountingUpstream } from './proxy-cache-upstream.ts';

const upstream = await startCountingUpstream();
const pc = (host: string, config = '') => `  - name: ${host.replace('.test', '')}
    hosts: [${host}]
    plugins: [{ name: proxy-cache, config: { strategy: memory${config ? `, ${config}` : ''} } }]
`;
const gw = await startTestGateway(`_format_version: "3.0"
services:
- name: s
  url: http://127.0.0.1:${upstream.port}
  routes:
${pc('route-1.test')}${pc('route-2.test')}  - { name: route-3, hosts: [route-3.test] }
  - { name: route-4, hosts: [route-4.test] }
  - name: route-5
    hosts: [route-5.test]
    plugins: [{ name: key-auth }, { name: proxy-cache, config: { strategy: memory } }]
${pc('route-6.test', 'cache_ttl: 1')}${pc('route-7.test', 'cache_control: true')}${pc('route-8.test', 'cache_control: true, storage_ttl: 600')}${pc('route-9.test', 'cache_ttl: 1, storage_ttl: 60')}${pc('route-10.test', 'content_type: ["text/html; charset=utf-8", application/json], response_code: [200, 417], request_method: [GET, HEAD, POST]')}${pc('route-11.test', 'response_code: [200], request_method: [GET, HEAD, POST], vary_headers: [foo]')}${pc('route-12.test', 'response_code: [200], request_method: [GET, HEAD, POST], vary_query_params: [foo]')}  - name: route-13
    hosts: [route-13.test]
    plugins: [{ name: key-auth }, { name: proxy-cache, config: { strategy: memory } }]
  - name: route-14
    hosts: [route-14.test]
    plugins: [{ name: key-auth }, { name: proxy-cache, config: { strategy: memory } }]
${pc('route-17.test', 'content_type: ["*/*"]')}${pc('route-18.test', 'content_type: ["application/xml; charset=UTF-8"]')}${pc('route-19.test', 'content_type: ["application/xml;"]')}${pc('route-20.test', 'response_code: [404], ignore_uri_case: true')}${pc('route-21.test', 'response_code: [404], ignore_uri_case: false')}${pc('route-22.test', 'response_headers: { age: false, X-Cache-Status: false, X-Cache-Key: false }')}${pc('route-23.test', 'response_headers: { age: true, X-Cache-Status: true, X-Cache-Key: true }')}${pc('route-24.test')}${pc('route-30.test', 'cache_control: true')}plugins:
- { name: proxy-cache, config: { strategy: memory } }
consumers:
- { username: bob, keyauth_credentials: [{ key: bob }] }
- { username: alice, keyauth_credentials: [{ key: alice }] }
`);
after(async () => {
  await gw.stop();
  await upstream.close();
});

interface Call {
  readonly host: string;
  readonly path?: string;
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

async function call(c: Call) {
  const before = upstream.hits();
  const res = await request(`${gw.url}${c.path ?? '/get'}`, { method: (c.method ?? 'GET') as 'GET', headers: { host: c.host, ...c.headers }, body: c.body });
  const text = await res.body.text();
  const h = (name: string) => res.headers[name] as string | undefined;
  return { status: res.statusCode, headers: res.headers, h, text, cache: h('x-cache-status'), key: h('x-cache-key'), reachedUpstream: upstream.hits() > before };
}

/**
 * A step: a request, its status and X-Cache-Status (undefined: none); a Hit does not reach the upstream, nor
 * does a plugin's own answer; `served` says it where the headers do not show it.
 */
type Step = readonly [call: Call, status: number, cache: string | undefined, served?: 'upstream' | 'gateway'];

async function steps(list: readonly Step[]) {
  const results = [];
  for (const [c, status, cache, served] of list) {
    const r = await call(c);
    assert.equal(r.status, status, `${c.method ?? 'GET'} ${c.host}${c.path ?? '/get'}: status`);
    assert.equal(r.cache, cache, `${c.method ?? 'GET'} ${c.host}${c.path ?? '/get'} ${JSON.stringify(c.headers ?? {})}: X-Cache-Status`);
    assert.equal(r.reachedUpstream, served ? served === 'upstream' : cache !== 'Hit', `${c.host}${c.path ?? '/get'}: whether the upstream was reached`);
    results.push(r);
  }
  return results;
}

const CASES: readonly { readonly name: string; readonly cite: string; readonly steps: readonly Step[] }[] = [
  { name: 'caches a simple request', cite: '02-access_spec.lua:408', steps: [[{ host: 'route-1.test' }, 200, 'Miss'], [{ host: 'route-1.test' }, 200, 'Hit']] },
  { name: 'differentiates caches between instances', cite: '02-access_spec.lua:849', steps: [[{ host: 'route-2.test' }, 200, 'Miss'], [{ host: 'route-2.test' }, 200, 'Hit']] },
  { name: 'request params are part of the key, in any order', cite: '02-access_spec.lua:873', steps: [
    [{ host: 'route-1.test', path: '/get?a=b&b=c' }, 200, 'Miss'], [{ host: 'route-1.test', path: '/get?a=c' }, 200, 'Miss'],
    [{ host: 'route-1.test', path: '/get?b=c&a=b' }, 200, 'Hit'], [{ host: 'route-1.test', path: '/get?a&b' }, 200, 'Miss'], [{ host: 'route-1.test', path: '/get?a&b' }, 200, 'Hit'],
  ] },
  { name: 'vary_query_params: only those params', cite: '02-access_spec.lua:920', steps: [[{ host: 'route-12.test', path: '/get?foo=b&b=c' }, 200, 'Miss'], [{ host: 'route-12.test', path: '/get?b=d&foo=b' }, 200, 'Hit']] },
  { name: 'vary_headers: those headers are part of the key', cite: '02-access_spec.lua:946', steps: [
    [{ host: 'route-11.test', headers: { foo: 'bar' } }, 200, 'Miss'], [{ host: 'route-11.test', headers: { foo: 'bar' } }, 200, 'Hit'], [{ host: 'route-11.test', headers: { foo: 'baz' } }, 200, 'Miss'],
  ] },
  { name: 'an unauthenticated request never reaches the cache', cite: '02-access_spec.lua:981', steps: [[{ host: 'route-5.test' }, 401, undefined, 'gateway']] },
  { name: 'a separate cache per consumer', cite: '02-access_spec.lua:988', steps: [
    [{ host: 'route-5.test', headers: { apikey: 'bob' } }, 200, 'Miss'], [{ host: 'route-5.test', headers: { apikey: 'bob' } }, 200, 'Hit'],
    [{ host: 'route-5.test', headers: { apikey: 'alice' } }, 200, 'Miss'], [{ host: 'route-5.test', headers: { apikey: 'alice' } }, 200, 'Hit'],
  ] },
  { name: 'bypass: request method', cite: '02-access_spec.lua:1033', steps: [[{ host: 'route-1.test', path: '/post', method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"foo":"bar"}' }, 200, 'Bypass']] },
  { name: 'bypass: response status', cite: '02-access_spec.lua:1051', steps: [[{ host: 'route-1.test', path: '/status/418' }, 418, 'Bypass']] },
  { name: 'bypass: response content type', cite: '02-access_spec.lua:1062', steps: [[{ host: 'route-1.test', path: '/xml' }, 200, 'Bypass']] },
  { name: 'caches non-default request methods', cite: '02-access_spec.lua:1075', steps: [
    [{ host: 'route-10.test', path: '/post', method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"foo":"bar"}' }, 200, 'Miss'],
    [{ host: 'route-10.test', path: '/post', method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"foo":"bar"}' }, 200, 'Hit'],
  ] },
  { name: 'caches non-default response status', cite: '02-access_spec.lua:1110', steps: [[{ host: 'route-10.test', path: '/status/417' }, 417, 'Miss'], [{ host: 'route-10.test', path: '/status/417' }, 417, 'Hit']] },
  { name: 'content_type */* caches any type', cite: '02-access_spec.lua:1189', steps: [[{ host: 'route-17.test', path: '/xml' }, 200, 'Miss'], [{ host: 'route-17.test', path: '/xml' }, 200, 'Hit']] },
  { name: 'content_type with a parameter the answer lacks: bypass', cite: '02-access_spec.lua:1210', steps: [[{ host: 'route-18.test', path: '/xml' }, 200, 'Bypass']] },
  { name: 'an invalid answer content type: bypass, no error', cite: '02-access_spec.lua:1225', steps: [[{ host: 'route-18.test', path: '/response-headers?Content-Type=application/xml;' }, 200, 'Bypass']] },
  { name: 'an invalid configured content type matches nothing', cite: '02-access_spec.lua:1240', steps: [[{ host: 'route-19.test', path: '/xml' }, 200, 'Bypass']] },
  { name: 'content type parameters: same names and values', cite: '02-access_spec.lua:328', steps: [
    [{ host: 'route-10.test', path: '/response-headers?Content-Type=text/html;%20Charset=utf-8' }, 200, 'Miss'],
    [{ host: 'route-10.test', path: '/response-headers?Content-Type=text/html;%20Charset=utf-8' }, 200, 'Hit'],
    [{ host: 'route-10.test', path: '/response-headers?Content-Type=text/html;%20charset=UTF-8' }, 200, 'Bypass'],
    [{ host: 'route-10.test', path: '/response-headers?Content-Type=text/html' }, 200, 'Bypass'],
  ] },
  { name: 'ignore_uri_case: one key whatever the case', cite: '02-access_spec.lua:1258', steps: [[{ host: 'route-20.test', path: '/ignore-case/kong' }, 404, 'Miss'], [{ host: 'route-20.test', path: '/ignore-case/KONG' }, 404, 'Hit']] },
  { name: 'the URI case counts by default', cite: '02-access_spec.lua:1289', steps: [[{ host: 'route-21.test', path: '/acknowledge-case/kong' }, 404, 'Miss'], [{ host: 'route-21.test', path: '/acknowledge-case/KONG' }, 404, 'Miss']] },
  { name: 'cache_control: max-age=0 is never cached', cite: '02-access_spec.lua:603', steps: [[{ host: 'route-7.test', path: '/cache/0' }, 200, 'Bypass'], [{ host: 'route-7.test', path: '/cache/0' }, 200, 'Bypass']] },
  { name: 'cache_control: max-age without public', cite: '02-access_spec.lua:624', steps: [[{ host: 'route-7.test', path: '/response-headers?Cache-Control=max-age%3D604800' }, 200, 'Miss'], [{ host: 'route-7.test', path: '/response-headers?Cache-Control=max-age%3D604800' }, 200, 'Hit']] },
  { name: 'cache_control: s-maxage only', cite: '02-access_spec.lua:637', steps: [[{ host: 'route-7.test', path: '/response-headers?Cache-Control=s-maxage%3D604800' }, 200, 'Miss']] },
  { name: 'cache_control: Expires without Cache-Control', cite: '02-access_spec.lua:648', steps: [[{ host: 'route-7.test', path: `/response-headers?Expires=${encodeURIComponent(new Date(Date.now() + 5_000_000).toUTCString())}` }, 200, 'Miss']] },
  { name: 'cache_control: an Expires in the past is not cached', cite: 'kong/tools/http.lua calculate_resource_ttl', steps: [[{ host: 'route-7.test', path: `/response-headers?Expires=${encodeURIComponent(new Date(Date.now() - 5_000_000).toUTCString())}` }, 200, 'Bypass']] },
  { name: 'cache_control: private, no-store, no-cache answers are not cached', cite: 'handler.lua cacheable_response', steps: [
    [{ host: 'route-7.test', path: '/response-headers?Cache-Control=private,%20max-age%3D60' }, 200, 'Bypass'],
    [{ host: 'route-7.test', path: '/response-headers?Cache-Control=no-store,%20max-age%3D60' }, 200, 'Bypass'],
    [{ host: 'route-7.test', path: '/response-headers?Cache-Control=max-age%3D60,%20no-cache' }, 200, 'Bypass'],
  ] },
  { name: 'cache_control: a request with no-cache or no-store bypasses', cite: 'handler.lua cacheable_request', steps: [
    [{ host: 'route-30.test', path: '/cache/60' }, 200, 'Miss'],
    [{ host: 'route-30.test', path: '/cache/60', headers: { 'cache-control': 'no-cache' } }, 200, 'Bypass'],
    [{ host: 'route-30.test', path: '/cache/60', headers: { 'cache-control': 'No-Store' } }, 200, 'Bypass'],
    [{ host: 'route-30.test', path: '/cache/60' }, 200, 'Hit'],
  ] },
  { name: 'without cache_control, request directives are ignored', cite: 'handler.lua cacheable_request', steps: [
    [{ host: 'route-24.test', path: '/get?cc=1' }, 200, 'Miss'], [{ host: 'route-24.test', path: '/get?cc=1', headers: { 'cache-control': 'no-cache' } }, 200, 'Hit'],
  ] },
  { name: 'cache_control: min-fresh not met refreshes', cite: '02-access_spec.lua:662', steps: [
    [{ host: 'route-30.test', path: '/cache/10' }, 200, 'Miss'], [{ host: 'route-30.test', path: '/cache/10', headers: { 'cache-control': 'min-fresh=30' } }, 200, 'Refresh'],
    [{ host: 'route-30.test', path: '/cache/10', headers: { 'cache-control': 'min-fresh=5' } }, 200, 'Hit'],
  ] },
  { name: 'cache_control: only-if-cached with nothing stored is a 504', cite: '02-access_spec.lua:783', steps: [[{ host: 'route-8.test', path: '/get?not=here', headers: { 'cache-control': 'only-if-cached' } }, 504, undefined, 'gateway']] },
  { name: 'a global instance serves routes without their own', cite: '02-access_spec.lua:830', steps: [[{ host: 'route-3.test' }, 200, 'Miss'], [{ host: 'route-3.test' }, 200, 'Hit'], [{ host: 'route-4.test' }, 200, 'Miss']] },
];

for (const c of CASES) test(`${c.name} (spec/03-plugins/31-proxy-cache/${c.cite})`, () => steps(c.steps).then(() => undefined));

test('a hit is the stored answer: same body and headers, Kong\'s proxied head, Age (02-access_spec.lua:408, 1126)', async () => {
  const [miss, hit] = await steps([[{ host: 'route-1.test', path: '/get?head=1' }, 200, 'Miss'], [{ host: 'route-1.test', path: '/get?head=1' }, 200, 'Hit']]);
  assert.equal(hit!.text, miss!.text);
  assert.equal(hit!.h('x-upstream-n'), miss!.h('x-upstream-n'));
  assert.equal(hit!.key, miss!.key);
  assert.match(miss!.key!, /^[0-9a-f]{64}$/);
  assert.equal(hit!.h('content-type'), 'application/json');
  assert.equal(hit!.h('content-length'), String(Buffer.byteLength(hit!.text)));
  assert.match(hit!.h('age')!, /^\d+$/);
  assert.equal(miss!.h('age'), undefined);
  // Kong marks a hit as proxied: the latency headers of a proxied answer, Via, and not X-Kong-Response-Latency.
  assert.match(hit!.h('x-kong-proxy-latency')!, /^\d+$/);
  assert.match(hit!.h('x-kong-upstream-latency')!, /^\d+$/);
  assert.match(hit!.h('via')!, /gateway\//);
  assert.equal(hit!.h('x-kong-response-latency'), undefined);
  // A proxied answer keeps the upstream's Server, else gets Kong's (kong/runloop/handler.lua header_filter).
  assert.equal(hit!.h('server'), miss!.h('server'));
  assert.ok(hit!.h('x-kong-request-id'));
  assert.notEqual(hit!.h('x-kong-request-id'), miss!.h('x-kong-request-id'));
});

test('a hit drops rate-limit counters and keeps other headers (handler.lua overwritable_header)', async () => {
  const [miss, hit] = await steps([[{ host: 'route-1.test', path: '/limits' }, 200, 'Miss'], [{ host: 'route-1.test', path: '/limits' }, 200, 'Hit']]);
  assert.equal(miss!.h('x-ratelimit-remaining-minute'), '4');
  assert.equal(hit!.h('x-ratelimit-remaining-minute'), undefined);
  assert.equal(hit!.h('ratelimit-remaining'), undefined);
  assert.equal(hit!.h('x-kept'), 'yes');
});

test('a streamed answer is cached and replayed with a length (02-access_spec.lua:799)', async () => {
  const [miss, hit] = await steps([[{ host: 'route-1.test', path: '/stream/3' }, 200, 'Miss'], [{ host: 'route-1.test', path: '/stream/3' }, 200, 'Hit']]);
  assert.equal(miss!.h('content-length'), undefined);
  assert.equal(hit!.text, miss!.text);
  assert.equal(hit!.text.split('\n').length, 4);
});

test('diagnostic headers off: none, unless the client sends Kong-Debug (02-access_spec.lua:431)', async () => {
  const [, second, debug] = await steps([[{ host: 'route-22.test' }, 200, undefined, 'upstream'], [{ host: 'route-22.test' }, 200, undefined, 'gateway'], [{ host: 'route-22.test', headers: { 'kong-debug': '1' } }, 200, 'Hit']]);
  assert.equal(second!.key, undefined);
  assert.equal(second!.h('age'), undefined);
  assert.ok(debug!.h('age'));
  assert.ok(debug!.key);
});

test('diagnostic headers on, explicitly or by default (02-access_spec.lua:453, 479)', async () => {
  for (const host of ['route-23.test', 'route-24.test']) {
    const [miss, hit] = await steps([[{ host }, 200, 'Miss'], [{ host }, 200, 'Hit']]);
    assert.ok(miss!.key);
    assert.equal(miss!.h('age'), undefined);
    assert.ok(hit!.h('age'));
    assert.ok(hit!.key);
  }
});

test('keys: distinct per route for one consumer, per instance, per global instance (02-access_spec.lua:813, 830)', async () => {
  const a = await call({ host: 'route-13.test', headers: { apikey: 'bob' } });
  const b = await call({ host: 'route-14.test', headers: { apikey: 'bob' } });
  assert.ok(a.key && b.key);
  assert.notEqual(a.key, b.key);
  const c = await call({ host: 'route-3.test', path: '/get?k' });
  const d = await call({ host: 'route-4.test', path: '/get?k' });
  assert.notEqual(c.key, d.key);
});

test('X-Cache-Key is Kong\'s: sha256 of prefix|method|request line without query|params|headers (cache_key.lua)', async () => {
  const route = async (name: string) => ((await (await request(`${gw.admin}/routes/${name}`)).body.json()) as { id: string }).id;
  const consumer = ((await (await request(`${gw.admin}/consumers/bob`)).body.json()) as { id: string }).id;
  const sha = (s: string) => createHash('sha256').update(s).digest('hex');
  const r1 = await route('route-1');
  assert.equal((await call({ host: 'route-1.test', path: '/anything' })).key, sha(`${r1}|GET|GET /anything HTTP/1.1||`));
  assert.equal((await call({ host: 'route-1.test', path: '/anything?b=2&a=1&a=0&f' })).key, sha(`${r1}|GET|GET /anything|a=0,1:b=2:f|`));
  assert.equal((await call({ host: 'route-11.test', headers: { foo: 'x' } })).key, sha(`${await route('route-11')}|GET|GET /get HTTP/1.1||foo=x`));
  assert.equal((await call({ host: 'route-20.test', path: '/Ignore-Case/A' })).key, sha(`${await route('route-20')}|GET|get /ignore-case/a http/1.1||`));
  assert.equal((await call({ host: 'route-5.test', headers: { apikey: 'bob' }, path: '/k' })).key, sha(`${consumer}:${await route('route-5')}|GET|GET /k HTTP/1.1||`));
  // Bytes beyond ASCII in a varying header are hashed as sent (Kong hashes raw bytes; Node's parser refuses them
  // in the request line).
  const bytes = Buffer.concat([Buffer.from('GET /caf HTTP/1.1\r\nHost: route-11.test\r\nFoo: '), Buffer.from([0xc3, 0xa9]), Buffer.from('\r\nConnection: close\r\n\r\n')]);
  const answer = await raw(gw.port, bytes);
  const key = /x-cache-key: ([0-9a-f]+)/i.exec(answer.text)?.[1];
  const expected = createHash('sha256').update(Buffer.concat([Buffer.from(`${await route('route-11')}|GET|GET /caf HTTP/1.1||foo=`), Buffer.from([0xc3, 0xa9])])).digest('hex');
  assert.equal(key, expected);
});

test('ttl: expiry, storage_ttl keeps a stale answer to Refresh, Cache-Control max-age and max-stale (02-access_spec.lua:505, 557, 674, 725)', async () => {
  await steps([
    [{ host: 'route-6.test' }, 200, 'Miss'], [{ host: 'route-6.test' }, 200, 'Hit'],
    [{ host: 'route-9.test' }, 200, 'Miss'], [{ host: 'route-9.test' }, 200, 'Hit'],
    [{ host: 'route-7.test', path: '/cache/1' }, 200, 'Miss'], [{ host: 'route-7.test', path: '/cache/1' }, 200, 'Hit'],
    [{ host: 'route-7.test', path: '/cache/10', headers: { 'cache-control': 'max-age=1' } }, 200, 'Miss'], [{ host: 'route-7.test', path: '/cache/10', headers: { 'cache-control': 'max-age=1' } }, 200, 'Hit'],
    [{ host: 'route-8.test', path: '/cache/1' }, 200, 'Miss'], [{ host: 'route-8.test', path: '/cache/1' }, 200, 'Hit'],
  ]);
  // Kong counts whole seconds (ngx.time()): past 2 s, an answer stored for 1 s is older than its TTL.
  await new Promise((r) => setTimeout(r, 2100));
  await steps([
    [{ host: 'route-6.test' }, 200, 'Miss'], [{ host: 'route-6.test' }, 200, 'Hit'],
    [{ host: 'route-9.test' }, 200, 'Refresh'], [{ host: 'route-9.test' }, 200, 'Hit'],
    [{ host: 'route-7.test', path: '/cache/1' }, 200, 'Miss'],
    [{ host: 'route-7.test', path: '/cache/10', headers: { 'cache-control': 'max-age=1' } }, 200, 'Refresh'],
    // Kong serves a stale stored answer unless the client sets a limit (storage_ttl keeps it).
    [{ host: 'route-8.test', path: '/cache/1' }, 200, 'Hit'],
    [{ host: 'route-8.test', path: '/cache/1', headers: { 'cache-control': 'max-stale=0' } }, 200, 'Refresh'],
  ]);
});

test('admin API: purge one key by plugin and by key, purge all, get (03-api_spec.lua:207-376)', async () => {
  const config = (await (await request(`${gw.admin}/plugins`)).body.json()) as { data: { id: string; name: string; route: { id: string } | null }[] };
  const r2 = ((await (await request(`${gw.admin}/routes/route-2`)).body.json()) as { id: string }).id;
  const plugin = config.data.find((p) => p.name === 'proxy-cache' && p.route?.id === r2)!;
  const admin = (method: string, path: string) => request(`${gw.admin}${path}`, { method: method as 'GET' });
  const first = await call({ host: 'route-2.test', path: '/admin', headers: { 'kong-debug': '1' } });
  const key = first.key!;
  await steps([[{ host: 'route-2.test', path: '/admin' }, 200, 'Hit']]);
  const got = await admin('GET', `/proxy-cache/${plugin.id}/caches/${key}`);
  assert.equal(got.statusCode, 200);
  const record = (await got.body.json()) as { status: number; headers: Record<string, string>; body: string; body_len: number; version: number; ttl: number; timestamp: number };
  assert.equal(record.headers['X-Cache-Key'], key);
  assert.equal(record.status, 200);
  assert.equal(record.body, first.text);
  assert.equal(record.body_len, Buffer.byteLength(first.text));
  assert.equal(record.version, 1);
  assert.equal(record.ttl, 300);
  const byKey = await admin('GET', `/proxy-cache/${key}`);
  assert.equal(byKey.statusCode, 200);
  assert.equal(((await byKey.body.json()) as { headers: Record<string, string> }).headers['X-Cache-Key'], key);

  assert.equal((await admin('DELETE', `/proxy-cache/${plugin.id}/caches/${key}`)).statusCode, 204);
  await steps([[{ host: 'route-2.test', path: '/admin' }, 200, 'Miss']]);
  assert.equal((await admin('DELETE', `/proxy-cache/${key}`)).statusCode, 204);
  await steps([[{ host: 'route-2.test', path: '/admin' }, 200, 'Miss'], [{ host: 'route-1.test', path: '/admin' }, 200, 'Miss'], [{ host: 'route-1.test', path: '/admin' }, 200, 'Hit']]);
  assert.equal((await admin('DELETE', '/proxy-cache')).statusCode, 204);
  await steps([[{ host: 'route-2.test', path: '/admin' }, 200, 'Miss'], [{ host: 'route-1.test', path: '/admin' }, 200, 'Miss']]);

  assert.equal((await admin('DELETE', '/proxy-cache')).statusCode, 204);
  for (const [method, path] of [['DELETE', `/proxy-cache/${plugin.id}/caches/123`], ['DELETE', `/proxy-cache/${r2}/caches/123`], ['GET', `/proxy-cache/${plugin.id}/caches/${key}`], ['GET', `/proxy-cache/${key}`], ['DELETE', `/proxy-cache/${key}`]] as const) {
    const res = await admin(method, path);
    await res.body.text();
    assert.equal(res.statusCode, 404, `${method} ${path}`);
  }
  const wrong = await admin('POST', '/proxy-cache');
  await wrong.body.text();
  assert.equal(wrong.statusCode, 405);
});

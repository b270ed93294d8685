// http-log end to end, against a real log server on loopback: Kong's spec/03-plugins/03-http-log cases, the
// record Kong's serializer makes, batching, queue sharing, a log server that is down and comes back, a full
// queue's drops on the admin's /metrics, and credentials kept out of the record.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { startTestGateway, startUpstream } from '../helpers/servers.ts';
import { startLogReceiver } from '../helpers/log-receiver.ts';
import { tempDir } from '../helpers/temp.ts';
import { encode } from '../../src/plugins/bundled/http-log/sender.ts';
import { validatePluginConfig } from '../../src/declarative/plugin-config.ts';
import httpLogSchema from '../../src/plugins/bundled/http-log/schema.ts';
import { formatPath } from '../../src/errors.ts';

const upstream = await startUpstream();
const rx = await startLogReceiver();
const dead = await startLogReceiver();
const deadPort = dead.port;
await dead.close();
const ep = (path: string, userinfo = '') => `http://${userinfo}127.0.0.1:${rx.port}${path}`;
const fast = '{ initial_retry_delay: 0.01, max_retry_delay: 0.05 }';

const gw = await startTestGateway(`_format_version: "3.0"
consumers:
- username: alice
  keyauth_credentials: [{ key: alice-secret-key }]
  basicauth_credentials: [{ username: alice, password: alice-secret-pass }]
services:
- name: s
  url: http://127.0.0.1:${upstream.port}
  routes:
  - { name: plain, hosts: [http_logging.test], plugins: [{ name: http-log, config: { http_endpoint: "${ep('/post_log/http?dropped=1')}" } }] }
  - { name: json, hosts: [json.test], plugins: [{ name: http-log, config: { http_endpoint: "${ep('/post_log/http2')}", content_type: application/json } }] }
  - { name: utf8, hosts: [utf8.test], plugins: [{ name: http-log, config: { http_endpoint: "${ep('/post_log/http3')}", content_type: "application/json; charset=utf-8", method: PUT } }] }
  - { name: basic, hosts: [basic.test], plugins: [{ name: http-log, config: { http_endpoint: "${ep('/post_auth_log/basic_auth', 'testuser:testpassword@')}", headers: { Hello-World: "hi there" } } }] }
  - { name: batch, hosts: [batch.test], plugins: [{ name: http-log, config: { http_endpoint: "${ep('/post_log/batch')}", queue: { max_batch_size: 5, max_coalescing_delay: 3600 } } }] }
  - { name: batch2, hosts: [batch2.test], plugins: [{ name: http-log, config: { http_endpoint: "${ep('/post_log/batch2')}", queue: { max_batch_size: 5, max_coalescing_delay: 0.1 } } }] }
  - { name: share1, hosts: [share1.test], plugins: [{ name: http-log, config: { http_endpoint: "${ep('/post_log/shared')}", queue: { max_batch_size: 2, max_coalescing_delay: 1000 } } }] }
  - { name: share2, hosts: [share2.test], plugins: [{ name: http-log, config: { http_endpoint: "${ep('/post_log/shared')}", queue: { max_batch_size: 2, max_coalescing_delay: 1000 } } }] }
  - { name: share3, hosts: [share3.test], plugins: [{ name: http-log, config: { http_endpoint: "${ep('/post_log/unshared')}", queue: { max_batch_size: 2, max_coalescing_delay: 0.01 } } }] }
  - { name: noqueue, hosts: [no_queue.test], plugins: [{ name: http-log, config: { http_endpoint: "${ep('/post_log/noqueue')}", queue: { concurrency_limit: -1 } } }] }
  - { name: retry, hosts: [retry.test], plugins: [{ name: http-log, config: { http_endpoint: "${ep('/post_log/retry')}", queue: ${fast} } }] }
  - { name: full, hosts: [full.test], plugins: [{ name: http-log, config: { http_endpoint: "http://127.0.0.1:${deadPort}/full", queue: { max_entries: 2, max_retry_time: 0.3, initial_retry_delay: 0.2 } } }] }
  - name: keyed
    hosts: [keyed.test]
    plugins:
    - { name: key-auth }
    - { name: http-log, config: { http_endpoint: "${ep('/post_log/keyed')}" } }
  - name: basicked
    hosts: [basicked.test]
    plugins:
    - { name: basic-auth }
    - { name: http-log, config: { http_endpoint: "${ep('/post_log/basicked')}" } }
- name: down
  url: http://127.0.0.1:${deadPort}
  routes:
  - { name: broken, hosts: [broken.test], plugins: [{ name: http-log, config: { http_endpoint: "${ep('/post_log/broken')}" } }] }
plugins:
- { name: http-log, config: { http_endpoint: "${ep('/post_log/global')}" } }
`);

after(async () => {
  await gw.stop();
  await upstream.close();
  await rx.close();
});

async function get(host: string, path = '/status/200', headers: Record<string, string> = {}) {
  const res = await request(`${gw.url}${path}`, { headers: { host, ...headers } });
  const body = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body };
}

/** What the log server got on `path`, once `n` requests came. */
async function logged(path: string, n = 1, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = rx.received.filter((r) => r.url === path);
    if (got.length >= n) return got;
    if (Date.now() > deadline) throw new Error(`${got.length} of ${n} log requests on ${path}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

// biome-ignore lint/suspicious/noExplicitAny: log records are JSON read field by field
type Rec = Record<string, any>;

test('spec/03-plugins/03-http-log/01-log_spec.lua:390 logs to HTTP: one entry, one object, Kong\'s record', async () => {
  const res = await get('http_logging.test', '/status/200?a=1&b&a=2');
  assert.equal(res.status, 200);
  const [got] = await logged('/post_log/http');
  assert.equal(got!.method, 'POST');
  assert.equal(got!.headers['content-type'], 'application/json');
  const e = got!.json as Rec;
  assert.ok(!Array.isArray(e), 'max_batch_size 1: the entry itself, not an array');
  assert.equal(e.client_ip, '127.0.0.1');
  assert.equal(e.request.id, res.headers['x-kong-request-id']);
  assert.equal(e.request.method, 'GET');
  assert.equal(e.request.uri, '/status/200?a=1&b&a=2');
  assert.equal(e.request.url, `http://http_logging.test:${gw.port}/status/200?a=1&b&a=2`);
  assert.deepEqual(e.request.querystring, { a: ['1', '2'], b: true });
  assert.equal(e.request.headers.host, 'http_logging.test');
  assert.equal(typeof e.request.size, 'number');
  assert.ok(e.request.size > 40);
  assert.equal(e.request.tls, undefined);
  assert.equal(e.upstream_uri, '/status/200?a=1&b&a=2');
  assert.equal(e.upstream_status, '200');
  assert.equal(e.response.status, 200);
  assert.equal(e.response.headers['x-kong-request-id'], res.headers['x-kong-request-id']);
  // Bytes sent: the head and the body the client got.
  assert.ok(e.response.size > res.body.length, `${e.response.size}`);
  assert.equal(e.tries.length, 1);
  assert.deepEqual(Object.keys(e.tries[0]).sort(), ['balancer_latency', 'balancer_latency_ns', 'balancer_start', 'balancer_start_ns', 'ip', 'port']);
  assert.equal(e.tries[0].ip, '127.0.0.1');
  assert.equal(e.tries[0].port, upstream.port);
  assert.deepEqual(Object.keys(e.latencies).sort(), ['kong', 'proxy', 'receive', 'request']);
  for (const v of Object.values(e.latencies)) assert.equal(typeof v, 'number');
  assert.ok(e.latencies.proxy >= 0);
  assert.equal(e.route.name, 'plain');
  assert.equal(e.service.name, 's');
  assert.equal(e.consumer, undefined);
  assert.equal(e.authenticated_entity, undefined);
  assert.equal(typeof e.started_at, 'number');
  assert.equal(e.source, 'upstream');
  assert.equal(e.workspace_name, 'default');
  assert.match(e.workspace, /^[0-9a-f-]{36}$/);
});

test('spec/03-plugins/03-http-log/01-log_spec.lua:417 content-type application/json', async () => {
  await get('json.test');
  const [got] = await logged('/post_log/http2');
  assert.equal(got!.headers['content-type'], 'application/json');
});

test('spec/03-plugins/03-http-log/01-log_spec.lua:431 content-type application/json; charset=utf-8 (and method PUT)', async () => {
  await get('utf8.test');
  const [got] = await logged('/post_log/http3');
  assert.equal(got!.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(got!.method, 'PUT');
  assert.equal((got!.json as Rec).client_ip, '127.0.0.1');
});

test('spec/03-plugins/03-http-log/01-log_spec.lua:538 userinfo in http_endpoint becomes Basic auth; configured headers go too', async () => {
  await get('basic.test');
  const [got] = await logged('/post_auth_log/basic_auth');
  assert.equal(got!.headers.authorization, 'Basic dGVzdHVzZXI6dGVzdHBhc3N3b3Jk');
  assert.equal(got!.headers['hello-world'], 'hi there');
});

test('spec/03-plugins/03-http-log/01-log_spec.lua:579 the http client adds the Host header', async () => {
  await get('http_logging.test');
  const got = await logged('/post_log/http', 2);
  assert.equal(got[1]!.headers.host, `127.0.0.1:${rx.port}`);
});

test('spec/03-plugins/03-http-log/01-log_spec.lua:773 logs with a buffer: max_batch_size 5 sends arrays of 5', async () => {
  for (let i = 0; i < 10; i++) assert.equal((await get('batch.test', `/status/${200 + i}`)).status, 200);
  const got = await logged('/post_log/batch', 2);
  for (const r of got) {
    assert.ok(Array.isArray(r.json));
    assert.equal((r.json as unknown[]).length, 5);
  }
  const uris = got.flatMap((r) => (r.json as Rec[]).map((e) => e.request.uri));
  assert.deepEqual(uris, Array.from({ length: 10 }, (_, i) => `/status/${200 + i}`));
});

test('spec/03-plugins/03-http-log/01-log_spec.lua:812 does not mix buffers; a batch of one is still an array', async () => {
  await get('batch2.test', '/one');
  await get('batch.test', '/other');
  const [got] = await logged('/post_log/batch2');
  assert.deepEqual((got!.json as Rec[]).map((e) => e.request.uri), ['/one']);
});

test('spec/03-plugins/03-http-log/04-legacy_queue_sharing_spec.lua:116 queues are shared based on upstream parameters', async () => {
  await get('share1.test');
  await get('share2.test');
  await get('share3.test');
  const [shared] = await logged('/post_log/shared');
  assert.deepEqual((shared!.json as Rec[]).map((e) => e.route.name), ['share1', 'share2']);
  const [unshared] = await logged('/post_log/unshared');
  assert.deepEqual((unshared!.json as Rec[]).map((e) => e.route.name), ['share3']);
});

test('spec/03-plugins/03-http-log/01-log_spec.lua:667 concurrency_limit -1 sends each entry on its own', async () => {
  await get('no_queue.test');
  await get('no_queue.test');
  const got = await logged('/post_log/noqueue', 2);
  for (const r of got) assert.equal((r.json as Rec).client_ip, '127.0.0.1');
});

test('spec/03-plugins/03-http-log/01-log_spec.lua:943 a global instance logs a request that matched no route', async () => {
  assert.equal((await get('http_no_exist.test', '/nonexistant/proxy/path')).status, 404);
  const got = await logged('/post_log/global', 1);
  const e = got.map((r) => r.json as Rec).find((x) => x.request.uri === '/nonexistant/proxy/path')!;
  assert.equal(e.response.status, 404);
  assert.equal(e.route, undefined);
  assert.equal(e.service, undefined);
  assert.equal(e.tries, undefined);
  assert.equal(e.upstream_status, '');
  assert.equal(e.source, 'kong');
  assert.equal(e.latencies.proxy, -1);
});

test('a failed try is in tries as Kong records it (state, code), and in upstream_status', async () => {
  assert.equal((await get('broken.test')).status, 502);
  const [got] = await logged('/post_log/broken');
  const e = got!.json as Rec;
  assert.equal(e.response.status, 502);
  assert.ok(e.tries.length >= 1);
  assert.equal(e.tries[0].state, 'failed');
  assert.equal(e.tries[0].code, 502);
  assert.match(e.upstream_status, /^502(, 502)*$/);
});

test('a log server answering 500 fails the batch: it is sent again until accepted', async () => {
  rx.status = 500;
  await get('retry.test', '/first');
  await new Promise((r) => setTimeout(r, 100));
  rx.status = 200;
  const [got] = await logged('/post_log/retry');
  assert.equal((got!.json as Rec).request.uri, '/first');
});

test('the log server goes down and comes back: requests are answered meanwhile, and nothing is lost within max_retry_time', async () => {
  await rx.down();
  try {
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => get('retry.test', `/while-down/${i}`)));
    for (const a of answers) assert.equal(a.status, 200);
  } finally {
    await rx.up();
  }
  const got = await logged('/post_log/retry', 21, 15_000);
  const uris = new Set(got.map((r) => (r.json as Rec).request.uri));
  for (let i = 0; i < 20; i++) assert.ok(uris.has(`/while-down/${i}`), `/while-down/${i}`);
});

test('a full queue drops its oldest entries, and the drops show on the admin /metrics', async () => {
  const answers = await Promise.all(Array.from({ length: 10 }, () => get('full.test')));
  for (const a of answers) assert.equal(a.status, 200);
  const res = await request(`${gw.admin}/metrics`);
  const text = await res.body.text();
  const m = /^gateway_log_entries_dropped_total\{plugin="http-log",reason="queue_full"\} (\d+)$/m.exec(text);
  assert.ok(m, text);
  assert.ok(Number(m[1]) >= 7, m[0]);
});

test('no credential in the record: key-auth keys (header or query) and basic-auth passwords', async () => {
  assert.equal((await get('keyed.test', '/k1', { apikey: 'alice-secret-key' })).status, 200);
  assert.equal((await get('keyed.test', '/k2?apikey=alice-secret-key&x=1&other=alice-secret-key-not')).status, 200);
  const basic = `Basic ${Buffer.from('alice:alice-secret-pass').toString('base64')}`;
  assert.equal((await get('basicked.test', '/b', { authorization: basic, 'proxy-authorization': basic })).status, 200);
  const keyed = await logged('/post_log/keyed', 2);
  const [basicked] = await logged('/post_log/basicked');
  for (const r of [...keyed, basicked!]) {
    assert.ok(!r.body.replaceAll('alice-secret-key-not', '').includes('alice-secret'), r.body);
    assert.ok(!r.body.includes(basic.slice(6)), r.body);
  }
  const [h, q] = keyed.map((r) => r.json as Rec);
  assert.equal(h!.request.headers.apikey, 'REDACTED');
  assert.equal(q!.request.querystring.apikey, 'REDACTED');
  assert.equal(q!.request.querystring.x, '1');
  // Only values that are the key: another value that merely contains it stays as sent.
  assert.equal(q!.request.querystring.other, 'alice-secret-key-not');
  assert.equal(q!.request.uri, '/k2?apikey=REDACTED&x=1&other=alice-secret-key-not');
  assert.equal(q!.upstream_uri, '/k2?apikey=REDACTED&x=1&other=alice-secret-key-not');
  assert.equal(h!.consumer.username, 'alice');
  assert.equal(h!.authenticated_entity.consumer_id, h!.consumer.id);
  assert.equal(typeof h!.authenticated_entity.id, 'string');
  const b = basicked!.json as Rec;
  assert.equal(b.request.headers.authorization, 'REDACTED');
  assert.equal(b.request.headers['proxy-authorization'], 'REDACTED');
});

test('spec/03-plugins/03-http-log/01-log_spec.lua:445 custom_fields_by_lua is refused by gateway validate, with its position', async () => {
  const dir = tempDir('http-log');
  const file = join(dir, 'kong.yaml');
  writeFileSync(file, `_format_version: "3.0"
plugins:
- name: http-log
  config:
    http_endpoint: http://127.0.0.1:9/log
    custom_fields_by_lua:
      new_field: return 123
`);
  const bin = new URL('../../bin/gateway.js', import.meta.url).pathname;
  const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(process.execPath, [bin, 'validate', file], { cwd: dir }, (err, _stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }));
  });
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`${file}:7:\\d+ plugins\\[0\\]\\.config\\.custom_fields_by_lua: Lua code is not run by this gateway`));
});

test('a batch body is the records as a JSON array, whatever characters they hold (UTF-8)', () => {
  const entries = [{ a: 'plain' }, { b: 'café ✓ 😀', c: [1, null, true] }, '{"already":"json é"}', { d: Object.freeze({ e: 'frozen' }) }];
  const body = encode({ single: false } as never, entries);
  assert.deepEqual(JSON.parse(body.toString('utf8')), [{ a: 'plain' }, { b: 'café ✓ 😀', c: [1, null, true] }, { already: 'json é' }, { d: { e: 'frozen' } }]);
  assert.deepEqual(JSON.parse(encode({ single: true } as never, [{ x: 'é' }]).toString('utf8')), { x: 'é' });
});

const schemaProblems = (config: Record<string, unknown>) =>
  validatePluginConfig(httpLogSchema as never, { http_endpoint: 'http://myservice.test/path', ...config }).problems.map((p) => `${formatPath(p.path)}: ${p.message}`);

for (const [line, name, config, expected] of [
  [55, 'accepts minimal config with defaults', {}, []],
  [63, 'accepts empty headers with username/password in the http_endpoint', { http_endpoint: 'http://bob:password@myservice.test/path' }, []],
  [71, 'custom fields by lua: Kong accepts them, this gateway refuses them (it runs no Lua)', { custom_fields_by_lua: { foo: "return 'bar'" } }, ['custom_fields_by_lua: Lua code is not run by this gateway: custom_fields_by_lua cannot be used (remove it, or set it to null)']],
  [82, 'does accept allowed headers', { headers: { 'X-My-Header': '123', 'X-Your-Header': 'abc' } }, []],
  [94, 'does not accept empty header values', { headers: { 'X-My-Header': '' } }, ['headers.X-My-Header: length must be at least 1']],
  [108, 'does not accept Host header', { headers: { 'X-My-Header': '123', Host: 'MyHost' } }, ["headers.Host: cannot contain 'Host' header"]],
  [124, 'does not accept Content-Length header', { headers: { 'coNTEnt-Length': '123' } }, ["headers.coNTEnt-Length: cannot contain 'Content-Length' header"]],
  [139, 'does not accept Content-Type header', { headers: { 'coNTEnt-Type': 'bad' } }, ["headers.coNTEnt-Type: cannot contain 'Content-Type' header"]],
  [154, "does not accept userinfo in URL and 'Authorization' header", { http_endpoint: 'http://hi:there@myservice.test/path', headers: { AuthoRIZATion: 'bad' } }, ["headers.AuthoRIZATion: specifying both an 'Authorization' header and user info in 'http_endpoint' is not allowed"]],
] as const) {
  test(`spec/03-plugins/03-http-log/02-schema_spec.lua:${line} ${name}`, () => {
    assert.deepEqual(schemaProblems(config as Record<string, unknown>), expected);
  });
}

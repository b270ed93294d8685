// key-auth end to end: Kong's 401s, keys in headers and query strings, hidden credentials, consumer headers
// upstream, the anonymous fallback, preflight requests, and credential ttl.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startTestGateway, startUpstream, type Echo } from '../helpers/servers.ts';
import { compileCredentials } from '../../src/snapshot/credentials.ts';
import { loadValid } from '../helpers/config.ts';

const upstream = await startUpstream();
const gw = await startTestGateway(`_format_version: "3.0"
consumers:
- username: alice
  custom_id: cust-1
  keyauth_credentials: [{ key: alice-key }]
- username: guest
services:
- name: s
  url: http://127.0.0.1:${upstream.port}
  routes:
  - name: locked
    paths: [/locked]
    plugins: [{ name: key-auth }]
  - name: hidden
    paths: [/hidden]
    plugins: [{ name: key-auth, config: { hide_credentials: true, key_names: [apikey, x-api-key] } }]
  - name: open-door
    paths: [/anon]
    plugins: [{ name: key-auth, config: { anonymous: guest } }]
  - name: preflight
    paths: [/preflight]
    plugins: [{ name: key-auth, config: { run_on_preflight: false } }]
`);

after(async () => {
  await gw.stop();
  await upstream.close();
});

async function call(path: string, headers: Record<string, string> = {}, method = 'GET') {
  const res = await request(`${gw.url}${path}`, { method: method as 'GET', headers });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text };
}

test("no key: 401 with Kong's message and WWW-Authenticate; a wrong key: 401 Unauthorized", async () => {
  const none = await call('/locked');
  assert.equal(none.status, 401);
  assert.equal(JSON.parse(none.text).message, 'No API key found in request');
  assert.equal(none.headers['www-authenticate'], 'Key', 'Kong 3.10: no realm unless configured');
  const wrong = await call('/locked', { apikey: 'nope' });
  assert.equal(wrong.status, 401);
  assert.equal(JSON.parse(wrong.text).message, 'Unauthorized');
  assert.equal(upstream.requests.length, 0, 'nothing reached the upstream');
});

test("a valid key in a header or the query string: proxied with Kong's consumer headers", async () => {
  const viaHeader = await call('/locked', { apikey: 'alice-key', 'x-consumer-username': 'forged' });
  assert.equal(viaHeader.status, 200);
  const h = (JSON.parse(viaHeader.text) as Echo).headers;
  assert.match(String(h['x-consumer-id']), /^[0-9a-f-]{36}$/);
  assert.equal(h['x-consumer-username'], 'alice', 'set by the gateway, whatever the client sent');
  assert.equal(h['x-consumer-custom-id'], 'cust-1');
  assert.match(String(h['x-credential-identifier']), /^[0-9a-f-]{36}$/);
  assert.equal(h['x-anonymous-consumer'], undefined);
  assert.equal(h.apikey, 'alice-key', 'kept upstream unless hide_credentials');
  const viaQuery = await call('/locked?apikey=alice-key&x=1');
  assert.equal(viaQuery.status, 200);
  assert.equal((JSON.parse(viaQuery.text) as Echo).url, '/?apikey=alice-key&x=1', 'strip_path (default true) removed /locked');
});

test('hide_credentials: the key does not go upstream, from a header or the query string', async () => {
  const header = JSON.parse((await call('/hidden', { 'x-api-key': 'alice-key' })).text) as Echo;
  assert.equal(header.headers['x-api-key'], undefined);
  assert.equal(header.headers['x-consumer-username'], 'alice');
  const query = JSON.parse((await call('/hidden/x?apikey=alice-key&keep=1')).text) as Echo;
  assert.equal(query.url, '/x?keep=1');
});

test('anonymous: without a valid key, the anonymous consumer, flagged as such', async () => {
  const r = await call('/anon');
  assert.equal(r.status, 200);
  const h = (JSON.parse(r.text) as Echo).headers;
  assert.equal(h['x-consumer-username'], 'guest');
  assert.equal(h['x-anonymous-consumer'], 'true');
  const known = (JSON.parse((await call('/anon', { apikey: 'alice-key' })).text) as Echo).headers;
  assert.equal(known['x-consumer-username'], 'alice');
  assert.equal(known['x-anonymous-consumer'], undefined);
});

test('run_on_preflight false: OPTIONS passes without a key', async () => {
  assert.equal((await call('/preflight', {}, 'OPTIONS')).status, 200);
  assert.equal((await call('/preflight')).status, 401);
});

test('credential ttl: counted from when the config was loaded', () => {
  const config = loadValid('_format_version: "3.0"\nconsumers:\n- username: a\n  keyauth_credentials: [{ key: short, ttl: 60 }, { key: forever }]\n');
  const credentials = compileCredentials(config, 1_000_000);
  assert.ok(credentials.keyauth('short', 1_000_000 + 59_000));
  assert.equal(credentials.keyauth('short', 1_000_000 + 61_000), undefined);
  assert.ok(credentials.keyauth('forever', 1_000_000 + 1e12));
  assert.equal(credentials.keyauth('unknown'), undefined);
});

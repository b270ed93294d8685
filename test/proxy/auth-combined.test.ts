// Authentication plugins together: Kong's "logical OR" (several plugins with anonymous: any one that succeeds
// is enough), key-auth's key_in_body, and a consumer-scoped plugin that applies once the consumer is known.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startRoutes, type Echo } from '../helpers/servers.ts';

const { gw } = await startRoutes(`  - name: either
    paths: [/either]
    plugins:
    - { name: key-auth, config: { anonymous: guest } }
    - { name: basic-auth, config: { anonymous: guest } }
    - { name: request-termination, consumer: guest, config: { status_code: 401, message: authenticate with a key or a password } }
  - name: body
    paths: [/body]
    plugins: [{ name: key-auth, config: { key_in_header: false, key_in_query: false, key_in_body: true, hide_credentials: true } }]
consumers:
- username: alice
  keyauth_credentials: [{ key: alice-key }]
  basicauth_credentials: [{ username: alice, password: pw }]
- username: guest
`);

async function call(path: string, init: { headers?: Record<string, string>; body?: string; method?: string } = {}) {
  const res = await request(`${gw.url}${path}`, { method: (init.method ?? 'GET') as 'GET', headers: init.headers, body: init.body });
  return { status: res.statusCode, text: await res.body.text() };
}

test('logical OR: a key, or a password, each lets alice in; neither leaves the anonymous guest, who is refused', async () => {
  const byKey = await call('/either', { headers: { apikey: 'alice-key' } });
  assert.equal(byKey.status, 200);
  assert.equal((JSON.parse(byKey.text) as Echo).headers['x-consumer-username'], 'alice');
  const byPassword = await call('/either', { headers: { authorization: `Basic ${Buffer.from('alice:pw').toString('base64')}` } });
  assert.equal(byPassword.status, 200);
  assert.equal((JSON.parse(byPassword.text) as Echo).headers['x-consumer-username'], 'alice');
  const neither = await call('/either');
  assert.equal(neither.status, 401);
  assert.equal(JSON.parse(neither.text).message, 'authenticate with a key or a password');
});

test('key_in_body: the key from a form or JSON body, removed before proxying with hide_credentials', async () => {
  const form = await call('/body', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'apikey=alice-key&item=7' });
  assert.equal(form.status, 200);
  const echo = JSON.parse(form.text) as Echo;
  assert.equal(echo.headers['x-consumer-username'], 'alice');
  assert.equal(echo.bodyBytes, Buffer.byteLength('item=7'));
  const json = await call('/body', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"apikey":"alice-key","n":1}' });
  assert.equal(json.status, 200);
  assert.equal((JSON.parse(json.text) as Echo).bodyBytes, Buffer.byteLength('{"n":1}'));
  const missing = await call('/body', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":1}' });
  assert.equal(missing.status, 401);
  assert.equal(JSON.parse(missing.text).message, 'No API key found in request');
});

// basic-auth end to end: Kong's 401 and WWW-Authenticate, Proxy-Authorization before Authorization, passwords
// held only as Kong's hashes, hidden credentials, consumer headers, anonymous.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startRoutes, type Echo } from '../helpers/servers.ts';
import { loadValid } from '../helpers/config.ts';

const consumers = `consumers:
- username: alice
  id: 7b0c8f4e-2c1a-4f7e-9d6b-1f2e3d4c5b6a
  basicauth_credentials: [{ username: alice-login, password: "s3cret:with:colons" }]
- username: guest
`;
const { gw } = await startRoutes(`  - { name: locked, paths: [/locked], plugins: [{ name: basic-auth }] }
  - { name: hidden, paths: [/hidden], plugins: [{ name: basic-auth, config: { hide_credentials: true, realm: api } }] }
  - { name: anon, paths: [/anon], plugins: [{ name: basic-auth, config: { anonymous: guest } }] }
${consumers}`);

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

async function call(path: string, headers: Record<string, string> = {}) {
  const res = await request(`${gw.url}${path}`, { headers });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

test("no credentials, a wrong password, an unknown user: Kong's 401 Unauthorized with WWW-Authenticate", async () => {
  const attempts: Record<string, string>[] = [{}, { authorization: basic('alice-login', 'nope') }, { authorization: basic('bob', 'x') }, { authorization: 'Basic !!!' }];
  for (const headers of attempts) {
    const r = await call('/locked', headers);
    assert.equal(r.status, 401, JSON.stringify(headers));
    assert.equal(JSON.parse(r.text).message, 'Unauthorized');
    assert.equal(r.headers['www-authenticate'], 'Basic realm="service"');
  }
});

test('the right password (colons included): proxied with the consumer headers, the username as identifier', async () => {
  const r = await call('/locked', { authorization: basic('alice-login', 's3cret:with:colons') });
  assert.equal(r.status, 200);
  const h = (JSON.parse(r.text) as Echo).headers;
  assert.equal(h['x-consumer-username'], 'alice');
  assert.equal(h['x-consumer-id'], '7b0c8f4e-2c1a-4f7e-9d6b-1f2e3d4c5b6a');
  assert.equal(h['x-credential-identifier'], 'alice-login');
  assert.equal(h['x-anonymous-consumer'], undefined);
  assert.equal(h.authorization, basic('alice-login', 's3cret:with:colons'), 'kept without hide_credentials');
});

test('Proxy-Authorization is tried first; hide_credentials removes the header it used; the realm is configurable', async () => {
  const r = await call('/hidden', { 'proxy-authorization': basic('alice-login', 's3cret:with:colons'), authorization: 'Bearer other' });
  assert.equal(r.status, 200);
  const h = (JSON.parse(r.text) as Echo).headers;
  assert.equal(h['proxy-authorization'], undefined);
  assert.equal(h.authorization, 'Bearer other', 'Kong does not read (or clear) Authorization once Proxy-Authorization matched');
  assert.equal((await call('/hidden')).headers['www-authenticate'], 'Basic realm="api"');
});

test('anonymous: the guest consumer when authentication fails', async () => {
  const h = (JSON.parse((await call('/anon', { authorization: basic('alice-login', 'wrong') })).text) as Echo).headers;
  assert.equal(h['x-consumer-username'], 'guest');
  assert.equal(h['x-anonymous-consumer'], 'true');
});

test('passwords are stored as sha1(password + consumer id), never in clear', () => {
  const config = loadValid(`_format_version: "3.0"\n${consumers}`);
  const stored = config.basicauth_credentials[0]!.password;
  assert.notEqual(stored, 's3cret:with:colons');
  assert.match(stored, /^[0-9a-f]{40}$/);
});

// The invalidation specs of the four authentication plugins (09-key-auth/03, 10-basic-auth/04, 16-jwt/04,
// 19-hmac-auth/04). Kong deletes or patches entities through its admin API and waits for the cache to be
// invalidated; DB-less, the same change is a new declarative config (POST /config), and the next request must see it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { request } from 'undici';
import { basic, send, startSpecGateway, type SpecRequest } from './auth-helpers.ts';
import { encode } from './jwt-encode.ts';

interface Credentials {
  readonly key?: string | undefined;
  readonly password?: string | undefined;
  readonly jwtKey?: string | undefined;
  readonly hmacUser?: string | undefined;
}
const BASE: Credentials = { key: 'kong', password: 'kong', jwtKey: 'key123', hmacUser: 'bob' };

let upstreamPort = 0;
const config = (c: Credentials | null) => `_format_version: "3.0"
consumers:
${c === null ? '- username: someone-else' : `- username: consumer1
  custom_id: "1234"
${c.key ? `  keyauth_credentials: [{ key: ${c.key} }]\n` : ''}${c.password ? `  basicauth_credentials: [{ username: bob, password: ${c.password} }]\n` : ''}${c.jwtKey ? `  jwt_secrets: [{ key: ${c.jwtKey}, secret: secret123 }]\n` : ''}${c.hmacUser ? `  hmacauth_credentials: [{ username: ${c.hmacUser}, secret: secret }]\n` : ''}`}
services:
- url: http://127.0.0.1:${upstreamPort}
  routes:
  - { hosts: [key-auth.test], plugins: [{ name: key-auth }] }
  - { hosts: [basic-auth.test], plugins: [{ name: basic-auth }] }
  - { hosts: [jwt.test], plugins: [{ name: jwt }] }
  - { hosts: [hmacauth.test], plugins: [{ name: hmac-auth, config: { clock_skew: 3000 } }] }
`;
const gw = await startSpecGateway((port) => {
  upstreamPort = port;
  return config(BASE);
});

async function apply(c: Credentials | null): Promise<void> {
  const res = await request(`${gw.admin}/config`, { method: 'POST', headers: { 'content-type': 'text/yaml' }, body: config(c) });
  const text = await res.body.text();
  assert.ok(res.statusCode === 201, `POST /config: ${res.statusCode} ${text}`);
}

const hmacAuth = (username: string): Record<string, string> => {
  const date = new Date().toUTCString();
  return { date, authorization: `hmac username="${username}",algorithm="hmac-sha1",headers="date",signature="${createHmac('sha1', 'secret').update(`date: ${date}`).digest('base64')}"` };
};
const exp = () => Math.floor(Date.now() / 1000) + 3600;
const calls: Record<string, (value: string) => SpecRequest> = {
  'key-auth': (key) => ({ path: '/', headers: { host: 'key-auth.test', apikey: key } }),
  'basic-auth': (password) => ({ path: '/', headers: { host: 'basic-auth.test', authorization: basic('bob', password) } }),
  jwt: (key) => ({ path: '/', headers: { host: 'jwt.test', authorization: `Bearer ${encode({ iss: key, exp: exp() }, 'secret123')}` } }),
  'hmac-auth': (user) => ({ path: '/requests', headers: { host: 'hmacauth.test', ...hmacAuth(user) } }),
};
const status = async (plugin: string, value: string) => (await send(gw, calls[plugin]!(value))).status;

interface Row {
  readonly spec: string;
  readonly plugin: string;
  readonly name: string;
  /** The credential value that works at first. */
  readonly value: string;
  readonly change: Credentials | null;
  /** The updated credential's value, which must work afterwards. */
  readonly updated?: string;
}

const rows: Row[] = [
  { spec: 'spec/03-plugins/09-key-auth/03-invalidations_spec.lua:56', plugin: 'key-auth', name: 'invalidates credentials when the Consumer is deleted', value: 'kong', change: null },
  { spec: 'spec/03-plugins/09-key-auth/03-invalidations_spec.lua:110', plugin: 'key-auth', name: 'invalidates credentials from cache when deleted', value: 'kong', change: { ...BASE, key: undefined } },
  { spec: 'spec/03-plugins/09-key-auth/03-invalidations_spec.lua:172', plugin: 'key-auth', name: 'invalidated credentials from cache when updated', value: 'kong', change: { ...BASE, key: 'kong-updated' }, updated: 'kong-updated' },
  { spec: 'spec/03-plugins/10-basic-auth/04-invalidations_spec.lua:77', plugin: 'basic-auth', name: 'invalidates credentials when the Consumer is deleted', value: 'kong', change: null },
  { spec: 'spec/03-plugins/10-basic-auth/04-invalidations_spec.lua:136', plugin: 'basic-auth', name: 'invalidates credentials from cache when deleted', value: 'kong', change: { ...BASE, password: undefined } },
  { spec: 'spec/03-plugins/10-basic-auth/04-invalidations_spec.lua:202', plugin: 'basic-auth', name: 'invalidated credentials from cache when updated', value: 'kong', change: { ...BASE, password: 'kong-updated' }, updated: 'kong-updated' },
  { spec: 'spec/03-plugins/16-jwt/04-invalidations_spec.lua:76', plugin: 'jwt', name: 'should invalidate when JWT Auth Credential entity is deleted', value: 'key123', change: { ...BASE, jwtKey: undefined } },
  { spec: 'spec/03-plugins/16-jwt/04-invalidations_spec.lua:126', plugin: 'jwt', name: 'should invalidate when JWT Auth Credential entity is updated', value: 'key123', change: { ...BASE, jwtKey: 'keyhello' }, updated: 'keyhello' },
  { spec: 'spec/03-plugins/16-jwt/04-invalidations_spec.lua:206', plugin: 'jwt', name: 'should invalidate when Consumer entity is deleted', value: 'key123', change: null },
  { spec: 'spec/03-plugins/19-hmac-auth/04-invalidations_spec.lua:77', plugin: 'hmac-auth', name: 'should invalidate when Hmac Auth Credential entity is deleted', value: 'bob', change: { ...BASE, hmacUser: undefined } },
  { spec: 'spec/03-plugins/19-hmac-auth/04-invalidations_spec.lua:135', plugin: 'hmac-auth', name: 'should invalidate when Hmac Auth Credential entity is updated', value: 'bob', change: { ...BASE, hmacUser: 'hello123' }, updated: 'hello123' },
  { spec: 'spec/03-plugins/19-hmac-auth/04-invalidations_spec.lua:211', plugin: 'hmac-auth', name: 'should invalidate when Consumer entity is deleted', value: 'bob', change: null },
];

for (const row of rows) {
  test(`${row.spec} ${row.name} (a new declarative config)`, async () => {
    await apply(BASE);
    assert.equal(await status(row.plugin, row.value), 200);
    if (row.updated) assert.equal(await status(row.plugin, row.updated), 401, 'the updated value does not work yet');
    await apply(row.change);
    assert.equal(await status(row.plugin, row.value), 401);
    if (row.updated) assert.equal(await status(row.plugin, row.updated), 200);
  });
}

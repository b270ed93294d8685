// acl after key-auth: allow and deny by a consumer's ACL groups (and consumer groups when asked), Kong's 401/403,
// X-Consumer-Groups upstream.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startTestGateway, startUpstream, type Echo } from '../helpers/servers.ts';

const upstream = await startUpstream();
const gw = await startTestGateway(`_format_version: "3.0"
consumer_groups:
- name: gold
consumers:
- username: alice
  keyauth_credentials: [{ key: alice-key }]
  acls: [{ group: admins }, { group: staff }]
- username: bob
  keyauth_credentials: [{ key: bob-key }]
  acls: [{ group: users }]
  groups: [{ name: gold }]
services:
- name: s
  url: http://127.0.0.1:${upstream.port}
  routes:
  - name: admins-only
    paths: [/admin]
    plugins: [{ name: key-auth }, { name: acl, config: { allow: [admins] } }]
  - name: no-users
    paths: [/deny]
    plugins: [{ name: key-auth }, { name: acl, config: { deny: [users], hide_groups_header: true } }]
  - name: gold-members
    paths: [/gold]
    plugins: [{ name: key-auth }, { name: acl, config: { allow: [gold], include_consumer_groups: true } }]
  - name: acl-alone
    paths: [/alone]
    plugins: [{ name: acl, config: { allow: [admins] } }]
`);

after(async () => {
  await gw.stop();
  await upstream.close();
});

async function call(path: string, key?: string) {
  const res = await request(`${gw.url}${path}`, { headers: key ? { apikey: key } : {} });
  const text = await res.body.text();
  return { status: res.statusCode, text };
}

test('allow: a member passes with X-Consumer-Groups; others get 403', async () => {
  const alice = await call('/admin', 'alice-key');
  assert.equal(alice.status, 200);
  assert.equal((JSON.parse(alice.text) as Echo).headers['x-consumer-groups'], 'admins, staff');
  const bob = await call('/admin', 'bob-key');
  assert.equal(bob.status, 403);
  assert.equal(JSON.parse(bob.text).message, 'You cannot consume this service');
});

test('deny: members are kept out; hide_groups_header sends no groups upstream', async () => {
  assert.equal((await call('/deny', 'bob-key')).status, 403);
  const alice = await call('/deny', 'alice-key');
  assert.equal(alice.status, 200);
  assert.equal((JSON.parse(alice.text) as Echo).headers['x-consumer-groups'], undefined);
});

test('include_consumer_groups: consumer group membership counts', async () => {
  assert.equal((await call('/gold', 'bob-key')).status, 200);
  assert.equal((await call('/gold', 'alice-key')).status, 403);
});

test('without an authenticated consumer: 401', async () => {
  const r = await call('/alone');
  assert.equal(r.status, 401);
  assert.equal(JSON.parse(r.text).message, 'Unauthorized');
});

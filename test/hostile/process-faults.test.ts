// Faults no request handler can catch, in a gateway running as its own process (as `npm start` runs it): a
// throw in a timer a plugin set, a promise it left rejected. Node would end the process; the gateway logs each
// with the request it came from and keeps serving.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { writePlugins } from '../helpers/plugins.ts';
import { startGatewayProcess } from '../helpers/process.ts';
import { recordingUpstream } from '../helpers/raw.ts';

const dir = writePlugins([
  { name: 'rejects-unawaited', handler: "export default { version: '1', priority: 100, access() { Promise.reject(new Error('nobody awaits me')); } };\n" },
  { name: 'timer-throws', handler: "export default { version: '1', priority: 100, access() { setTimeout(() => { throw new Error('thrown in a timer'); }, 5); } };\n" },
  { name: 'throws-odd', handler: "export default { version: '1', priority: 100, access() { setTimeout(() => { throw Object.create(null); }, 5); } };\n" },
]);
const upstream = await recordingUpstream();
const gw = await startGatewayProcess(`_format_version: "3.0"
services:
- name: s
  url: http://127.0.0.1:${upstream.port}
  routes:
  - { name: ok, paths: [/ok] }
  - { name: unawaited, paths: [/unawaited], plugins: [{ name: rejects-unawaited }] }
  - { name: timer, paths: [/timer], plugins: [{ name: timer-throws }] }
  - { name: odd, paths: [/odd], plugins: [{ name: throws-odd }] }
`, ['--plugins', 'bundled,rejects-unawaited,timer-throws,throws-odd', '--plugins-path', dir]);
after(async () => {
  await gw.stop();
  await upstream.close();
});

async function get(path: string) {
  const res = await request(`http://${gw.address}${path}`);
  await res.body.text();
  return { status: res.statusCode, id: res.headers['x-kong-request-id'] };
}

test('a promise a plugin left rejected is logged with its request; the process keeps serving', async () => {
  const r = await get('/unawaited');
  assert.equal(r.status, 200);
  const line = await gw.waitFor((l) => String(l.msg).startsWith('unhandled promise rejection') && l.request_id === r.id);
  assert.equal(line.err, 'nobody awaits me');
  assert.deepEqual(line.plugins, ['rejects-unawaited']);
  assert.equal((await get('/ok')).status, 200);
  assert.equal(gw.child.exitCode, null, 'still running');
});

test('a throw in a timer a plugin set (even of a value with no prototype) is logged; the process keeps serving', async () => {
  for (const path of ['/timer', '/odd']) {
    const r = await get(path);
    assert.equal(r.status, 200);
    const line = await gw.waitFor((l) => String(l.msg).startsWith('uncaught exception') && l.request_id === r.id);
    assert.ok(typeof line.err === 'string');
  }
  assert.equal((await get('/ok')).status, 200);
  assert.equal(gw.child.exitCode, null, 'still running');
});

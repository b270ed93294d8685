// correlation-id: an id per request upstream (kept when the client sent one), echoed back when asked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startRoutes, type Echo } from '../helpers/servers.ts';

const { gw } = await startRoutes(`  - { name: counter, paths: [/counter], plugins: [{ name: correlation-id }] }
  - { name: uuid, paths: [/uuid], plugins: [{ name: correlation-id, config: { generator: uuid, header_name: X-Trace, echo_downstream: true } }] }
`);

async function call(path: string, headers: Record<string, string> = {}) {
  const res = await request(`${gw.url}${path}`, { headers });
  return { headers: res.headers, echo: JSON.parse(await res.body.text()) as Echo };
}

test('uuid#counter (the default): one process id, a counter, under Kong-Request-ID', async () => {
  const a = String((await call('/counter')).echo.headers['kong-request-id']);
  const b = String((await call('/counter')).echo.headers['kong-request-id']);
  const [idA, nA] = a.split('#');
  const [idB, nB] = b.split('#');
  assert.match(idA!, /^[0-9a-f-]{36}$/);
  assert.equal(idA, idB);
  assert.equal(Number(nB), Number(nA) + 1);
});

test('uuid, a custom header, echoed downstream; a client\'s own id is kept', async () => {
  const fresh = await call('/uuid');
  assert.match(String(fresh.echo.headers['x-trace']), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(fresh.headers['x-trace'], fresh.echo.headers['x-trace']);
  const kept = await call('/uuid', { 'x-trace': 'from-client-1' });
  assert.equal(kept.echo.headers['x-trace'], 'from-client-1');
  assert.equal(kept.headers['x-trace'], 'from-client-1');
});

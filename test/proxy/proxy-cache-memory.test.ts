// proxy-cache's memory bound: the store holds at most --mem-cache-size bytes (Kong's mem_cache_size sizes the
// shared dict), least recently used entries leave first, and a body larger than the budget streams through
// without being kept.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startTestGateway } from '../helpers/servers.ts';
import { memoryBudget, storeBytes } from '../../src/plugins/bundled/proxy-cache/store.ts';
import { startCountingUpstream } from './proxy-cache-upstream.ts';

const BUDGET = 64 * 1024;
const upstream = await startCountingUpstream();
const gw = await startTestGateway(`_format_version: "3.0"
services:
- name: s
  url: http://127.0.0.1:${upstream.port}
  routes:
  - name: r
    paths: [/]
    plugins: [{ name: proxy-cache, config: { strategy: memory, content_type: [text/plain] } }]
`, { memCacheSize: '64k' });
after(async () => {
  await gw.stop();
  await upstream.close();
});

async function get(path: string) {
  const res = await request(`${gw.url}${path}`);
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, cache: res.headers['x-cache-status'], body };
}

test('the setting sets the budget', () => {
  assert.equal(memoryBudget(), BUDGET);
});

test('entries past the byte budget evict the least recently used ones', async () => {
  for (let i = 1; i <= 5; i++) assert.equal((await get(`/big/20000?i=${i}`)).cache, 'Miss');
  assert.ok(storeBytes('kong_db_cache') <= BUDGET, `held ${storeBytes('kong_db_cache')} bytes`);
  assert.ok(storeBytes('kong_db_cache') > 40_000, 'the store holds what fits');
  const newest = await get('/big/20000?i=5');
  assert.equal(newest.cache, 'Hit');
  assert.equal(newest.body.length, 20000);
  assert.equal((await get('/big/20000?i=1')).cache, 'Miss', 'the oldest entry was evicted');
  assert.equal((await get('/big/20000?i=2')).cache, 'Miss');
});

test('a body larger than the budget is streamed whole and not kept', async () => {
  const before = upstream.hits();
  const first = await get('/big/200000?huge');
  assert.equal(first.cache, 'Miss');
  assert.equal(first.body.length, 200000);
  const second = await get('/big/200000?huge');
  assert.equal(second.cache, 'Miss');
  assert.equal(second.body.length, 200000);
  assert.equal(upstream.hits() - before, 2);
  assert.ok(storeBytes('kong_db_cache') <= BUDGET);
});

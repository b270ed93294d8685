// proxy-cache's memory store shared by the worker threads of a node (Kong's shared dict, one for its nginx
// workers): real worker threads store, fetch, purge and flush one store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SharedCacheStore, createCacheTable } from '../../src/plugins/bundled/proxy-cache/shared-store.ts';
import { createSharedCache } from '../../src/plugins/bundled/proxy-cache/shared-cache.ts';
import { fetchEntry, purgeEntry, retainStores, storeBytes, storeEntry, type CachedResponse } from '../../src/plugins/bundled/proxy-cache/store.ts';
import { startThreads } from '../helpers/shared-state-threads.ts';

const response = (body: string, extra: Partial<CachedResponse> = {}): CachedResponse => ({
  status: 200, headers: { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] }, body: Buffer.from(body), timestamp: 1700000000, ttl: 300, version: 1, reqBody: undefined, ...extra,
});

test('an entry stored by one thread is a hit in another, whole; a purge and a flush are seen by all', async () => {
  const cache = createSharedCache(1 << 20);
  const threads = await startThreads(3, { cache });
  try {
    assert.deepEqual(await threads.run(0, { op: 'cache-store', dictionary: 'kong_db_cache', keys: ['k1', 'k2', 'k3'], size: 3000, ttl: 60 }), [true, true, true]);
    for (const seen of await threads.all({ op: 'cache-fetch', dictionary: 'kong_db_cache', keys: ['k1', 'k2', 'k3', 'k4'] })) {
      assert.deepEqual((seen as (string | null)[]).map((b) => b?.length ?? null), [3000, 3000, 3000, null]);
      assert.ok((seen as string[])[1]!.startsWith('k2'));
    }
    assert.equal(fetchEntry('kong_db_cache', 'k1')?.headers['x-key'], 'k1', "the primary's admin API reads the same store");
    assert.equal(fetchEntry('other', 'k1'), undefined, 'dictionaries are apart');
    assert.equal(purgeEntry('kong_db_cache', 'k1'), true, "the admin API's purge");
    assert.deepEqual(await threads.run(2, { op: 'cache-purge', dictionary: 'kong_db_cache', keys: ['k2', 'k2'] }), [true, false]);
    for (const seen of await threads.all({ op: 'cache-fetch', dictionary: 'kong_db_cache', keys: ['k1', 'k2', 'k3'] })) assert.deepEqual((seen as unknown[]).map((b) => b !== null), [false, false, true]);
    await threads.run(1, { op: 'cache-flush', dictionary: 'kong_db_cache' });
    assert.equal(fetchEntry('kong_db_cache', 'k3'), undefined);
    assert.deepEqual(await threads.run(0, { op: 'cache-fetch', dictionary: 'kong_db_cache', keys: ['k3'] }), [null]);
  } finally {
    await threads.stop();
  }
});

test('3 threads storing and fetching over a small arena that wraps: no fetch returns another key or a torn body', async () => {
  const cache = createSharedCache(64 * 1024);
  const threads = await startThreads(3, { cache });
  try {
    const keys = Array.from({ length: 200 }, (_, i) => `key-${i}-${'x'.repeat(i % 7)}`);
    const results = (await threads.all({ op: 'cache-churn', dictionary: 'd', keys, rounds: 20_000, size: 700 })) as { hits: number; wrong: number }[];
    assert.deepEqual(results.map((r) => r.wrong), [0, 0, 0]);
    assert.ok(results.every((r) => r.hits > 0), JSON.stringify(results));
    assert.ok(storeBytes('d') <= 64 * 1024);
  } finally {
    await threads.stop();
  }
});

test('the store: what it keeps, TTLs, the oldest unread go first past its budget, replacing, refusing, retain', () => {
  let now = 1_000_000;
  const table = createCacheTable(16 * 1024);
  const store = new SharedCacheStore(table, () => now);
  // Another thread's view: it decodes the record (the storing thread keeps the entry it stored).
  const other = new SharedCacheStore(table, () => now);
  const entry = response('{"a":1}', { reqBody: Buffer.from('q=1') });
  assert.equal(store.store('d', 'k', entry, 10), true);
  assert.deepEqual(other.fetch('d', 'k'), entry);
  assert.equal(store.fetch('d', 'k'), entry);
  assert.equal(store.store('d', 'empty', response('', { reqBody: Buffer.alloc(0) }), 0), true);
  assert.deepEqual(other.fetch('d', 'empty')?.reqBody, Buffer.alloc(0));
  assert.equal(other.store('d', 'k', response('from the other'), 10), true);
  assert.equal(store.fetch('d', 'k')?.body.toString(), 'from the other', 'a replaced entry is not the one kept decoded');
  now += 10_001;
  assert.equal(store.fetch('d', 'k'), undefined, 'gone at its storage TTL');
  assert.notEqual(store.fetch('d', 'empty'), undefined, 'a TTL of 0 keeps it until evicted');
  assert.equal(store.store('d', 'k', response('second'), 10), true);
  assert.equal(store.store('d', 'k', response('third'), 10), true);
  assert.equal(store.fetch('d', 'k')?.body.toString(), 'third', 'a store replaces');
  assert.equal(store.store('d', 'neg', entry, -1), false, 'a negative TTL is refused');
  assert.equal(store.store('d', 'huge', response('x'.repeat(20 * 1024)), 10), false, 'larger than the arena');
  // 1 KB bodies: the arena holds about 14; the first stored go first.
  for (let i = 0; i < 40; i++) assert.equal(store.store('d', `f${i}`, response('y'.repeat(1000)), 60), true);
  assert.equal(store.fetch('d', 'f0'), undefined);
  assert.notEqual(store.fetch('d', 'f39'), undefined);
  assert.ok(store.bytes('d') <= 16 * 1024);
  // Second chance: an entry read since it was stored outlives those nobody read.
  for (let i = 0; i < 12; i++) store.store('d', `g${i}`, response('z'.repeat(1000)), 60);
  assert.notEqual(other.fetch('d', 'g0'), undefined);
  for (let i = 0; i < 12; i++) store.store('d', `h${i}`, response('w'.repeat(1000)), 60);
  assert.notEqual(store.fetch('d', 'g0'), undefined, 'read, so kept');
  assert.equal(store.fetch('d', 'g1'), undefined, 'never read, so gone');
  assert.equal(other.fetch('d', 'g0')?.body.toString(), 'z'.repeat(1000), 'moved whole');
  store.store('e', 'k', entry, 60);
  store.retain(new Set(['d']));
  assert.equal(store.fetch('e', 'k'), undefined, 'a dictionary no instance names is dropped');
  assert.notEqual(store.fetch('d', 'f39'), undefined);
});

test("the module's functions reach the shared store once attached (the handler and the admin API call those)", () => {
  createSharedCache(1 << 16);
  assert.equal(storeEntry('kong_db_cache', 'a', response('1'), 60), true);
  assert.equal(fetchEntry('kong_db_cache', 'a')?.body.toString(), '1');
  retainStores(new Set());
  assert.equal(fetchEntry('kong_db_cache', 'a'), undefined);
});

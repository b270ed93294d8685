// The rate limiting `local` counters shared by the worker threads of a node (Kong's kong_rate_limiting_counters
// shared dict): real worker threads count into one table, and lose nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SharedCounterStore } from '../../src/plugins/bundled/shared-counter-store.ts';
import { createSharedCounters } from '../../src/plugins/bundled/shared-counters.ts';
import { startThreads } from '../helpers/shared-state-threads.ts';

test('4 threads hammering the same keys: every increment counted, in every thread', async () => {
  const counters = createSharedCounters(1024);
  const threads = await startThreads(4, { counters });
  try {
    const keys = ['ratelimit:a:b:1.2.3.4:0:minute', 'ratelimit:a:b:1.2.3.4:0:hour', 'x', `long:${'k'.repeat(300)}`];
    await threads.all({ op: 'increment', keys, times: 20_000, delta: 1, ttlMs: 600_000 });
    const seen = await threads.all({ op: 'get', keys });
    for (const values of seen) assert.deepEqual(values, [80_000, 80_000, 80_000, 80_000]);
    assert.deepEqual(keys.map((k) => new SharedCounterStore(counters).get(k)), [80_000, 80_000, 80_000, 80_000], 'the creating thread reads the same');
  } finally {
    await threads.stop();
  }
});

test('threads adding many new keys at once make one counter per key (inserts race on the same slots)', async () => {
  const counters = createSharedCounters(8192);
  const threads = await startThreads(3, { counters });
  try {
    const keys = Array.from({ length: 2000 }, (_, i) => `ratelimit:route:service:10.0.${i >> 8}.${i & 255}:0:second`);
    await threads.all({ op: 'increment', keys, times: 3, delta: 2, ttlMs: 600_000 });
    const [values] = (await threads.all({ op: 'get', keys })) as number[][];
    assert.deepEqual(new Set(values), new Set([18]));
    assert.equal(new SharedCounterStore(counters).liveKeys(), 2000);
  } finally {
    await threads.stop();
  }
});

test('a key expires after its ttl (set when made) and counts afresh, as the in-process store', () => {
  let now = 1_000_000;
  const store = new SharedCounterStore(createSharedCounters(64), () => now);
  assert.equal(store.get('a'), 0);
  assert.equal(store.increment('a', 1, 1000), 1);
  now += 500;
  assert.equal(store.increment('a', 2.5, 1000), 3.5, 'a later increment keeps the first expiry; deltas need not be whole');
  now += 600;
  assert.equal(store.get('a'), 0, 'expired 1000 ms after it was made');
  assert.equal(store.increment('a', 1, 1000), 1, 'a fresh counter, in the reused slot');
  assert.equal(store.liveKeys(), 1);
});

test('expiry seen across threads: a key another thread made goes at its ttl', async () => {
  const counters = createSharedCounters(64);
  const threads = await startThreads(2, { counters });
  try {
    // (Seen by the other thread before it expires: the first test; here only what time passing must do.)
    await threads.run(0, { op: 'increment', keys: ['short'], times: 5, delta: 1, ttlMs: 100 });
    await new Promise((r) => setTimeout(r, 250));
    assert.deepEqual(await threads.run(0, { op: 'get', keys: ['short'] }), [0], 'expired for the thread that made it');
    assert.deepEqual(await threads.run(1, { op: 'get', keys: ['short'] }), [0]);
    await threads.run(1, { op: 'increment', keys: ['short'], times: 1, delta: 1, ttlMs: 60_000 });
    assert.deepEqual(await threads.run(0, { op: 'get', keys: ['short'] }), [1]);
  } finally {
    await threads.stop();
  }
});

test('a full table evicts the key that expires first rather than fail, and keeps counting new keys', async () => {
  const counters = createSharedCounters(16);
  const threads = await startThreads(2, { counters });
  try {
    const keys = Array.from({ length: 500 }, (_, i) => `k${i}`);
    await threads.all({ op: 'increment', keys, times: 1, delta: 1, ttlMs: 600_000 });
    const store = new SharedCounterStore(counters);
    assert.ok(store.liveKeys() <= 16);
    // The newest key is there (a thread's last insert evicts only older keys; the other thread's may have gone).
    assert.ok(store.get('k499') >= 1);
    // A key that expires soonest goes first.
    const now = Date.now();
    const timed = new SharedCounterStore(createSharedCounters(16), () => now);
    for (let i = 0; i < 16; i++) timed.increment(`t${i}`, 1, i === 7 ? 10 : 60_000);
    timed.increment('new', 1, 60_000);
    assert.equal(timed.get('t7'), 0);
    assert.equal(timed.get('new'), 1);
    assert.equal(timed.liveKeys(), 16);
  } finally {
    await threads.stop();
  }
});

test('a worker that is replaced attaches to the same counts (the table outlives it)', async () => {
  const counters = createSharedCounters(64);
  const first = await startThreads(1, { counters });
  await first.run(0, { op: 'increment', keys: ['ratelimit:r:s:ip:0:minute'], times: 4, delta: 1, ttlMs: 60_000 });
  await first.stop();
  const second = await startThreads(1, { counters });
  try {
    assert.deepEqual(await second.run(0, { op: 'get', keys: ['ratelimit:r:s:ip:0:minute'] }), [4]);
  } finally {
    await second.stop();
  }
});

// The wiring of the node's shared state: what the primary creates reaches a worker thread whole, and the worker,
// once attached, counts, caches and judges targets in the same memory as the primary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { localCounters } from '../../src/plugins/bundled/counter-store.ts';
import { fetchEntry } from '../../src/plugins/bundled/proxy-cache/store.ts';
import { createShared } from '../../src/shared-state.ts';
import { HealthRegistry } from '../../src/upstream/health.ts';
import type { Upstream } from '../../src/declarative/config.ts';
import { startThreads } from '../helpers/shared-state-threads.ts';

test('createShared → workerData → attachShared: a worker and the primary share counters, cache and health', async () => {
  const shared = createShared({ memCacheSizeBytes: 1 << 20 });
  const threads = await startThreads(1, shared);
  try {
    await threads.run(0, { op: 'increment', keys: ['k'], times: 3, delta: 1, ttlMs: 60_000 });
    assert.equal(localCounters.get('k'), 3);
    await threads.run(0, { op: 'cache-store', dictionary: 'kong_db_cache', keys: ['c'], size: 10, ttl: 60 });
    assert.equal(fetchEntry('kong_db_cache', 'c')?.headers['x-key'], 'c');
    const checks = { healthy: { http_statuses: [200], successes: 1 }, unhealthy: { http_statuses: [500], http_failures: 1, tcp_failures: 1, timeouts: 1 } };
    const upstream = { name: 'u', healthchecks: { passive: checks, active: checks, threshold: 0 } } as unknown as Upstream;
    await threads.run(0, { op: 'report', upstream, target: 't:1', outcome: { kind: 'tcp' }, times: 1 });
    assert.equal(new HealthRegistry().isHealthy('u', 't:1'), false);
  } finally {
    await threads.stop();
  }
});

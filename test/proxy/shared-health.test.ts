// Health verdicts shared by the worker threads of a node (Kong's are node-wide, in a shared dict): real worker
// threads report passive outcomes on one target, and every thread sees the flip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Upstream } from '../../src/declarative/config.ts';
import { HealthRegistry } from '../../src/upstream/health.ts';
import { createSharedHealth } from '../../src/upstream/shared-health.ts';
import { startThreads } from '../helpers/shared-state-threads.ts';

function upstream(name: string, unhealthy: { http_failures?: number; tcp_failures?: number }, successes: number): Upstream {
  const passive = {
    type: 'http',
    healthy: { http_statuses: [200, 201], successes },
    unhealthy: { http_statuses: [500, 503], http_failures: unhealthy.http_failures ?? 0, tcp_failures: unhealthy.tcp_failures ?? 0, timeouts: 0 },
  };
  return { name, healthchecks: { passive, active: passive, threshold: 0 } } as unknown as Upstream;
}

test('a target one thread marks unhealthy is unhealthy for all, the primary too; successes from others bring it back', async () => {
  const health = createSharedHealth(64);
  const threads = await startThreads(3, { health });
  const primary = new HealthRegistry();
  try {
    const up = upstream('orders', { tcp_failures: 3 }, 2);
    // The failures count node-wide: one from each thread reach the threshold of 3.
    for (let i = 0; i < 3; i++) {
      assert.equal(primary.isHealthy('orders', 'a:80'), true, `before report ${i}`);
      await threads.run(i, { op: 'report', upstream: up, target: 'a:80', outcome: { kind: 'tcp' }, times: 1 });
    }
    assert.deepEqual(await threads.all({ op: 'healthy', upstream: 'orders', target: 'a:80' }), [false, false, false]);
    assert.equal(primary.isHealthy('orders', 'a:80'), false, 'the primary (its active checks and /metrics) sees it');
    assert.equal(primary.isHealthy('orders', 'b:80'), true, 'another target is untouched');
    await threads.run(0, { op: 'report', upstream: up, target: 'a:80', outcome: { kind: 'status', status: 200 }, times: 1 });
    assert.equal(primary.isHealthy('orders', 'a:80'), false);
    await threads.run(2, { op: 'report', upstream: up, target: 'a:80', outcome: { kind: 'status', status: 201 }, times: 1 });
    assert.deepEqual(await threads.all({ op: 'healthy', upstream: 'orders', target: 'a:80' }), [true, true, true]);
  } finally {
    await threads.stop();
  }
});

test('4 threads reporting failures at once: none lost, the target flips exactly once', async () => {
  const health = createSharedHealth(64);
  const threads = await startThreads(4, { health });
  try {
    const up = upstream('busy', { http_failures: 8000 }, 0);
    const flips = (await threads.all({ op: 'report', upstream: up, target: 'x:1', outcome: { kind: 'status', status: 500 }, times: 2000 })) as number[];
    assert.equal(flips.reduce((a, b) => a + b, 0), 1, 'the 8000th failure, in whichever thread, flipped it');
    assert.equal(new HealthRegistry().isHealthy('busy', 'x:1'), false);
  } finally {
    await threads.stop();
  }
});

test('a full table keeps every unhealthy verdict: only quiet healthy targets give up their slot', () => {
  createSharedHealth(16);
  const registry = new HealthRegistry();
  const up = upstream('many', { tcp_failures: 1 }, 0);
  for (let i = 0; i < 8; i++) registry.report(up, `down-${i}:1`, up.healthchecks.passive, { kind: 'tcp' });
  // A 500 (http_failures 0: counted, never tripping) takes a slot; the 200 after it makes the target quiet again.
  for (let i = 0; i < 200; i++) {
    registry.report(up, `up-${i}:1`, up.healthchecks.passive, { kind: 'status', status: 500 });
    registry.report(up, `up-${i}:1`, up.healthchecks.passive, { kind: 'status', status: 200 });
  }
  for (let i = 0; i < 8; i++) assert.equal(registry.isHealthy('many', `down-${i}:1`), false, `down-${i}`);
  registry.report(up, 'late:1', up.healthchecks.passive, { kind: 'tcp' });
  assert.equal(registry.isHealthy('many', 'late:1'), false, 'a new verdict took a quiet slot');
});

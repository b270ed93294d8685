// A worker thread for the shared-state tests: attaches the handles it is given (as a gateway worker does before
// it serves), then runs the operations its parent posts and answers each with its result.
import { parentPort, workerData } from 'node:worker_threads';
import { localCounters } from '../../src/plugins/bundled/counter-store.ts';
import { attachSharedCounters, type SharedCountersHandle } from '../../src/plugins/bundled/shared-counters.ts';
import type { Upstream } from '../../src/declarative/config.ts';
import { HealthRegistry } from '../../src/upstream/health.ts';
import { attachSharedHealth, type SharedHealthHandle } from '../../src/upstream/shared-health.ts';

export interface SharedStateHandles {
  readonly counters?: SharedCountersHandle;
  readonly health?: SharedHealthHandle;
}

export type Outcome = { readonly kind: 'status'; readonly status: number } | { readonly kind: 'tcp' } | { readonly kind: 'timeout' };

export type Op =
  | { readonly op: 'increment'; readonly keys: readonly string[]; readonly times: number; readonly delta: number; readonly ttlMs: number }
  | { readonly op: 'get'; readonly keys: readonly string[] }
  /** Passive reports on `upstream`'s target; answers how many flips this thread's registry heard. */
  | { readonly op: 'report'; readonly upstream: Upstream; readonly target: string; readonly outcome: Outcome; readonly times: number }
  | { readonly op: 'healthy'; readonly upstream: string; readonly target: string };

const handles = workerData as SharedStateHandles;
if (handles.counters) attachSharedCounters(handles.counters);
if (handles.health) attachSharedHealth(handles.health);
const health = new HealthRegistry();
let flips = 0;
health.onChange(() => flips++);

function run(op: Op): unknown {
  switch (op.op) {
    case 'increment': {
      // Interleaved, so that the threads meet on every key.
      for (let i = 0; i < op.times; i++) for (const key of op.keys) localCounters.increment(key, op.delta, op.ttlMs);
      return null;
    }
    case 'get':
      return op.keys.map((k) => localCounters.get(k));
    case 'report':
      for (let i = 0; i < op.times; i++) health.report(op.upstream, op.target, op.upstream.healthchecks.passive, op.outcome);
      return flips;
    case 'healthy':
      return health.isHealthy(op.upstream, op.target);
  }
}

parentPort!.on('message', (message: { id: number } & Op) => {
  try {
    parentPort!.postMessage({ id: message.id, result: run(message) });
  } catch (err) {
    parentPort!.postMessage({ id: message.id, error: String((err as Error).stack ?? err) });
  }
});
parentPort!.postMessage({ ready: true });

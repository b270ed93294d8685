// A worker thread for the shared-state tests: attaches the handles it is given (as a gateway worker does before
// it serves), then runs the operations its parent posts and answers each with its result.
import { parentPort, workerData } from 'node:worker_threads';
import { localCounters } from '../../src/plugins/bundled/counter-store.ts';
import { attachSharedCounters, type SharedCountersHandle } from '../../src/plugins/bundled/shared-counters.ts';

export interface SharedStateHandles {
  readonly counters?: SharedCountersHandle;
}

export type Op =
  | { readonly op: 'increment'; readonly keys: readonly string[]; readonly times: number; readonly delta: number; readonly ttlMs: number }
  | { readonly op: 'get'; readonly keys: readonly string[] };

const handles = workerData as SharedStateHandles;
if (handles.counters) attachSharedCounters(handles.counters);

function run(op: Op): unknown {
  switch (op.op) {
    case 'increment': {
      // Interleaved, so that the threads meet on every key.
      for (let i = 0; i < op.times; i++) for (const key of op.keys) localCounters.increment(key, op.delta, op.ttlMs);
      return null;
    }
    case 'get':
      return op.keys.map((k) => localCounters.get(k));
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

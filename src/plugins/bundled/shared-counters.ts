/**
 * The entry points that make the rate limiting `local` counters one store for every worker thread of a node:
 * the primary creates the table once (`createSharedCounters`; its own thread counts there too from then on) and
 * passes its handle to each worker (in `workerData`), which attaches it before it serves
 * (`attachSharedCounters`). The table outlives workers: a worker that is restarted attaches to the same counts.
 */
import { useLocalCounters } from './counter-store.ts';
import { createCounterTable, SharedCounterStore, type CounterTableHandle } from './shared-counter-store.ts';

/** Plain, structured-cloneable data: a SharedArrayBuffer and its slot count. */
export type SharedCountersHandle = CounterTableHandle;

/** Kong's `kong_rate_limiting_counters` is 12m: about 50,000 of its keys. Slots are rounded up to a power of two. */
export const DEFAULT_SHARED_COUNTER_KEYS = 65_536;

export function createSharedCounters(maxKeys: number = DEFAULT_SHARED_COUNTER_KEYS): SharedCountersHandle {
  const handle = createCounterTable(maxKeys);
  attachSharedCounters(handle);
  return handle;
}

/** From now on `localCounters` in this thread is the shared table. */
export function attachSharedCounters(handle: SharedCountersHandle): void {
  useLocalCounters(new SharedCounterStore(handle));
}

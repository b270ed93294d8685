/**
 * The entry points that make proxy-cache's memory store one store for the node, as Kong's shared dict is for
 * its nginx workers: the primary creates it with the `--mem-cache-size` budget (`createSharedCache`; the
 * primary's own thread uses it from then on, so that the admin API's /proxy-cache purges reach it) and passes
 * the handle to each worker, which attaches it before it serves (`attachSharedCache`). An entry one worker
 * stores is a hit in every other; a purge or a flush is seen by all.
 */
import { createCacheTable, SharedCacheStore, type CacheTableHandle } from './shared-store.ts';
import { useSharedStore } from './store.ts';

/** Plain, structured-cloneable data: a SharedArrayBuffer and its sizes. */
export type SharedCacheHandle = CacheTableHandle;

export function createSharedCache(budgetBytes: number): SharedCacheHandle {
  const handle = createCacheTable(budgetBytes);
  attachSharedCache(handle);
  return handle;
}

export function attachSharedCache(handle: SharedCacheHandle): void {
  useSharedStore(new SharedCacheStore(handle));
}

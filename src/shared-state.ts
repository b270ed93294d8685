/**
 * The per-node state the workers share (Kong keeps it in shared dicts): rate-limiting's `local` counters, the
 * proxy-cache memory store, health verdicts, each in SharedArrayBuffers. The primary creates the handles (plain,
 * cloneable: SharedArrayBuffers and numbers; creating one also attaches it in the primary, whose admin API
 * purges the cache and whose active checks write verdicts) and passes them in each worker's workerData; a
 * worker attaches them before it serves. The memory outlives workers: a restarted one attaches to the same.
 */
import { attachSharedCache, createSharedCache, type SharedCacheHandle } from './plugins/bundled/proxy-cache/shared-cache.ts';
import { attachSharedCounters, createSharedCounters, type SharedCountersHandle } from './plugins/bundled/shared-counters.ts';
import type { Settings } from './settings/settings.ts';
import { attachSharedHealth, createSharedHealth, type SharedHealthHandle } from './upstream/shared-health.ts';

/** What the primary hands each worker (the worker pool passes it on without looking inside). */
export type NodeShared = {
  readonly counters: SharedCountersHandle;
  readonly cache: SharedCacheHandle;
  readonly health: SharedHealthHandle;
};

export function createShared(settings: Pick<Settings, 'memCacheSizeBytes'>): NodeShared {
  return { counters: createSharedCounters(), cache: createSharedCache(settings.memCacheSizeBytes), health: createSharedHealth() };
}

export function attachShared(handles: Readonly<Record<string, unknown>>): void {
  // Made by createShared, in the primary; it came here by structured clone (the buffers shared, not copied).
  const { counters, cache, health } = handles as NodeShared;
  attachSharedCounters(counters);
  attachSharedCache(cache);
  attachSharedHealth(health);
}

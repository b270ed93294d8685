/**
 * `kong.cache`: one in-memory cache per process, shared by every request and plugin. Entries leave when their TTL
 * passes or, when the cache is full, oldest first; nothing else clears it (as the issue for plugins asks: a
 * config reload keeps it). Concurrent misses on one key share one load. Per-process state behind the KongCache
 * interface, so that it can move to shared memory or Redis with the process model.
 */
import type { KongCache } from './kong.ts';

interface Entry {
  readonly value: unknown;
  readonly expires: number;
}

export function createCache(options: { maxEntries: number; now?: () => number }): KongCache {
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const loading = new Map<string, Promise<unknown>>();
  const fresh = (key: string): Entry | undefined => {
    const e = entries.get(key);
    if (!e) return undefined;
    if (e.expires <= now()) {
      entries.delete(key);
      return undefined;
    }
    return e;
  };
  const store = (key: string, value: unknown, ttl: number | undefined) => {
    entries.delete(key);
    // Map order is insertion order: the first key is the oldest entry.
    while (entries.size >= options.maxEntries) entries.delete(entries.keys().next().value!);
    entries.set(key, { value, expires: ttl && ttl > 0 ? now() + ttl * 1000 : Infinity });
  };
  return {
    probe<T>(key: string): T | undefined {
      return fresh(key)?.value as T | undefined;
    },
    async get<T>(key: string, opts: { ttl?: number } | undefined, loader: () => T | Promise<T>): Promise<T> {
      const hit = fresh(key);
      if (hit) return hit.value as T;
      const pending = loading.get(key);
      if (pending) return pending as Promise<T>;
      const load = (async () => {
        try {
          const value = await loader();
          store(key, value, opts?.ttl);
          return value;
        } finally {
          loading.delete(key);
        }
      })();
      loading.set(key, load);
      return load;
    },
  };
}

/** The process's cache for plugins. */
export const processCache: KongCache = createCache({ maxEntries: 10_000 });

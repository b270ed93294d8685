/**
 * proxy-cache's memory strategy (Kong: strategies/memory.lua over an nginx shared dict): one LRU store per
 * dictionary name in this process, shared by every instance naming it, each bounded by a byte budget (Kong's
 * `mem_cache_size`, 128m by default; the gateway's `--mem-cache-size`). An entry's size is its body, headers
 * and key; past the budget the least recently used entries leave; each entry leaves at its storage TTL. The
 * stores outlive config reloads, as Kong's shared dicts do. The admin API's /proxy-cache endpoints read and
 * purge them here. With worker threads, every call goes to the node's one store in shared memory instead
 * (shared-store.ts, attached by shared-cache.ts), which the workers and the primary's admin API all reach.
 */
import { LRUCache } from 'lru-cache';
import type { SharedCacheStore } from './shared-store.ts';

/** What Kong's memory strategy stores for a response (its JSON record's fields). */
export interface CachedResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly body: Buffer;
  /** Seconds since the epoch when it was stored (Kong's ngx.time()). */
  readonly timestamp: number;
  /** The response's own TTL in seconds (cache_ttl, or from Cache-Control). */
  readonly ttl: number;
  readonly version: number;
  readonly reqBody: Buffer | undefined;
}

export const DEFAULT_BUDGET = 128 * 1024 * 1024;
// What a record costs beyond its bytes (the record, its header arrays, the LRU's own bookkeeping).
const OVERHEAD = 256;

let budget = DEFAULT_BUDGET;
const stores = new Map<string, LRUCache<string, CachedResponse>>();
let shared: SharedCacheStore | undefined;

/** From now on this thread's calls go to the node's shared store. */
export function useSharedStore(store: SharedCacheStore): void {
  shared = store;
  stores.clear();
}

/** Sets the byte budget of each store (at start, from settings); stores made before are remade empty. */
export function setMemoryBudget(bytes: number): void {
  if (!Number.isSafeInteger(bytes) || bytes < 1) throw new RangeError(`proxy-cache memory budget must be a positive number of bytes, got ${bytes}`);
  budget = bytes;
  stores.clear();
}

export function memoryBudget(): number {
  return shared?.budget ?? budget;
}

export function entrySize(key: string, entry: CachedResponse): number {
  let size = OVERHEAD + key.length + entry.body.length + (entry.reqBody?.length ?? 0);
  for (const name in entry.headers) {
    const v = entry.headers[name]!;
    if (typeof v === 'string') size += name.length + v.length + 4;
    else for (const one of v) size += name.length + one.length + 4;
  }
  return size;
}

function store(dictionary: string): LRUCache<string, CachedResponse> {
  let s = stores.get(dictionary);
  if (!s) {
    s = new LRUCache<string, CachedResponse>({ maxSize: budget, sizeCalculation: (entry, key) => entrySize(key, entry) });
    stores.set(dictionary, s);
  }
  return s;
}

/** The largest body an entry can hold (anything bigger is not collected). */
export function largestBody(): number {
  return memoryBudget() - OVERHEAD;
}

export function fetchEntry(dictionary: string, key: string): CachedResponse | undefined {
  return shared ? shared.fetch(dictionary, key) : stores.get(dictionary)?.get(key);
}

/**
 * Stores for `ttlSeconds` (0: until evicted, as a shared dict's 0). False when it cannot be kept: a negative
 * TTL (Kong's shared dict refuses it) or an entry larger than the whole budget.
 */
export function storeEntry(dictionary: string, key: string, entry: CachedResponse, ttlSeconds: number): boolean {
  if (shared) return shared.store(dictionary, key, entry, ttlSeconds);
  if (!(ttlSeconds >= 0) || entrySize(key, entry) > budget) return false;
  const s = store(dictionary);
  s.set(key, entry, { ttl: Math.round(ttlSeconds * 1000) });
  return s.has(key);
}

export function purgeEntry(dictionary: string, key: string): boolean {
  if (shared) return shared.purge(dictionary, key);
  return stores.get(dictionary)?.delete(key) ?? false;
}

export function flushStore(dictionary: string): void {
  if (shared) shared.flush(dictionary);
  else stores.get(dictionary)?.clear();
}

/**
 * Drops the stores no instance names any more (their memory is freed; Kong's dicts would stay allocated). In
 * shared memory, their entries go (the arena is one for all dictionaries).
 */
export function retainStores(dictionaries: ReadonlySet<string>): void {
  if (shared) shared.retain(dictionaries);
  for (const name of stores.keys()) if (!dictionaries.has(name)) stores.delete(name);
}

/** Bytes held by a store (tests and diagnostics). */
export function storeBytes(dictionary: string): number {
  if (shared) return shared.bytes(dictionary);
  return stores.get(dictionary)?.calculatedSize ?? 0;
}

/** The record Kong's admin API shows for an entry: its JSON, the body as text. */
export function entryRecord(entry: CachedResponse): Record<string, unknown> {
  return {
    status: entry.status,
    headers: entry.headers,
    body: entry.body.toString('utf8'),
    body_len: entry.body.length,
    timestamp: entry.timestamp,
    ttl: entry.ttl,
    version: entry.version,
    ...(entry.reqBody === undefined ? {} : { req_body: entry.reqBody.toString('utf8') }),
  };
}

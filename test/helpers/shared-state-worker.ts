// A worker thread for the shared-state tests: attaches the handles it is given (as a gateway worker does before
// it serves), then runs the operations its parent posts and answers each with its result.
import { parentPort, workerData } from 'node:worker_threads';
import { localCounters } from '../../src/plugins/bundled/counter-store.ts';
import { attachSharedCounters, type SharedCountersHandle } from '../../src/plugins/bundled/shared-counters.ts';
import type { Upstream } from '../../src/declarative/config.ts';
import { HealthRegistry } from '../../src/upstream/health.ts';
import { fetchEntry, flushStore, purgeEntry, storeEntry } from '../../src/plugins/bundled/proxy-cache/store.ts';
import { attachSharedCache, type SharedCacheHandle } from '../../src/plugins/bundled/proxy-cache/shared-cache.ts';
import { attachShared } from '../../src/shared-state.ts';
import { attachSharedHealth, type SharedHealthHandle } from '../../src/upstream/shared-health.ts';

export type SharedStateHandles = {
  readonly counters?: SharedCountersHandle;
  readonly health?: SharedHealthHandle;
  readonly cache?: SharedCacheHandle;
};

export type Outcome = { readonly kind: 'status'; readonly status: number } | { readonly kind: 'tcp' } | { readonly kind: 'timeout' };

export type Op =
  | { readonly op: 'increment'; readonly keys: readonly string[]; readonly times: number; readonly delta: number; readonly ttlMs: number }
  | { readonly op: 'get'; readonly keys: readonly string[] }
  /** Passive reports on `upstream`'s target; answers how many flips this thread's registry heard. */
  | { readonly op: 'report'; readonly upstream: Upstream; readonly target: string; readonly outcome: Outcome; readonly times: number }
  | { readonly op: 'healthy'; readonly upstream: string; readonly target: string }
  /** Stores each key with a body that names it (`size` bytes). */
  | { readonly op: 'cache-store'; readonly dictionary: string; readonly keys: readonly string[]; readonly size: number; readonly ttl: number }
  /** Each key's body as text, or null on a miss. */
  | { readonly op: 'cache-fetch'; readonly dictionary: string; readonly keys: readonly string[] }
  | { readonly op: 'cache-purge'; readonly dictionary: string; readonly keys: readonly string[] }
  | { readonly op: 'cache-flush'; readonly dictionary: string }
  /** Stores and fetches at random for `rounds`; answers the hits and how many fetched bodies were not their key's. */
  | { readonly op: 'cache-churn'; readonly dictionary: string; readonly keys: readonly string[]; readonly rounds: number; readonly size: number };

const handles = workerData as SharedStateHandles;
// All three, as a gateway worker has them: the node's wiring attaches them.
if (handles.counters && handles.health && handles.cache) attachShared(handles);
else {
  if (handles.counters) attachSharedCounters(handles.counters);
  if (handles.health) attachSharedHealth(handles.health);
  if (handles.cache) attachSharedCache(handles.cache);
}

export const bodyOf = (key: string, size: number): Buffer => Buffer.from(key.padEnd(size, `.${key}`).slice(0, Math.max(size, key.length)));

function cacheStore(dictionary: string, key: string, size: number, ttl: number): boolean {
  const body = bodyOf(key, size);
  return storeEntry(dictionary, key, { status: 200, headers: { 'content-type': 'text/plain', 'x-key': key }, body, timestamp: 1, ttl, version: 1, reqBody: undefined }, ttl);
}
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
    case 'cache-store':
      return op.keys.map((k) => cacheStore(op.dictionary, k, op.size, op.ttl));
    case 'cache-fetch':
      return op.keys.map((k) => fetchEntry(op.dictionary, k)?.body.toString() ?? null);
    case 'cache-purge':
      return op.keys.map((k) => purgeEntry(op.dictionary, k));
    case 'cache-flush':
      flushStore(op.dictionary);
      return null;
    case 'cache-churn': {
      let hits = 0;
      let wrong = 0;
      for (let i = 0; i < op.rounds; i++) {
        const key = op.keys[Math.floor(Math.random() * op.keys.length)]!;
        if (Math.random() < 0.3) cacheStore(op.dictionary, key, op.size + Math.floor(Math.random() * op.size), 60);
        const entry = fetchEntry(op.dictionary, key);
        if (!entry) continue;
        hits++;
        const text = entry.body.toString();
        if (!text.startsWith(key) || entry.headers['x-key'] !== key || !bodyOf(key, text.length).equals(entry.body)) wrong++;
      }
      return { hits, wrong };
    }
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

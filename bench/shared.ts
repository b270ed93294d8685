/**
 * `shared`: the cost of the node-wide state the worker threads share, against the in-process stores of a
 * single-process gateway, in the same run.
 *   counters: one `increment` of a rate limiting counter, Kong-shaped keys built per call as the plugin builds
 *     them; LocalCounterStore (a Map) vs SharedCounterStore (SharedArrayBuffer + Atomics), one thread, then
 *     the shared table with 2 threads counting into the same keys. Target: < 1 µs per shared increment.
 *   cache: one proxy-cache hit's fetch (a 1 KB JSON body, 8 headers): the in-process LRU vs the shared
 *     arena (copied out of the SharedArrayBuffer) vs a round trip over a MessagePort to a thread that owns the
 *     store (the alternative design: the primary owns the cache), one at a time and 64 in flight.
 * `sharedCounterCost()` is exported for the workers bench.
 */
import { Worker } from 'node:worker_threads';
import { LocalCounterStore, type CounterStore } from '../src/plugins/bundled/counter-store.ts';
import { SharedCounterStore, type CounterTableHandle } from '../src/plugins/bundled/shared-counter-store.ts';
import { createSharedCounters } from '../src/plugins/bundled/shared-counters.ts';
import { createCacheTable, SharedCacheStore } from '../src/plugins/bundled/proxy-cache/shared-store.ts';
import { fetchEntry, storeEntry, type CachedResponse } from '../src/plugins/bundled/proxy-cache/store.ts';

const OPS = Number(process.env.BENCH_OPS ?? 2_000_000);
const IDENTIFIERS = 1000;

// This thread's CPU time, in ns: the machine is shared, and a thread that is not running costs nothing.
function cpuNs(): number {
  const { user, system } = process.threadCpuUsage();
  return (user + system) * 1000;
}

/** CPU ns per increment over `ops` increments on IDENTIFIERS × 2 periods' keys. */
export function incrementCost(store: CounterStore, ops = OPS): number {
  const route = '3c8e6f0a-1d2b-4c5d-9e7f-0a1b2c3d4e5f';
  const service = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
  const start = Date.now();
  let sink = 0;
  const t0 = cpuNs();
  for (let i = 0; i < ops; i++) {
    const n = i % IDENTIFIERS;
    const id = `10.0.${n >> 8}.${n & 255}`;
    sink += store.increment(`ratelimit:${route}:${service}:${id}:${start}:${i & 1 ? 'minute' : 'hour'}`, 1, 3_600_000);
  }
  const ns = (cpuNs() - t0) / ops;
  if (sink < 0) console.log(sink);
  return ns;
}

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.module).then(async ({ incrementCost }) => {
  const { SharedCounterStore } = await import(workerData.store);
  parentPort.postMessage(incrementCost(new SharedCounterStore(workerData.handle), workerData.ops));
});`;

async function contended(handle: CounterTableHandle, threads: number, ops: number): Promise<number[]> {
  const module = new URL(import.meta.url).href;
  const store = new URL('../src/plugins/bundled/shared-counter-store.ts', import.meta.url).href;
  return Promise.all(Array.from({ length: threads }, () => new Promise<number>((resolve, reject) => {
    const w = new Worker(WORKER, { eval: true, workerData: { module, store, handle, ops } });
    w.once('message', (ns: number) => void w.terminate().then(() => resolve(ns)));
    w.once('error', reject);
  })));
}

export interface SharedCounterCost {
  /** Building the key alone. */
  readonly keyNs: number;
  readonly localNs: number;
  readonly sharedNs: number;
  readonly contendedNs: readonly number[];
}

// What building the key costs (the plugin does that whatever the store): subtracted from every figure.
const NO_STORE: CounterStore = { increment: (key) => key.length, get: () => 0 };

export async function sharedCounterCost(ops = OPS): Promise<SharedCounterCost> {
  const handle = createSharedCounters();
  const local = new LocalCounterStore();
  const shared = new SharedCounterStore(handle);
  // Warm-up, then the measured runs alternate.
  for (const store of [NO_STORE, local, shared]) incrementCost(store, ops / 4);
  const b: number[] = [];
  const l: number[] = [];
  const s: number[] = [];
  for (let round = 0; round < 3; round++) {
    b.push(incrementCost(NO_STORE, ops));
    l.push(incrementCost(local, ops));
    s.push(incrementCost(shared, ops));
  }
  const base = Math.min(...b);
  const contendedNs = (await contended(handle, 2, ops)).map((ns) => ns - base);
  return { keyNs: base, localNs: Math.min(...l) - base, sharedNs: Math.min(...s) - base, contendedNs };
}

const CACHE_OPS = Number(process.env.BENCH_CACHE_OPS ?? 200_000);
const KEYS = Array.from({ length: 100 }, (_, i) => `${i.toString(16).padStart(32, '0')}`);
const ENTRY: CachedResponse = {
  status: 200,
  headers: {
    'content-type': 'application/json', 'content-length': '1024', date: 'Fri, 04 Dec 2026 21:00:00 GMT', server: 'upstream/1.0', 'cache-control': 'max-age=300',
    etag: '"5f2b-abcdef"', vary: 'Accept-Encoding', 'x-request-id': '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
  },
  body: Buffer.from(JSON.stringify({ data: 'x'.repeat(1000) }).slice(0, 1024)),
  timestamp: 1_700_000_000, ttl: 3600, version: 1, reqBody: Buffer.alloc(0),
};

function fetchCost(fetch: (key: string) => CachedResponse | undefined, ops = CACHE_OPS): number {
  let sink = 0;
  const t0 = cpuNs();
  for (let i = 0; i < ops; i++) sink += fetch(KEYS[i % KEYS.length]!)?.body.length ?? 0;
  const ns = (cpuNs() - t0) / ops;
  if (sink !== ops * ENTRY.body.length) throw new Error('a fetch missed');
  return ns;
}

const OWNER = `
const { parentPort } = require('node:worker_threads');
const store = new Map();
parentPort.on('message', (m) => {
  if (m.store) { store.set(m.key, m.entry); return parentPort.postMessage({ id: m.id }); }
  parentPort.postMessage({ id: m.id, entry: store.get(m.key) });
});`;

/** ns per fetch over a MessagePort, `inFlight` at a time. */
async function portCost(inFlight: number, ops = CACHE_OPS / 4): Promise<number> {
  const owner = new Worker(OWNER, { eval: true });
  const waiting = new Map<number, (entry: CachedResponse | undefined) => void>();
  owner.on('message', (m: { id: number; entry?: CachedResponse }) => {
    waiting.get(m.id)!(m.entry);
    waiting.delete(m.id);
  });
  let id = 0;
  const call = (message: object) => new Promise<CachedResponse | undefined>((resolve) => {
    waiting.set(id, resolve);
    owner.postMessage({ id: id++, ...message });
  });
  for (const key of KEYS) await call({ store: true, key, entry: ENTRY });
  const run = async (n: number) => {
    let done = 0;
    const lane = async () => {
      while (done < n) {
        done++;
        const entry = await call({ key: KEYS[done % KEYS.length] });
        if (!entry) throw new Error('a fetch missed');
      }
    };
    await Promise.all(Array.from({ length: inFlight }, lane));
  };
  await run(ops / 4);
  const t0 = process.hrtime.bigint();
  await run(ops);
  const ns = Number(process.hrtime.bigint() - t0) / ops;
  await owner.terminate();
  return ns;
}

export interface CacheFetchCost {
  readonly localNs: number;
  readonly sharedNs: number;
  readonly portNs: number;
  readonly portPipelinedNs: number;
}

export async function cacheFetchCost(): Promise<CacheFetchCost> {
  for (const key of KEYS) storeEntry('bench', key, ENTRY, 3600);
  const shared = new SharedCacheStore(createCacheTable(16 * 1024 * 1024));
  for (const key of KEYS) shared.store('bench', key, ENTRY, 3600);
  const local = (key: string) => fetchEntry('bench', key);
  const sab = (key: string) => shared.fetch('bench', key);
  fetchCost(local, CACHE_OPS / 4);
  fetchCost(sab, CACHE_OPS / 4);
  const l: number[] = [];
  const s: number[] = [];
  for (let round = 0; round < 3; round++) {
    l.push(fetchCost(local));
    s.push(fetchCost(sab));
  }
  return { localNs: Math.min(...l), sharedNs: Math.min(...s), portNs: await portCost(1), portPipelinedNs: await portCost(64) };
}

export async function runSharedBench(): Promise<void> {
  console.log('\nshared: the node-wide state of worker threads vs the in-process stores');
  const c = await sharedCounterCost();
  console.log(`  (CPU time of the measuring thread)`);
  console.log(`  counters, ${OPS} increments, ${IDENTIFIERS * 2} Kong-shaped keys (~120 chars, built per call), best of 3`);
  console.log(`  building the key alone          ${c.keyNs.toFixed(0).padStart(5)} ns (subtracted below)`);
  console.log(`  in-process LocalCounterStore   ${c.localNs.toFixed(0).padStart(5)} ns per increment`);
  console.log(`  SharedCounterStore, 1 thread   ${c.sharedNs.toFixed(0).padStart(5)} ns per increment   (${(c.sharedNs / c.localNs).toFixed(2)}x the in-process store)`);
  console.log(`  SharedCounterStore, 2 threads  ${c.contendedNs.map((n) => n.toFixed(0)).join(' / ')} ns per increment, the same keys at once`);
  console.log(`  target < 1000 ns per shared increment: ${Math.max(c.sharedNs, ...c.contendedNs) < 1000 ? 'met' : 'NOT met'}`);
  const f = await cacheFetchCost();
  console.log(`  proxy-cache, one hit's fetch (1 KB body, 8 headers), best of 3`);
  console.log(`  in-process LRU                  ${(f.localNs / 1000).toFixed(2).padStart(6)} µs`);
  console.log(`  shared arena (SAB, copied out)  ${(f.sharedNs / 1000).toFixed(2).padStart(6)} µs   (${(f.sharedNs / f.localNs).toFixed(1)}x the in-process LRU)`);
  console.log(`  MessagePort to an owner thread  ${(f.portNs / 1000).toFixed(2).padStart(6)} µs one at a time, ${(f.portPipelinedNs / 1000).toFixed(2)} µs each with 64 in flight`);
}

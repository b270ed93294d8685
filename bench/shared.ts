/**
 * `shared`: the cost of the node-wide state the worker threads share, against the in-process stores of a
 * single-process gateway, in the same run.
 *   counters: one `increment` of a rate limiting counter, Kong-shaped keys built per call as the plugin builds
 *     them; LocalCounterStore (a Map) vs SharedCounterStore (SharedArrayBuffer + Atomics), one thread, then
 *     the shared table with 2 threads counting into the same keys. Target: < 1 µs per shared increment.
 *   cache: one proxy-cache hit's fetch (a 1 KB JSON body, 8 headers): the in-process LRU vs the shared
 *     arena (copied out of the SharedArrayBuffer) vs a round trip over a MessagePort to a thread that owns the
 *     store (the alternative design: the primary owns the cache), one at a time and 64 in flight.
 *   health: what a proxied request to a balanced upstream does with health (a pick's isHealthy and a passive
 *     report of a 200), per-process states vs the shared table.
 * `sharedCounterCost()` is exported for the workers bench.
 */
import { Worker } from 'node:worker_threads';
import { LocalCounterStore, type CounterStore } from '../src/plugins/bundled/counter-store.ts';
import { SharedCounterStore, type CounterTableHandle } from '../src/plugins/bundled/shared-counter-store.ts';
import { createSharedCounters } from '../src/plugins/bundled/shared-counters.ts';
import { createCacheTable, SharedCacheStore } from '../src/plugins/bundled/proxy-cache/shared-store.ts';
import { fetchEntry, storeEntry, type CachedResponse } from '../src/plugins/bundled/proxy-cache/store.ts';
import type { Upstream } from '../src/declarative/config.ts';
import { HealthRegistry, useHealthStates } from '../src/upstream/health.ts';
import { createHealthTable, LocalHealthStates, SharedHealthStates, type HealthStates } from '../src/upstream/health-states.ts';

const OPS = Number(process.env.BENCH_OPS ?? 2_000_000);
const IDENTIFIERS = 1000;

// This thread's CPU time, in ns: the machine is shared, and a thread that is not running costs nothing.
function cpuNs(): number {
  const { user, system } = process.threadCpuUsage();
  return (user + system) * 1000;
}

/**
 * CPU ns per increment over `ops` increments on IDENTIFIERS × 2 periods' keys: the same key strings again and
 * again, as rate-limiting passes them (built once per identifier and second), or a new string every call
 * (`fresh`, as response-ratelimiting builds them).
 */
export function incrementCost(store: CounterStore, ops = OPS, fresh = false): number {
  const route = '3c8e6f0a-1d2b-4c5d-9e7f-0a1b2c3d4e5f';
  const service = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
  const start = Date.now();
  const keyOf = (i: number) => {
    const n = i % IDENTIFIERS;
    return `ratelimit:${route}:${service}:10.0.${n >> 8}.${n & 255}:${start}:${i & 1 ? 'minute' : 'hour'}`;
  };
  const keys = Array.from({ length: IDENTIFIERS * 2 }, (_, i) => keyOf(i));
  let sink = 0;
  const t0 = cpuNs();
  if (fresh) for (let i = 0; i < ops; i++) sink += store.increment(keyOf(i), 1, 3_600_000);
  else for (let i = 0; i < ops; i++) sink += store.increment(keys[i % keys.length]!, 1, 3_600_000);
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
  /** Building a fresh key alone. */
  readonly keyNs: number;
  /** The same key strings again (rate-limiting's). */
  readonly localNs: number;
  readonly sharedNs: number;
  /** A new key string every call, its building subtracted (response-ratelimiting's). */
  readonly freshLocalNs: number;
  readonly freshSharedNs: number;
  /** 2 threads at once on the same keys (the same key strings again). */
  readonly contendedNs: readonly number[];
}

// What building the key costs (the plugin does that whatever the store): subtracted from the fresh figures.
const NO_STORE: CounterStore = { increment: (key) => key.length, get: () => 0 };

export async function sharedCounterCost(ops = OPS): Promise<SharedCounterCost> {
  const handle = createSharedCounters();
  const local = new LocalCounterStore();
  const shared = new SharedCounterStore(handle);
  // Warm-up, then the measured runs alternate.
  for (const fresh of [false, true]) for (const store of [NO_STORE, local, shared]) incrementCost(store, ops / 4, fresh);
  const runs: Record<'base' | 'local' | 'shared' | 'freshLocal' | 'freshShared', number[]> = { base: [], local: [], shared: [], freshLocal: [], freshShared: [] };
  for (let round = 0; round < 3; round++) {
    runs.local.push(incrementCost(local, ops));
    runs.shared.push(incrementCost(shared, ops));
    runs.base.push(incrementCost(NO_STORE, ops, true));
    runs.freshLocal.push(incrementCost(local, ops, true));
    runs.freshShared.push(incrementCost(shared, ops, true));
  }
  const best = (k: keyof typeof runs) => Math.min(...runs[k]);
  const base = best('base');
  return {
    keyNs: base, localNs: best('local'), sharedNs: best('shared'), freshLocalNs: best('freshLocal') - base, freshSharedNs: best('freshShared') - base,
    contendedNs: await contended(handle, 2, ops),
  };
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
  /** A hit whose record this thread has not decoded yet. */
  readonly decodeNs: number;
  readonly portNs: number;
  readonly portPipelinedNs: number;
}

export async function cacheFetchCost(): Promise<CacheFetchCost> {
  for (const key of KEYS) storeEntry('bench', key, ENTRY, 3600);
  const table = createCacheTable(16 * 1024 * 1024);
  const shared = new SharedCacheStore(table);
  for (const key of KEYS) shared.store('bench', key, ENTRY, 3600);
  // Another thread's view that keeps nothing decoded: every hit copies the record out and parses its head.
  const cold = new SharedCacheStore(table, Date.now, 0);
  const fetches = { local: (key: string) => fetchEntry('bench', key), shared: (key: string) => shared.fetch('bench', key), cold: (key: string) => cold.fetch('bench', key) };
  const runs: Record<keyof typeof fetches, number[]> = { local: [], shared: [], cold: [] };
  for (const f of Object.values(fetches)) fetchCost(f, CACHE_OPS / 4);
  for (let round = 0; round < 3; round++) for (const [name, f] of Object.entries(fetches)) runs[name as keyof typeof fetches].push(fetchCost(f));
  return {
    localNs: Math.min(...runs.local), sharedNs: Math.min(...runs.shared), decodeNs: Math.min(...runs.cold),
    portNs: await portCost(1), portPipelinedNs: await portCost(64),
  };
}

const PASSIVE = {
  type: 'http',
  healthy: { http_statuses: [200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 306, 307, 308], successes: 0 },
  unhealthy: { http_statuses: [429, 500, 503], http_failures: 0, tcp_failures: 0, timeouts: 0 },
};
const UPSTREAM = { name: 'orders.internal', healthchecks: { passive: PASSIVE, active: PASSIVE, threshold: 0 } } as unknown as Upstream;
const TARGETS = ['10.0.0.1:8080', '10.0.0.2:8080', '10.0.0.3:8080', '10.0.0.4:8080'];

/** CPU ns per proxied request's health work: one pick's isHealthy and one passive report of a 200. */
function healthCost(states: HealthStates, ops = CACHE_OPS * 5): number {
  useHealthStates(states);
  const health = new HealthRegistry();
  const passive = UPSTREAM.healthchecks.passive;
  let sink = 0;
  const t0 = cpuNs();
  for (let i = 0; i < ops; i++) {
    const target = TARGETS[i & 3]!;
    if (health.isHealthy(UPSTREAM.name, target)) sink++;
    health.report(UPSTREAM, target, passive, { kind: 'status', status: 200 });
  }
  const ns = (cpuNs() - t0) / ops;
  if (sink !== ops) throw new Error('a target went unhealthy');
  return ns;
}

export async function runSharedBench(): Promise<void> {
  console.log('\nshared: the node-wide state of worker threads vs the in-process stores');
  const c = await sharedCounterCost();
  console.log(`  (CPU time of the measuring thread)`);
  console.log(`  counters, ${OPS} increments over ${IDENTIFIERS * 2} Kong-shaped keys (~120 chars), best of 3, ns per increment`);
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
  console.log(`                                  same key strings (rate-limiting)   a new string per call (response-ratelimiting; building it, ${c.keyNs.toFixed(0)} ns, subtracted)`);
  console.log(`  in-process LocalCounterStore   ${c.localNs.toFixed(0).padStart(6)}                            ${c.freshLocalNs.toFixed(0).padStart(6)}`);
  console.log(`  SharedCounterStore, 1 thread   ${c.sharedNs.toFixed(0).padStart(6)} (${ratio(c.sharedNs, c.localNs)})                    ${c.freshSharedNs.toFixed(0).padStart(6)} (${ratio(c.freshSharedNs, c.freshLocalNs)})`);
  console.log(`  SharedCounterStore, 2 threads  ${c.contendedNs.map((n) => n.toFixed(0)).join(' / ')}, the same keys at once`);
  const worst = Math.max(c.sharedNs, c.freshSharedNs, ...c.contendedNs);
  console.log(`  target < 1000 ns per shared increment: ${worst < 1000 ? 'met' : 'NOT met'} (worst ${worst.toFixed(0)} ns)`);
  const f = await cacheFetchCost();
  console.log(`  proxy-cache, one hit's fetch (1 KB body, 8 headers), best of 3`);
  console.log(`  in-process LRU                              ${f.localNs.toFixed(0).padStart(7)} ns`);
  console.log(`  shared arena, the record decoded already    ${f.sharedNs.toFixed(0).padStart(7)} ns`);
  console.log(`  shared arena, copied out and parsed         ${f.decodeNs.toFixed(0).padStart(7)} ns (a record's first hit in a thread)`);
  console.log(`  MessagePort to a thread owning the store   ${f.portNs.toFixed(0).padStart(7)} ns one at a time (wall), ${f.portPipelinedNs.toFixed(0)} ns each with 64 in flight`);
  const local = new LocalHealthStates();
  const sharedStates = new SharedHealthStates(createHealthTable(1024));
  for (const states of [local, sharedStates]) healthCost(states, CACHE_OPS);
  const h = { local: [] as number[], shared: [] as number[] };
  for (let round = 0; round < 3; round++) {
    h.local.push(healthCost(local));
    h.shared.push(healthCost(sharedStates));
  }
  console.log(`  health, a proxied request's pick and passive report (4 targets), best of 3`);
  console.log(`  per-process states                          ${Math.min(...h.local).toFixed(0).padStart(7)} ns`);
  console.log(`  shared table                                ${Math.min(...h.shared).toFixed(0).padStart(7)} ns`);
}

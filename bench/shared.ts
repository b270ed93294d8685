/**
 * `shared`: the cost of the node-wide state the worker threads share, against the in-process stores of a
 * single-process gateway, in the same run.
 *   counters: one `increment` of a rate limiting counter, Kong-shaped keys built per call as the plugin builds
 *     them; LocalCounterStore (a Map) vs SharedCounterStore (SharedArrayBuffer + Atomics), one thread, then
 *     the shared table with 2 threads counting into the same keys. Target: < 1 µs per shared increment.
 * `sharedCounterCost()` is exported for the workers bench.
 */
import { Worker } from 'node:worker_threads';
import { LocalCounterStore, type CounterStore } from '../src/plugins/bundled/counter-store.ts';
import { SharedCounterStore, type CounterTableHandle } from '../src/plugins/bundled/shared-counter-store.ts';
import { createSharedCounters } from '../src/plugins/bundled/shared-counters.ts';

const OPS = Number(process.env.BENCH_OPS ?? 2_000_000);
const IDENTIFIERS = 1000;

/** ns per increment over `ops` increments on IDENTIFIERS × 2 periods' keys. */
export function incrementCost(store: CounterStore, ops = OPS): number {
  const route = '3c8e6f0a-1d2b-4c5d-9e7f-0a1b2c3d4e5f';
  const service = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
  const start = Date.now();
  let sink = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) {
    const n = i % IDENTIFIERS;
    const id = `10.0.${n >> 8}.${n & 255}`;
    sink += store.increment(`ratelimit:${route}:${service}:${id}:${start}:${i & 1 ? 'minute' : 'hour'}`, 1, 3_600_000);
  }
  const ns = Number(process.hrtime.bigint() - t0) / ops;
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

export async function runSharedBench(): Promise<void> {
  console.log('\nshared: the node-wide state of worker threads vs the in-process stores');
  const c = await sharedCounterCost();
  console.log(`  counters, ${OPS} increments, ${IDENTIFIERS * 2} Kong-shaped keys (~120 chars, built per call), best of 3`);
  console.log(`  building the key alone          ${c.keyNs.toFixed(0).padStart(5)} ns (subtracted below)`);
  console.log(`  in-process LocalCounterStore   ${c.localNs.toFixed(0).padStart(5)} ns per increment`);
  console.log(`  SharedCounterStore, 1 thread   ${c.sharedNs.toFixed(0).padStart(5)} ns per increment   (${(c.sharedNs / c.localNs).toFixed(2)}x the in-process store)`);
  console.log(`  SharedCounterStore, 2 threads  ${c.contendedNs.map((n) => n.toFixed(0)).join(' / ')} ns per increment, the same keys at once`);
  console.log(`  target < 1000 ns per shared increment: ${Math.max(c.sharedNs, ...c.contendedNs) < 1000 ? 'met' : 'NOT met'}`);
}

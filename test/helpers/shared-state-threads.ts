// Real worker threads for the shared-state tests: start N with the same handles, send each an operation, await
// the answers.
import { Worker } from 'node:worker_threads';
import type { Op, SharedStateHandles } from './shared-state-worker.ts';

export interface Threads {
  run(index: number, op: Op): Promise<unknown>;
  all(op: Op): Promise<unknown[]>;
  stop(): Promise<void>;
}

export async function startThreads(count: number, handles: SharedStateHandles): Promise<Threads> {
  const workers: Worker[] = [];
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let next = 0;
  for (let i = 0; i < count; i++) {
    const worker = new Worker(new URL('./shared-state-worker.ts', import.meta.url), { workerData: handles });
    await new Promise<void>((resolve, reject) => {
      worker.once('error', reject);
      worker.on('message', (m: { ready?: boolean; id?: number; result?: unknown; error?: string }) => {
        if (m.ready) return resolve();
        const w = waiting.get(m.id!);
        waiting.delete(m.id!);
        if (m.error) w?.reject(new Error(m.error));
        else w?.resolve(m.result);
      });
    });
    workers.push(worker);
  }
  const run = (index: number, op: Op) => new Promise<unknown>((resolve, reject) => {
    const id = next++;
    waiting.set(id, { resolve, reject });
    workers[index]!.postMessage({ id, ...op });
  });
  return {
    run,
    all: (op) => Promise.all(workers.map((_, i) => run(i, op))),
    stop: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

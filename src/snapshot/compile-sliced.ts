/**
 * compileSnapshot for a thread that serves while it compiles (a worker during a reload): the same steps
 * (snapshotSteps), with the event loop let through whenever a slice of them has run for SLICE_MS, so that no
 * request waits behind a whole compile (a 10,000-route compile is 100-400 ms of work).
 */
import type { Config } from '../declarative/config.ts';
import type { PluginHandler } from '../plugins/types.ts';
import { snapshotSteps, type Snapshot } from './snapshot.ts';

const SLICE_MS = 8;

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function compileSnapshotSliced(config: Config, hash: string, handlers: ReadonlyMap<string, PluginHandler>, sliceMs = SLICE_MS): Promise<Snapshot> {
  const steps = snapshotSteps(config, hash, handlers);
  let started = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() - started >= sliceMs) {
      await tick();
      started = performance.now();
    }
  }
}

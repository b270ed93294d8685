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

/** What a sliced compile took: in all, and its longest slice (the longest it held the loop). */
export interface SliceStats {
  totalMs: number;
  longestMs: number;
}

export async function compileSnapshotSliced(config: Config, hash: string, handlers: ReadonlyMap<string, PluginHandler>, stats: SliceStats = { totalMs: 0, longestMs: 0 }, sliceMs = SLICE_MS): Promise<Snapshot> {
  const steps = snapshotSteps(config, hash, handlers);
  let started = performance.now();
  const end = () => {
    const now = performance.now();
    stats.totalMs += now - started;
    stats.longestMs = Math.max(stats.longestMs, now - started);
    return now;
  };
  for (;;) {
    const step = steps.next();
    if (step.done) {
      end();
      return step.value;
    }
    if (performance.now() - started >= sliceMs) {
      end();
      await tick();
      started = performance.now();
    }
  }
}

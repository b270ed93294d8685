/**
 * What the logging plugins' writers share: the bounds on what may wait for a slow or absent receiver, and how a
 * loss is reported (counted on the admin's /metrics; logged through the last request's `kong.log` when
 * `countLogDrop` says it is time to).
 */
import type { KongLog } from '../../pdk/kong.ts';
import { countLogDrop } from './log-drops.ts';

/** Records that may wait per destination (Kong's queue default, `max_entries`). */
export const MAX_QUEUED_RECORDS = 10_000;
/** Characters that may wait per destination. */
export const MAX_QUEUED_CHARS = 16 * 1024 * 1024;

export type WarnLog = Pick<KongLog, 'warn'>;

/** Counts `n` records lost by `plugin` for `reason`, and logs `message` (with the error) when it is time to. */
export function reportDrop(plugin: string, reason: string, n: number, log: WarnLog | undefined, message: string, err?: unknown): void {
  const total = countLogDrop(plugin, reason, n);
  if (total === undefined || !log) return;
  const detail = err instanceof Error ? err.message : err === undefined ? undefined : String(err);
  log.warn(detail ? `${message}: ${detail}` : message, { reason, dropped_total: total });
}

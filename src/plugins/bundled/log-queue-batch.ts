/**
 * One batch through a queue's handler, as Kong's `handle` (kong/tools/queue.lua): tried until it succeeds, with
 * exponential backoff, for up to `max_retry_time` seconds; then counted as dropped.
 */
import { countLogDrop } from './log-drops.ts';

/** What sending a batch needs of its queue. */
export interface BatchOwner<C, E> {
  readonly name: string;
  readonly plugin: string;
  readonly tag: string;
  readonly params: { readonly max_retry_time: number; readonly initial_retry_delay: number; readonly max_retry_delay: number };
  readonly handler: (conf: C, entries: E[]) => Promise<void>;
  readonly conf: C;
  readonly log: { debug(message: string): void; warn(message: string): void };
  /** When a failed send was last logged at warn level. */
  lastFailureWarn: number;
}

const FAILURE_WARN_MS = 10_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * Kong's `handle`: the handler until it succeeds, with exponential backoff, for up to `max_retry_time` seconds
 * from the first try; then the batch is counted as dropped.
 */
export async function handleBatch<C, E>(q: BatchOwner<C, E>, batch: E[]): Promise<void> {
  const p = q.params;
  const started = performance.now();
  for (let retry = 0; ; retry++) {
    try {
      await q.handler(q.conf, batch);
      return;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // Kong warns on every failure; here at most one a queue in FAILURE_WARN_MS (the rest at debug), so that a
      // receiver that is down does not flood the log, even with concurrency_limit -1.
      const now = performance.now();
      try {
        if (retry === 0 && now - q.lastFailureWarn >= FAILURE_WARN_MS) {
          q.lastFailureWarn = now;
          q.log.warn(`[${q.tag}] queue ${q.name}: handler could not process entries: ${message}`);
        } else {
          q.log.debug(`[${q.tag}] queue ${q.name}: handler could not process entries: ${message}`);
        }
      } catch {
        // Nothing to do about a logger that throws.
      }
    }
    if ((performance.now() - started) / 1000 > p.max_retry_time) {
      const total = countLogDrop(q.plugin, 'send_failed', batch.length);
      try {
        if (total !== undefined) q.log.warn(`[${q.tag}] queue ${q.name}: could not send entries due to max_retry_time exceeded. ${batch.length} queue entries were lost (${total} entries dropped so far)`);
      } catch {
        // As above.
      }
      return;
    }
    await sleep(Math.min(p.max_retry_delay, 2 ** retry * p.initial_retry_delay) * 1000);
  }
}

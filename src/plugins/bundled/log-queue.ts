/**
 * Kong's queue for logging plugins (kong/tools/queue.lua): entries wait in a named queue and a handler gets them
 * in batches of up to `max_batch_size`, `max_coalescing_delay` after the first; a batch that fails is retried
 * with exponential backoff (`initial_retry_delay` doubled, capped at `max_retry_delay`) until `max_retry_time`,
 * then dropped; a full queue (`max_entries`, `max_bytes`) drops its oldest entries. Instances whose queue has the
 * same name share it, and a queue lives, by name, until it has nothing left to send (so a reload that keeps the
 * name keeps the queue and what waits in it); the handler always gets the latest config it was pushed with.
 * `concurrency_limit: -1` sends each entry on its own, at once, without a queue, as Kong does.
 *
 * The request path only pushes: one array slot, and at most one timer per queue, never per entry. What leaves
 * the queue is handled on a later tick.
 */
import { handleBatch } from './log-queue-batch.ts';
import { countLogDrop } from './log-drops.ts';

/** The `queue` record of the logging plugins, after Kong's legacy conversion (Queue.get_plugin_params). */
export interface QueueParams {
  readonly max_batch_size: number;
  readonly max_coalescing_delay: number;
  readonly max_entries: number;
  readonly max_bytes: number | null;
  readonly max_retry_time: number;
  readonly initial_retry_delay: number;
  readonly max_retry_delay: number;
  readonly concurrency_limit: number;
}

/** Where the queue reports (a plugin passes `kong.log` of the request that made the queue). */
export interface QueueLog {
  debug(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Sends one batch; a throw or a rejection is a failure, retried. */
export type BatchHandler<C, E> = (conf: C, entries: E[]) => Promise<void>;

export interface QueueBinding<C, E> {
  /** The queue's identity (Kong: workspace and name). */
  readonly name: string;
  /** For the drop counter and the log tag (`http-log plugin <id>`). */
  readonly plugin: string;
  readonly tag: string;
  readonly params: QueueParams;
  readonly handler: BatchHandler<C, E>;
  /** The handler's config: the queue hands its latest one to the handler. */
  readonly conf: C;
  /** An entry's size in bytes for `max_bytes` (Kong counts string entries only). */
  readonly sizeOf?: (entry: E) => number | undefined;
}

/** Kong's threshold for the capacity warning, and the least coalescing wait worth a timer (COALESCE_MIN_TIME). */
const CAPACITY_WARNING_THRESHOLD = 0.8;
const COALESCE_MIN_SECONDS = 0.05;

const queues = new Map<string, LogQueue<unknown, unknown>>();

type State = 'idle' | 'coalescing' | 'sending';

export class LogQueue<C, E> {
  readonly name: string;
  readonly plugin: string;
  readonly tag: string;
  readonly params: QueueParams;
  readonly handler: BatchHandler<C, E>;
  readonly sizeOf: ((entry: E) => number | undefined) | undefined;
  conf: C;
  log: QueueLog;
  /** Entries from `head` on wait; the array is compacted now and then, not shifted per entry. */
  #entries: (E | undefined)[] = [];
  #head = 0;
  #bytes = 0;
  #state: State = 'idle';
  /** The one pending wake-up: a coalescing timer, or an immediate when a batch can go now. */
  #timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  #warned = false;
  #dropped = false;
  /** Set on shutdown: what is left goes at once (Kong: the worker is exiting). */
  #exiting = false;
  /** Gone from the registry: the next push makes a new queue. */
  dead = false;
  /** When a failed send was last logged at warn level (then debug, for a while). */
  lastFailureWarn = -Infinity;
  readonly #drainedWaiters: (() => void)[] = [];
  readonly #fire = () => this.#flush();

  constructor(binding: QueueBinding<C, E>, log: QueueLog) {
    this.name = binding.name;
    this.plugin = binding.plugin;
    this.tag = binding.tag;
    this.params = binding.params;
    this.handler = binding.handler;
    this.sizeOf = binding.sizeOf;
    this.conf = binding.conf;
    this.log = log;
  }

  get count(): number {
    return this.#entries.length - this.#head;
  }

  get bytes(): number {
    return this.#bytes;
  }

  #say(level: keyof QueueLog, message: string): void {
    try {
      this.log[level](`[${this.tag}] queue ${this.name}: ${message}`);
    } catch {
      // A logger that throws must not stop the queue.
    }
  }

  /** Kong's enqueue: returns an error message when the entry was refused. */
  push(entry: E, log: QueueLog): string | undefined {
    const p = this.params;
    if (this.count >= p.max_entries * CAPACITY_WARNING_THRESHOLD) {
      if (!this.#warned) {
        this.#warned = true;
        this.#say('warn', `queue at ${CAPACITY_WARNING_THRESHOLD * 100}% capacity`);
      }
    } else {
      this.#warned = false;
    }
    if (this.count >= p.max_entries) {
      this.#dropOldest();
      this.#dropped = true;
      const total = countLogDrop(this.plugin, 'queue_full');
      if (total !== undefined) log.warn(`[${this.tag}] queue ${this.name}: queue full, dropping old entries until processing is successful again (${total} entries dropped so far)`);
    }
    let size: number | undefined;
    if (p.max_bytes !== null) {
      size = this.sizeOf?.(entry);
      if (size === undefined) {
        this.#say('error', 'queuing non-string entry to a queue that has queue.max_bytes set, capacity monitoring will not be correct');
      } else if (size > p.max_bytes) {
        const message = `string to be queued is longer (${size} bytes) than the queue's max_bytes (${p.max_bytes} bytes)`;
        const total = countLogDrop(this.plugin, 'too_large');
        if (total !== undefined) log.warn(`[${this.tag}] queue ${this.name}: ${message}`);
        return message;
      } else if (this.#bytes + size > p.max_bytes) {
        let dropped = 0;
        while (this.count > 0 && this.#bytes + size > p.max_bytes) {
          this.#dropOldest();
          dropped++;
        }
        this.#dropped = true;
        const total = countLogDrop(this.plugin, 'queue_full', dropped);
        if (total !== undefined) log.warn(`[${this.tag}] queue ${this.name}: byte capacity exceeded, ${dropped} queue entries were dropped (${total} entries dropped so far)`);
      }
      if (size !== undefined) this.#bytes += size;
    }
    this.#entries.push(entry);
    this.#wake();
    return undefined;
  }

  #dropOldest(): void {
    const entry = this.#entries[this.#head] as E;
    this.#entries[this.#head++] = undefined;
    if (this.params.max_bytes !== null) this.#bytes -= this.sizeOf?.(entry) ?? 0;
  }

  /** An entry arrived or a batch is done: start coalescing, or send now when a batch is full. */
  #wake(): void {
    const state = this.#state;
    if (state === 'sending') return;
    const p = this.params;
    const now = this.count >= p.max_batch_size || p.max_coalescing_delay < COALESCE_MIN_SECONDS || this.#exiting;
    if (state === 'coalescing') {
      if (!now) return;
      this.#cancel();
    }
    this.#state = 'coalescing';
    // setTimeout(0) waits a millisecond: a queue sending one entry per request would go no faster than that.
    this.#timer = now ? setImmediate(this.#fire) : setTimeout(this.#fire, p.max_coalescing_delay * 1000);
    this.#timer.unref();
  }

  #cancel(): void {
    const timer = this.#timer;
    this.#timer = undefined;
    if (timer === undefined) return;
    if ('refresh' in timer) clearTimeout(timer);
    else clearImmediate(timer);
  }

  #take(): E[] {
    const n = Math.min(this.count, this.params.max_batch_size);
    const entries = this.#entries;
    const batch = entries.slice(this.#head, this.#head + n) as E[];
    for (let i = this.#head; i < this.#head + n; i++) entries[i] = undefined;
    this.#head += n;
    if (this.#head === entries.length) {
      entries.length = 0;
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > entries.length) {
      this.#entries = entries.slice(this.#head);
      this.#head = 0;
    }
    if (this.params.max_bytes !== null) for (const e of batch) this.#bytes -= this.sizeOf?.(e) ?? 0;
    return batch;
  }

  #flush(): void {
    this.#timer = undefined;
    if (this.count === 0) return this.#idle();
    this.#state = 'sending';
    const batch = this.#take();
    if (this.#dropped) {
      this.#dropped = false;
      this.#say('debug', 'queue resumed processing');
    }
    void handleBatch(this, batch).finally(() => {
      this.#state = 'idle';
      if (this.count > 0) this.#wake();
      else this.#idle();
    });
  }

  /** Nothing left: the queue is done, as Kong's (the next push makes a new one, with the config of that push). */
  #idle(): void {
    this.#state = 'idle';
    this.#say('debug', 'done processing queue');
    if (queues.get(this.name) === (this as unknown)) queues.delete(this.name);
    this.dead = true;
    for (const resolve of this.#drainedWaiters.splice(0)) resolve();
  }

  /** Send what is left without waiting to coalesce; resolves once nothing is left (or the queue gave it up). */
  drain(): Promise<void> {
    if (this.dead) return Promise.resolve();
    this.#exiting = true;
    const done = new Promise<void>((resolve) => this.#drainedWaiters.push(resolve));
    if (this.#state === 'coalescing') {
      this.#cancel();
      this.#state = 'idle';
    }
    if (this.#state === 'idle') this.#wake();
    return done;
  }

  get exiting(): boolean {
    return this.#exiting;
  }
}

/** `concurrency_limit: -1`: each entry on its own, started on a later tick, with the same retries. */
const direct: { queue: LogQueue<unknown, unknown>; entry: unknown }[] = [];
let directScheduled = false;
function runDirect(): void {
  directScheduled = false;
  for (const { queue, entry } of direct.splice(0)) void handleBatch(queue, [entry]);
}

/**
 * The queue a binding's entries go to, found by name (made when there is none: with this binding's params). The
 * caller keeps it and asks again once it is `dead`.
 */
export function queueFor<C, E>(binding: QueueBinding<C, E>, log: QueueLog): LogQueue<C, E> {
  let q = queues.get(binding.name) as LogQueue<C, E> | undefined;
  if (!q) {
    q = new LogQueue(binding, log);
    if (binding.params.concurrency_limit === 1) queues.set(binding.name, q as LogQueue<unknown, unknown>);
  }
  return q;
}

/** Pushes one entry as Kong's Queue.enqueue; returns an error message when it was refused. */
export function enqueue<C, E>(q: LogQueue<C, E>, conf: C, entry: E, log: QueueLog): string | undefined {
  q.conf = conf;
  if (q.params.concurrency_limit === -1) {
    direct.push({ queue: q as LogQueue<unknown, unknown>, entry });
    if (!directScheduled) {
      directScheduled = true;
      setImmediate(runDirect);
    }
    return undefined;
  }
  return q.push(entry, log);
}

/** Whether a queue by this name exists (Kong's Queue.exists; tests). */
export function queueExists(name: string): boolean {
  return queues.has(name);
}

/** Every queue of `plugin` sends what it has at once; resolves when all are done, or after `ms`. */
export function drainQueues(plugin: string, ms: number): Promise<void> {
  const pending: Promise<void>[] = [];
  for (const q of queues.values()) if (q.plugin === plugin) pending.push(q.drain());
  if (pending.length === 0) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    void Promise.all(pending).then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

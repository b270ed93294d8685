/**
 * The primary's side of the workers, as nginx's master is to its worker processes: start N worker threads on the
 * same listeners, hand each the validated config, restart one that ends (with the config of the moment, after a
 * backoff so a crash loop does not spin), ask them for their numbers, stop them. A worker that ends takes only its
 * own connections with it; the kernel gives new ones to the others.
 */
import { Worker } from 'node:worker_threads';
import { symbols, type Logger } from 'pino';
import type { Config } from '../declarative/config.ts';
import { ConfigInvalid, GatewayError, type ConfigIssue } from '../errors.ts';
import type { ListenAddress, Settings } from '../settings/settings.ts';
import { splitConfig, type ConfigPart, type FromWorker, type SharedHandles, type ToWorker, type WorkerBoot, type WorkerCounts, type WorkerStatus, type WorkerTook } from './worker-messages.ts';

export type { WorkerStatus, WorkerTook };

export interface PoolOptions {
  /** The worker's entry module (src/worker.ts). */
  readonly entry: URL;
  readonly settings: Settings;
  readonly log: Logger;
  readonly shared: SharedHandles;
  readonly nodeId: string;
  /** Health flips a worker saw (passive checks): the pool tells the other workers, then this. */
  readonly onHealth?: (upstream: string, target: string, healthy: boolean) => void;
}

interface Slot {
  readonly worker: number;
  thread: Worker | undefined;
  hash: string | undefined;
  ready: boolean;
  startedAt: number;
  /** Exits in a row that came soon after a start (reset once a worker lives past STABLE_MS). */
  failures: number;
  timer: NodeJS.Timeout | undefined;
}

/** What a worker made of a config sent to it. */
type Sent = (FromWorker & { type: 'applied' | 'refused' }) | { readonly type: 'ended' };

/** A worker that lived this long was not crash-looping: its next restart comes at once. */
const STABLE_MS = 10_000;
const BACKOFF_FIRST_MS = 100;
const BACKOFF_MAX_MS = 30_000;
/** How long a question (metrics, counts) waits for a worker before leaving it out. */
const ASK_MS = 5_000;

export class WorkerPool {
  readonly #options: PoolOptions;
  readonly #slots: Slot[] = [];
  #listen: readonly ListenAddress[];
  #config: Config | undefined;
  #hash = '';
  #seq = 0;
  #stopping = false;
  /** Answers awaited, by sequence number and worker. */
  readonly #waiting = new Map<string, (message: FromWorker | undefined) => void>();
  /** The parts of the config being distributed, by sequence number. */
  readonly #parts = new Map<number, readonly ConfigPart[]>();

  /** Where the primary's logger writes: the workers' lines go there too. */
  readonly #logStream: { write(line: string): unknown };

  constructor(options: PoolOptions) {
    this.#options = options;
    this.#logStream = (options.log as unknown as Record<symbol, { write(line: string): unknown }>)[symbols.streamSym] ?? process.stdout;
    this.#listen = options.settings.proxyListen;
  }

  /** The listeners as the workers listen on them (ports resolved). */
  get listen(): readonly ListenAddress[] {
    return this.#listen;
  }

  /**
   * Starts `count` workers serving `config`: the first alone (it resolves port 0 for the others), then the rest.
   * Rejects when the first cannot start (its error), stopping what did start.
   */
  async start(count: number, config: Config, hash: string): Promise<void> {
    this.#config = config;
    this.#hash = hash;
    for (let i = 1; i <= count; i++) this.#slots.push({ worker: i, thread: undefined, hash: undefined, ready: false, startedAt: 0, failures: 0, timer: undefined });
    try {
      const ports = await this.#boot(this.#slots[0]!);
      this.#listen = this.#listen.map((at, i) => ({ ...at, port: ports[i]! }));
      await Promise.all(this.#slots.slice(1).map((slot) => this.#boot(slot)));
    } catch (err) {
      await this.stop(0);
      throw err;
    }
  }

  status(): WorkerStatus[] {
    return this.#slots.map((s) => ({ worker: s.worker, configuration_hash: s.hash, ready: s.ready }));
  }

  /**
   * Every serving worker swaps to `config`: each pulls it in parts, compiles, configures and swaps, and says so.
   * A worker that refuses keeps its old snapshot; then those that took it go back to `previous` (as the
   * in-process reload tells plugins of the previous config again), and the issues say which worker refused.
   */
  async distribute(config: Config, hash: string, previous: { config: Config; hash: string }): Promise<{ issues: ConfigIssue[]; workers: WorkerTook[] }> {
    const serving = this.#slots.filter((s) => s.ready);
    // One worker at a time: the others serve at full speed meanwhile (on a machine with as many cores as workers,
    // compiling in all at once would slow every one of them), and a refusal stops it there.
    const results: Sent[] = [];
    for (const slot of serving) {
      const result = await this.#send(slot, config, hash);
      results.push(result);
      if (result.type === 'refused') break;
    }
    const issues = results.flatMap((r, i) => (r.type === 'refused' ? r.issues.map((issue) => ({ ...issue, message: `worker ${serving[i]!.worker}: ${issue.message}` })) : []));
    const workers = serving.map((slot, i): WorkerTook => {
      const r = results[i];
      return r?.type === 'applied' ? { worker: slot.worker, took: true, compile_ms: r.compileMs, longest_step_ms: r.longestStepMs } : { worker: slot.worker, took: false };
    });
    if (issues.length > 0) {
      for (const slot of serving.filter((_, i) => workers[i]!.took)) await this.#send(slot, previous.config, previous.hash);
      return { issues, workers };
    }
    this.#config = config;
    this.#hash = hash;
    // A worker that ended meanwhile, restarted with the config of before: bring it up to date (one that is still
    // starting boots with this one).
    for (const slot of this.#slots) if (slot.ready && slot.hash !== hash) void this.#send(slot, config, hash);
    return { issues, workers };
  }

  /** Each serving worker's answer (those that do not answer in time are left out). */
  async ask(what: 'metrics'): Promise<string[]>;
  async ask(what: 'counts'): Promise<WorkerCounts[]>;
  async ask(what: 'metrics' | 'counts'): Promise<(string | WorkerCounts)[]> {
    return (await this.#askAll((seq) => ({ type: 'ask', seq, what }))) as (string | WorkerCounts)[];
  }

  async #askAll(message: (seq: number) => ToWorker): Promise<(string | WorkerCounts)[]> {
    const answers = await Promise.all(this.#slots.filter((s) => s.ready).map((slot) => {
      const seq = ++this.#seq;
      const answer = this.#await(slot, seq, ASK_MS);
      this.#post(slot, message(seq));
      return answer;
    }));
    return answers.flatMap((a) => (a?.type === 'answer' ? [a.value] : []));
  }

  /** Tells every worker of a health flip (an active probe's verdict, or another worker's passive one). */
  broadcastHealth(upstream: string, target: string, healthy: boolean, except?: number): void {
    for (const slot of this.#slots) if (slot.worker !== except) this.#post(slot, { type: 'health', upstream, target, healthy });
  }

  /** Each worker stops accepting, lets its in-flight requests finish within `drainMs`, and ends. */
  async stop(drainMs: number): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#slots.map(async (slot) => {
      clearTimeout(slot.timer);
      const thread = slot.thread;
      if (!thread) return;
      const ended = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
      this.#post(slot, { type: 'stop', drainMs });
      // A worker that does not finish in time (a plugin holding its loop) is ended.
      const timer = setTimeout(() => void thread.terminate(), drainMs + 5_000);
      await ended;
      clearTimeout(timer);
    }));
  }

  #post(slot: Slot, message: ToWorker): void {
    try {
      slot.thread?.postMessage(message);
    } catch {
      // The thread is ending: its exit handler takes it from here.
    }
  }

  #await(slot: Slot, seq: number, ms?: number): Promise<FromWorker | undefined> {
    const key = `${slot.worker}:${seq}`;
    return new Promise((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(() => done(undefined), ms);
      const done = (message: FromWorker | undefined) => {
        clearTimeout(timer);
        this.#waiting.delete(key);
        resolve(message);
      };
      this.#waiting.set(key, done);
    });
  }

  /** One worker swaps to `config`; resolves with what it said, or `ended` (it is restarted with the config of then). */
  async #send(slot: Slot, config: Config, hash: string): Promise<Sent> {
    const seq = ++this.#seq;
    const parts = splitConfig(config);
    this.#parts.set(seq, parts);
    const answer = this.#await(slot, seq);
    this.#post(slot, { type: 'config', seq, hash, parts: parts.length });
    const message = await answer;
    this.#parts.delete(seq);
    if (message?.type === 'applied' || message?.type === 'refused') return message;
    return { type: 'ended' };
  }

  /** Starts the slot's thread with the current config; resolves with its ports once it serves. */
  #boot(slot: Slot): Promise<readonly number[]> {
    const { settings, log } = this.#options;
    const boot: WorkerBoot = { worker: slot.worker, nodeId: this.#options.nodeId, settings, listen: this.#listen, config: this.#config!, hash: this.#hash, shared: this.#options.shared };
    const thread = new Worker(this.#options.entry, { workerData: boot, name: `gateway worker ${slot.worker}` });
    slot.thread = thread;
    slot.startedAt = Date.now();
    return new Promise((resolve, reject) => {
      let fatal: string | undefined;
      thread.on('message', (message: FromWorker | { type: 'fatal'; message: string; issues?: ConfigIssue[] }) => {
        switch (message.type) {
          case 'ready':
            slot.ready = true;
            slot.hash = message.hash;
            if (message.hash !== this.#hash && this.#config) void this.#send(slot, this.#config, this.#hash);
            return resolve(message.ports);
          case 'fatal':
            fatal = message.message;
            if (message.issues) reject(new ConfigInvalid(settings.configPath, message.issues));
            else reject(new GatewayError(/listen/.test(message.message) ? 'LISTEN_FAILED' : 'BAD_PLUGIN', message.message));
            return;
          case 'pull': {
            const part = this.#parts.get(message.seq)?.[message.index];
            if (part) this.#post(slot, { type: 'part', seq: message.seq, index: message.index, part });
            return;
          }
          case 'applied':
            slot.hash = message.hash;
            this.#waiting.get(`${slot.worker}:${message.seq}`)?.(message);
            return;
          case 'refused':
          case 'answer':
            this.#waiting.get(`${slot.worker}:${message.seq}`)?.(message);
            return;
          case 'health':
            this.broadcastHealth(message.upstream, message.target, message.healthy, slot.worker);
            this.#options.onHealth?.(message.upstream, message.target, message.healthy);
            return;
          case 'log':
            this.#logStream.write(message.line);
            return;
          case 'stopped':
            return;
        }
      });
      // An error nothing in the thread caught (the gateway's fault handlers catch most): the thread ends next.
      thread.on('error', (err) => {
        fatal ??= err.message;
        log.error({ worker: slot.worker, err: err.message }, 'worker failed');
      });
      thread.once('exit', (code) => {
        const wasReady = slot.ready;
        slot.thread = undefined;
        slot.ready = false;
        for (const [key, done] of this.#waiting) if (key.startsWith(`${slot.worker}:`)) done(undefined);
        if (!wasReady) reject(new GatewayError('BAD_PLUGIN', `worker ${slot.worker} ended before serving (exit code ${code})${fatal ? `: ${fatal}` : ''}`));
        if (this.#stopping) return;
        this.#restart(slot, code, fatal);
      });
    });
  }

  #restart(slot: Slot, code: number, reason: string | undefined): void {
    if (Date.now() - slot.startedAt > STABLE_MS) slot.failures = 0;
    const delay = slot.failures === 0 ? 0 : Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (slot.failures - 1));
    slot.failures++;
    this.#options.log.error({ worker: slot.worker, exit_code: code, reason, restart_in_ms: delay }, `worker ${slot.worker} ended; restarting it`);
    slot.timer = setTimeout(() => {
      if (this.#stopping) return;
      this.#boot(slot).then(
        () => this.#options.log.info({ worker: slot.worker, configuration_hash: slot.hash }, `worker ${slot.worker} restarted`),
        // Its exit handler schedules the next attempt.
        () => undefined,
      );
    }, delay);
  }
}

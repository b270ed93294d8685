/**
 * Reload, in Kong's runloop order: read → (same hash: nothing to do) → load and validate → compile → tell plugins
 * (`configure`) → swap the one reference → update the rest of the node (`onSwap`). One reload at a time; requests
 * for more while one runs coalesce into one more run (the latest file wins). A failure at any step (an invalid
 * file, a `configure` that throws, anything unexpected) changes nothing: the last good snapshot keeps serving,
 * and the failure is logged with every issue's position.
 */
import type { Logger } from 'pino';
import { describeError, formatIssue, type ConfigIssue } from '../errors.ts';
import { loadConfigText, utf8Issue } from '../declarative/load-config.ts';
import { decodeConfig, md5, readConfigBytes } from '../declarative/load.ts';
import type { PluginCatalog } from '../declarative/plugin-instances.ts';
import type { PluginHandler } from '../plugins/types.ts';
import { compileSnapshot, type Snapshot } from '../snapshot/snapshot.ts';
import type { SnapshotStore } from './store.ts';
import type { WorkerTook } from './worker-pool.ts';

export interface ReloadRecord {
  readonly at: string;
  readonly result: 'applied' | 'unchanged' | 'failed';
  readonly durationMs: number;
  readonly hash: string | undefined;
  readonly errors: readonly ConfigIssue[];
  /** With workers: whether each took the config (every one did when applied). */
  readonly workers?: readonly WorkerTook[];
}

export interface ReloadOptions {
  readonly path: string;
  readonly store: SnapshotStore;
  readonly catalog: PluginCatalog;
  readonly handlers: ReadonlyMap<string, PluginHandler>;
  readonly log: Logger;
  /** How long a plugin's `configure` may take to settle (--plugin-timeout). */
  readonly pluginTimeoutMs?: number;
  /** After a swap: restart what depends on the snapshot (health probes, TLS default certificate, pools). */
  readonly onSwap?: (next: Snapshot, previous: Snapshot) => void | Promise<void>;
  /**
   * With workers: instead of this thread's plugins, every worker takes the validated config (it compiles,
   * configures and swaps its own snapshot); what they refused, and which took it.
   */
  readonly distribute?: (next: Snapshot, previous: Snapshot) => Promise<{ issues: readonly ConfigIssue[]; workers: readonly WorkerTook[] }>;
}

export interface Reloader {
  /** Asks for a reload; resolves when the file as it is now has been considered. */
  reload(reason: string): Promise<ReloadRecord>;
  /** Applies a config given as text (POST /config): the same steps as a file reload. */
  apply(text: string, label: string): Promise<ReloadRecord>;
  readonly last: ReloadRecord | undefined;
  /** Reloads so far, by result. */
  readonly counts: Readonly<Record<ReloadRecord['result'], number>>;
  readonly lastSuccessAt: string | undefined;
}

const configsOf = (snapshot: Snapshot, name: string) => {
  const configs = snapshot.config.plugins.filter((p) => p.name === name && p.enabled).map((p) => p.config);
  return configs.length > 0 ? configs : null;
};

/**
 * Calls `configure` on every plugin handler that has one, with its active configs (null for none), as Kong does
 * before a config is served. Returns what failed, as issues naming the plugin; when something failed, the
 * handlers already told of `snapshot` are told of `previous` again (best effort), so that they match what serves.
 */
export async function configurePlugins(snapshot: Snapshot, handlers: ReadonlyMap<string, PluginHandler>, file: string, previous?: Snapshot, timeoutMs = 60_000): Promise<ConfigIssue[]> {
  const issues: ConfigIssue[] = [];
  const told: [string, PluginHandler][] = [];
  for (const [name, handler] of handlers) {
    if (!handler.configure) continue;
    try {
      await within(handler.configure(configsOf(snapshot, name)), timeoutMs);
      told.push([name, handler]);
    } catch (err) {
      issues.push({ file, line: 0, column: 0, path: '', message: `plugin '${name}': configure failed: ${describeError(err)}`, severity: 'error' });
    }
  }
  if (issues.length > 0 && previous) {
    for (const [name, handler] of told) {
      try {
        await within(handler.configure!(configsOf(previous, name)), timeoutMs);
      } catch {
        // It failed on the config it had accepted before: nothing better to do than keep serving.
      }
    }
  }
  return issues;
}

/** A plugin's call that returned a promise, settled within `ms` or refused (one that never settles would stall every later reload). */
export async function within<T>(value: T | Promise<T>, ms: number): Promise<T> {
  if (!(value instanceof Promise)) return value;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([value, new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`did not settle within ${ms} ms`)), ms);
    })]);
  } finally {
    clearTimeout(timer);
  }
}

export function createReloader(options: ReloadOptions): Reloader {
  let running: Promise<ReloadRecord> | undefined;
  let again: { reason: string; waiters: ((r: ReloadRecord) => void)[] } | undefined;
  let last: ReloadRecord | undefined;
  let lastSuccessAt: string | undefined;
  const counts = { applied: 0, unchanged: 0, failed: 0 };

  async function attempt(reason: string, record: (result: ReloadRecord['result'], hash: string | undefined, errors?: readonly ConfigIssue[], workers?: readonly WorkerTook[]) => ReloadRecord, given?: { text: string; label: string }): Promise<ReloadRecord> {
    const previous = options.store.current();
    const file = given?.label ?? options.path;
    let text: string;
    let bytes: Uint8Array | undefined;
    if (given) {
      text = given.text;
    } else {
      try {
        bytes = await readConfigBytes(options.path);
        text = decodeConfig(bytes);
      } catch (err) {
        // A file caught between delete and create, say: keep serving, the next event will bring it.
        options.log.warn({ reason, err: describeError(err) }, 'reload skipped: config file not readable');
        return record('failed', undefined, [{ file: options.path, line: 0, column: 0, path: '', message: describeError(err), severity: 'error' }]);
      }
    }
    const hash = md5(text);
    if (hash === previous.hash) return record('unchanged', hash);
    const failed = (errors: readonly ConfigIssue[], workers?: readonly WorkerTook[]) => {
      options.log.error({ reason, errors: errors.map(formatIssue) }, `reload failed: ${errors.length} error(s); still serving ${previous.hash}`);
      return record('failed', hash, errors, workers);
    };
    const undecodable = bytes ? utf8Issue(bytes, file) : undefined;
    if (undecodable) return failed([undecodable]);
    const loaded = loadConfigText(text, file, { plugins: options.catalog }, given ? 'auto' : undefined);
    if (!loaded.config) return failed(loaded.issues.filter((i) => i.severity === 'error'));
    for (const issue of loaded.issues) if (issue.severity === 'warning') options.log.warn(formatIssue(issue));
    const next = compileSnapshot(loaded.config, loaded.hash, options.handlers);
    let workers: readonly WorkerTook[] | undefined;
    if (options.distribute) {
      const sent = await options.distribute(next, previous);
      workers = sent.workers;
      if (sent.issues.length > 0) return failed(sent.issues, workers);
    } else {
      const refused = await configurePlugins(next, options.handlers, file, previous, options.pluginTimeoutMs);
      if (refused.length > 0) return failed(refused);
    }
    options.store.swap(next);
    await options.onSwap?.(next, previous);
    const done = record('applied', hash, [], workers);
    options.log.info({ reason, old_hash: previous.hash, new_hash: hash, duration_ms: done.durationMs }, 'config reloaded');
    return done;
  }

  async function once(reason: string, given?: { text: string; label: string }): Promise<ReloadRecord> {
    const started = performance.now();
    const at = new Date().toISOString();
    const record = (result: ReloadRecord['result'], hash: string | undefined, errors: readonly ConfigIssue[] = [], workers?: readonly WorkerTook[]): ReloadRecord => {
      counts[result]++;
      if (result === 'applied') lastSuccessAt = at;
      return (last = { at, result, durationMs: Math.round(performance.now() - started), hash, errors, ...(workers ? { workers } : {}) });
    };
    try {
      return await attempt(reason, record, given);
    } catch (err) {
      // Whatever went wrong, the gateway keeps serving what it served.
      options.log.error({ reason, err: describeError(err) }, 'reload failed unexpectedly; still serving the previous config');
      return record('failed', undefined, [{ file: given?.label ?? options.path, line: 0, column: 0, path: '', message: `reload failed: ${describeError(err)}`, severity: 'error' }]);
    }
  }

  function apply(text: string, label: string): Promise<ReloadRecord> {
    // Serialized with file reloads: wait for one in progress, then apply.
    const run = (): Promise<ReloadRecord> => {
      running = once(label, { text, label }).finally(() => {
        running = undefined;
      });
      return running;
    };
    return running ? running.then(run, run) : run();
  }

  function reload(reason: string): Promise<ReloadRecord> {
    if (running) {
      // Coalesce: whatever arrives while a reload runs becomes one more run, which reads the newest file.
      return new Promise((resolve) => {
        if (again) {
          again.reason = reason;
          again.waiters.push(resolve);
        } else {
          again = { reason, waiters: [resolve] };
        }
      });
    }
    running = once(reason).finally(() => {
      running = undefined;
      const pending = again;
      again = undefined;
      if (pending) void reload(pending.reason).then((r) => {
        for (const w of pending.waiters) w(r);
      });
    });
    return running;
  }

  return { reload, apply, counts, get last() { return last; }, get lastSuccessAt() { return lastSuccessAt; } };
}

/**
 * Reload: read → (same hash: nothing to do) → load and validate → compile → swap the one reference → tell plugins
 * (`configure`) and the rest of the node (`onSwap`). One reload at a time; requests for more while one runs
 * coalesce into one more run (the latest file wins). A failure at any step changes nothing: the last good
 * snapshot keeps serving, and the failure is logged with every issue's position.
 */
import type { Logger } from 'pino';
import { formatIssue, type ConfigIssue } from '../errors.ts';
import { loadConfigText } from '../declarative/load-config.ts';
import { md5, readConfigFile } from '../declarative/load.ts';
import type { PluginCatalog } from '../declarative/plugin-instances.ts';
import type { PluginHandler } from '../plugins/types.ts';
import { compileSnapshot, type Snapshot } from '../snapshot/snapshot.ts';
import type { SnapshotStore } from './store.ts';

export interface ReloadRecord {
  readonly at: string;
  readonly result: 'applied' | 'unchanged' | 'failed';
  readonly durationMs: number;
  readonly hash: string | undefined;
  readonly errors: readonly ConfigIssue[];
}

export interface ReloadOptions {
  readonly path: string;
  readonly store: SnapshotStore;
  readonly catalog: PluginCatalog;
  readonly handlers: ReadonlyMap<string, PluginHandler>;
  readonly log: Logger;
  /** After a swap: restart what depends on the snapshot (health probes, TLS default certificate, pools). */
  readonly onSwap?: (next: Snapshot, previous: Snapshot) => void | Promise<void>;
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

/** Calls `configure` on every plugin handler that has one, with its active configs (null for none), as Kong. */
export async function configurePlugins(snapshot: Snapshot, handlers: ReadonlyMap<string, PluginHandler>, log: Logger): Promise<void> {
  for (const [name, handler] of handlers) {
    if (!handler.configure) continue;
    const configs = snapshot.config.plugins.filter((p) => p.name === name && p.enabled).map((p) => p.config);
    try {
      await handler.configure(configs.length > 0 ? configs : null);
    } catch (err) {
      log.error({ plugin: name, phase: 'configure', err: (err as Error).message }, 'plugin failed');
    }
  }
}

export function createReloader(options: ReloadOptions): Reloader {
  let running: Promise<ReloadRecord> | undefined;
  let again: { reason: string; waiters: ((r: ReloadRecord) => void)[] } | undefined;
  let last: ReloadRecord | undefined;
  let lastSuccessAt: string | undefined;
  const counts = { applied: 0, unchanged: 0, failed: 0 };

  async function once(reason: string, given?: { text: string; label: string }): Promise<ReloadRecord> {
    const started = performance.now();
    const at = new Date().toISOString();
    const previous = options.store.current();
    const done = (result: ReloadRecord['result'], hash: string | undefined, errors: readonly ConfigIssue[] = []): ReloadRecord => {
      counts[result]++;
      if (result === 'applied') lastSuccessAt = at;
      return (last = { at, result, durationMs: Math.round(performance.now() - started), hash, errors });
    };
    let text: string;
    if (given) {
      text = given.text;
    } else {
      try {
        text = await readConfigFile(options.path);
      } catch (err) {
        // A file caught between delete and create, say: keep serving, the next event will bring it.
        options.log.warn({ reason, err: (err as Error).message }, 'reload skipped: config file not readable');
        return done('failed', undefined, [{ file: options.path, line: 0, column: 0, path: '', message: (err as Error).message, severity: 'error' }]);
      }
    }
    const hash = md5(text);
    if (hash === previous.hash) return done('unchanged', hash);
    const loaded = loadConfigText(text, given?.label ?? options.path, { plugins: options.catalog }, given ? 'auto' : undefined);
    if (!loaded.config) {
      const errors = loaded.issues.filter((i) => i.severity === 'error');
      options.log.error({ reason, errors: errors.map(formatIssue) }, `reload failed: ${errors.length} error(s); still serving ${previous.hash}`);
      return done('failed', hash, errors);
    }
    const next = compileSnapshot(loaded.config, loaded.hash, options.handlers);
    options.store.swap(next);
    await configurePlugins(next, options.handlers, options.log);
    await options.onSwap?.(next, previous);
    const record = done('applied', hash);
    options.log.info({ reason, old_hash: previous.hash, new_hash: hash, duration_ms: record.durationMs }, 'config reloaded');
    return record;
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
      if (pending) void reload(pending.reason).then((r) => pending.waiters.forEach((w) => w(r)));
    });
    return running;
  }

  return { reload, apply, counts, get last() { return last; }, get lastSuccessAt() { return lastSuccessAt; } };
}

/**
 * Watches the config file the ways files really change: written in place, renamed over (editors, config-sync
 * tools), deleted then created, or swapped behind a symlink (a Kubernetes ConfigMap's `..data`). It watches the
 * file's folder, not the file, since each of those replaces what a watch on the file would hold; any event there
 * asks for a reload, debounced, and a reload of identical bytes does nothing.
 */
import { watch, type FSWatcher } from 'chokidar';
import { basename, dirname, resolve } from 'node:path';

/** Resolves once the watch is in place: a change made after that is seen. */
export async function watchConfig(path: string, onChange: (reason: string) => void, onError: (err: unknown) => void = () => undefined, debounceMs = 200): Promise<{ close(): Promise<void> }> {
  const file = resolve(path);
  const dir = dirname(file);
  const name = basename(file);
  let timer: NodeJS.Timeout | undefined;
  const fire = (event: string, changed: string) => {
    const base = basename(changed);
    // The file itself, or a ConfigMap's ..data / timestamped folder swap.
    if (base !== name && !base.startsWith('..') && changed !== dir) return;
    clearTimeout(timer);
    timer = setTimeout(() => onChange(`file ${event}`), debounceMs);
  };
  const watcher: FSWatcher = watch(dir, { depth: 0, ignoreInitial: true, followSymlinks: false, atomic: true });
  watcher.on('all', (event, changed) => fire(event, changed));
  // A watch that fails (a folder removed, too many watches) is reported; SIGHUP and POST /config still reload.
  watcher.on('error', onError);
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    async close() {
      clearTimeout(timer);
      await watcher.close();
    },
  };
}

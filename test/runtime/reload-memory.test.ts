// 200 reloads of a 1,000-route file: the heap after garbage collection stays where it was after the first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pino } from 'pino';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigText } from '../../src/declarative/load-config.ts';
import { createReloader } from '../../src/runtime/reload.ts';
import { SnapshotStore } from '../../src/runtime/store.ts';
import { compileSnapshot } from '../../src/snapshot/snapshot.ts';
import { handlersOf } from '../../src/plugins/catalog.ts';
import { bundledCatalog } from '../helpers/config.ts';
import { tempDir } from '../helpers/temp.ts';

const BUNDLED_HANDLERS = handlersOf(bundledCatalog);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** 1,000 routes with plugins; `variant` changes one plugin's config so each reload is a real change. */
function file(variant: number): string {
  const services = Array.from({ length: 100 }, (_, s) => `- name: s${s}\n  url: http://10.0.${s}.1:8080\n  routes:\n${Array.from({ length: 10 }, (_, r) => `  - { name: r${s}-${r}, paths: [/s${s}/r${r}] }\n`).join('')}  plugins: [{ name: request-size-limiting, config: { allowed_payload_size: ${100 + (s === 0 ? variant : 0)} } }]\n`).join('');
  return `_format_version: "3.0"\nservices:\n${services}`;
}

test('200 reloads of a 1,000-route file do not grow the heap', async () => {
  const path = join(tempDir('memory'), 'kong.yaml');
  const first = loadConfigText(file(0), path, { plugins: bundledCatalog });
  assert.equal(first.config?.routes.length, 1000);
  const store = new SnapshotStore(compileSnapshot(first.config!, first.hash, BUNDLED_HANDLERS));
  const reloader = createReloader({ path, store, catalog: bundledCatalog, handlers: BUNDLED_HANDLERS, log: pino({ level: 'silent' }) });
  const heap = () => {
    gc();
    gc();
    return process.memoryUsage().heapUsed / 1024 / 1024;
  };
  let baseline = 0;
  for (let i = 1; i <= 200; i++) {
    writeFileSync(path, file(i));
    assert.equal((await reloader.reload('test')).result, 'applied');
    if (i === 1) baseline = heap();
  }
  const after = heap();
  assert.ok(after - baseline < 8, `heap after 200 reloads: ${after.toFixed(1)} MB, after the first: ${baseline.toFixed(1)} MB`);
});

/**
 * One reload measurement in a fresh process: load a config of N routes, change one plugin's config in the file,
 * and time the reload (read, validate, compile, swap, configure) until the new snapshot serves. Prints JSON.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfigText } from '../src/declarative/load-config.ts';
import { handlersOf } from '../src/plugins/catalog.ts';
import { BUNDLED_CATALOG } from '../src/plugins/registry.ts';
import { createReloader } from '../src/runtime/reload.ts';
import { SnapshotStore } from '../src/runtime/store.ts';
import { compileSnapshot } from '../src/snapshot/snapshot.ts';
import { generateConfig, renderConfig } from './generate-config.ts';

const routes = Number(process.argv[2]);
const catalog = BUNDLED_CATALOG;
const handlers = handlersOf(catalog);
const size = { services: routes, consumers: Math.max(1, Math.round(routes / 10)), plugins: Math.max(4, Math.round(routes / 10)) };
const path = join(mkdtempSync(join(tmpdir(), 'gateway-reload-bench-')), 'kong.yaml');
const text = (variant: number) => {
  const config = generateConfig(size) as { plugins: { config: Record<string, unknown> }[] };
  config.plugins[0]!.config = { ...config.plugins[0]!.config, minute: 100 + variant };
  return renderConfig(config as Record<string, unknown>, 'yaml');
};
const first = loadConfigText(text(0), path, { plugins: catalog });
if (!first.config) throw new Error('generated config must be valid');
const store = new SnapshotStore(compileSnapshot(first.config, first.hash, handlers));
const reloader = createReloader({ path, store, catalog, handlers, log: pino({ level: 'silent' }) });
writeFileSync(path, text(1));
const started = performance.now();
const record = await reloader.reload('bench');
const ms = performance.now() - started;
if (record.result !== 'applied') throw new Error(`reload ${record.result}`);
const probe = store.current().router.match({ method: 'GET', host: 'x', port: 80, path: `/svc/${routes - 1}`, headers: {}, sni: undefined, scheme: 'http' });
if (!probe) throw new Error('the new snapshot does not route');
process.stdout.write(`${JSON.stringify({ ms, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`);

/**
 * Custom plugins' schema modules, from `--plugins-path` folders: `DIR/<name>/schema.ts` (or `.js`/`.mjs`), whose
 * default export follows the same contract as the bundled ones. They join validation and `schemas/` generation.
 */
import { existsSync, type Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GatewayError } from '../errors.ts';
import type { PluginSchemaModule } from './schema-types.ts';

const SCHEMA_FILES = ['schema.ts', 'schema.mts', 'schema.js', 'schema.mjs'];

/** Imports one of a custom plugin's modules; a module that fails to load is a clear start-up error. */
export async function importPluginFile(file: string): Promise<{ default?: unknown }> {
  try {
    return (await import(pathToFileURL(resolve(file)).href)) as { default?: unknown };
  } catch (err) {
    throw new GatewayError('BAD_PLUGIN', `${file}: cannot load: ${(err as Error).message.split('\n')[0]}`);
  }
}

function checkShape(value: unknown, file: string, folder: string): PluginSchemaModule {
  const m = value as Partial<PluginSchemaModule> | undefined;
  const fail = (why: string) => {
    throw new GatewayError('BAD_PLUGIN', `${file}: ${why}`);
  };
  if (!m || typeof m !== 'object') return fail('must have a default export (the schema module: { name, config, ... })');
  if (typeof m.name !== 'string' || m.name === '') return fail("default export needs a 'name'");
  if (m.name !== folder) return fail(`name '${m.name}' differs from its folder '${folder}'`);
  const config = m.config as { type?: unknown } | undefined;
  if (!config || typeof config !== 'object' || config.type !== 'object') return fail("'config' must be a JSON Schema of type object");
  if (m.check !== undefined && typeof m.check !== 'function') return fail("'check' must be a function");
  return m as PluginSchemaModule;
}

/** Every custom plugin schema under the given folders, by name. Folders without a schema file are skipped. */
export async function loadCustomPluginSchemas(dirs: readonly string[]): Promise<Map<string, { module: PluginSchemaModule; file: string; dir: string }>> {
  const found = new Map<string, { module: PluginSchemaModule; file: string; dir: string }>();
  for (const dir of dirs) {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      throw new GatewayError('BAD_USAGE', `--plugins-path: cannot read folder ${dir}`);
    }
    for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
      const file = SCHEMA_FILES.map((f) => join(dir, entry.name, f)).find((f) => existsSync(f));
      if (!file) continue;
      const imported = await importPluginFile(file);
      const module = checkShape(imported.default, file, entry.name);
      const earlier = found.get(module.name);
      if (earlier) throw new GatewayError('BAD_PLUGIN', `${file}: plugin '${module.name}' is also defined in ${earlier.file}`);
      found.set(module.name, { module, file, dir: join(dir, entry.name) });
    }
  }
  return found;
}

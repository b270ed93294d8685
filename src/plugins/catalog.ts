/**
 * The plugins a gateway run may use, from Kong's `plugins` setting: `bundled` (all bundled plugins), custom
 * plugin names found in `--plugins-path`, or `off`. Each comes with its schema module and its handler, if it
 * has one: validation runs the handler's `prepare`, and refuses instances of a plugin without a handler.
 */
import { GatewayError } from '../errors.ts';
import type { PluginCatalog } from '../declarative/plugin-instances.ts';
import { loadCustomHandler } from './custom-handlers.ts';
import { loadCustomPluginSchemas } from './custom-schemas.ts';
import { BUNDLED_CATALOG, type PluginModule } from './registry.ts';

export type { PluginModule } from './registry.ts';

export async function buildPluginCatalog(options: { plugins: readonly string[]; pluginsPaths: readonly string[] }): Promise<PluginCatalog & ReadonlyMap<string, PluginModule>> {
  const custom = await loadCustomPluginSchemas(options.pluginsPaths);
  for (const [name, { file }] of custom) {
    if (BUNDLED_CATALOG.has(name)) throw new GatewayError('BAD_PLUGIN', `${file}: plugin '${name}' has the name of a bundled plugin`);
  }
  const catalog = new Map<string, PluginModule>();
  if (options.plugins.includes('off')) {
    if (options.plugins.length > 1) throw new GatewayError('BAD_USAGE', "--plugins: 'off' cannot be combined with other values");
    return catalog;
  }
  for (const name of options.plugins) {
    if (name === 'bundled') {
      for (const [n, m] of BUNDLED_CATALOG) catalog.set(n, m);
      continue;
    }
    const bundled = BUNDLED_CATALOG.get(name);
    if (bundled) {
      catalog.set(name, bundled);
      continue;
    }
    const found = custom.get(name);
    if (!found) {
      const where = options.pluginsPaths.length > 0 ? `in --plugins-path (${options.pluginsPaths.join(', ')})` : 'bundled (use --plugins-path for custom plugins)';
      throw new GatewayError('BAD_USAGE', `--plugins: plugin '${name}' not found ${where}`);
    }
    catalog.set(name, { name, schema: found.module, handler: await loadCustomHandler(found.dir) });
  }
  return catalog;
}

/** The handlers of a catalog's plugins, by name (those that have one). */
export function handlersOf(catalog: ReadonlyMap<string, PluginModule>): Map<string, NonNullable<PluginModule['handler']>> {
  const out = new Map<string, NonNullable<PluginModule['handler']>>();
  for (const [name, m] of catalog) if (m.handler) out.set(name, m.handler);
  return out;
}

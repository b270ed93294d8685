/**
 * The plugins a gateway run may use, from Kong's `plugins` setting: `bundled` (all bundled plugins), custom
 * plugin names found in `--plugins-path`, or `off`.
 */
import { GatewayError } from '../errors.ts';
import type { PluginCatalog } from '../declarative/plugin-instances.ts';
import { loadCustomPluginSchemas } from './custom-schemas.ts';
import { BUNDLED_PLUGIN_SCHEMAS } from './registry.ts';
import type { PluginSchemaModule } from './schema-types.ts';

export async function buildPluginCatalog(options: { plugins: readonly string[]; pluginsPaths: readonly string[] }): Promise<PluginCatalog> {
  const bundled = new Map(BUNDLED_PLUGIN_SCHEMAS.map((p) => [p.name, p]));
  const custom = await loadCustomPluginSchemas(options.pluginsPaths);
  for (const [name, { file }] of custom) {
    if (bundled.has(name)) throw new GatewayError('BAD_PLUGIN', `${file}: plugin '${name}' has the name of a bundled plugin`);
  }
  const catalog = new Map<string, PluginSchemaModule>();
  if (options.plugins.includes('off')) {
    if (options.plugins.length > 1) throw new GatewayError('BAD_USAGE', "--plugins: 'off' cannot be combined with other values");
    return catalog;
  }
  for (const name of options.plugins) {
    if (name === 'bundled') {
      for (const [n, m] of bundled) catalog.set(n, m);
      continue;
    }
    const module = bundled.get(name) ?? custom.get(name)?.module;
    if (!module) {
      const where = options.pluginsPaths.length > 0 ? `in --plugins-path (${options.pluginsPaths.join(', ')})` : 'bundled (use --plugins-path for custom plugins)';
      throw new GatewayError('BAD_USAGE', `--plugins: plugin '${name}' not found ${where}`);
    }
    catalog.set(name, module);
  }
  return catalog;
}

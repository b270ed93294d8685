/**
 * Checks of plugin entities: the plugin is available, its scope and protocols are allowed, its config is valid
 * (defaults filled), and no scope holds the same plugin twice.
 */
import { describeError, formatPath } from '../errors.ts';
import { isKongPluginNotBundled } from './kong-plugins.ts';
import { DEFAULT_PLUGIN_PROTOCOLS, HTTP_PROTOCOLS, type PluginSchemaModule } from '../plugins/schema-types.ts';
import type { FlatEntity } from './flatten.ts';
import type { IssueCollector } from './issues.ts';
import { validatePluginConfig } from './plugin-config.ts';
import { reporterFor } from './entity-checks.ts';
import { entityLabel } from './references.ts';

/** What validation needs of a plugin: its schema module, and its handler's `prepare` if it has one. */
export interface CatalogPlugin {
  readonly schema: PluginSchemaModule;
  /** Undefined for a plugin the gateway cannot run (yet). */
  readonly handler: { readonly prepare?: (config: never) => unknown } | undefined;
}

/** The plugins a config may use, by name (bundled and custom, as enabled by `--plugins`). */
export type PluginCatalog = ReadonlyMap<string, CatalogPlugin>;

const SCOPES = ['route', 'service', 'consumer', 'consumer_group'] as const;

export function checkPluginInstance(entity: FlatEntity, catalog: PluginCatalog, issues: IssueCollector): void {
  const v = entity.value;
  const report = reporterFor(entity, issues);
  const name = typeof v.name === 'string' ? v.name : undefined;
  if (name === undefined) return;
  const entry = catalog.get(name);
  if (!entry) {
    if (isKongPluginNotBundled(name)) {
      report(['name'], `plugin '${name}' is one Kong 3.10 bundles, but this gateway does not bundle it (see the README's list of Kong plugins not bundled); remove it, or load a custom plugin of that name with --plugins-path`);
      return;
    }
    const available = [...catalog.keys()].sort().join(', ');
    report(['name'], `plugin '${name}' not enabled; add it to the 'plugins' configuration property (available: ${available})`);
    return;
  }
  const module = entry.schema;
  // A plugin the gateway cannot run would let every request through what it should check (a rate limit, say):
  // an enabled instance of one is refused rather than silently skipped.
  if (!entry.handler && v.enabled !== false) {
    report(['name'], `plugin '${name}' cannot run here yet: this gateway validates its config but has no handler for it, so it would be skipped on every request; remove it or set 'enabled: false'`);
  }
  for (const scope of module.forbiddenScopes ?? []) {
    if (v[scope] === undefined || v[scope] === null) continue;
    const field = entity.parent?.field === scope ? [] : [scope];
    report(field, `value must be null: plugin '${name}' cannot be scoped to a ${scope.replace('_', ' ')}`, { atKey: field.length > 0 });
  }
  const allowed: readonly string[] = module.protocols?.allowed ?? HTTP_PROTOCOLS;
  if (Array.isArray(v.protocols)) {
    v.protocols.forEach((p, i) => {
      if (typeof p === 'string' && !allowed.includes(p)) report(['protocols', i], `expected one of: ${allowed.join(', ')}`);
    });
  } else {
    v.protocols = [...(module.protocols?.default ?? DEFAULT_PLUGIN_PROTOCOLS)];
  }
  const result = validatePluginConfig(module, v.config ?? {});
  for (const problem of result.problems) report(['config', ...problem.path], problem.message, { atKey: problem.message === 'unknown field' });
  v.config = result.config;
  if (result.problems.length === 0 && module.warnings) {
    for (const w of module.warnings(result.config as never)) issues.warn([...entity.path, 'config', ...w.path], w.message, { entity: entityLabel(entity) });
  }
  const prepare = entry.handler?.prepare;
  if (result.problems.length > 0 || !prepare) return;
  // What the plugin cannot prepare it cannot run: refused here, with a position, rather than on a request.
  try {
    prepare(result.config as never);
  } catch (err) {
    const at = (err as { path?: unknown } | null)?.path;
    report(['config', ...(Array.isArray(at) ? (at as (string | number)[]) : [])], describeError(err));
  }
}

/** One plugin name per scope: returns the entities that repeat an earlier one (reported here). */
export function checkDuplicateScopes(plugins: readonly FlatEntity[], issues: IssueCollector): Set<FlatEntity> {
  const seen = new Map<string, FlatEntity>();
  const duplicates = new Set<FlatEntity>();
  for (const p of plugins) {
    const scope = SCOPES.map((s) => {
      const ref = p.value[s];
      return ref && typeof ref === 'object' ? `${s}=${String((ref as { id?: unknown }).id ?? JSON.stringify(ref))}` : typeof ref === 'string' ? `${s}=${ref}` : '';
    });
    const key = `${String(p.value.name)}|${scope.join('|')}`;
    const first = seen.get(key);
    if (!first) {
      seen.set(key, p);
      continue;
    }
    duplicates.add(p);
    const where = scope.filter(Boolean).map((s) => s.split('=')[0]).join('+') || 'global';
    reporterFor(p, issues)([], `plugin '${String(p.value.name)}' is already configured on this scope (${where}) at ${formatPath(first.path)}`);
  }
  return duplicates;
}

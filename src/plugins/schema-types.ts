/**
 * The contract of a plugin's schema module (`<plugin>/schema.ts`, default export). It is the single source for
 * validation (ajv), the generated `schemas/plugins/<name>.json` and the TypeScript type of the plugin's config.
 */
import type { Static, TObject } from '../schema/kit.ts';
import type { PathSegment } from '../errors.ts';

import type { Protocol } from '../entities/protocols.ts';

// The lists a schema module names its protocols with.
export { ALL_PROTOCOLS, DEFAULT_PLUGIN_PROTOCOLS, HTTP_PROTOCOLS, type Protocol } from '../entities/protocols.ts';

/** The scopes a plugin instance can be attached to (besides global). */
export type PluginScope = 'service' | 'route' | 'consumer' | 'consumer_group';

/** A problem found by a cross-field rule; `path` is relative to `config`. */
export interface ConfigProblem {
  readonly path: readonly PathSegment[];
  readonly message: string;
}

export interface PluginSchemaModule<C extends TObject = TObject> {
  /** The plugin's name as written in `plugins[].name`. */
  readonly name: string;
  /** JSON Schema of `config`, with Kong's defaults (see `schema/kit.ts` for the conventions). */
  readonly config: C;
  /**
   * Protocols an instance may list, and the default of its `protocols` field.
   * Default: allowed HTTP_PROTOCOLS, default DEFAULT_PLUGIN_PROTOCOLS.
   */
  readonly protocols?: { readonly allowed: readonly Protocol[]; readonly default: readonly Protocol[] };
  /** Scopes Kong refuses for this plugin (e.g. `consumer` for authentication plugins): `value must be null`. */
  readonly forbiddenScopes?: readonly PluginScope[];
  /**
   * Kong's entity checks that JSON Schema cannot say well (at_least_one_of, conditional requirements, ranges that
   * depend on other fields). Runs after the schema passed and defaults were filled.
   */
  readonly check?: (config: Static<C>) => readonly ConfigProblem[];
  /**
   * Settings Kong accepts that do nothing here (so refusing them would break a working kong.yaml): reported as
   * warnings naming the field, the config still valid. Runs on a valid config, defaults filled.
   */
  readonly warnings?: (config: Static<C>) => readonly ConfigProblem[];
  /**
   * Config fields that may hold a vault reference (Kong's `referenceable = true`), as paths in `config`; `*` stands
   * for every value of a map. Resolved at load, before the schema runs.
   */
  readonly referenceable?: readonly (readonly string[])[];
}

/** Identity function that keeps the config type: `export default definePluginSchema({...})`. */
export function definePluginSchema<C extends TObject>(module: PluginSchemaModule<C>): PluginSchemaModule<C> {
  return module;
}

export type PluginConfig<M> = M extends PluginSchemaModule<infer C> ? Static<C> : never;

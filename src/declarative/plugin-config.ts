/**
 * Validation of one plugin instance's `config` against its schema module: JSON Schema first (filling Kong's
 * defaults), then the module's cross-field rules. Validators are compiled once per module and reused.
 */
import type { PluginSchemaModule } from '../plugins/schema-types.ts';
import { createAjv, toProblems, type SchemaProblem, type ValidateFunction } from '../schema/ajv.ts';
import { inputSchema } from '../schema/input-schema.ts';
// The bundled plugins' validators, compiled ahead of time (scripts/generate-validators.ts; a test keeps them in step).
import * as precompiled from './plugin-validators.generated.js';

let ajv: ReturnType<typeof createAjv> | undefined;
const compiled = new WeakMap<PluginSchemaModule, ValidateFunction>();

/**
 * A bundled plugin's validator was compiled ahead of time, exported under its name with `_` for `-` (no custom
 * plugin can take a bundled plugin's name; bundled names have no `_`); any other schema is compiled on first use.
 */
function validatorFor(module: PluginSchemaModule): ValidateFunction {
  let fn = compiled.get(module) ?? (module.name.includes('_') ? undefined : (precompiled as Record<string, ValidateFunction | undefined>)[module.name.replace(/-/g, '_')]);
  if (!fn) {
    ajv ??= createAjv({ useDefaults: true });
    fn = ajv.compile(inputSchema(module.config));
    compiled.set(module, fn);
  }
  return fn;
}

export interface PluginConfigResult {
  /** The config with defaults filled in (a copy; the input is not changed). */
  readonly config: Record<string, unknown>;
  /** Problems with paths relative to `config`. Empty when valid. */
  readonly problems: readonly SchemaProblem[];
}

export function validatePluginConfig(module: PluginSchemaModule, input: unknown): PluginConfigResult {
  const config = structuredClone(input ?? {}) as Record<string, unknown>;
  const validate = validatorFor(module);
  if (!validate(config)) return { config, problems: toProblems(validate.errors) };
  const problems = module.check ? module.check(config as never) : [];
  return { config, problems: problems.map((p) => ({ path: p.path, message: p.message })) };
}

/**
 * An entity's stored fields from its schema module: Kong's default where it has one (also in place of an explicit
 * `null`), `null` for an unset optional field, recursively inside records that have defaults.
 */
import type { TObject } from '../schema/kit.ts';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const NOT_STORED = new Set(['_comment', '_ignore', 'url', 'id']);


interface SchemaNode {
  readonly properties?: Record<string, SchemaNode>;
  readonly default?: unknown;
}

/** Per schema, its stored properties, computed once: this runs for every entity of every load. */
const plans = new WeakMap<SchemaNode, readonly (readonly [string, SchemaNode])[]>();

function planOf(schema: SchemaNode): readonly (readonly [string, SchemaNode])[] {
  let plan = plans.get(schema);
  if (!plan) {
    plan = Object.entries(schema.properties ?? {}).filter(([name]) => !NOT_STORED.has(name));
    plans.set(schema, plan);
  }
  return plan;
}

/**
 * The stored form of an entity, built in one pass in schema order (`id` first): every entity of a type then has
 * the same object shape, which keeps loading a big file fast. Fields the schema does not know are left out
 * (the structural pass reported them).
 */
export function storedValue(schema: TObject, input: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const value: Record<string, unknown> = { id: undefined };
  for (const [name, prop] of planOf(schema as unknown as SchemaNode)) {
    const given = input[name];
    if (given !== undefined && given !== null) {
      value[name] = given;
      if (prop.properties && isRecord(given)) fill(prop, given);
    } else if (prop.default === undefined) {
      value[name] = null;
    } else {
      const filled = copyJson(prop.default);
      value[name] = filled;
      if (prop.properties && isRecord(filled)) fill(prop, filled);
    }
  }
  return value;
}

function fill(schema: SchemaNode, value: Record<string, unknown>): void {
  for (const [name, prop] of planOf(schema)) {
    const current = value[name];
    if (current === undefined || current === null) {
      value[name] = prop.default === undefined ? null : copyJson(prop.default);
    }
    const filled = value[name];
    if (prop.properties && isRecord(filled)) fill(prop, filled);
  }
}

/** Defaults are small JSON values; each entity gets its own copy (structuredClone is 10× slower for these). */
function copyJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyJson);
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const k in value) out[k] = copyJson(value[k]);
    return out;
  }
  return value;
}

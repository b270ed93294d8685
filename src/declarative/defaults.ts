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

type Builder = (input: Readonly<Record<string, unknown>>) => Record<string, unknown>;
const builders = new WeakMap<SchemaNode, Builder>();

/**
 * A function per schema that builds the stored form as one object literal: this runs for every entity of every
 * load, and a literal with the field names written out is several times faster than a loop over the schema's
 * properties (keyed access by a varying name is megamorphic), and gives every entity of a type one shape.
 * Only field names (JSON-quoted) and indexes into `defaults`/`schemas` go into the generated source.
 */
function builderOf(schema: SchemaNode): Builder {
  let builder = builders.get(schema);
  if (builder) return builder;
  const defaults: unknown[] = [];
  const schemas: SchemaNode[] = [];
  const fields = planOf(schema).map(([name, prop]) => {
    const key = JSON.stringify(name);
    const given = `input[${key}]`;
    let otherwise = 'null';
    if (prop.default !== undefined) {
      defaults.push(prop.default);
      otherwise = `copy(defaults[${defaults.length - 1}])`;
    }
    if (prop.properties) {
      schemas.push(prop);
      return `${key}: fill(schemas[${schemas.length - 1}], ${given} ?? ${otherwise})`;
    }
    return `${key}: ${given} ?? ${otherwise}`;
  });
  const source = `return (input) => ({ id: undefined, ${fields.join(', ')} });`;
  const make = new Function('fill', 'copy', 'defaults', 'schemas', source) as (...args: unknown[]) => Builder;
  builder = make(fillDefaults, copyJson, defaults, schemas);
  builders.set(schema, builder);
  return builder;
}

/**
 * The stored form of an entity, in schema order (`id` first): Kong's default for an unset field (also in place of
 * an explicit `null`), `null` for an unset optional one, defaults filled inside records. Fields the schema does
 * not know are left out (the structural pass reported them).
 */
export function storedValue(schema: TObject, input: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return builderOf(schema as unknown as SchemaNode)(input);
}

/** Fills a record's unset fields with their defaults, recursively; a non-record value is returned as it is. */
function fillDefaults(schema: SchemaNode, value: unknown): unknown {
  if (!isRecord(value)) return value;
  for (const [name, prop] of planOf(schema)) {
    const current = value[name];
    if (current === undefined || current === null) {
      value[name] = prop.default === undefined ? null : copyJson(prop.default);
    }
    if (prop.properties) fillDefaults(prop, value[name]);
  }
  return value;
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

/**
 * Turns a schema module's schema (where defaulted fields are non-optional, so the validated type has them) into the
 * schema of what a user may write: defaulted fields are not required and may be `null` ("use the default"), and a
 * string may not be empty unless its schema sets `minLength: 0` (as Kong). Pure; returns a new plain JSON object,
 * never the module's own.
 */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Let a (sub)schema accept `null` as well. */
export function allowNull(schema: JsonObject): JsonObject {
  if (typeof schema.type === 'string') return schema.type === 'null' ? schema : { ...schema, type: [schema.type, 'null'] };
  if (Array.isArray(schema.type)) return schema.type.includes('null') ? schema : { ...schema, type: [...schema.type, 'null'] };
  if (Array.isArray(schema.enum)) return schema.enum.includes(null) ? schema : { ...schema, enum: [...schema.enum, null] };
  if (Array.isArray(schema.anyOf)) {
    return schema.anyOf.some((s) => isObject(s) && s.type === 'null') ? schema : { ...schema, anyOf: [...schema.anyOf, { type: 'null' }] };
  }
  return { anyOf: [schema, { type: 'null' }] };
}

export function inputSchema(schema: unknown): JsonObject {
  return transform(JSON.parse(JSON.stringify(schema)) as Json) as JsonObject;
}

function transform(node: Json): Json {
  if (Array.isArray(node)) return node.map(transform);
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === 'default' || k === 'examples' || k === 'const' || k === 'enum' ? v : transform(v);
  // Kong refuses empty strings unless a field says otherwise (its schema's default len_min is 1).
  if (out.type === 'string' && out.minLength === undefined && out.enum === undefined && out.const === undefined) out.minLength = 1;
  const props = out.properties;
  if (isObject(props)) {
    const defaulted = new Set<string>();
    for (const [name, prop] of Object.entries(props)) {
      if (isObject(prop) && prop.default !== undefined) {
        defaulted.add(name);
        props[name] = allowNull(prop);
      }
    }
    if (Array.isArray(out.required)) {
      const required = out.required.filter((r) => typeof r !== 'string' || !defaulted.has(r));
      if (required.length > 0) out.required = required;
      else delete out.required;
    }
  }
  return out;
}

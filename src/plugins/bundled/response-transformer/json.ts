/**
 * Kong's response-transformer JSON body (body_transformer.lua): remove → rename → replace → add → append on the
 * top-level keys of an object. Values are written as Kong's `json_value` makes them (the value JSON-escaped,
 * outer quotes and escaped quotes undone) and cast by `json_types`: number as Lua's `tonumber` reads it (an entry
 * whose value is not a number is skipped), boolean true only for "true".
 */

export type JsonType = 'string' | 'number' | 'boolean';

export interface Entry {
  readonly name: string;
  /** Undefined for an empty value (Kong's nil). */
  readonly value: string | undefined;
  readonly type: JsonType | undefined;
}

export interface JsonOps {
  readonly remove: readonly string[];
  readonly rename: readonly Entry[];
  readonly replace: readonly Entry[];
  readonly add: readonly Entry[];
  readonly append: readonly Entry[];
}

/** Lua's `tonumber` over a string: decimal (with exponent) or hexadecimal, surrounding spaces allowed. */
export function luaNumber(s: string): number | undefined {
  const t = s.trim();
  if (/^[-+]?0[xX][0-9a-fA-F]+$/.test(t)) {
    const n = Number.parseInt(t.replace(/^[-+]?0[xX]/, ''), 16);
    return t.startsWith('-') ? -n : n;
  }
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t) ? Number(t) : undefined;
}

/** Kong's `json_value`: what an entry's value becomes in the body, or undefined when it is skipped. */
export function jsonValue(value: string | undefined, type: JsonType | undefined): unknown {
  let v = JSON.stringify(value ?? null);
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1).replaceAll('\\"', '"');
  if (type === 'number') return luaNumber(v);
  if (type === 'boolean') return v === 'true';
  return v;
}

/** Lua's truthiness over decoded JSON (null is cjson.null, a true value). */
const truthy = (v: unknown) => v !== undefined && v !== false;

function appendValue(current: unknown, value: unknown): unknown {
  if (typeof current === 'string') return [current, value];
  if (Array.isArray(current)) return [...(current as unknown[]), value];
  // A Lua table with keys: table.insert puts the value under 1, which cjson writes as "1".
  if (current !== null && typeof current === 'object') return Object.assign(Object.create(null) as object, current, { 1: value });
  return [value];
}

/** The transformed body, or undefined when it is not a JSON object (then it goes as it came). */
export function transformJson(ops: JsonOps, text: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const body = Object.assign(Object.create(null) as Record<string, unknown>, parsed);
  for (const name of ops.remove) delete body[name];
  for (const { name, value } of ops.rename) {
    if (body[name] !== undefined && value !== undefined) {
      const v = body[name];
      body[value] = v;
      // Kong clears the old name after setting the new one: renaming a key to itself drops it.
      delete body[name];
    }
  }
  for (const { name, value, type } of ops.replace) {
    const v = jsonValue(value, type);
    if (truthy(body[name]) && v !== undefined) body[name] = v;
  }
  for (const { name, value, type } of ops.add) {
    const v = jsonValue(value, type);
    if (!truthy(body[name]) && v !== undefined) body[name] = v;
  }
  for (const { name, value, type } of ops.append) {
    const v = jsonValue(value, type);
    if (v !== undefined) body[name] = appendValue(body[name], v);
  }
  return JSON.stringify(body);
}

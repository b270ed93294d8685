/** The small Lua semantics the transforms share: rendered values, truthiness, Kong's append and rename. */
import type { Value } from './config.ts';
import { evaluate, type TemplateEnv } from './template.ts';

/** A config value for this request: its text, or its template rendered; undefined for an empty value. */
export function render(value: Value, env: TemplateEnv): string | undefined {
  if (value === undefined) return undefined;
  return value.template ? evaluate(value.template, env) : value.text;
}

/** Lua's truthiness over decoded values: nil and false are false (JSON null is cjson.null, a true value). */
export const truthy = (v: unknown): boolean => v !== undefined && v !== false;

/**
 * Kong's `append_value`: a string becomes a list of it and the new value, a list grows, anything else (a flag,
 * a number, nothing) is replaced by a list of the new value alone. A JSON object is a Lua table too: the value
 * goes in under key 1, which cjson writes as "1".
 */
export function appendValue(current: unknown, value: string | undefined): unknown {
  const added = value === undefined ? [] : [value];
  if (typeof current === 'string') return [current, ...added];
  if (Array.isArray(current)) return [...(current as unknown[]), ...added];
  if (current !== null && typeof current === 'object') return value === undefined ? current : Object.assign(Object.create(null) as object, current, { 1: value });
  return added;
}

/** Kong's `rename` over a record: only a true value moves (it replaces what the new name held). */
export function renameKey(record: Record<string, unknown>, from: string, to: string | undefined): boolean {
  if (to === undefined || from === to) return false;
  const v = Object.hasOwn(record, from) ? record[from] : undefined;
  if (!truthy(v)) return false;
  delete record[from];
  record[to] = v;
  return true;
}

/** A record without a prototype: names from clients and configs are data. */
export const record = <T>(from?: object): Record<string, T> => Object.assign(Object.create(null) as Record<string, T>, from);

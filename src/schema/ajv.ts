/**
 * One ajv set-up for every schema the gateway checks, and the translation of ajv's errors into Kong's wording
 * (`required field missing`, `unknown field`, `expected a string`, ...), each with the path of the value at fault.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { PathSegment } from '../errors.ts';

export interface SchemaProblem {
  readonly path: readonly PathSegment[];
  readonly message: string;
}

export function createAjv(options: { useDefaults: boolean; standalone?: boolean }): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    // parentSchema on errors: the wording needs the other bound of a range and patternErrorMessage.
    verbose: true,
    strict: true,
    // Schemas are compiled once per process; ajv's code optimizer costs more at start than it saves after.
    code: { optimize: false, ...(options.standalone ? { source: true, esm: true } : {}) },
    // Nested entities refer to one definition each; inlining would compile routes and plugins again inside every
    // parent (3× the code, slower to compile and to run).
    inlineRefs: false,
    strictRequired: false,
    allowUnionTypes: true,
    useDefaults: options.useDefaults ? 'empty' : false,
    // Plugins compile many small schemas; ajv must not keep them all by $id.
    addUsedSchema: false,
  });
  // Understood by the YAML/JSON language servers; we use it for the same purpose.
  ajv.addKeyword({ keyword: 'patternErrorMessage', schemaType: 'string' });
  ajv.addKeyword({ keyword: 'markdownDescription', schemaType: 'string' });
  ajv.addKeyword({ keyword: 'x-kong', schemaType: 'object' });
  return ajv;
}

/** JSON pointer (`/services/0/name`) → segments; numeric segments become numbers. */
export function pointerToPath(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean',
  array: 'an array',
  object: 'a record',
  null: 'null',
};

function typeMessage(type: unknown): string {
  const types = (Array.isArray(type) ? type : [type]).filter((t) => t !== 'null').map((t) => TYPE_WORDS[String(t)] ?? String(t));
  return `expected ${types.join(' or ')}`;
}

function describeValue(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function messageFor(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  const parent = (e.parentSchema ?? {}) as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return 'required field missing';
    case 'additionalProperties':
      return 'unknown field';
    case 'type':
      return typeMessage(p.type);
    case 'enum':
      return `expected one of: ${(p.allowedValues as unknown[]).filter((v) => v !== null).map(describeValue).join(', ')}`;
    case 'const':
      return `value must be ${describeValue(p.allowedValue)}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const min = parent.minimum ?? parent.exclusiveMinimum;
      const max = parent.maximum ?? parent.exclusiveMaximum;
      if (min !== undefined && max !== undefined) return `value should be between ${String(min)} and ${String(max)}`;
      if (e.keyword === 'minimum') return `value must be greater than or equal to ${String(p.limit)}`;
      if (e.keyword === 'exclusiveMinimum') return `value must be greater than ${String(p.limit)}`;
      if (e.keyword === 'maximum') return `value must be less than or equal to ${String(p.limit)}`;
      return `value must be less than ${String(p.limit)}`;
    }
    case 'minLength':
    case 'minItems':
    case 'minProperties':
      return `length must be at least ${String(p.limit)}`;
    case 'maxLength':
    case 'maxItems':
    case 'maxProperties':
      return `length must be at most ${String(p.limit)}`;
    case 'uniqueItems':
      return `duplicate value: items ${String(p.j)} and ${String(p.i)} are the same`;
    case 'pattern':
      return typeof parent.patternErrorMessage === 'string' ? parent.patternErrorMessage : `invalid value: must match ${String(p.pattern)}`;
    case 'multipleOf':
      return `value must be a multiple of ${String(p.multipleOf)}`;
    case 'propertyNames':
      return 'invalid key';
    case 'not':
      return typeof parent.errorMessage === 'string' ? parent.errorMessage : 'value not allowed';
    default:
      return e.message ?? `failed ${e.keyword}`;
  }
}

/**
 * ajv reports every branch of a failed `anyOf`. Users wrote one thing; report the branch that got furthest
 * (deepest instance path), or a single "expected X or Y" when every branch failed on type alone.
 */
function collapseAnyOf(errors: readonly ErrorObject[]): ErrorObject[] {
  const anyOfs = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  if (anyOfs.length === 0) return errors.filter((e) => e.keyword !== 'if');
  const drop = new Set<ErrorObject>();
  const extra: ErrorObject[] = [];
  // Innermost first, so an outer anyOf sees the already-collapsed inner result.
  for (const a of [...anyOfs].sort((x, y) => y.schemaPath.length - x.schemaPath.length)) {
    const prefix = `${a.schemaPath}/`;
    const branch = errors.filter((e) => e !== a && e.schemaPath.startsWith(prefix) && !drop.has(e));
    for (const e of branch) drop.add(e);
    drop.add(a);
    const typeOnly = branch.length > 0 && branch.every((e) => e.keyword === 'type' && e.instancePath === a.instancePath);
    if (branch.length === 0 || typeOnly) {
      const types = branch.map((e) => (e.params as { type: unknown }).type);
      extra.push({ ...a, keyword: 'type', params: { type: types.flat() } });
      continue;
    }
    const depth = (e: ErrorObject) => e.instancePath.length;
    const deepest = Math.max(...branch.map(depth));
    const candidates = branch.filter((e) => depth(e) === deepest && !(e.keyword === 'type' && e.instancePath === a.instancePath));
    // Keep only the errors of the first branch that reached that depth.
    const firstBranch = candidates[0]?.schemaPath.slice(prefix.length).split('/')[0];
    extra.push(...candidates.filter((e) => e.schemaPath.slice(prefix.length).split('/')[0] === firstBranch));
  }
  return [...errors.filter((e) => !drop.has(e) && e.keyword !== 'if'), ...extra];
}

/** ajv's errors in Kong's words. */
export function toProblems(errors: readonly ErrorObject[] | null | undefined, base: readonly PathSegment[] = []): SchemaProblem[] {
  if (!errors) return [];
  const seen = new Set<string>();
  const out: SchemaProblem[] = [];
  for (const e of collapseAnyOf(errors)) {
    const path = [...base, ...pointerToPath(e.instancePath)];
    if (e.keyword === 'required') path.push((e.params as { missingProperty: string }).missingProperty);
    if (e.keyword === 'additionalProperties') path.push((e.params as { additionalProperty: string }).additionalProperty);
    const message = messageFor(e);
    const key = `${JSON.stringify(path)} ${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path, message });
  }
  return out;
}

export type { ValidateFunction };

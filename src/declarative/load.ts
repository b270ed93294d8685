/**
 * Text → plain data, keeping a way back to source positions. Reads YAML or JSON as Kong does: by extension
 * (`.json` → JSON, `.yml`/`.yaml` → YAML); other names and strings from the admin API try JSON, then YAML.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import jsyaml from 'js-yaml';
import { formatPath, GatewayError, type ConfigIssue } from '../errors.ts';
import { SourcePositions } from './source-positions.ts';

export interface LoadedText {
  /** Label used in messages: the path as given, or e.g. `<POST /config>`. */
  readonly file: string;
  /** md5 hex of the raw text, as Kong's `configuration_hash`. */
  readonly hash: string;
  readonly data: unknown;
  readonly positions: SourcePositions;
}

export type ParseResult = { readonly ok: true; readonly loaded: LoadedText } | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

export type TextFormat = 'yaml' | 'json' | 'auto';

// YAML 1.2 core schema (what Kong's and decK's files are written in) plus merge keys (`<<: *anchor`), which people
// use to share plugin configs. No implicit timestamps: Kong has no date-typed fields, so `2024-01-01` stays a string.
const YAML_SCHEMA = jsyaml.CORE_SCHEMA.extend({ implicit: [new jsyaml.Type('tag:yaml.org,2002:merge', {
  kind: 'scalar',
  resolve: (data: unknown) => data === '<<',
})] });

export function formatOf(file: string): TextFormat {
  const ext = extname(file).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.yml' || ext === '.yaml') return 'yaml';
  return 'auto';
}

export function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

/** The deepest a document may nest (Kong's files nest about ten levels; this bounds every recursive pass). */
export const MAX_DEPTH = 128;
/** The most values a document may hold, aliases counted each time they are used (an alias bomb stops here). */
export const MAX_VALUES = 5_000_000;

export function parseText(source: string, file: string, format: TextFormat = formatOf(file)): ParseResult {
  // A byte order mark is not part of the document (editors on Windows write one).
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  const positions = new SourcePositions(text);
  const issue = (line: number, column: number, message: string): ConfigIssue => ({ file, line, column, path: '', message, severity: 'error' });
  let data: unknown;
  if (format === 'json' || (format === 'auto' && /^\s*[[{]/.test(text))) {
    try {
      data = JSON.parse(text);
    } catch (err) {
      if (format === 'json') {
        const pos = jsonErrorPosition(text, (err as Error).message);
        return { ok: false, issues: [issue(pos.line, pos.column, `failed parsing declarative configuration: ${jsonReason((err as Error).message)}`)] };
      }
    }
  }
  if (data === undefined) {
    try {
      data = jsyaml.load(text, { schema: YAML_SCHEMA, filename: file, json: false });
    } catch (err) {
      if (err instanceof jsyaml.YAMLException) {
        const at = err.mark ? { line: err.mark.line + 1, column: err.mark.column + 1 } : markOf(text, err.reason);
        return { ok: false, issues: [issue(at.line, at.column, `failed parsing declarative configuration: ${err.reason}`)] };
      }
      // Anything else js-yaml throws (a stack overflow on absurd nesting, say) is still a refusal, not a crash.
      return { ok: false, issues: [issue(1, 1, `failed parsing declarative configuration: ${(err as Error)?.message ?? String(err)}`)] };
    }
  }
  if (data === null || data === undefined) {
    return { ok: false, issues: [issue(1, 1, 'expected a declarative configuration')] };
  }
  if (typeof data !== 'object' || Array.isArray(data)) {
    return { ok: false, issues: [issue(1, 1, 'failed parsing declarative configuration: expected an object')] };
  }
  const shape = checkShape(data);
  if (shape) return { ok: false, issues: [{ ...issue(1, 1, shape.message), ...shapePosition(text, positions, shape) }] };
  return { ok: true, loaded: { file, hash: md5(source), data, positions } };
}

interface ShapeProblem {
  readonly message: string;
  readonly path: readonly (string | number)[];
  readonly depth: number;
}

/** A value on the walk, with the way back to the root (the path is spelled out only for a problem). */
interface Visit {
  readonly value: unknown;
  readonly depth: number;
  readonly parent: Visit | undefined;
  readonly key: string | number;
}

function pathOf(visit: Visit): (string | number)[] {
  const path: (string | number)[] = [];
  for (let v: Visit | undefined = visit; v?.parent; v = v.parent) path.push(v.key);
  return path.reverse();
}

/** Nesting and size within bounds: every later pass may then recurse and copy without a second thought. */
function checkShape(data: unknown): ShapeProblem | undefined {
  const stack: Visit[] = [{ value: data, depth: 0, parent: undefined, key: '' }];
  let values = 0;
  while (stack.length > 0) {
    const visit = stack.pop()!;
    const { value, depth } = visit;
    if (++values > MAX_VALUES) return { message: `document too large: more than ${MAX_VALUES} values (YAML aliases count each time they are used)`, path: pathOf(visit), depth };
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_DEPTH) return { message: `nested too deeply: more than ${MAX_DEPTH} levels`, path: pathOf(visit), depth };
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], depth: depth + 1, parent: visit, key: i });
    } else {
      for (const key in value) stack.push({ value: (value as Record<string, unknown>)[key], depth: depth + 1, parent: visit, key });
    }
  }
  return undefined;
}

/**
 * Where a shape problem is. Deep nesting is found in the text (the position library would recurse as deep as
 * the document does): the bracket that opens the level too many, when the document nests in brackets.
 */
function shapePosition(text: string, positions: SourcePositions, problem: ShapeProblem): { line: number; column: number; path: string } {
  const path = formatPath(problem.path);
  if (problem.depth >= MAX_DEPTH) {
    const at = deepBracket(text, MAX_DEPTH);
    if (at >= 0) return { ...lineColumn(text, at), path };
  }
  try {
    return { ...positions.locate(problem.path.slice(0, 8)), path };
  } catch {
    return { line: 1, column: 1, path };
  }
}

/** The offset of the bracket that opens nesting level `depth` + 1 (outside strings), or -1. */
function deepBracket(text: string, depth: number): number {
  let level = 0;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') {
      if (++level > depth) return i;
    } else if (c === ']' || c === '}') level--;
  }
  return -1;
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

/** A js-yaml error without a mark: for a second document, where its `---` is; else the start. */
function markOf(text: string, reason: string): { line: number; column: number } {
  if (/single document/.test(reason)) {
    const marker = /^---/gm;
    const first = marker.exec(text);
    // The second document starts at the second `---`, or at the first one when something came before it.
    const second = first && text.slice(0, first.index).replace(/#.*$/gm, '').trim() !== '' ? first : marker.exec(text);
    if (second) return lineColumn(text, second.index);
  }
  return { line: 1, column: 1 };
}


/**
 * Reads a config file as text: UTF-8 (a byte order mark is dropped later), or UTF-16 when it starts with that
 * byte order mark; bytes that are not UTF-8 become U+FFFD, and `badBytes` says where the first one was. A file
 * that cannot be read is a GatewayError (CLI exit 2), not a config issue.
 */
export async function readConfigBytes(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    throw new GatewayError('CONFIG_UNREADABLE', `cannot read ${path}: ${why}`);
  }
}

/** Reads a config file as text (see readConfigBytes and decodeConfig). */
export async function readConfigFile(path: string): Promise<string> {
  return decodeConfig(await readConfigBytes(path));
}

const UTF8 = new TextDecoder('utf-8');
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes → text: UTF-16 with its byte order mark, else UTF-8 (invalid sequences become U+FFFD). */
export function decodeConfig(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes);
  return UTF8.decode(bytes);
}

/** The first byte that is not UTF-8, as a line and column of the decoded text; undefined when every byte is. */
export function badBytes(bytes: Uint8Array): { line: number; column: number } | undefined {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) return undefined;
  try {
    STRICT_UTF8.decode(bytes);
    return undefined;
  } catch {
    // The longest prefix that decodes (a sequence cut at its end is not an error yet, with `stream`).
    let lo = 0;
    let hi = bytes.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid), { stream: true });
        lo = mid;
      } catch {
        hi = mid - 1;
      }
    }
    // The bytes of a sequence cut short at the end of that prefix are where the fault starts: left out.
    const before = new TextDecoder('utf-8').decode(bytes.subarray(0, lo), { stream: true });
    return lineColumn(before, before.length);
  }
}


function jsonReason(message: string): string {
  return message.replace(/ in JSON at position \d+.*$/, '').replace(/^Unexpected/, 'unexpected');
}

function jsonErrorPosition(text: string, message: string): { line: number; column: number } {
  const lc = /line (\d+) column (\d+)/.exec(message);
  if (lc) return { line: Number(lc[1]), column: Number(lc[2]) };
  const at = /position (\d+)/.exec(message);
  const offset = at ? Number(at[1]) : text.length;
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

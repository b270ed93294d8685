/**
 * The request-transformer config made ready once per snapshot: each `name:value` entry split as Kong splits it
 * (`^([^:]+):*(.-)$`: the name ends at the first colon, the colons after it are skipped), each value's template
 * parsed. A template this gateway cannot evaluate refuses the config, at the entry's path.
 */
import { isConstant, parseTemplate, type Template } from './template.ts';

/** A value: its text when constant (most are), else its template; undefined for an empty value. */
export type Value = { readonly text: string; readonly template: Template | undefined } | undefined;

export interface Pair {
  readonly name: string;
  readonly value: Value;
}

export interface Fields<T> {
  readonly headers: readonly T[];
  readonly querystring: readonly T[];
  readonly body: readonly T[];
}

export interface Prepared {
  readonly remove: Fields<string>;
  readonly rename: Fields<Pair>;
  readonly replace: Fields<Pair>;
  readonly add: Fields<Pair>;
  readonly append: Fields<Pair>;
  readonly uri: Value;
  readonly httpMethod: string | null;
  readonly anyQuery: boolean;
  readonly anyBody: boolean;
}

interface Transform {
  readonly headers: readonly string[];
  readonly querystring: readonly string[];
  readonly body: readonly string[];
}

export interface RequestTransformerConfig {
  readonly http_method?: string | null;
  readonly remove: Transform;
  readonly rename: Transform;
  readonly replace: Transform & { readonly uri?: string | null };
  readonly add: Transform;
  readonly append: Transform;
}

/** A refused config entry: the error's `path` (under `config`) is where the validator reports it. */
export class ConfigEntryError extends Error {
  override readonly name = 'ConfigEntryError';
  readonly path: readonly (string | number)[];
  constructor(path: readonly (string | number)[], message: string) {
    super(message);
    this.path = path;
  }
}

const SPLIT = /^([^:]+):*([\s\S]*)$/;

/** Kong's split of an entry into name and value (the value may be empty). */
export function splitEntry(entry: string): { name: string; value: string; valueAt: number } {
  const m = SPLIT.exec(entry);
  if (!m) return { name: entry, value: '', valueAt: entry.length };
  return { name: m[1]!, value: m[2]!, valueAt: entry.length - m[2]!.length };
}

function value(text: string, valueAt: number, path: readonly (string | number)[]): Value {
  if (text === '') return undefined;
  try {
    const template = parseTemplate(text, valueAt);
    return { text, template: isConstant(template) ? undefined : template };
  } catch (err) {
    throw new ConfigEntryError(path, (err as Error).message);
  }
}

function pairs(entries: readonly string[], path: readonly (string | number)[]): Pair[] {
  return entries.map((entry, i) => {
    const { name, value: text, valueAt } = splitEntry(entry);
    return { name, value: value(text, valueAt, [...path, i]) };
  });
}

function fields(t: Transform, op: string): Fields<Pair> {
  return { headers: pairs(t.headers, [op, 'headers']), querystring: pairs(t.querystring, [op, 'querystring']), body: pairs(t.body, [op, 'body']) };
}

const names = (entries: readonly string[]) => entries.map((e) => splitEntry(e).name);

export function prepareConfig(config: RequestTransformerConfig): Prepared {
  const append = fields(config.append, 'append');
  const at = append.headers.findIndex((p) => p.name.toLowerCase() === 'host');
  // Kong sets $upstream_host to a list there, and fails every request.
  if (at >= 0) throw new ConfigEntryError(['append', 'headers', at], 'cannot append to the Host header (Kong fails every request with it); use replace.headers');
  const uri = config.replace.uri == null ? undefined : value(config.replace.uri, 0, ['replace', 'uri']);
  // Kong's set_path refuses a path that does not start with "/" on every request: a text start is checked now.
  const first = uri && (uri.template ? uri.template[0] : uri.text);
  if (typeof first === 'string' && !first.startsWith('/')) throw new ConfigEntryError(['replace', 'uri'], 'path must start with /');
  const prepared: Prepared = {
    remove: { headers: names(config.remove.headers), querystring: names(config.remove.querystring), body: names(config.remove.body) },
    rename: fields(config.rename, 'rename'),
    replace: fields(config.replace, 'replace'),
    add: fields(config.add, 'add'),
    append,
    uri,
    httpMethod: config.http_method ?? null,
    anyQuery: false,
    anyBody: false,
  };
  const ops = [prepared.remove, prepared.rename, prepared.replace, prepared.add, prepared.append];
  return { ...prepared, anyQuery: ops.some((o) => o.querystring.length > 0), anyBody: ops.some((o) => o.body.length > 0) };
}

/**
 * Text → plain data, keeping a way back to source positions. Reads YAML or JSON as Kong does: by extension
 * (`.json` → JSON, `.yml`/`.yaml` → YAML); other names and strings from the admin API try JSON, then YAML.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import jsyaml from 'js-yaml';
import { GatewayError, type ConfigIssue } from '../errors.ts';
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

export function parseText(text: string, file: string, format: TextFormat = formatOf(file)): ParseResult {
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
        return { ok: false, issues: [issue(err.mark.line + 1, err.mark.column + 1, `failed parsing declarative configuration: ${err.reason}`)] };
      }
      throw err;
    }
  }
  if (data === null || data === undefined) {
    return { ok: false, issues: [issue(1, 1, 'expected a declarative configuration')] };
  }
  if (typeof data !== 'object' || Array.isArray(data)) {
    return { ok: false, issues: [issue(1, 1, 'failed parsing declarative configuration: expected an object')] };
  }
  return { ok: true, loaded: { file, hash: md5(text), data, positions } };
}

/** Reads a config file. A file that cannot be read is a GatewayError (CLI exit 2), not a config issue. */
export async function readConfigFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    throw new GatewayError('CONFIG_UNREADABLE', `cannot read ${path}: ${why}`);
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

/**
 * A `kong.conf` as Kong reads it (kong/conf_loader/init.lua's load_config over Penlight's config.read): one
 * `key = value` a line, blank lines and lines starting with `#` or `;` skipped, a line ending in `\` continued on
 * the next, a trailing ` # comment` cut from the value unless its `#` is escaped as `\#`. The value of a key set
 * twice is the last one. Kong ignores a line without `=` and a `[section]`; here they are reported, with the file
 * and line, as warnings.
 */
import { readFileSync } from 'node:fs';
import { GatewayError } from '../errors.ts';

export interface KongConfEntry {
  readonly value: string;
  /** `FILE:LINE`, for messages. */
  readonly at: string;
}

export interface KongConf {
  /** By Kong's key (lower case, `-` and other non-word characters as `_`, as Penlight makes them). */
  readonly entries: ReadonlyMap<string, KongConfEntry>;
  readonly warnings: readonly string[];
}

export function parseKongConf(text: string, file: string): KongConf {
  const entries = new Map<string, KongConfEntry>();
  const warnings: string[] = [];
  const lines = text.split(/\r?\n/);
  let pending = '';
  let pendingLine = 0;
  lines.forEach((raw, i) => {
    if (!/\S/.test(raw) || /^\s*[;#]/.test(raw)) return;
    const continued = /\\\s*$/.exec(raw);
    if (continued) {
      if (pending === '') pendingLine = i + 1;
      pending += raw.slice(0, continued.index);
      return;
    }
    const lineNo = pending === '' ? i + 1 : pendingLine;
    const line = (pending + raw).replace(/^\s+/, '');
    pending = '';
    const at = `${file}:${lineNo}`;
    if (line.startsWith('[')) {
      warnings.push(`${at}: '${line.trim()}': kong.conf has no sections; the line is ignored, as Kong ignores it`);
      return;
    }
    const eq = /\s*=\s*/.exec(line);
    if (!eq) {
      warnings.push(`${at}: '${line.trim()}' is not 'key = value'; the line is ignored, as Kong ignores it`);
      return;
    }
    const key = line.slice(0, eq.index).replace(/[^A-Za-z0-9]/g, '_');
    const value = line.slice(eq.index + eq[0].length).trim().replace(/\s*(?<!\\)#.*$/, '').replaceAll('\\#', '#');
    entries.set(key, { value, at });
  });
  return { entries, warnings };
}

export function readKongConf(file: string): KongConf {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new GatewayError('BAD_USAGE', `--conf: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseKongConf(text, file);
}

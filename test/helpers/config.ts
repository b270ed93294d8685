/** Loads a YAML string through the real loader with the bundled plugins. */
import { loadConfigText, type LoadResult } from '../../src/declarative/load-config.ts';
import { BUNDLED_CATALOG } from '../../src/plugins/registry.ts';
import { formatIssue } from '../../src/errors.ts';
import type { Config } from '../../src/declarative/config.ts';

export const bundledCatalog = BUNDLED_CATALOG;

/** Strips the common indentation so YAML can be written indented in a test. */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '');
  const lines = text.replace(/^\n/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

export function load(text: string, file = 'kong.yaml'): LoadResult {
  return loadConfigText(text, file, { plugins: bundledCatalog });
}

/** Issues as the CLI prints them, without the file name: `LINE:COL path: message`. */
export function problems(text: string): string[] {
  return load(text).issues.map((i) => formatIssue(i).replace(/^kong\.yaml:/, ''));
}

export function loadValid(text: string): Config {
  const result = load(text);
  if (!result.config) throw new Error(`expected a valid config, got:\n${result.issues.map(formatIssue).join('\n')}`);
  return result.config;
}

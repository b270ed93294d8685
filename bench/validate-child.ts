/**
 * One measurement in a fresh process, printed as JSON: `parse` (the baseline: reading the text into plain data),
 * `validate` (the full load, as `gateway validate` runs it, schema compilation included) or `reload` (a second
 * load in the same process, as a hot reload pays it).
 */
import { readFileSync } from 'node:fs';
import { loadConfigText } from '../src/declarative/load-config.ts';
import { parseText } from '../src/declarative/load.ts';
import { BUNDLED_CATALOG } from '../src/plugins/registry.ts';

const [file, mode] = process.argv.slice(2) as [string, 'parse' | 'validate' | 'reload'];
const text = readFileSync(file, 'utf8');
const catalog = BUNDLED_CATALOG;
let ms: number;
let errors = 0;
if (mode === 'parse') {
  const t = performance.now();
  const r = parseText(text, file);
  ms = performance.now() - t;
  if (!r.ok) errors = r.issues.length;
} else {
  if (mode === 'reload') loadConfigText(text, file, { plugins: catalog });
  const t = performance.now();
  const r = loadConfigText(text, file, { plugins: catalog });
  ms = performance.now() - t;
  errors = r.issues.filter((i) => i.severity === 'error').length;
}
process.stdout.write(`${JSON.stringify({ ms, maxRssMB: process.resourceUsage().maxRSS / 1024, errors })}\n`);

// Config fuzzing: random mutations of real configs, deep nesting, huge and aliased documents, other encodings.
// Whatever the input, loading it (the code `validate`, the watcher and POST /config share) must not throw, and
// every error must say where it is (a line and a column). A fixed seed and a bounded count keep it repeatable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import jsyaml from 'js-yaml';
import { formatIssue } from '../../src/errors.ts';
import { handlersOf } from '../../src/plugins/catalog.ts';
import { compileSnapshot } from '../../src/snapshot/snapshot.ts';
import { bundledCatalog, load } from '../helpers/config.ts';

const HANDLERS = handlersOf(bundledCatalog);

/** mulberry32: a small seeded generator, so that a failure replays. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const root = new URL('../../', import.meta.url);
const seeds: { name: string; text: string }[] = [
  { name: 'kong.yaml', text: readFileSync(new URL('kong.yaml', root), 'utf8') },
  { name: 'rich.yaml', text: readFileSync(new URL('test/fixtures/fuzz/rich.yaml', root), 'utf8') },
  ...readdirSync(new URL('examples/', root)).filter((f) => f.endsWith('.yaml')).map((f) => ({ name: f, text: readFileSync(new URL(`examples/${f}`, root), 'utf8') })),
];
const corpus = new URL('../shared/kong-corpus/kic-golden/', root);
if (existsSync(corpus)) {
  for (const f of readdirSync(corpus).filter((x) => x.endsWith('.yaml')).sort().slice(0, 12)) seeds.push({ name: f, text: readFileSync(new URL(f, corpus), 'utf8') });
}

const TOKENS = [':', ': ', '-', '- ', '[', ']', '{', '}', ',', '"', "'", '&a ', '*a', '<<: *a', '!!str ', '!!binary ', '!!js/function ', '? ', '|', '>', '#', '%', '@', '`', '\t', '\n', '\r\n', '---\n', '...\n', '~', 'null', 'true', '0x1F', '1e309', '-0', 'NaN', '.inf', '\u0000', '\uFEFF', '\u202E', '😀', '__proto__', 'constructor', '_format_version: "1.1"', 'paths: [~/(a+)+$]', 'config: {}', 'id: 00000000-0000-0000-0000-000000000000'];

function mutate(text: string, next: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const at = () => Math.floor(next() * (text.length + 1));
  const lines = () => text.split('\n');
  switch (Math.floor(next() * 9)) {
    case 0: { // delete a range
      const a = at();
      return text.slice(0, a) + text.slice(a + Math.floor(next() * 40));
    }
    case 1: { // insert a token
      const a = at();
      return text.slice(0, a) + pick(TOKENS) + text.slice(a);
    }
    case 2: { // duplicate a line
      const ls = lines();
      const i = Math.floor(next() * ls.length);
      ls.splice(i, 0, ls[i]!);
      return ls.join('\n');
    }
    case 3: { // swap two lines
      const ls = lines();
      const i = Math.floor(next() * ls.length);
      const j = Math.floor(next() * ls.length);
      [ls[i], ls[j]] = [ls[j]!, ls[i]!];
      return ls.join('\n');
    }
    case 4: { // re-indent a line
      const ls = lines();
      const i = Math.floor(next() * ls.length);
      ls[i] = ' '.repeat(Math.floor(next() * 12)) + ls[i]!.trimStart();
      return ls.join('\n');
    }
    case 5: { // replace a character with a random code point
      const a = at();
      return text.slice(0, a) + String.fromCodePoint(Math.floor(next() * 0x2ffff)) + text.slice(a + 1);
    }
    case 6: // a second document
      return `${text}\n---\n${pick(TOKENS)}\n`;
    case 7: { // a value replaced by a structure
      const a = at();
      return text.slice(0, a) + pick(['[[[[1]]]]', '{a: {b: {c: 1}}}', '[]', '{}', '""', '[1, "two", {three: 3}]']) + text.slice(a);
    }
    default: { // truncate
      return text.slice(0, at());
    }
  }
}

/** Loads without throwing; every error has a position. Returns the issues for the caller's own checks. */
function loadSafely(text: string, file: string, label: string) {
  let result: ReturnType<typeof load>;
  try {
    result = load(text, file);
  } catch (err) {
    assert.fail(`${label}: loading threw ${(err as Error)?.stack ?? String(err)}\n--- input (first 2000 characters) ---\n${text.slice(0, 2000)}`);
  }
  for (const issue of result.issues) {
    if (issue.severity !== 'error') continue;
    assert.ok(issue.line >= 1 && issue.column >= 1, `${label}: an error without a position: ${formatIssue(issue)}`);
  }
  // What validates must also compile into a snapshot (a reload does both).
  if (result.config) {
    try {
      compileSnapshot(result.config, result.hash, HANDLERS);
    } catch (err) {
      assert.fail(`${label}: a valid config did not compile: ${(err as Error)?.stack ?? String(err)}`);
    }
  }
  return result;
}

test('2,000 random mutations of real configs: no throw, every error positioned', () => {
  const next = random(20261204);
  for (let n = 0; n < 2000; n++) {
    const seed = seeds[n % seeds.length]!;
    let text = seed.text;
    const rounds = 1 + Math.floor(next() * 4);
    for (let r = 0; r < rounds; r++) text = mutate(text, next);
    loadSafely(text, n % 7 === 0 ? 'fuzz.json' : 'fuzz.yaml', `mutation ${n} of ${seed.name}`);
  }
});

/** Values of every kind, the odd ones a validator must survive. */
const ODD_VALUES: readonly unknown[] = [
  null, true, false, 0, -1, 1.5, 1e308, -1e308, 2 ** 53, '', ' ', 'x', '~/(a+)+$', '/../..', 'http://', '::', '*.*', '\u0000',
  '__proto__', 'constructor', [], [null], [[]], {}, { __proto__: 1 }, { constructor: 'x' }, { id: 1 }, { name: [] },
  Array(50).fill('a'), 'x'.repeat(5000),
];

/** A structural mutation: one value somewhere in the document replaced, removed, or given a sibling. */
function mutateValue(doc: unknown, next: () => number): unknown {
  const copy = structuredClone(doc) as Record<string, unknown>;
  const containers: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const walk = (node: unknown, depth: number) => {
    if (typeof node !== 'object' || node === null || depth > 12) return;
    for (const key of Object.keys(node)) {
      const k = Array.isArray(node) ? Number(key) : key;
      containers.push({ parent: node as Record<string, unknown>, key: k });
      walk((node as Record<string, unknown>)[key], depth + 1);
    }
  };
  walk(copy, 0);
  if (containers.length === 0) return copy;
  const { parent, key } = containers[Math.floor(next() * containers.length)]!;
  const odd = structuredClone(ODD_VALUES[Math.floor(next() * ODD_VALUES.length)]);
  const what = next();
  if (what < 0.6) (parent as Record<string | number, unknown>)[key] = odd;
  else if (what < 0.8) {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete (parent as Record<string, unknown>)[key as string];
  } else if (Array.isArray(parent)) parent.push(structuredClone(parent[Number(key)]));
  else (parent as Record<string, unknown>)[`${String(key)}_x`] = odd;
  return copy;
}

test('3,000 structural mutations (values of the wrong kind, missing, repeated): no throw, every error positioned', () => {
  const next = random(7);
  const docs = seeds.map((s) => jsyaml.load(s.text)).filter((d) => typeof d === 'object' && d !== null);
  for (let n = 0; n < 3000; n++) {
    let doc: unknown = docs[n % docs.length];
    for (let r = 0; r < 1 + Math.floor(next() * 3); r++) doc = mutateValue(doc, next);
    const asYaml = n % 2 === 0;
    let text: string;
    try {
      text = asYaml ? jsyaml.dump(doc as object, { noRefs: true }) : JSON.stringify(doc, null, 1);
    } catch {
      continue;
    }
    loadSafely(text, asYaml ? 'fuzz.yaml' : 'fuzz.json', `structural mutation ${n}`);
  }
});

test('the same mutations of the JSON form: no throw, every error positioned', () => {
  const next = random(42);
  const json = JSON.stringify(jsyaml.load(seeds[1]!.text), null, 2);
  for (let n = 0; n < 500; n++) {
    let text = json;
    for (let r = 0; r < 1 + Math.floor(next() * 3); r++) text = mutate(text, next);
    loadSafely(text, 'fuzz.json', `json mutation ${n}`);
  }
});

test('nesting 5,000 deep (JSON and YAML) is refused with a position', () => {
  const deep = (open: string, close: string, depth: number) => `{"_format_version": "3.0", "services": [{"name": "s", "host": "h", "tags": ${open.repeat(depth)}${close.repeat(depth)}}]}`;
  for (const [file, text] of [['deep.json', deep('[', ']', 5000)], ['deep.yaml', deep('[', ']', 5000)], ['deep2.json', `{"_format_version":"3.0","_comment":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`]] as const) {
    const result = loadSafely(text, file, file);
    assert.equal(result.config, undefined, `${file} must be refused`);
    assert.ok(result.issues.some((i) => /nest/.test(i.message)), `${file}: ${result.issues.map(formatIssue).join('\n')}`);
  }
});

test('an alias bomb is refused, quickly and with a position', () => {
  const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 10; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
  const text = `_format_version: "3.0"\n_ignore:\n${levels.map((l) => `- ${l.replace(/^(\w): /, '$1: ')}`).join('\n')}\nservices:\n- name: s\n  host: h\n  tags: *j\n`;
  const result = loadSafely(text, 'bomb.yaml', 'alias bomb');
  assert.equal(result.config, undefined);
});

test('other encodings: a BOM, UTF-16 with its BOM, invalid UTF-8 and NUL bytes get a positioned answer', () => {
  const base = '_format_version: "3.0"\nservices:\n- name: s\n  url: http://h\n  routes: [{ name: r, paths: [/x] }]\n';
  assert.ok(loadSafely(`\uFEFF${base}`, 'bom.yaml', 'utf-8 BOM').config, 'a UTF-8 BOM is allowed');
  loadSafely(Buffer.from(`\uFEFF${base}`, 'utf16le').toString('latin1'), 'utf16.yaml', 'utf-16 read as latin1');
  loadSafely(`${base}  tags: ["\uFFFD\uFFFD"]\n`, 'replacement.yaml', 'replacement characters');
  loadSafely(`${base}\u0000\u0000\n`, 'nul.yaml', 'NUL bytes');
});

test('a big file (20,000 routes) loads without trouble', () => {
  const routes = Array.from({ length: 20_000 }, (_, i) => `  - { name: r${i}, paths: [/p${i}] }`).join('\n');
  const result = loadSafely(`_format_version: "3.0"\nservices:\n- name: s\n  url: http://h\n  routes:\n${routes}\n`, 'huge.yaml', 'huge');
  assert.ok(result.config);
  assert.equal(result.config.routes.length, 20_000);
});

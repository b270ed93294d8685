// schemas/ is generated from the schema modules and committed; editors validate files with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { GENERATED_PLUGIN_VALIDATORS, GENERATED_VALIDATOR, generatePluginValidators, generateStructuralValidator } from '../../scripts/generate-validators.ts';
import { generateSchemaFiles } from '../../src/cli/schema-files.ts';
import { BUNDLED_PLUGIN_SCHEMAS } from '../../src/plugins/registry.ts';

const root = new URL('../../', import.meta.url);
const committed = (rel: string) => readFileSync(new URL(`schemas/${rel}`, root), 'utf8');

function listCommitted(): string[] {
  const out: string[] = [];
  for (const sub of ['', 'entities/', 'plugins/']) {
    for (const e of readdirSync(new URL(`schemas/${sub}`, root), { withFileTypes: true })) {
      if (e.isFile() && e.name.endsWith('.json')) out.push(`${sub}${e.name}`);
    }
  }
  return out.sort();
}

test('committed schemas/ are what the schema modules generate (run `npm run schemas` when this fails)', () => {
  const files = generateSchemaFiles(BUNDLED_PLUGIN_SCHEMAS);
  assert.deepEqual(listCommitted(), [...files.keys()].sort());
  for (const [rel, content] of files) assert.equal(committed(rel), content, `schemas/${rel} is out of date`);
});

test('the committed validators are what ajv compiles from the file and plugin schemas (run `npm run schemas` when this fails)', () => {
  assert.equal(readFileSync(GENERATED_VALIDATOR, 'utf8'), generateStructuralValidator());
  assert.equal(readFileSync(GENERATED_PLUGIN_VALIDATORS, 'utf8'), generatePluginValidators());
});

test('one schema per entity and per bundled plugin', () => {
  const files = [...generateSchemaFiles(BUNDLED_PLUGIN_SCHEMAS).keys()];
  for (const p of BUNDLED_PLUGIN_SCHEMAS) assert.ok(files.includes(`plugins/${p.name}.json`), p.name);
  for (const e of ['service', 'route', 'consumer', 'consumer_group', 'plugin', 'upstream', 'target', 'certificate', 'sni', 'ca_certificate', 'keyauth_credential', 'basicauth_credential', 'jwt_secret', 'hmacauth_credential', 'acl']) {
    assert.ok(files.includes(`entities/${e}.json`), e);
  }
});

// What an editor does with kong.schema.json: a plain draft-07 validator, no gateway code.
const editor = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(committed('kong.schema.json')) as object);

test('editor schema accepts the root kong.yaml and the examples', () => {
  for (const file of ['kong.yaml', ...readdirSync(new URL('examples/', root)).filter((f) => f.endsWith('.yaml')).map((f) => `examples/${f}`)]) {
    const ok = editor(parse(readFileSync(new URL(file, root), 'utf8')));
    assert.ok(ok, `${file}: ${JSON.stringify(editor.errors)}`);
  }
});

test("editor schema checks each plugin's config against that plugin's schema", () => {
  const doc = { _format_version: '3.0', plugins: [{ name: 'key-auth', config: { key_names: 'apikey' } }, { name: 'cors', config: { origins: ['*'] } }] };
  assert.equal(editor(doc), false);
  assert.ok(editor.errors!.some((e) => e.instancePath === '/plugins/0/config/key_names' && e.keyword === 'type'), JSON.stringify(editor.errors));
  assert.ok(!editor.errors!.some((e) => e.instancePath.startsWith('/plugins/1')), 'the cors entry is fine');
  assert.equal(editor({ _format_version: '3.0', plugins: [{ name: 'not-a-plugin' }] }), false, 'plugin names are completed from a list');
});

const corpus = new URL('../shared/kong-corpus/kic-golden/', root);
test('editor schema accepts the Kong-native corpus', { skip: existsSync(corpus) ? false : '../shared/kong-corpus is absent' }, () => {
  for (const f of readdirSync(corpus).filter((n) => !n.includes('custom-entit'))) {
    assert.ok(editor(parse(readFileSync(new URL(f, corpus), 'utf8'))), `${f}: ${JSON.stringify(editor.errors?.slice(0, 3))}`);
  }
});

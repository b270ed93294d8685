// A custom plugin's schema module (--plugins-path) joins validation and schema generation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/temp.ts';

const root = new URL('../../', import.meta.url).pathname;
const bin = join(root, 'bin/gateway.js');
const examples = join(root, 'examples/plugins');
const dir = tempDir('custom');

function gateway(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: dir }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const file = join(dir, 'kong.yaml');
writeFileSync(file, [
  '_format_version: "3.0"',
  'plugins:',
  '- name: header-echo',
  '  config:',
  '    requestHeader: X-Echo',
  '    responseHeader: x-echo',
  '    ttl: 7200',
  '',
].join('\n'));

test('its config is checked by its schema module, cross-field rule included', async () => {
  const r = await gateway('validate', '--plugins', 'bundled,header-echo', '--plugins-path', examples, file);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.split('\n').filter((l) => /:\d+:\d+ /.test(l)).join('\n'), `${file}:7:10 plugins[0].config.ttl: value should be between 0 and 3600`);
  writeFileSync(file, readFileSync(file, 'utf8').replace('ttl: 7200', 'ttl: 30'));
  const again = await gateway('validate', '--plugins', 'bundled,header-echo', '--plugins-path', examples, file);
  assert.match(again.stderr, /plugins\[0\]\.config\.responseHeader: must differ from requestHeader/);
});

test('it must be enabled with --plugins, as in Kong', async () => {
  const r = await gateway('validate', '--plugins-path', examples, file);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /plugin 'header-echo' not enabled; add it to the 'plugins' configuration property/);
});

test('GATEWAY_PLUGINS and GATEWAY_PLUGINS_PATH do the same', async () => {
  writeFileSync(file, '_format_version: "3.0"\nplugins:\n- name: header-echo\n');
  const r = await new Promise<number>((resolve) => {
    execFile(process.execPath, [bin, 'validate', file], { cwd: dir, env: { ...process.env, GATEWAY_PLUGINS: 'bundled,header-echo', GATEWAY_PLUGINS_PATH: examples } }, (err) => resolve(err ? 1 : 0));
  });
  assert.equal(r, 0);
});

test('`gateway schemas --plugins-path` generates its schema for editors', async () => {
  const out = join(dir, 'schemas');
  const r = await gateway('schemas', '--out', out, '--plugins-path', examples);
  assert.equal(r.code, 0, r.stderr);
  const schema = JSON.parse(readFileSync(join(out, 'plugins/header-echo.json'), 'utf8')) as { properties: Record<string, { default?: unknown }> };
  assert.equal(schema.properties.ttl!.default, 60);
  const whole = readFileSync(join(out, 'kong.schema.json'), 'utf8');
  assert.ok(whole.includes('"plugin_header-echo"'));
  assert.equal((await gateway('schemas', '--out', out, '--check', '--plugins-path', examples)).code, 0);
});

test('a broken plugin module is a clear error, exit 2', async () => {
  const bad = join(dir, 'bad-plugins');
  mkdirSync(join(bad, 'oops'), { recursive: true });
  writeFileSync(join(bad, 'oops', 'schema.js'), 'export default { name: "oops", config: { type: "string" } };\n');
  const r = await gateway('validate', '--plugins', 'bundled,oops', '--plugins-path', bad, file);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /oops\/schema\.js: 'config' must be a JSON Schema of type object/);
});

// `gateway validate` as CI runs it: a real process, its output and exit code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/temp.ts';

const bin = new URL('../../bin/gateway.js', import.meta.url).pathname;
const dir = tempDir('cli');

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function gateway(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: dir, env: { ...process.env, GATEWAY_PLUGINS: '' } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const valid = write('valid.yaml', '_format_version: "3.0"\nservices:\n- name: s\n  url: http://example.com\n  routes:\n  - name: r\n    paths: [/]\n');
const invalid = write('invalid.yaml', '_format_version: "3.0"\nservices:\n- name: s\n  host: example.com\n  routes:\n  - name: r\n    paths: [api]\n  - name: r\n    hosts: [a.example]\n');

test('valid file: exit 0 and a summary', async () => {
  const r = await gateway('validate', valid);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${valid}: valid (1 services, 1 routes)\n`);
});

test('invalid file: exit 1, one line per problem, FILE:LINE:COL PATH: message', async () => {
  const r = await gateway('validate', invalid);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, [
    `${invalid}:7:13 services[0].routes[0].paths[0]: must start with "/" or "~/"`,
    `${invalid}:8:11 services[0].routes[1].name: uniqueness violation: 'routes' entity with name set to 'r' already declared`,
    `${invalid}: invalid: 2 errors`,
    '',
  ].join('\n'));
});

test('--json lists file, position, path, entity and message', async () => {
  const r = await gateway('validate', '--json', invalid, valid);
  assert.equal(r.code, 1);
  const issues = JSON.parse(r.stdout) as Record<string, unknown>[];
  assert.deepEqual(issues[0], {
    file: invalid, line: 7, column: 13, path: 'services[0].routes[0].paths[0]', entity_type: 'route', entity_name: 'r',
    entity_id: issues[0]!.entity_id, severity: 'error', message: 'must start with "/" or "~/"',
  });
  assert.equal(issues.length, 2);
});

test('unreadable file and bad usage: exit 2', async () => {
  const missing = await gateway('validate', join(dir, 'nope.yaml'));
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read .*nope\.yaml: no such file/);
  const unreadable = write('locked.yaml', 'x');
  chmodSync(unreadable, 0o000);
  const locked = await gateway('validate', unreadable);
  // root can read anything; either way the answer is a clear one
  assert.ok(locked.code === 2 || locked.code === 1);
  assert.equal((await gateway('validate', '--no-such-flag')).code, 2);
  assert.equal((await gateway('frobnicate')).code, 2);
  const badPlugin = await gateway('validate', '--plugins', 'bundled,nope', valid);
  assert.equal(badPlugin.code, 2);
  assert.match(badPlugin.stderr, /--plugins: plugin 'nope' not found/);
});

test('defaults to ./kong.yaml, or GATEWAY_DECLARATIVE_CONFIG', async () => {
  write('kong.yaml', '_format_version: "3.0"\n');
  assert.equal((await gateway('validate')).code, 0);
  const viaEnv = await new Promise<number>((resolve) => {
    execFile(process.execPath, [bin, 'validate'], { cwd: dir, env: { ...process.env, GATEWAY_DECLARATIVE_CONFIG: invalid } }, (err) => resolve(err ? 1 : 0));
  });
  assert.equal(viaEnv, 1);
});

test('--plugins off: any plugin is an error', async () => {
  const file = write('plugin.yaml', '_format_version: "3.0"\nplugins:\n- name: cors\n');
  const r = await gateway('validate', '--plugins', 'off', file);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /plugin\.yaml:3:9 plugins\[0\]\.name: plugin 'cors' not enabled/);
});

test('hostile files: nested 5,000 deep, two documents, invalid UTF-8, UTF-16: positioned errors, exit 1, no crash', async () => {
  const deep = write('deep.json', `{"_format_version":"3.0","services":[{"name":"s","host":"h","tags":${'['.repeat(5000)}${']'.repeat(5000)}}]}`);
  const two = write('two.yaml', '_format_version: "3.0"\nservices: []\n---\nroutes: []\n');
  const bytes = join(dir, 'latin1.yaml');
  writeFileSync(bytes, Buffer.concat([Buffer.from('_format_version: "3.0"\nservices:\n- name: caf'), Buffer.from([0xe9]), Buffer.from('\n  host: h\n')]));
  const utf16 = join(dir, 'utf16.yaml');
  writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('_format_version: "3.0"\nservices:\n- name: s\n  host: h\n', 'utf16le')]));
  const r = await gateway('validate', deep, two, bytes);
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.match(lines.find((l) => l.startsWith(deep))!, /^.*deep\.json:1:\d+ services\[0\]\.tags.*: nested too deeply: more than 128 levels$/);
  assert.match(lines.find((l) => l.startsWith(two))!, /two\.yaml:3:1 failed parsing declarative configuration: expected a single document/);
  assert.match(lines.find((l) => l.startsWith(bytes))!, /latin1\.yaml:3:12 failed parsing declarative configuration: invalid UTF-8 byte/);
  assert.equal((await gateway('validate', utf16)).code, 0, 'a UTF-16 file with its byte order mark is read as such');
});

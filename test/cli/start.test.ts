// `gateway start` loads the config with the code `validate` uses: a bad file is refused the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = new URL('../../bin/gateway.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'gateway-start-'));

function start(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, 'start', ...args], { cwd: dir }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('a valid config: one JSON log line with the config hash', async () => {
  const file = join(dir, 'ok.yaml');
  writeFileSync(file, '_format_version: "3.0"\nservices:\n- name: s\n  url: http://example.com\n');
  const r = await start('-c', file, '--log-level', 'info');
  assert.equal(r.code, 0, r.stderr);
  const line = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
  assert.equal(line.msg, 'config loaded: 1 services');
  assert.match(String(line.configuration_hash), /^[0-9a-f]{32}$/);
});

test('an invalid config: the problems, as validate prints them, and exit 1', async () => {
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, '_format_version: "3.0"\nservices:\n- name: s\n');
  const r = await start('-c', file);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `${file}:3:3 services[0].host: required field missing\nerror parsing declarative config file ${file}\n`);
});

test('a bad --log-level is bad usage, exit 2', async () => {
  const r = await start('--log-level', 'loud');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--log-level: expected one of fatal, error, warn, info, debug, trace, silent, got 'loud'/);
});

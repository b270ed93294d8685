// `gateway start` as a process: ready line naming the addresses, serving, SIGTERM drains and exits 0; a bad
// config is refused as `validate` refuses it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { request } from 'undici';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tempDir } from '../helpers/temp.ts';

const bin = new URL('../../bin/gateway.js', import.meta.url).pathname;
// Node's flags as `npm start` gives them, so the gateway under test runs as users run it.
const startScript = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } }).scripts.start;
const nodeFlags = /^(?:exec )?node (.*) bin\/gateway\.js start$/.exec(startScript)?.[1]?.split(' ') ?? [];
const dir = tempDir('start');

function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, 'start', ...args], { cwd: dir }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('serves, logs one ready line with its addresses, reloads on SIGHUP, and exits 0 on SIGTERM', async () => {
  const file = join(dir, 'ok.yaml');
  writeFileSync(file, '_format_version: "3.0"\nservices:\n- name: s\n  url: http://127.0.0.1:9\n  routes:\n  - { name: r, paths: [/] }\n');
  const child = spawn(process.execPath, [...nodeFlags, bin, 'start', '-c', file, '--proxy-listen', '127.0.0.1:0', '--admin-listen', 'off'], { cwd: dir });
  let out = '';
  child.stdout.setEncoding('utf8');
  const ready = new Promise<Record<string, unknown>>((resolve) => {
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      const line = out.split('\n').find((l) => l.includes('"gateway ready"'));
      if (line) resolve(JSON.parse(line) as Record<string, unknown>);
    });
  });
  const line = await ready;
  const [address] = line.proxy_listen as string[];
  assert.match(String(address), /^127\.0\.0\.1:\d+$/);
  assert.match(String(line.configuration_hash), /^[0-9a-f]{32}$/);
  const res = await request(`http://${address}/nowhere`, { headers: { host: 'unknown.example' } });
  assert.equal(res.statusCode, 502, 'routed to a closed port: Kong answers 502');
  await res.body.text();
  // SIGHUP reloads (sent right after the write, it comes before the watcher's debounced reload).
  writeFileSync(file, '_format_version: "3.0"\nroutes:\n- name: r\n  paths: [/]\n');
  child.kill('SIGHUP');
  const reloaded = await new Promise<Record<string, unknown>>((resolve) => {
    const check = () => {
      const line = out.split('\n').find((l) => l.includes('"config reloaded"'));
      if (line) resolve(JSON.parse(line) as Record<string, unknown>);
      else setTimeout(check, 20);
    };
    check();
  });
  assert.equal(reloaded.reason, 'SIGHUP');
  const after = await request(`http://${address}/anything`);
  assert.equal(after.statusCode, 503, 'the new config: a route without a service');
  await after.body.text();
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
  assert.match(out, /"msg":"stopped"/);
});

test('an invalid config: the problems, as validate prints them, and exit 1', async () => {
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, '_format_version: "3.0"\nservices:\n- name: s\n');
  const r = await run('-c', file);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `${file}:3:3 services[0].host: required field missing\nerror parsing declarative config file ${file}\n`);
});

test('bad usage is exit 2: a bad --log-level, an address in use', async () => {
  const r = await run('--log-level', 'loud');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--log-level: expected one of fatal, error, warn, info, debug, trace, silent \(or Kong's notice, crit, alert, emerg\), got 'loud'/);
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const file = join(dir, 'in-use.yaml');
  writeFileSync(file, '_format_version: "3.0"\n');
  const inUse = await run('-c', file, '--proxy-listen', `127.0.0.1:${(taken.address() as AddressInfo).port}`, '--admin-listen', 'off');
  taken.close();
  assert.equal(inUse.code, 2);
  assert.match(inUse.stderr, /cannot listen: address already in use/);
});

// Hot reload end to end: every way a config file changes, a bad file that changes nothing, identical bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, renameSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { startTestGateway, type TestGateway } from '../helpers/servers.ts';
import { tempDir } from '../helpers/temp.ts';

/** A config whose /version route answers `message` (request-termination), so a client can tell versions apart. */
const config = (message: string) => `_format_version: "3.0"
routes:
- name: version
  paths: [/version]
  plugins:
  - name: request-termination
    config: { status_code: 200, message: "${message}" }
`;

async function version(gw: TestGateway): Promise<string> {
  const res = await request(`${gw.url}/version`);
  const text = await res.body.text();
  return res.statusCode === 200 ? (JSON.parse(text) as { message: string }).message : `status ${res.statusCode}`;
}

async function eventually(gw: TestGateway, expected: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  let last = '';
  while ((last = await version(gw)) !== expected) {
    if (Date.now() > deadline) assert.fail(`still answering '${last}', expected '${expected}'`);
    await sleep(50);
  }
}

async function withGateway(run: (gw: TestGateway) => Promise<void>, configFile?: string): Promise<void> {
  const gw = await startTestGateway(config('v1'), configFile ? { config: configFile } : {});
  try {
    assert.equal(await version(gw), 'v1');
    await run(gw);
  } finally {
    await gw.stop();
  }
}

test('written in place', () => withGateway(async (gw) => {
  writeFileSync(gw.file, config('v2'));
  await eventually(gw, 'v2');
  assert.equal(gw.gateway.lastReload?.result, 'applied');
}));

test('renamed over (atomic save)', () => withGateway(async (gw) => {
  const tmp = `${gw.file}.tmp`;
  writeFileSync(tmp, config('v2'));
  renameSync(tmp, gw.file);
  await eventually(gw, 'v2');
}));

test('deleted, then created', () => withGateway(async (gw) => {
  unlinkSync(gw.file);
  await sleep(300);
  assert.equal(await version(gw), 'v1', 'no file for a moment: the last good config keeps serving');
  writeFileSync(gw.file, config('v2'));
  await eventually(gw, 'v2');
}));

test("swapped behind a symlink, as a Kubernetes ConfigMap mount does", async () => {
  const dir = tempDir('configmap');
  mkdirSync(join(dir, '..2026_11_22_a'));
  writeFileSync(join(dir, '..2026_11_22_a', 'kong.yaml'), config('v1'));
  symlinkSync('..2026_11_22_a', join(dir, '..data'));
  symlinkSync(join('..data', 'kong.yaml'), join(dir, 'kong.yaml'));
  await withGateway(async (gw) => {
    mkdirSync(join(dir, '..2026_11_22_b'));
    writeFileSync(join(dir, '..2026_11_22_b', 'kong.yaml'), config('v2'));
    symlinkSync('..2026_11_22_b', join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    await eventually(gw, 'v2');
  }, join(dir, 'kong.yaml'));
});

test('an invalid file changes nothing: the last good config keeps serving; the failure is recorded', () => withGateway(async (gw) => {
  writeFileSync(gw.file, '_format_version: "3.0"\nroutes:\n- name: broken\n  paths: [no-slash]\n');
  const deadline = Date.now() + 10_000;
  while (gw.gateway.lastReload?.result !== 'failed') {
    if (Date.now() > deadline) assert.fail('no failed reload recorded');
    await sleep(50);
  }
  assert.equal(await version(gw), 'v1');
  assert.deepEqual(gw.gateway.lastReload.errors.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`), ['4:11 routes[0].paths[0]: must start with "/" or "~/"']);
  writeFileSync(gw.file, config('v3'));
  await eventually(gw, 'v3');
}));

test('identical bytes are a no-op; a burst of writes is one reload of the newest', () => withGateway(async (gw) => {
  const before = gw.gateway.store.current();
  assert.equal((await gw.gateway.reload('test')).result, 'unchanged');
  assert.equal(gw.gateway.store.current(), before, 'the same snapshot object: nothing was rebuilt');
  for (let i = 2; i <= 6; i++) writeFileSync(gw.file, config(`v${i}`));
  await eventually(gw, 'v6');
}));

test('a config posted to the admin API stays until the file changes again', () => withGateway(async (gw) => {
  const posted = await request(`${gw.admin}/config`, { method: 'POST', body: config('posted'), headers: { 'content-type': 'text/yaml' } });
  assert.equal(posted.statusCode, 201);
  await posted.body.text();
  assert.equal(await version(gw), 'posted');
  await sleep(600);
  assert.equal(await version(gw), 'posted', 'no file event: the watcher leaves it');
  writeFileSync(gw.file, config('from-file'));
  await eventually(gw, 'from-file');
}));

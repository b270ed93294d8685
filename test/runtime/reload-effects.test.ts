// What a reload does besides swapping: plugins' configure(configs) as Kong calls it, and pools of targets that
// left the config closed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { request } from 'undici';
import { loadConfigText } from '../../src/declarative/load-config.ts';
import { createReloader } from '../../src/runtime/reload.ts';
import { SnapshotStore } from '../../src/runtime/store.ts';
import { compileSnapshot } from '../../src/snapshot/snapshot.ts';
import type { PluginHandler } from '../../src/plugins/types.ts';
import { bundledCatalog } from '../helpers/config.ts';
import { startTestGateway, startUpstream } from '../helpers/servers.ts';
import { tempDir } from '../helpers/temp.ts';

test('configure(configs): every enabled instance\'s config after each reload, null when none is left', async () => {
  const calls: (readonly unknown[] | null)[] = [];
  const probe: PluginHandler = { version: '1.0.0', priority: 1, configure: (configs) => void calls.push(configs) };
  const handlers = new Map([['correlation-id', probe]]);
  const file = join(tempDir('configure'), 'kong.yaml');
  const configWith = (headers: string[]) => `_format_version: "3.0"\nroutes:\n${headers.map((h, i) => `- name: r${i}\n  paths: [/r${i}]\n  plugins: [{ name: correlation-id, config: { header_name: ${h} } }]\n`).join('')}` || '';
  const first = loadConfigText(configWith(['x-a']), file, { plugins: bundledCatalog });
  const store = new SnapshotStore(compileSnapshot(first.config!, first.hash, handlers));
  const reloader = createReloader({ path: file, store, catalog: bundledCatalog, handlers, log: pino({ level: 'silent' }) });
  writeFileSync(file, configWith(['x-a', 'x-b']));
  await reloader.reload('test');
  writeFileSync(file, '_format_version: "3.0"\n');
  await reloader.reload('test');
  assert.deepEqual(calls.map((c) => c?.map((x) => (x as { header_name: string }).header_name) ?? null), [['x-a', 'x-b'], null]);
});

test('pools of targets that left the config are closed after the reload', async () => {
  const a = await startUpstream(undefined, 'a');
  const b = await startUpstream(undefined, 'b');
  const config = (port: number) => `_format_version: "3.0"\nservices:\n- name: s\n  url: http://127.0.0.1:${port}\n  routes: [{ name: r, paths: [/] }]\n`;
  const gw = await startTestGateway(config(a.port));
  try {
    await (await request(gw.url)).body.text();
    assert.equal(gw.gateway.pools.size, 1);
    writeFileSync(gw.file, config(b.port));
    await gw.gateway.reload('test');
    assert.equal(gw.gateway.pools.size, 0, "a's pool is gone");
    const res = await request(gw.url);
    assert.equal((JSON.parse(await res.body.text()) as { server: string }).server, 'b');
    assert.equal(gw.gateway.pools.size, 1);
  } finally {
    await gw.stop();
    await Promise.all([a.close(), b.close()]);
  }
});

test('a pool whose settings changed is replaced; an unchanged one keeps its connections', async () => {
  const a = await startUpstream(undefined, 'a');
  const config = (timeout: number, name = 's') => `_format_version: "3.0"\nservices:\n- name: ${name}\n  url: http://127.0.0.1:${a.port}\n  connect_timeout: ${timeout}\n  routes: [{ name: r, paths: [/] }]\n`;
  const gw = await startTestGateway(config(5000));
  try {
    await (await request(gw.url)).body.text();
    const before = gw.gateway.pools.size;
    assert.equal(before, 1);
    // Only the service's name changes: same origin, timeout and TLS, so the same pool stays.
    writeFileSync(gw.file, config(5000, 'renamed'));
    await gw.gateway.reload('test');
    assert.equal(gw.gateway.pools.size, 1, 'the unchanged pool stays');
    // A new connect timeout: the old pool (made with the old timeout) is closed.
    writeFileSync(gw.file, config(7000, 'renamed'));
    await gw.gateway.reload('test');
    assert.equal(gw.gateway.pools.size, 0, 'the pool with the old timeout is gone');
    await (await request(gw.url)).body.text();
    assert.equal(gw.gateway.pools.size, 1);
  } finally {
    await gw.stop();
    await a.close();
  }
});

// Ported from Kong 3.10's spec/02-integration/05-proxy/01-proxy_spec.lua: proxy listeners off, and several.
// (Its #stream rows need the stream subsystem's port routing.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { startGateway } from '../../src/main.ts';
import { resolveSettings } from '../../src/settings/settings.ts';
import { startTestGateway } from '../helpers/servers.ts';
import { tempDir } from '../helpers/temp.ts';

const SPEC = 'spec/02-integration/05-proxy/01-proxy_spec.lua';

test(`${SPEC}:44 disabled: proxy_listen = off opens no proxy listener, the admin API still serves`, async () => {
  const file = join(tempDir('listeners'), 'kong.yaml');
  writeFileSync(file, '_format_version: "3.0"\n');
  const gw = await startGateway(resolveSettings({ config: file, proxyListen: 'off', adminListen: '127.0.0.1:0', workers: '1' }, {}), pino({ level: 'silent' }));
  try {
    assert.equal(gw.listeners.length, 0);
    const res = await request(`http://127.0.0.1:${gw.admins[0]!.port}/status`);
    await res.body.text();
    assert.equal(res.statusCode, 200);
  } finally {
    await gw.stop();
  }
});

test(`${SPEC}:54 multiple: each listener answers (404, no route)`, async () => {
  const gw = await startTestGateway('_format_version: "3.0"\n', { proxyListen: ['127.0.0.1:0', '127.0.0.1:0'] });
  try {
    assert.equal(gw.gateway.listeners.length, 2);
    for (const l of gw.gateway.listeners) {
      const res = await request(`http://127.0.0.1:${l.port}/`);
      await res.body.text();
      assert.equal(res.statusCode, 404);
    }
  } finally {
    await gw.stop();
  }
});

for (const line of [269, 278, 287, 300]) {
  test(`${SPEC}:${line} stream listeners and port maps`, { skip: 'needs the stream subsystem (and port_maps)' }, () => {});
}

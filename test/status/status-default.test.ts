// The status listener's default address (Kong's 127.0.0.1:8007) is one a second gateway on the host may find
// taken: then it warns and starts without one; an address asked for that is taken stops the start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startGateway } from '../../src/main.ts';
import { resolveSettings } from '../../src/settings/settings.ts';
import { recordingLogger } from '../helpers/servers.ts';
import { tempDir } from '../helpers/temp.ts';

const taken = createServer();
await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
const port = (taken.address() as AddressInfo).port;
const file = join(tempDir('status-default'), 'kong.yaml');
writeFileSync(file, '_format_version: "3.0"\nroutes:\n- { name: r, paths: [/] }\n');
const base = resolveSettings({ config: file, proxyListen: ['127.0.0.1:0'], adminListen: ['off'], drainTimeout: '1' }, {});

test('the default address taken: a warning naming the setting, and the gateway serves without a status listener', async () => {
  const { log, lines } = recordingLogger();
  const gateway = await startGateway({ ...base, statusListen: [{ host: '127.0.0.1', port, ssl: false, byDefault: true }] }, log);
  try {
    assert.deepEqual(gateway.statuses, []);
    const warning = lines.find((l) => String(l.msg).startsWith('the default status listener is not started'));
    assert.ok(warning, JSON.stringify(lines));
    assert.match(String(warning.msg), /address already in use; set --status-listen/);
    assert.equal(warning.status_listen, `127.0.0.1:${port}`);
  } finally {
    await gateway.stop();
  }
});

test('an address asked for and taken: the start fails, as for any listener', async () => {
  const { log } = recordingLogger();
  await assert.rejects(startGateway({ ...base, statusListen: [{ host: '127.0.0.1', port, ssl: false }] }, log), /cannot listen \(status\): address already in use/);
  taken.close();
});

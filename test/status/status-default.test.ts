// An address for the status listener that is taken stops the start, as for any listener.
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

test('an address asked for and taken: the start fails, as for any listener', async () => {
  const { log } = recordingLogger();
  await assert.rejects(startGateway({ ...base, statusListen: [{ host: '127.0.0.1', port, ssl: false }] }, log), /cannot listen \(status\): address already in use/);
  taken.close();
});

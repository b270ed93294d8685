// The certificate phase: global plugins run in each TLS handshake (with SNI) before the certificate is chosen;
// one that throws refuses the handshake.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { startTestGateway } from '../helpers/servers.ts';
import { writePlugins } from '../helpers/plugins.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url), 'utf8');

const dir = writePlugins([{
  name: 'sni-guard',
  handler: `export default {
  version: '1.0.0',
  priority: 10,
  async certificate(kong) {
    const name = kong.tls.getServerName();
    if (name === 'blocked.example.com') throw new Error('blocked server name');
    (globalThis.__handshakes ??= []).push(name);
  },
};
`,
}]);

const gw = await startTestGateway(`_format_version: "3.0"
certificates:
- cert: ${JSON.stringify(fixture('rsa.crt'))}
  key: ${JSON.stringify(fixture('rsa.key'))}
  snis: ["*.example.com"]
plugins:
- name: sni-guard
`, { proxyListen: ['127.0.0.1:0 ssl'], plugins: ['bundled', 'sni-guard'], pluginsPath: [dir] });

after(() => gw.stop());

function handshake(servername: string): Promise<'ok' | 'refused'> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: gw.port, rejectUnauthorized: false, servername }, () => {
      socket.end();
      resolve('ok');
    });
    socket.on('error', () => resolve('refused'));
  });
}

test('certificate runs for global plugins in each handshake, with the server name', async () => {
  assert.equal(await handshake('a.example.com'), 'ok');
  assert.deepEqual((globalThis as { __handshakes?: string[] }).__handshakes, ['a.example.com']);
});

test('a certificate phase that throws refuses the handshake; the next one is served', async () => {
  assert.equal(await handshake('blocked.example.com'), 'refused');
  assert.equal(await handshake('b.example.com'), 'ok');
});

// TLS on stream listeners: termination with the certificate chosen by SNI, passthrough routed by SNI without
// terminating, TLS to `tls` services (the SNI they are asked for), and the certificate phase once per handshake.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { writePlugins } from '../helpers/plugins.ts';
import { recordingLogger, startTestGateway } from '../helpers/servers.ts';
import { exchange, fixture, freePort, sniGreeting, startEcho } from '../helpers/stream.ts';

const MESSAGE = 'echo, ping, pong. echo, ping, pong. echo, ping, pong.\n';
const fingerprint = (name: string) => new X509Certificate(fixture(name)).fingerprint256;
const indent = (pem: string) => pem.trim().split('\n').map((l) => `      ${l}`).join('\n');

const plain = await startEcho('plain:');
const secure = await startEcho(sniGreeting, { tls: true });
const [tlsPort, plainPort] = [await freePort(), await freePort()];
const plugins = writePlugins([{
  name: 'short-circuit',
  protocols: { allowed: ['tcp', 'tls'], default: ['tcp', 'tls'] },
  handler: `export default { version: '1.0.0', priority: 1000000,
    preread(kong) { kong.response.exit(200, { init_worker_called: true, message: 'plugin executed', status: 200 }); },
  };\n`,
}, {
  name: 'phase-counter',
  protocols: { allowed: ['tcp', 'tls', 'tls_passthrough'], default: ['tcp', 'tls', 'tls_passthrough'] },
  handler: `export default { version: '1.0.0', priority: 1000,
    certificate(kong) { (globalThis.__tlsPhases ??= []).push('certificate:' + (kong.tls.getServerName() ?? 'none')); },
    preread(kong) { globalThis.__tlsPhases.push('preread:' + kong.router.getRoute().name); },
    log(kong) { const r = kong.log.serialize(); globalThis.__tlsPhases.push('log:' + kong.router.getRoute().name + ':' + (r.session.tls?.version ?? 'plain') + ':' + r.session.received); },
  };\n`,
}]);
const { log, lines } = recordingLogger('info');
const gw = await startTestGateway(`_format_version: "3.0"
certificates:
- cert: |
${indent(fixture('rsa.crt'))}
  key: |
${indent(fixture('rsa.key'))}
  snis: [{ name: rsa.example.com }]
- cert: |
${indent(fixture('ec.crt'))}
  key: |
${indent(fixture('ec.key'))}
  snis: [{ name: "*.ec.example.com" }]
upstreams:
- name: upstream_srv
  targets: [{ target: "127.0.0.1:${secure.port}" }]
services:
- name: terminated
  protocol: tcp
  host: 127.0.0.1
  port: ${plain.port}
  routes:
  - name: terminate
    protocols: [tls]
    snis: [rsa.example.com, "*.ec.example.com"]
  - name: short
    protocols: [tls]
    snis: [short.example.com]
    plugins: [{ name: short-circuit }]
- name: reencrypted
  url: tls://upstream_srv
  routes:
  - name: reencrypt
    protocols: [tls]
    snis: [again.example.com]
  - name: reencrypt-preserve
    protocols: [tls]
    snis: [preserved.example.com]
    preserve_host: true
- name: passed
  protocol: tcp
  host: 127.0.0.1
  port: ${secure.port}
  routes:
  - name: pass
    protocols: [tls_passthrough]
    snis: [pass.example.com]
- name: plain-only
  protocol: tcp
  host: 127.0.0.1
  port: ${plain.port}
  routes:
  - name: tcp-on-port
    protocols: [tcp]
    destinations: [{ port: ${plainPort} }]
  - name: tcp-on-ssl-port
    protocols: [tcp]
    destinations: [{ port: ${tlsPort} }]
plugins:
- name: phase-counter
`, {
  plugins: ['bundled', 'phase-counter', 'short-circuit'],
  pluginsPath: [plugins],
  streamListen: [`127.0.0.1:${tlsPort} ssl`, `127.0.0.1:${plainPort}`],
}, log);

const phases = () => (globalThis as { __tlsPhases?: string[] }).__tlsPhases ?? [];
const waitFor = async (check: () => boolean) => {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 10));
};
/** The log phase runs once a connection closed: earlier connections' logs settle first. */
const settled = () => waitFor(() => phases().filter((p) => p.startsWith('log:')).length >= phases().filter((p) => p.startsWith('preread:')).length);

after(async () => {
  await gw.stop();
  await plain.close();
  await secure.close();
});

test('TLS termination: the certificate for the SNI, then the plain bytes to a tcp service', async () => {
  const rsa = await exchange(tlsPort, MESSAGE, { tls: { servername: 'rsa.example.com' }, expect: 6 + MESSAGE.length });
  assert.equal(rsa.fingerprint, fingerprint('rsa.crt'));
  assert.equal(rsa.received, `plain:${MESSAGE}`);
  const ec = await exchange(tlsPort, MESSAGE, { tls: { servername: 'a.ec.example.com' }, expect: 6 + MESSAGE.length });
  assert.equal(ec.fingerprint, fingerprint('ec.crt'));
  assert.equal(ec.received, `plain:${MESSAGE}`);
});

test('tls_passthrough: routed by the SNI without terminating (the client sees the upstream\'s certificate)', async () => {
  const r = await exchange(tlsPort, MESSAGE, { tls: { servername: 'pass.example.com' }, expect: 'pass.example.com\n'.length + MESSAGE.length });
  assert.equal(r.fingerprint, fingerprint('upstream.crt'));
  assert.equal(r.received, `pass.example.com\n${MESSAGE}`);
});

test('spec/02-integration/05-proxy/31-stream_tls_spec.lua:71 a tls service to an upstream target by IP is asked for no SNI', async () => {
  const r = await exchange(tlsPort, 'get_sni\n', { tls: { servername: 'again.example.com' }, expect: 'nil\n'.length + 8 });
  assert.equal(r.received, 'nil\nget_sni\n');
  // No certificate names again.example.com: Kong's default one (made at start, as no --ssl-cert is given).
  assert.notEqual(r.fingerprint, fingerprint('rsa.crt'));
  assert.notEqual(r.fingerprint, fingerprint('ec.crt'));
});

test("spec/02-integration/05-proxy/31-stream_tls_spec.lua:81 with preserve_host the tls service is asked for the client's SNI", async () => {
  const r = await exchange(tlsPort, 'get_sni\n', { tls: { servername: 'preserved.example.com' }, expect: 'preserved.example.com\n'.length + 8 });
  assert.equal(r.received, 'preserved.example.com\nget_sni\n');
});

test('spec/02-integration/05-proxy/28-stream_plugins_triggering_spec.lua:173 tls: certificate, preread and log once each', async () => {
  await settled();
  const before = phases().length;
  await exchange(tlsPort, MESSAGE, { tls: { servername: 'rsa.example.com' }, expect: 6 + MESSAGE.length });
  await waitFor(() => phases().length >= before + 3);
  // The bytes of a terminated session are the plain ones, as nginx's $bytes_received.
  assert.deepEqual(phases().slice(before), ['certificate:rsa.example.com', 'preread:terminate', `log:terminate:TLSv1.3:${MESSAGE.length}`]);
});

test('spec/02-integration/05-proxy/28-stream_plugins_triggering_spec.lua:284 tls (short-circuited): the exit body over TLS; certificate and log once, no later preread', async () => {
  await settled();
  const before = phases().length;
  const r = await exchange(tlsPort, '', { tls: { servername: 'short.example.com' } });
  assert.equal(r.closed, true);
  assert.deepEqual(JSON.parse(r.received), { init_worker_called: true, message: 'plugin executed', status: 200 });
  await waitFor(() => phases().slice(before).some((p) => p.startsWith('log:')));
  // The short-circuit (higher priority) exits before the counter's preread.
  assert.deepEqual(phases().slice(before).map((p) => p.split(':').slice(0, 2).join(':')), ['certificate:short.example.com', 'log:short']);
});

test('passthrough runs no certificate phase (nothing is terminated); its log has no TLS of its own', async () => {
  await settled();
  const before = phases().length;
  await exchange(tlsPort, MESSAGE, { tls: { servername: 'pass.example.com' }, expect: 'pass.example.com\n'.length + MESSAGE.length });
  await waitFor(() => phases().length >= before + 2);
  const passed = phases().slice(before);
  assert.equal(passed[0], 'preread:pass');
  // Passed through: the TLS records' bytes, more than the message.
  const [, , tls, received] = passed[1]!.split(':');
  assert.equal(tls, 'plain');
  assert.ok(Number(received) > MESSAGE.length);
});

test('a tcp route matched on an ssl listener closes the connection, as Kong ("unexpected protocols in matched Route")', async () => {
  const none = await exchange(tlsPort, MESSAGE, { tls: { servername: 'nobody.example.com' } }).catch(() => ({ closed: true, received: '' }));
  assert.equal(none.closed, true);
  assert.equal(none.received, '');
  await waitFor(() => lines.some((l) => l.msg === 'unexpected protocols in matched Route' && l.route !== undefined));
});

test('as in Kong, a route\'s snis are not checked on a connection without an SNI: a plain connection takes the snis route over a destination port', async () => {
  const r = await exchange(plainPort, MESSAGE, { expect: 'nil\n'.length + MESSAGE.length });
  // reencrypt-preserve: the highest id among the equal snis routes would win; any snis route beats the port one.
  assert.notEqual(r.received, `plain:${MESSAGE}`);
});

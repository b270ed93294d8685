// --stream-listen (Kong's stream_listen): off by default, Kong's listen syntax, env twins GATEWAY_* and KONG_*.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveSettings } from '../../src/settings/settings.ts';

test('off by default, as in Kong', () => {
  assert.deepEqual(resolveSettings({}, {}).streamListen, []);
  assert.deepEqual(resolveSettings({ streamListen: ['off'] }, {}).streamListen, []);
});

test("Kong's listen syntax: several, ssl; from the flag, GATEWAY_STREAM_LISTEN or KONG_STREAM_LISTEN", () => {
  const expected = [{ host: '127.0.0.1', port: 9000, ssl: false }, { host: '::1', port: 9443, ssl: true }];
  assert.deepEqual(resolveSettings({ streamListen: ['127.0.0.1:9000', '[::1]:9443 ssl'] }, {}).streamListen, expected);
  assert.deepEqual(resolveSettings({}, { GATEWAY_STREAM_LISTEN: '127.0.0.1:9000, [::1]:9443 ssl' }).streamListen, expected);
  assert.deepEqual(resolveSettings({}, { KONG_STREAM_LISTEN: '127.0.0.1:9000, [::1]:9443 ssl' }).streamListen, expected);
  assert.deepEqual(resolveSettings({}, { GATEWAY_STREAM_LISTEN: '127.0.0.1:9001', KONG_STREAM_LISTEN: '127.0.0.1:9000' }).streamListen, [{ host: '127.0.0.1', port: 9001, ssl: false }]);
});

test('what is not supported is refused, naming it', () => {
  assert.throws(() => resolveSettings({ streamListen: ['9000'] }, {}), /--stream-listen: expected ADDR:PORT \[ssl\] \[flags\], got '9000'/);
  assert.throws(() => resolveSettings({ streamListen: ['127.0.0.1:9000 udp'] }, {}), /--stream-listen: 'udp' is not supported here/);
  assert.throws(() => resolveSettings({ streamListen: ['127.0.0.1:9000 proxy_protocol'] }, {}), /--stream-listen: proxy_protocol is not supported on stream listeners/);
  assert.throws(() => resolveSettings({}, { KONG_STREAM_LISTEN: '127.0.0.1:9000 bogus' }), /KONG_STREAM_LISTEN: unknown option 'bogus'/);
});

test("an ssl stream listener gets the proxy's default certificate (Kong's ssl_cert, or one made at start)", () => {
  assert.equal(resolveSettings({ streamListen: ['127.0.0.1:9000'] }, {}).sslCertificate, undefined);
  const s = resolveSettings({ proxyListen: ['127.0.0.1:8000'], streamListen: ['127.0.0.1:9443 ssl'] }, {});
  assert.equal(s.sslCertificate?.selfSigned, true);
});

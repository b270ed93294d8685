import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveSettings } from '../../src/settings/settings.ts';

const pick = (s: ReturnType<typeof resolveSettings>) => ({ configPath: s.configPath, plugins: s.plugins, pluginsPaths: s.pluginsPaths, logLevel: s.logLevel });

test('defaults', () => {
  const s = resolveSettings({}, {});
  assert.deepEqual(pick(s), { configPath: 'kong.yaml', plugins: ['bundled'], pluginsPaths: [], logLevel: 'info' });
  assert.deepEqual(s.proxyListen, [{ host: '0.0.0.0', port: 8000, ssl: false }]);
  assert.deepEqual(s.adminListen, [{ host: '127.0.0.1', port: 8001, ssl: false }], 'the admin API is loopback-only by default');
  assert.deepEqual(s.trustedIps, []);
  assert.deepEqual(s.headers, { via: true, server: true, upstreamLatency: true, proxyLatency: true, responseLatency: true, adminLatency: true, requestId: true, upstreamStatus: false, upstreamRequestId: true });
  assert.equal(s.drainTimeoutSeconds, 10);
});

test("listen addresses: Kong's syntax, several, ssl, off", () => {
  const s = resolveSettings({ proxyListen: ['0.0.0.0:8000, [::1]:8443 ssl'], adminListen: ['off'] }, {});
  assert.deepEqual(s.proxyListen, [{ host: '0.0.0.0', port: 8000, ssl: false }, { host: '::1', port: 8443, ssl: true }]);
  assert.deepEqual(s.adminListen, []);
  assert.throws(() => resolveSettings({ proxyListen: ['8000'] }, {}), /--proxy-listen: expected ADDR:PORT \[ssl\] \[flags\], got '8000'/);
  assert.throws(() => resolveSettings({ proxyListen: ['0.0.0.0:8000 fast'] }, {}), /--proxy-listen: unknown option 'fast' in '0.0.0.0:8000 fast'/);
});

test("headers: Kong's names, off", () => {
  assert.deepEqual(resolveSettings({ headers: ['off'] }, {}).headers, { via: false, server: false, upstreamLatency: false, proxyLatency: false, responseLatency: false, adminLatency: false, requestId: false, upstreamStatus: false, upstreamRequestId: true });
  assert.deepEqual(resolveSettings({}, { GATEWAY_HEADERS: 'latency_tokens' }).headers, { via: false, server: false, upstreamLatency: true, proxyLatency: true, responseLatency: true, adminLatency: true, requestId: false, upstreamStatus: false, upstreamRequestId: true });
  assert.deepEqual(resolveSettings({}, { GATEWAY_HEADERS: 'X-Kong-Upstream-Status,X-Kong-Request-Id' }).headers, { via: false, server: false, upstreamLatency: false, proxyLatency: false, responseLatency: false, adminLatency: false, requestId: true, upstreamStatus: true, upstreamRequestId: true });
  assert.throws(() => resolveSettings({ headers: ['bogus'] }, {}), /--headers: unknown value 'bogus'/);
});

test('GATEWAY_* environment twins, and flags win over them', () => {
  const env = { GATEWAY_DECLARATIVE_CONFIG: '/etc/kong.yaml', GATEWAY_PLUGINS: 'bundled, my-plugin', GATEWAY_PLUGINS_PATH: '/a:/b', GATEWAY_LOG_LEVEL: 'debug' };
  assert.deepEqual(pick(resolveSettings({}, env)), { configPath: '/etc/kong.yaml', plugins: ['bundled', 'my-plugin'], pluginsPaths: ['/a', '/b'], logLevel: 'debug' });
  assert.deepEqual(pick(resolveSettings({ config: 'x.yaml', plugins: ['off'], pluginsPath: ['/c'], logLevel: 'warn' }, env)), {
    configPath: 'x.yaml', plugins: ['off'], pluginsPaths: ['/c'], logLevel: 'warn',
  });
});

test('repeated flags and comma lists combine', () => {
  assert.deepEqual(resolveSettings({ plugins: ['bundled', 'a,b'], pluginsPath: ['/x', '/y'] }, {}).plugins, ['bundled', 'a', 'b']);
});

test("real_ip_header, real_ip_recursive, headers_upstream, error_default_type: Kong's values, refused otherwise", () => {
  assert.deepEqual(resolveSettings({}, {}).realIp, { header: 'x-real-ip', recursive: false });
  assert.deepEqual(resolveSettings({ realIpHeader: 'X-Forwarded-For', realIpRecursive: 'on' }, {}).realIp, { header: 'x-forwarded-for', recursive: true });
  assert.throws(() => resolveSettings({ realIpHeader: 'proxy_protocol' }, {}), /--real-ip-header: 'proxy_protocol' needs a --proxy-listen with the proxy_protocol option/);
  assert.deepEqual(resolveSettings({ proxyListen: '127.0.0.1:8000 proxy_protocol', realIpHeader: 'proxy_protocol' }, {}).proxyListen, [{ host: '127.0.0.1', port: 8000, ssl: false, proxyProtocol: true }]);
  assert.throws(() => resolveSettings({ realIpRecursive: 'yes' }, {}), /--real-ip-recursive: expected on or off/);
  assert.equal(resolveSettings({ headersUpstream: 'off' }, {}).headers.upstreamRequestId, false);
  assert.throws(() => resolveSettings({ headersUpstream: 'Via' }, {}), /--headers-upstream: unknown value 'via'/);
  assert.equal(resolveSettings({}, {}).errorDefaultType, 'text/plain');
  assert.equal(resolveSettings({}, { GATEWAY_ERROR_DEFAULT_TYPE: 'application/xml' }).errorDefaultType, 'application/xml');
  assert.throws(() => resolveSettings({ errorDefaultType: 'text/csv' }, {}), /--error-default-type: expected one of/);
  assert.deepEqual(resolveSettings({ errorTemplateHtml: '/x.html' }, {}).errorTemplatePaths, { html: '/x.html' });
});

test("port_maps: HOST:LISTEN pairs, refused otherwise", () => {
  assert.deepEqual([...resolveSettings({ portMaps: '80:8000,443:8443' }, {}).portMaps], [[8000, 80], [8443, 443]]);
  assert.equal(resolveSettings({}, {}).portMaps.size, 0);
  assert.throws(() => resolveSettings({ portMaps: '80' }, {}), /--port-maps: expected HOST_PORT:LISTEN_PORT, got '80'/);
});

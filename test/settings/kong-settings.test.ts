// Kong's settings: KONG_* variables, their precedence, Kong's listen strings and log levels, refused and
// no-effect keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { parseListen } from '../../src/settings/listen.ts';
import { resolveSettings } from '../../src/settings/settings.ts';

const KONG_PROXY_DEFAULT = '0.0.0.0:8000 reuseport backlog=16384, 0.0.0.0:8443 http2 ssl reuseport backlog=16384';
const KONG_ADMIN_DEFAULT = '127.0.0.1:8001 reuseport backlog=16384, 127.0.0.1:8444 http2 ssl reuseport backlog=16384';

test('KONG_* twins: each sets its setting, in Kong\'s value syntax', () => {
  const s = resolveSettings({}, {
    KONG_DECLARATIVE_CONFIG: '/kong/kong.yml',
    KONG_PLUGINS: 'bundled, my-plugin',
    KONG_LOG_LEVEL: 'debug',
    KONG_PROXY_LISTEN: '0.0.0.0:9000',
    KONG_ADMIN_LISTEN: 'off',
    KONG_STATUS_LISTEN: '0.0.0.0:8100',
    KONG_NGINX_WORKER_PROCESSES: '3',
    KONG_TRUSTED_IPS: '10.0.0.0/8, ::1',
    KONG_REAL_IP_HEADER: 'X-Forwarded-For',
    KONG_REAL_IP_RECURSIVE: 'on',
    KONG_HEADERS: 'off',
    KONG_HEADERS_UPSTREAM: 'off',
    KONG_PORT_MAPS: '80:8000, 443:8443',
    KONG_ERROR_DEFAULT_TYPE: 'application/json',
    KONG_ERROR_TEMPLATE_JSON: '/t.json',
    KONG_MEM_CACHE_SIZE: '64m',
    KONG_NGINX_HTTP_CLIENT_HEADER_TIMEOUT: '5s',
    KONG_DATABASE: 'off',
  });
  assert.equal(s.configPath, '/kong/kong.yml');
  assert.deepEqual(s.plugins, ['bundled', 'my-plugin']);
  assert.equal(s.logLevel, 'debug');
  assert.deepEqual(s.proxyListen, [{ host: '0.0.0.0', port: 9000, ssl: false }]);
  assert.deepEqual(s.adminListen, []);
  assert.deepEqual(s.statusListen, [{ host: '0.0.0.0', port: 8100, ssl: false }]);
  assert.equal(s.workers, 3);
  assert.deepEqual(s.trustedIps, ['10.0.0.0/8', '::1']);
  assert.deepEqual(s.realIp, { header: 'x-forwarded-for', recursive: true });
  assert.equal(s.headers.server, false);
  assert.equal(s.headers.upstreamRequestId, false);
  assert.deepEqual([...s.portMaps], [[8000, 80], [8443, 443]]);
  assert.equal(s.errorDefaultType, 'application/json');
  assert.deepEqual(s.errorTemplatePaths, { json: '/t.json' });
  assert.equal(s.memCacheSizeBytes, 64 * 1024 * 1024);
  assert.equal(s.clientTimeouts.headerMs, 5000);
  assert.deepEqual(s.warnings, []);
});

test('precedence: flag > GATEWAY_* > KONG_* > default', () => {
  const cases: [Record<string, string>, Record<string, string>, number][] = [
    [{}, {}, 8000],
    [{}, { KONG_PROXY_LISTEN: '0.0.0.0:3' }, 3],
    [{}, { KONG_PROXY_LISTEN: '0.0.0.0:3', GATEWAY_PROXY_LISTEN: '0.0.0.0:2' }, 2],
    [{ proxyListen: '0.0.0.0:1' }, { KONG_PROXY_LISTEN: '0.0.0.0:3', GATEWAY_PROXY_LISTEN: '0.0.0.0:2' }, 1],
    // As Kong: an empty variable is no value.
    [{}, { GATEWAY_PROXY_LISTEN: '', KONG_PROXY_LISTEN: '0.0.0.0:3' }, 3],
  ];
  for (const [flags, env, port] of cases) assert.equal(resolveSettings(flags, env).proxyListen[0]!.port, port, JSON.stringify({ flags, env }));
});

test("Kong's aliases: nginx_main_worker_processes and nginx_proxy_real_ip_*; the setting's own name wins", () => {
  assert.equal(resolveSettings({}, { KONG_NGINX_MAIN_WORKER_PROCESSES: '2' }).workers, 2);
  assert.equal(resolveSettings({}, { KONG_NGINX_MAIN_WORKER_PROCESSES: '2', KONG_NGINX_WORKER_PROCESSES: '4' }).workers, 4);
  assert.equal(resolveSettings({}, { KONG_NGINX_PROXY_REAL_IP_HEADER: 'X-Client' }).realIp.header, 'x-client');
});

test('workers: a number or auto (one per core, the default); refused otherwise', () => {
  assert.equal(resolveSettings({}, {}).workers, availableParallelism());
  assert.equal(resolveSettings({}, { KONG_NGINX_WORKER_PROCESSES: 'auto' }).workers, availableParallelism());
  assert.equal(resolveSettings({ workers: '1' }, { GATEWAY_WORKERS: '2' }).workers, 1);
  assert.throws(() => resolveSettings({}, { KONG_NGINX_WORKER_PROCESSES: 'many' }), /^Error: KONG_NGINX_WORKER_PROCESSES: expected a number of 1 to 1024 or 'auto', got 'many'$/);
  assert.throws(() => resolveSettings({ workers: '0' }, {}), /--workers: expected a number of 1 to 1024 or 'auto'/);
});

test('status listen: parsed like the admin listen, off by default', () => {
  assert.deepEqual(resolveSettings({}, {}).statusListen, []);
  assert.deepEqual(resolveSettings({ statusListen: ['127.0.0.1:8007 reuseport backlog=16384'] }, {}).statusListen, [{ host: '127.0.0.1', port: 8007, ssl: false, backlog: 16384 }]);
  assert.throws(() => resolveSettings({}, { GATEWAY_STATUS_LISTEN: 'nowhere' }), /GATEWAY_STATUS_LISTEN: expected ADDR:PORT/);
});

test("KONG_DATABASE: off accepted, any other value refused naming it; KONG_ROLE and KONG_DECLARATIVE_CONFIG_STRING too", () => {
  assert.doesNotThrow(() => resolveSettings({}, { KONG_DATABASE: 'off' }));
  assert.throws(() => resolveSettings({}, { KONG_DATABASE: 'postgres' }), /^Error: KONG_DATABASE: 'postgres' is not supported \(this gateway is DB-less: only off\)$/);
  assert.doesNotThrow(() => resolveSettings({}, { KONG_ROLE: 'traditional' }));
  assert.throws(() => resolveSettings({}, { KONG_ROLE: 'data_plane' }), /KONG_ROLE: 'data_plane' is not supported \(this gateway runs as a traditional node/);
  assert.throws(() => resolveSettings({}, { KONG_DECLARATIVE_CONFIG_STRING: '{"_format_version":"3.0"}' }), /KONG_DECLARATIVE_CONFIG_STRING: .* is not supported \(the config is read from a file here/);
});

test('a KONG_* key with no effect here is warned about, naming it, unless its value is what happens here anyway; an unknown KONG_* or GATEWAY_* too', () => {
  const s = resolveSettings({}, {
    KONG_PREFIX: '/kong_prefix/',
    KONG_LUA_PACKAGE_PATH: '/opt/?.lua;',
    KONG_NGINX_DAEMON: 'off',
    KONG_ANONYMOUS_REPORTS: 'off',
    KONG_ROUTER_FLAVOR: 'traditional_compatible',
    KONG_PG_HOST: 'db',
    KONG_NGINX_HTTP_GZIP: 'on',
    KONG_VAULTS: 'bundled',
    KONG_SSL_PROTOCOLS: 'TLSv1.2 TLSv1.3',
    KONG_BOGUS_THING: '1',
    // Not Kong's: Kong reads KONG_ and the key in upper case.
    kong_prefix: '/x',
    GATEWAY_ANYTHING: 'x',
  });
  assert.deepEqual(s.warnings.toSorted(), [
    'GATEWAY_ANYTHING: ignored (not a setting: gateway --help lists them)',
    "KONG_BOGUS_THING: ignored (not a setting of Kong 3.10)",
    'KONG_LUA_PACKAGE_PATH: no effect here (custom plugins are JavaScript here: --plugins-path (GATEWAY_PLUGINS_PATH) names their folders)',
    'KONG_NGINX_HTTP_GZIP: no effect here (an nginx directive: there is no nginx here)',
    'KONG_PG_HOST: no effect here (there is no database here (database = off))',
    'KONG_PREFIX: no effect here (there is no nginx or OpenResty here)',
  ]);
});

test("Kong's log levels map to the nearest level", () => {
  const level = (l: string) => resolveSettings({}, { KONG_LOG_LEVEL: l }).logLevel;
  assert.deepEqual(['debug', 'info', 'notice', 'warn', 'error', 'crit', 'alert', 'emerg'].map(level), ['debug', 'info', 'info', 'warn', 'error', 'fatal', 'fatal', 'fatal']);
  assert.equal(resolveSettings({ logLevel: 'notice' }, {}).logLevel, 'info');
  assert.throws(() => resolveSettings({}, { KONG_LOG_LEVEL: 'loud' }), /^Error: KONG_LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent \(or Kong's notice, crit, alert, emerg\), got 'loud'$/);
});

test("Kong's default listen strings: accepted, backlog kept, reuseport implied, http2 warned about once per listener", () => {
  const s = resolveSettings({}, { KONG_PROXY_LISTEN: KONG_PROXY_DEFAULT, KONG_ADMIN_LISTEN: KONG_ADMIN_DEFAULT });
  assert.deepEqual(s.proxyListen, [{ host: '0.0.0.0', port: 8000, ssl: false, backlog: 16384 }, { host: '0.0.0.0', port: 8443, ssl: true, backlog: 16384 }]);
  assert.deepEqual(s.adminListen, [{ host: '127.0.0.1', port: 8001, ssl: false, backlog: 16384 }, { host: '127.0.0.1', port: 8444, ssl: true, backlog: 16384 }]);
  assert.deepEqual(s.warnings, [
    "KONG_PROXY_LISTEN: 'http2' in '0.0.0.0:8443 http2 ssl reuseport backlog=16384' has no effect here (HTTP/2 is not served here: clients get HTTP/1.1 (ALPN offers only http/1.1))",
    "KONG_ADMIN_LISTEN: 'http2' in '127.0.0.1:8444 http2 ssl reuseport backlog=16384' has no effect here (HTTP/2 is not served here: clients get HTTP/1.1 (ALPN offers only http/1.1))",
  ]);
});

test("listen flags: Kong's all accepted (those with no effect warned), ipv6only kept, an unknown word refused as Kong does", () => {
  const s = resolveSettings({ proxyListen: ['[::]:8000 ipv6only=on deferred bind so_keepalive=on, 127.0.0.1:8001 proxy_protocol'] }, {});
  assert.deepEqual(s.proxyListen, [{ host: '::', port: 8000, ssl: false, ipv6Only: true }, { host: '127.0.0.1', port: 8001, ssl: false, proxyProtocol: true }]);
  assert.deepEqual(s.warnings.map((w) => /'(\w+)/.exec(w)?.[1]), ['deferred', 'so_keepalive']);
  assert.throws(() => resolveSettings({}, { KONG_PROXY_LISTEN: '0.0.0.0:8000 turbo' }), /^Error: KONG_PROXY_LISTEN: unknown option 'turbo' in '0.0.0.0:8000 turbo'/);
  assert.deepEqual(resolveSettings({}, { KONG_PROXY_LISTEN: 'off' }).proxyListen, []);
});

test("an ssl listener with no certificate serves one made for localhost, as Kong's default certificate; one for all listeners", () => {
  const s = resolveSettings({}, { KONG_PROXY_LISTEN: KONG_PROXY_DEFAULT, KONG_ADMIN_LISTEN: KONG_ADMIN_DEFAULT });
  assert.ok(s.sslCertificate?.selfSigned);
  assert.equal(s.adminSslCertificate, s.sslCertificate);
  const cert = new X509Certificate(s.sslCertificate.cert as string);
  assert.equal(cert.subject, 'CN=localhost');
  assert.equal(cert.subjectAltName, 'DNS:localhost');
  assert.ok(cert.checkPrivateKey(createPrivateKey(s.sslCertificate.key as string)));
  const plain = resolveSettings({}, {});
  assert.equal(plain.sslCertificate, undefined, 'none is made without an ssl listener');
  assert.equal(plain.adminSslCertificate, undefined);
});

test('KONG_SSL_CERT / KONG_SSL_CERT_KEY: the PEM itself (or base64, or a file) replaces the made certificate; pairs must match', () => {
  const made = resolveSettings({ proxyListen: '127.0.0.1:0 ssl' }, {}).sslCertificate!;
  const s = resolveSettings({ proxyListen: '127.0.0.1:0 ssl' }, { KONG_SSL_CERT: made.cert as string, KONG_SSL_CERT_KEY: Buffer.from(made.key as string).toString('base64') });
  assert.deepEqual(s.sslCertificate, { cert: [(made.cert as string).trim()], key: [made.key] });
  const ssl = { proxyListen: '127.0.0.1:0 ssl' };
  assert.throws(() => resolveSettings(ssl, { KONG_SSL_CERT: made.cert as string }), /--ssl-cert-key must be specified, with KONG_SSL_CERT/);
  assert.throws(() => resolveSettings(ssl, { KONG_SSL_CERT: `${made.cert as string},${made.cert as string}`, KONG_SSL_CERT_KEY: made.key as string }), /KONG_SSL_CERT and KONG_SSL_CERT_KEY: as many keys as certificates are needed \(got 2 and 1\)/);
  assert.throws(() => resolveSettings(ssl, { KONG_SSL_CERT: '/no/such.crt', KONG_SSL_CERT_KEY: '/no/such.key' }), /KONG_SSL_CERT: cannot read \/no\/such.crt: ENOENT/);
  // spec/01-unit/03-conf_loader_spec.lua:955: as Kong, not read (nor checked) without an ssl listener.
  assert.equal(resolveSettings({ proxyListen: '127.0.0.1:123' }, { KONG_SSL_CERT: '/path/cert.pem' }).sslCertificate, undefined);
});


test("parseListen for the stream listener: Kong's stream flags; udp refused (not supported here)", () => {
  const warnings: string[] = [];
  assert.deepEqual(parseListen('--stream-listen', ['127.0.0.1:5555 ssl reuseport backlog=65536'], 'off', (w) => warnings.push(w), true), [{ host: '127.0.0.1', port: 5555, ssl: true, backlog: 65536 }]);
  assert.deepEqual(warnings, []);
  assert.deepEqual(parseListen('--stream-listen', [], 'off', undefined, true), []);
  assert.throws(() => parseListen('--stream-listen', ['127.0.0.1:53 udp'], 'off', undefined, true), /--stream-listen: 'udp' is not supported here, in '127.0.0.1:53 udp'/);
  assert.throws(() => parseListen('--proxy-listen', ['127.0.0.1:53 udp'], 'off'), /--proxy-listen: unknown option 'udp'/, 'udp is a stream flag');
});

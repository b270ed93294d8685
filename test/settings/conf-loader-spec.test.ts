// Kong's spec/01-unit/03-conf_loader_spec.lua, the cases about what this gateway reads: kong.conf's syntax, the
// listen strings, lists, the refused values. Kong's fixture to-strip.conf is copied in fixtures/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseKongConf } from '../../src/settings/kong-conf.ts';
import { resolveSettings } from '../../src/settings/settings.ts';
import { readFileSync } from 'node:fs';

const SPEC = 'spec/01-unit/03-conf_loader_spec.lua';
const TO_STRIP = new URL('fixtures/to-strip.conf', import.meta.url).pathname;
const KONG_DEFAULTS = new URL('fixtures/kong_defaults.conf', import.meta.url).pathname;
const listeners = (list: readonly { host: string; port: number; ssl: boolean }[]) => list.map((l) => [l.host, l.port, l.ssl]);

test(`${SPEC}:161 extracts flags, ports and listen ips from proxy_listen/admin_listen (Kong's defaults)`, () => {
  const s = resolveSettings({ conf: KONG_DEFAULTS }, { KONG_DATABASE: 'off' });
  assert.deepEqual(listeners(s.adminListen), [['127.0.0.1', 8001, false], ['127.0.0.1', 8444, true]]);
  assert.deepEqual(listeners(s.proxyListen), [['0.0.0.0', 8000, false], ['0.0.0.0', 8443, true]]);
  assert.deepEqual(s.proxyListen.map((l) => l.backlog), [16384, 16384]);
});

test(`${SPEC}:199 parses IPv6 from proxy_listen/admin_listen`, () => {
  const s = resolveSettings({}, { KONG_PROXY_LISTEN: '[::]:8000, [::]:8443 ssl', KONG_ADMIN_LISTEN: '[::1]:8001, [::1]:8444 ssl' });
  assert.deepEqual(listeners(s.proxyListen), [['::', 8000, false], ['::', 8443, true]]);
  assert.deepEqual(listeners(s.adminListen), [['::1', 8001, false], ['::1', 8444, true]]);
});

test(`${SPEC}:241 extracts ssl flags properly when hostnames contain them`, () => {
  assert.deepEqual(listeners(resolveSettings({}, { KONG_PROXY_LISTEN: 'ssl.myname.test:8000', KONG_ADMIN_LISTEN: 'ssl.myname.test:8001' }).proxyListen), [['ssl.myname.test', 8000, false]]);
  const s = resolveSettings({}, { KONG_PROXY_LISTEN: 'ssl_myname.test:8000 ssl', KONG_ADMIN_LISTEN: 'ssl_myname.test:8001 ssl' });
  assert.deepEqual(listeners(s.proxyListen), [['ssl_myname.test', 8000, true]]);
  assert.deepEqual(listeners(s.adminListen), [['ssl_myname.test', 8001, true]]);
});

test(`${SPEC}:267 extracts 'off' from proxy_listen/admin_listen`, () => {
  let s = resolveSettings({}, { KONG_PROXY_LISTEN: 'off', KONG_ADMIN_LISTEN: 'off' });
  assert.deepEqual([s.proxyListen, s.adminListen], [[], []]);
  // off with multiple entries
  s = resolveSettings({}, { KONG_PROXY_LISTEN: 'off, 0.0.0.0:9000', KONG_ADMIN_LISTEN: 'off, 127.0.0.1:9001' });
  assert.deepEqual([s.proxyListen, s.adminListen], [[], []]);
  // not off with names containing 'off'
  s = resolveSettings({}, { KONG_PROXY_LISTEN: 'offshore.test:9000', KONG_ADMIN_LISTEN: 'offshore.test:9001' });
  assert.deepEqual([s.proxyListen[0]!.host, s.adminListen[0]!.host], ['offshore.test', 'offshore.test']);
});

test(`${SPEC}:354 strips comments ending settings`, () => {
  const s = resolveSettings({ conf: TO_STRIP }, { KONG_DATABASE: 'off' });
  assert.equal(s.logLevel, 'debug');
  assert.throws(() => resolveSettings({ conf: TO_STRIP }, {}), /to-strip\.conf:1: database: 'postgres' is not supported/, 'database = postgres # strip me: the comment cut, the value refused');
});

test(`${SPEC}:366 overcomes penlight's list_delim option; :660 trims array values`, () => {
  assert.deepEqual(resolveSettings({ conf: TO_STRIP }, { KONG_DATABASE: 'off' }).plugins, ['foobar', 'hello-world', 'bundled']);
});

test(`${SPEC}:372 correctly parses values containing an octothorpe`, () => {
  assert.equal(parseKongConf(readFileSync(TO_STRIP, 'utf8'), 'to-strip.conf').entries.get('pg_password')?.value, 'test#123');
});

test(`${SPEC}:121 strips extraneous properties (not in defaults): ignored here, and warned about`, () => {
  assert.deepEqual(resolveSettings({}, { KONG_STUB_PROPERTY: 'leave me alone' }).warnings, ['KONG_STUB_PROPERTY: ignored (not a setting of Kong 3.10)']);
});

test(`${SPEC}:139 merges plugins and custom plugins; :154 loads custom plugins surrounded by spaces`, () => {
  assert.deepEqual(resolveSettings({}, { KONG_PLUGINS: 'foo, bar' }).plugins, ['foo', 'bar']);
  assert.deepEqual(resolveSettings({}, { KONG_PLUGINS: ' hello-world ,   another-one  ' }).plugins, ['hello-world', 'another-one']);
});

test(`${SPEC}:592 port_maps: empty when not specified, pairs when specified, an error with an invalid value`, () => {
  assert.equal(resolveSettings({}, {}).portMaps.size, 0);
  assert.deepEqual([...resolveSettings({}, { KONG_PORT_MAPS: '80:8000,443:8443' }).portMaps], [[8000, 80], [8443, 443]]);
  assert.throws(() => resolveSettings({}, { KONG_PORT_MAPS: 'src:dst' }), /KONG_PORT_MAPS: expected HOST_PORT:LISTEN_PORT, got 'src:dst'/);
});

test(`${SPEC}:690 enforces enums: database, and Kong's cassandra (gone since 3.4) too`, () => {
  assert.throws(() => resolveSettings({}, { KONG_DATABASE: 'mysql' }), /KONG_DATABASE: 'mysql' is not supported/);
  assert.throws(() => resolveSettings({}, { KONG_DATABASE: 'cassandra' }), /KONG_DATABASE: 'cassandra' is not supported/);
  assert.throws(() => resolveSettings({}, { KONG_ERROR_DEFAULT_TYPE: 'text/csv' }), /KONG_ERROR_DEFAULT_TYPE: expected one of/);
});

test(`${SPEC}:703 enforces listen addresses format`, () => {
  assert.throws(() => resolveSettings({}, { KONG_ADMIN_LISTEN: '127.0.0.1' }), /KONG_ADMIN_LISTEN: expected ADDR:PORT/);
  assert.throws(() => resolveSettings({}, { KONG_PROXY_LISTEN: '127.0.0.1' }), /KONG_PROXY_LISTEN: expected ADDR:PORT/);
});

test(`${SPEC}:891 errors on bad entries in headers`, () => {
  assert.throws(() => resolveSettings({}, { KONG_HEADERS: 'server_tokens,Foo-Bar' }), /KONG_HEADERS: unknown value 'foo-bar'/);
});

test(`${SPEC}:970 requires both proxy SSL cert and key`, () => {
  const ssl = { KONG_PROXY_LISTEN: '127.0.0.1:8443 ssl' };
  assert.throws(() => resolveSettings({}, { ...ssl, KONG_SSL_CERT: '/path/cert.pem' }), /--ssl-cert-key must be specified/);
  assert.throws(() => resolveSettings({}, { ...ssl, KONG_SSL_CERT_KEY: '/path/key.pem' }), /--ssl-cert must be specified/);
});

test(`${SPEC}:990 requires SSL cert and key to exist`, () => {
  assert.throws(() => resolveSettings({}, { KONG_PROXY_LISTEN: '127.0.0.1:8443 ssl', KONG_SSL_CERT: '/path/cert.pem', KONG_SSL_CERT_KEY: '/path/cert_key.pem' }), /KONG_SSL_CERT: cannot read \/path\/cert\.pem/);
});

test(`${SPEC}:955 does not check SSL cert and key if SSL is off (proxy, admin, status)`, () => {
  assert.doesNotThrow(() => resolveSettings({}, { KONG_PROXY_LISTEN: '127.0.0.1:123', KONG_SSL_CERT: '/path/cert.pem' }));
  assert.doesNotThrow(() => resolveSettings({}, { KONG_PROXY_LISTEN: 'ssl:23', KONG_SSL_CERT: '/path/cert.pem' }));
  assert.doesNotThrow(() => resolveSettings({}, { KONG_ADMIN_LISTEN: '127.0.0.1:123', KONG_ADMIN_SSL_CERT: '/path/cert.pem' }));
  assert.doesNotThrow(() => resolveSettings({}, { KONG_STATUS_LISTEN: '127.0.0.1:123', KONG_STATUS_SSL_CERT: '/path/cert.pem' }));
});

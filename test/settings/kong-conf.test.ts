// --conf: a kong.conf read as Kong reads it, below the environment in precedence, problems with FILE:LINE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseKongConf } from '../../src/settings/kong-conf.ts';
import { KONG_KEYS_TABLE } from '../../src/settings/kong-keys.ts';
import { resolveSettings, SETTING_SPECS, type SettingSpec } from '../../src/settings/settings.ts';
import { tempDir } from '../helpers/temp.ts';

const dir = tempDir('kong-conf');
const KONG_DEFAULTS = new URL('fixtures/kong_defaults.conf', import.meta.url).pathname;

function confFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

test("Kong's syntax: key = value, # comments, \\# kept, continued lines, the last of a key wins", () => {
  const conf = parseKongConf([
    '# a comment',
    '   ; another',
    '',
    'log_level = debug   # trailing comment',
    'headers=off',
    'proxy-listen = 0.0.0.0:1 \\',
    '  ssl',
    'real_ip_header = X-Real\\#IP',
    'trusted_ips =',
    'log_level = warn',
    'just words',
    '[section]',
  ].join('\n'), 'k.conf');
  assert.deepEqual(Object.fromEntries([...conf.entries].map(([k, e]) => [k, e])), {
    log_level: { value: 'warn', at: 'k.conf:10' },
    headers: { value: 'off', at: 'k.conf:5' },
    proxy_listen: { value: '0.0.0.0:1   ssl', at: 'k.conf:6' },
    real_ip_header: { value: 'X-Real#IP', at: 'k.conf:8' },
    trusted_ips: { value: '', at: 'k.conf:9' },
  });
  assert.deepEqual(conf.warnings, [
    "k.conf:11: 'just words' is not 'key = value'; the line is ignored, as Kong ignores it",
    "k.conf:12: '[section]': kong.conf has no sections; the line is ignored, as Kong ignores it",
  ]);
});

test('--conf sets the same settings; KONG_* and GATEWAY_* win over it, flags over all', () => {
  const file = confFile('a.conf', 'proxy_listen = 127.0.0.1:1\nadmin_listen = off\nlog_level = notice\ndeclarative_config = /conf/kong.yaml\nnginx_worker_processes = 2\n');
  const s = resolveSettings({ conf: file }, {});
  assert.deepEqual([s.proxyListen[0]!.port, s.adminListen, s.logLevel, s.configPath, s.workers], [1, [], 'info', '/conf/kong.yaml', 2]);
  assert.equal(resolveSettings({}, { GATEWAY_CONF: file }).proxyListen[0]!.port, 1);
  assert.equal(resolveSettings({ conf: file }, { KONG_PROXY_LISTEN: '127.0.0.1:2' }).proxyListen[0]!.port, 2);
  assert.equal(resolveSettings({ conf: file }, { KONG_PROXY_LISTEN: '127.0.0.1:2', GATEWAY_PROXY_LISTEN: '127.0.0.1:3' }).proxyListen[0]!.port, 3);
  assert.equal(resolveSettings({ conf: file, proxyListen: '127.0.0.1:4' }, { KONG_PROXY_LISTEN: '127.0.0.1:2' }).proxyListen[0]!.port, 4);
});

test('a bad value names FILE:LINE and the key; an unknown key and a key with no effect are warned about with FILE:LINE', () => {
  const bad = confFile('bad.conf', '# settings\nproxy_listen = nowhere\n');
  assert.throws(() => resolveSettings({ conf: bad }, {}), { message: `${bad}:2: proxy_listen: expected ADDR:PORT [ssl] [flags], got 'nowhere'` });
  const db = confFile('db.conf', '\n\ndatabase = postgres\n');
  assert.throws(() => resolveSettings({ conf: db }, {}), { message: `${db}:3: database: 'postgres' is not supported (this gateway is DB-less: only off)` });
  assert.doesNotThrow(() => resolveSettings({ conf: db }, { KONG_DATABASE: 'off' }), 'the environment wins over the file, for refusals too');
  const odd = confFile('odd.conf', 'proxy_listn = 0.0.0.0:1\nprefix = /kong\ndatabase = off\n');
  assert.deepEqual(resolveSettings({ conf: odd }, {}).warnings, [
    `${odd}:1: proxy_listn: ignored (not a setting of Kong 3.10)`,
    `${odd}:2: prefix: no effect here (there is no nginx or OpenResty here)`,
  ]);
  assert.throws(() => resolveSettings({ conf: join(dir, 'missing.conf') }, {}), /--conf: cannot read .*missing\.conf: ENOENT/);
});

test("Kong's own defaults file: every key is known here; as a whole it is refused for database = postgres", () => {
  assert.throws(() => resolveSettings({ conf: KONG_DEFAULTS }, {}), /kong_defaults\.conf:\d+: database: 'postgres' is not supported/);
  const s = resolveSettings({ conf: KONG_DEFAULTS }, { KONG_DATABASE: 'off' });
  // Kong's defaults where they differ from what happens here: each warned about, the rest silent.
  assert.deepEqual(s.warnings.map((w) => w.slice(KONG_DEFAULTS.length)), [
    ":6: proxy_stream_access_log: no effect here (no access log is written here)",
    ":8: admin_access_log: no effect here (no access log is written here)",
    ":30: admin_gui_listen: no effect here (there is no Kong Manager here)",
    ":82: nginx_daemon: no effect here (the gateway runs in the foreground)",
    ":83: nginx_main_daemon: no effect here (the gateway runs in the foreground)",
    ":27: proxy_listen: 'http2' in '0.0.0.0:8443 http2 ssl reuseport backlog=16384' has no effect here (HTTP/2 is not served here: clients get HTTP/1.1 (ALPN offers only http/1.1))",
    ":29: admin_listen: 'http2' in '127.0.0.1:8444 http2 ssl reuseport backlog=16384' has no effect here (HTTP/2 is not served here: clients get HTTP/1.1 (ALPN offers only http/1.1))",
  ], "Kong's defaults where they differ from what happens here; every other key is silent");
  assert.ok(s.warnings.every((w) => !w.includes('not a setting of Kong')), s.warnings.join('\n'));
  assert.deepEqual(s.proxyListen.map((l) => `${l.host}:${l.port}${l.ssl ? ' ssl' : ''}`), ['0.0.0.0:8000', '0.0.0.0:8443 ssl']);
  assert.deepEqual(s.adminListen.map((l) => `${l.host}:${l.port}${l.ssl ? ' ssl' : ''}`), ['127.0.0.1:8001', '127.0.0.1:8444 ssl']);
  assert.deepEqual(s.statusListen.map((l) => `${l.host}:${l.port}`), ['127.0.0.1:8007'], "Kong 3.10's status_listen default");
  assert.equal(s.logLevel, 'info', "Kong's notice");
  assert.ok(s.sslCertificate?.selfSigned && s.adminSslCertificate === s.sslCertificate && s.statusSslCertificate === undefined);
  assert.ok(readFileSync(KONG_DEFAULTS, 'utf8').includes('database = postgres'));
});

test("the table of Kong's keys: aliases name settings that exist; no key is both a twin and in the table, except those a twin takes over", () => {
  const twins = new Set(Object.values(SETTING_SPECS).flatMap((s: SettingSpec) => (s.kongEnv ? [s.kongEnv.slice(5).toLowerCase()] : [])));
  for (const [key, rule] of KONG_KEYS_TABLE) {
    if (rule.kind === 'alias') assert.ok(rule.setting in SETTING_SPECS, key);
    else assert.ok(rule.why.length > 0, key);
  }
  // proxy_access_log and stream_listen are no-effect keys until their settings exist; a twin wins over the table.
  const both = [...KONG_KEYS_TABLE.keys()].filter((k) => twins.has(k) && k !== 'proxy_access_log' && k !== 'stream_listen');
  assert.deepEqual(both, []);
});

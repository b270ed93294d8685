// syslog end to end: Kong's severity rules (5xx, 4xx, the rest; sent only when at least as severe as log_level)
// and the message syslog(3) would write after Kong's openlog("kong", LOG_PID, facility), over UDP to
// --syslog-address (here a receiver on loopback; by default 127.0.0.1:514).
// Ported from Kong's spec/03-plugins/05-syslog/01-log_spec.lua, which reads the host's syslog files (its gRPC
// cases need a gRPC upstream; custom_fields_by_lua is refused: see test/plugins/custom-fields-by-lua.test.ts).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { startTestGateway, startUpstream } from '../helpers/servers.ts';
import { startUdpReceiver } from '../helpers/log-receivers.ts';
import { resolveSettings } from '../../src/settings/settings.ts';
import { syslogMessage, timestamp } from '../../src/plugins/bundled/syslog/message.ts';

const upstream = await startUpstream();
const receiver = await startUdpReceiver();
const severities = (level: string, ok = 'warning', client = 'warning', server = 'warning') =>
  `{ log_level: ${level}, successful_severity: ${ok}, client_errors_severity: ${client}, server_errors_severity: ${server} }`;
const gw = await startTestGateway(`_format_version: "3.0"
services:
- name: s
  url: http://127.0.0.1:${upstream.port}
  routes:
  - { name: r1, hosts: [logging.test], plugins: [{ name: syslog, config: ${severities('info')} }] }
  - { name: r2, hosts: [logging2.test], plugins: [{ name: syslog, config: ${severities('err')} }] }
  - { name: r3, hosts: [logging3.test], plugins: [{ name: syslog, config: ${severities('warning')} }] }
  - name: by-class
    hosts: [classes.test]
    plugins:
    - { name: syslog, config: { log_level: debug, successful_severity: info, client_errors_severity: warning, server_errors_severity: crit, facility: local0 } }
  - name: not-found
    hosts: [not-found.test]
    plugins:
    - { name: syslog, config: { log_level: debug, successful_severity: info, client_errors_severity: warning, server_errors_severity: crit, facility: local0 } }
    - { name: request-termination, config: { status_code: 404 } }
  - name: failing
    hosts: [failing.test]
    plugins:
    - { name: syslog, config: { log_level: debug, successful_severity: info, client_errors_severity: warning, server_errors_severity: crit, facility: local0 } }
    - { name: request-termination, config: { status_code: 500 } }
  - name: quiet-errors
    hosts: [quiet.test]
    plugins:
    - { name: syslog, config: { log_level: err, successful_severity: info, client_errors_severity: err, server_errors_severity: emerg } }
    - { name: request-termination, config: { status_code: 503 } }
`, { syslogAddress: `127.0.0.1:${receiver.port}` });
after(async () => {
  await gw.stop();
  await upstream.close();
  await receiver.close();
});

const send = async (host: string) => {
  const id = randomUUID();
  const r = await request(`${gw.url}/request`, { headers: { host, sys_log_uuid: id } });
  await r.body.dump();
  return { status: r.statusCode, id };
};
const MESSAGE = /^<(\d+)>([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) (\S+) kong\[(\d+)\]: (\{.*\})$/;
const parse = (datagram: string) => {
  const m = MESSAGE.exec(datagram);
  assert.ok(m, datagram);
  return { pri: Number(m[1]), host: m[3], pid: Number(m[4]), record: JSON.parse(m[5]!) as { request: { headers: Record<string, string> }; response: { status: number } } };
};
const uuidOf = (datagram: string) => parse(datagram).record.request.headers.sys_log_uuid;

test('spec/03-plugins/05-syslog/01-log_spec.lua:264 logs to syslog if log_level is lower', { timeout: 10_000 }, async () => {
  const { status, id } = await send('logging.test');
  assert.equal(status, 200);
  const [datagram] = await receiver.next();
  const message = parse(datagram!);
  assert.equal(uuidOf(datagram!), id);
  // facility user (1) * 8 + warning (4)
  assert.equal(message.pri, 12);
  assert.equal(message.pid, process.pid);
  assert.equal(message.host, hostname().split('.')[0]);
});

test('spec/03-plugins/05-syslog/01-log_spec.lua:267 does not log to syslog if log_level is higher', { timeout: 10_000 }, async () => {
  const skipped = await send('logging2.test');
  assert.equal(skipped.status, 200);
  // Datagrams of one socket on loopback arrive in order: the next one is the following request's.
  const logged = await send('logging3.test');
  const [datagram] = await receiver.next();
  assert.equal(uuidOf(datagram!), logged.id);
});

test('spec/03-plugins/05-syslog/01-log_spec.lua:270 logs to syslog if log_level is the same', { timeout: 10_000 }, async () => {
  const { id } = await send('logging3.test');
  assert.equal(uuidOf((await receiver.next())[0]!), id);
});

test('severity by status class, as Kong: 1xx-3xx successful, 4xx client errors, 5xx server errors', { timeout: 10_000 }, async () => {
  const ok = await send('classes.test');
  const notFound = await send('not-found.test');
  const failing = await send('failing.test');
  assert.deepEqual([ok.status, notFound.status, failing.status], [200, 404, 500]);
  const messages = (await receiver.next(3)).map(parse);
  // local0 (16) * 8 + info 6, warning 4, crit 2
  assert.deepEqual(messages.map((m) => [m.pri, m.record.response.status]), [[134, 200], [132, 404], [130, 500]]);
});

test('log_level err: a 5xx at emerg is sent (more severe than err)', { timeout: 10_000 }, async () => {
  const quiet = await send('quiet.test');
  assert.equal(quiet.status, 503);
  const [datagram] = await receiver.next();
  // user (1) * 8 + emerg (0)
  assert.equal(parse(datagram!).pri, 8);
  assert.equal(uuidOf(datagram!), quiet.id);
});

test("RFC 3164's timestamp: the day padded with a space, local time", () => {
  assert.equal(timestamp(new Date(2026, 11, 4, 9, 5, 7)), 'Dec  4 09:05:07');
  assert.equal(timestamp(new Date(2026, 0, 31, 23, 59, 59)), 'Jan 31 23:59:59');
  assert.match(syslogMessage('local7', 'debug', '{}', new Date(2026, 2, 1, 0, 0, 0)), /^<191>Mar {2}1 00:00:00 \S+ kong\[\d+\]: \{\}$/);
});

test('--syslog-address: HOST:PORT, GATEWAY_SYSLOG_ADDRESS, default 127.0.0.1:514', () => {
  assert.deepEqual(resolveSettings({}, {}).syslogAddress, { host: '127.0.0.1', port: 514 });
  assert.deepEqual(resolveSettings({}, { GATEWAY_SYSLOG_ADDRESS: 'logs.internal:5514' }).syslogAddress, { host: 'logs.internal', port: 5514 });
  assert.deepEqual(resolveSettings({ syslogAddress: '[::1]:514' }, { GATEWAY_SYSLOG_ADDRESS: 'x:1' }).syslogAddress, { host: '::1', port: 514 });
  for (const bad of ['localhost', '127.0.0.1:0', '127.0.0.1:70000', '/dev/log']) {
    assert.throws(() => resolveSettings({ syslogAddress: bad }, {}), /--syslog-address: expected HOST:PORT/, bad);
  }
});

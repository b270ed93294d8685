// file-log end to end: one JSON line per request appended to a real file, Kong's reopen rule, open failures that
// cost the request nothing (counted on /metrics), and the file closed when no config names it.
// Ported from Kong's spec/03-plugins/04-file-log/01-log_spec.lua (its gRPC cases need a gRPC upstream; its
// permission case needs a non-root user; its custom_fields_by_lua cases are refused: see
// test/plugins/custom-fields-by-lua.test.ts).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import { request } from 'undici';
import { recordingLogger, startTestGateway, startUpstream } from '../helpers/servers.ts';
import { tempDir } from '../helpers/temp.ts';
import { dropCount, eventually } from '../helpers/log-receivers.ts';
import { logDropMetrics } from '../../src/plugins/bundled/log-drops.ts';

const dir = tempDir('file-log');
const LOG = join(dir, 'kong.log');
const OTHER = join(dir, 'other.log');
mkdirSync(join(dir, 'adir'));
const FIFO = join(dir, 'fifo');
execFileSync('mkfifo', [FIFO]);

const upstream = await startUpstream();
const recorder = recordingLogger('warn');
const config = (extra = '') => `_format_version: "3.0"
services:
- name: s
  url: http://127.0.0.1:${upstream.port}
  routes:
  - { name: reopen, hosts: [file_logging.test], plugins: [{ name: file-log, config: { path: "${LOG}", reopen: true } }] }
  - { name: no-dir, hosts: [file_logging2.test], plugins: [{ name: file-log, config: { path: "${dir}/missing/file", reopen: true } }] }
  - { name: a-dir, hosts: [file_logging3.test], plugins: [{ name: file-log, config: { path: "${dir}/adir/", reopen: true } }] }
  - { name: keep, hosts: [file_logging4.test], plugins: [{ name: file-log, config: { path: "${LOG}", reopen: false } }] }
  - { name: dev-null, hosts: [file_logging6.test], plugins: [{ name: file-log, config: { path: /dev/null, reopen: true } }] }
  - { name: fifo, hosts: [fifo.test], plugins: [{ name: file-log, config: { path: "${FIFO}", reopen: false } }] }
${extra}`;
const gw = await startTestGateway(config(`  - { name: other, hosts: [other.test], plugins: [{ name: file-log, config: { path: "${OTHER}" } }] }\n`), {}, recorder.log);
after(async () => {
  await gw.stop();
  await upstream.close();
});

const send = async (host: string, id = randomUUID()) => {
  const r = await request(`${gw.url}/status/200`, { headers: { host, 'file-log-uuid': id } });
  await r.body.dump();
  return { status: r.statusCode, id };
};
const lines = (path: string): Record<string, unknown>[] =>
  existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>) : [];
const uuidOf = (entry: Record<string, unknown>) => ((entry.request as { headers: Record<string, unknown> }).headers['file-log-uuid']);
/** Waits until the file holds a line of request `id`. */
const logged = (path: string, id: string) => eventually(() => lines(path).find((l) => uuidOf(l) === id));
const openFds = () => readdirSync('/proc/self/fd').map((fd) => {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return '';
  }
});

test('spec/03-plugins/04-file-log/01-log_spec.lua:311 logs to file', { timeout: 10_000 }, async () => {
  rmSync(LOG, { force: true });
  const { status, id } = await send('file_logging.test');
  assert.equal(status, 200);
  const entry = await logged(LOG, id);
  assert.equal(entry.client_ip, '127.0.0.1');
  assert.equal(typeof (entry.request as { size: unknown }).size, 'number');
  assert.equal(typeof (entry.response as { size: unknown }).size, 'number');
  // One JSON document per line, ending with a newline, as Kong's cjson.encode(message) .. "\n".
  assert.match(readFileSync(LOG, 'utf8'), /^\{.*\}\n$/);
});

test('spec/03-plugins/04-file-log/01-log_spec.lua:447 reopens file on each request', { timeout: 10_000 }, async () => {
  rmSync(LOG, { force: true });
  const first = await send('file_logging.test');
  await logged(LOG, first.id);
  rmSync(LOG); // as logrotate moves it away
  const second = await send('file_logging.test');
  const third = await send('file_logging.test');
  await logged(LOG, third.id);
  const ids = lines(LOG).map(uuidOf);
  assert.deepEqual(ids, [second.id, third.id]);
});

test('spec/03-plugins/04-file-log/01-log_spec.lua:536 logs are lost if reopen = false and the file was removed', { timeout: 10_000 }, async () => {
  rmSync(LOG, { force: true });
  const opened = await send('file_logging.test');
  await logged(LOG, opened.id);
  rmSync(LOG);
  // The fd the reopen line left open is kept: this line goes to the removed file, as in Kong.
  const lost = await send('file_logging4.test');
  assert.equal(lost.status, 200);
  // Lines of one path are written in order: once the next reopen line is there, the lost one was written.
  const next = await send('file_logging.test');
  await logged(LOG, next.id);
  assert.deepEqual(lines(LOG).map(uuidOf), [next.id]);
});

test('reopen: false keeps one fd per path and appends to it', { timeout: 10_000 }, async () => {
  const a = await send('other.test');
  const b = await send('other.test');
  await logged(OTHER, b.id);
  assert.deepEqual(lines(OTHER).map(uuidOf), [a.id, b.id]);
  assert.equal(openFds().filter((p) => p === OTHER).length, 1);
});

test('spec/03-plugins/04-file-log/01-log_spec.lua:496 does not create log file if directory does not exist', { timeout: 10_000 }, async () => {
  const before = await dropCount(gw.admin, 'file-log', 'open_failed');
  const { status } = await send('file_logging2.test');
  assert.equal(status, 200);
  await eventually(async () => ((await dropCount(gw.admin, 'file-log', 'open_failed')) > before ? true : undefined));
  assert.equal(existsSync(join(dir, 'missing')), false);
  // The first drop is logged (then at most once a minute), with Kong's words.
  const warning = recorder.lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('failed to open the file: '));
  assert.ok(warning, JSON.stringify(recorder.lines));
  assert.match(String(warning.msg), /ENOENT: no such file or directory/);
  assert.equal(warning.plugin, 'file-log');
});

test('spec/03-plugins/04-file-log/01-log_spec.lua:516 the given path is not a file but a directory', { timeout: 10_000 }, async () => {
  const before = await dropCount(gw.admin, 'file-log', 'open_failed');
  const { status } = await send('file_logging3.test');
  assert.equal(status, 200);
  await eventually(async () => ((await dropCount(gw.admin, 'file-log', 'open_failed')) > before ? true : undefined));
});

test('a failing file costs the requests nothing: every one is answered, every line counted', { timeout: 10_000 }, async () => {
  const before = await dropCount(gw.admin, 'file-log', 'open_failed');
  const answers = await Promise.all(Array.from({ length: 20 }, () => send('file_logging2.test')));
  assert.deepEqual(answers.map((a) => a.status), Array(20).fill(200));
  await eventually(async () => ((await dropCount(gw.admin, 'file-log', 'open_failed')) >= before + 20 ? true : undefined));
});

test('a FIFO without a reader holds nothing: the line is counted; with one, it gets the lines', { timeout: 10_000 }, async () => {
  const before = await dropCount(gw.admin, 'file-log', 'open_failed');
  assert.equal((await send('fifo.test')).status, 200);
  await eventually(async () => ((await dropCount(gw.admin, 'file-log', 'open_failed')) > before ? true : undefined));
  // A reader (another process: opening a FIFO to read waits for a writer): the lines reach it once it is there.
  const reader = spawn('cat', [FIFO], { stdio: ['ignore', 'pipe', 'ignore'] });
  let read = '';
  reader.stdout.setEncoding('utf8').on('data', (chunk: string) => (read += chunk));
  try {
    const ids: string[] = [];
    await eventually(async () => {
      ids.push((await send('fifo.test')).id);
      return ids.some((id) => read.includes(id)) ? true : undefined;
    });
  } finally {
    reader.kill();
  }
});

test('the file is closed when no config names it any more', { timeout: 10_000 }, async () => {
  await send('other.test');
  await eventually(() => (openFds().includes(OTHER) ? true : undefined));
  const r = await request(`${gw.admin}/config`, { method: 'POST', headers: { 'content-type': 'text/yaml' }, body: config() });
  assert.equal(r.statusCode, 201, await r.body.text());
  await eventually(() => (openFds().includes(OTHER) ? undefined : true));
});

test('spec/03-plugins/04-file-log/01-log_spec.lua:575 the given path is a character device file', { timeout: 10_000 }, async () => {
  const failed = async () => (await dropCount(gw.admin, 'file-log', 'open_failed')) + (await dropCount(gw.admin, 'file-log', 'write_failed'));
  const before = await failed();
  const { status } = await send('file_logging6.test');
  assert.equal(status, 200);
  // Stopping waits for the queued lines: by then /dev/null took the line without an error.
  await gw.stop();
  assert.equal(failedAfterStop(), before);
  function failedAfterStop() {
    const count = (reason: string) => Number(logDropMetrics().split('\n').find((l) => l.startsWith(`gateway_log_entries_dropped_total{plugin="file-log",reason="${reason}"} `))?.split(' ').pop() ?? 0);
    return count('open_failed') + count('write_failed');
  }
});

test('stopping closes every file', () => {
  assert.equal(openFds().filter((p) => p.startsWith(dir)).length, 0);
});

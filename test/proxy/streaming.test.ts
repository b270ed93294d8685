// 200 MB through a gateway process in both directions without its memory growing: bodies are streamed with
// backpressure, never held. Measured on the gateway process alone (peak RSS from /proc), not on the test's.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { startUpstream, type Echo } from '../helpers/servers.ts';
import { tempDir } from '../helpers/temp.ts';

const TOTAL = 200 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 7);
// Holding a body would grow the process by 200 MB or more. Streaming, it still grows some: V8 collects the
// sockets' spent 64 KB buffers in steps as its heap grows (measured here: ~20 MB downloading, 44 to 65 MB
// uploading 200 MB, ~70 MB uploading 600 MB: sub-linear, not proportional to the body). The bound leaves room
// for that variance and none for a held body.
const LIMIT_MB = 100;

function chunks(total: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= total) return this.push(null);
      sent += CHUNK.length;
      this.push(CHUNK);
    },
  });
}

const hasProc = existsSync('/proc/self/status');
const upload = await startUpstream();
const download = await startUpstream((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  chunks(TOTAL).pipe(res);
}, 'download');

const dir = tempDir('stream');
const file = join(dir, 'kong.yaml');
writeFileSync(file, `_format_version: "3.0"
services:
- { name: up, url: "http://127.0.0.1:${upload.port}", routes: [{ name: up, paths: [/up] }] }
- { name: down, url: "http://127.0.0.1:${download.port}", routes: [{ name: down, paths: [/down] }] }
`);
const child = spawn(process.execPath, [new URL('../../bin/gateway.js', import.meta.url).pathname, 'start', '-c', file, '--proxy-listen', '127.0.0.1:0', '--admin-listen', 'off'], { stdio: ['ignore', 'pipe', 'inherit'] });
const address = await new Promise<string>((resolve) => {
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    const line = out.split('\n').find((l) => l.includes('"gateway ready"'));
    if (line) resolve((JSON.parse(line) as { proxy_listen: string[] }).proxy_listen[0]!);
  });
});

after(async () => {
  child.kill('SIGTERM');
  await Promise.all([upload.close(), download.close()]);
});

/** The gateway's current and peak resident memory, in MB. */
function memory(): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)![1]) / 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

test('a 200 MB request body streams to the upstream intact; the gateway does not grow', { skip: hasProc ? false : 'needs /proc' }, async () => {
  // Warm up first, so the measurement is of streaming, not of the first request's code loading.
  await (await request(`http://${address}/up`, { method: 'POST', body: chunks(8 * 1024 * 1024) })).body.text();
  const before = memory().rss;
  const res = await request(`http://${address}/up`, { method: 'POST', body: chunks(TOTAL) });
  const echo = JSON.parse(await res.body.text()) as Echo;
  const grew = memory().peak - before;
  assert.equal(echo.bodyBytes, TOTAL);
  const expected = createHash('sha256');
  for (let i = 0; i < TOTAL / CHUNK.length; i++) expected.update(CHUNK);
  assert.equal(echo.bodySha256, expected.digest('hex'));
  assert.ok(grew < LIMIT_MB, `the gateway's peak RSS grew by ${grew.toFixed(1)} MB while 200 MB went through`);
});

test('a 200 MB response streams to the client; the gateway does not grow', { skip: hasProc ? false : 'needs /proc' }, async () => {
  const before = memory().rss;
  const res = await request(`http://${address}/down`);
  let received = 0;
  for await (const chunk of res.body) received += (chunk as Buffer).length;
  const grew = memory().peak - before;
  assert.equal(received, TOTAL);
  assert.ok(grew < LIMIT_MB, `the gateway's peak RSS grew by ${grew.toFixed(1)} MB while 200 MB went through`);
});

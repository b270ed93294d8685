// request-size-limiting: by Content-Length before anything is read (413, or 417 for Expect: 100-continue), 411
// when a length is required, and chunked bodies counted as they stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { startRoutes, type Echo } from '../helpers/servers.ts';

const { gw } = await startRoutes(`  - { name: kb, paths: [/kb], plugins: [{ name: request-size-limiting, config: { allowed_payload_size: 64, size_unit: kilobytes } }] }
  - { name: strict, paths: [/strict], plugins: [{ name: request-size-limiting, config: { allowed_payload_size: 1, require_content_length: true } }] }
`);

const chunked = (bytes: number) => Readable.from((function* () {
  for (let sent = 0; sent < bytes; sent += 16 * 1024) yield Buffer.alloc(Math.min(16 * 1024, bytes - sent), 1);
})());

test('a body within the limit passes whole', async () => {
  const res = await request(`${gw.url}/kb`, { method: 'POST', body: Buffer.alloc(64 * 1024, 1) });
  assert.equal(res.statusCode, 200);
  assert.equal(((await res.body.json()) as Echo).bodyBytes, 64 * 1024);
});

test("Content-Length over the limit: Kong's 413, or 417 when the client expects 100-continue", async () => {
  const res = await request(`${gw.url}/kb`, { method: 'POST', body: Buffer.alloc(64 * 1024 + 1, 1) });
  assert.equal(res.statusCode, 413);
  assert.equal(((await res.body.json()) as { message: string }).message, 'Request size limit exceeded');
  // A client that sends Expect: 100-continue waits before sending the body: the answer comes first.
  const status = await new Promise<number>((resolve, reject) => {
    const req = httpRequest(`${gw.url}/kb`, { method: 'POST', headers: { 'content-length': String(100 * 1024), expect: '100-continue' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.on('continue', () => req.end(Buffer.alloc(100 * 1024)));
  });
  assert.equal(status, 417);
});

test('a chunked body is counted as it streams: within the limit it passes, past it 413', async () => {
  const ok = await request(`${gw.url}/kb`, { method: 'POST', body: chunked(60 * 1024) });
  assert.equal(ok.statusCode, 200);
  assert.equal(((await ok.body.json()) as Echo).bodyBytes, 60 * 1024);
  const big = await request(`${gw.url}/kb`, { method: 'POST', body: chunked(1024 * 1024) });
  assert.equal(big.statusCode, 413);
  assert.equal(((await big.body.json()) as { message: string }).message, 'Request size limit exceeded');
});

test('require_content_length: a body without Content-Length and not chunked gets 411; a chunked one is counted, as in Kong', async () => {
  const res = await request(`${gw.url}/strict`, { method: 'GET' });
  assert.equal(res.statusCode, 411);
  assert.equal(((await res.body.json()) as { message: string }).message, 'A valid Content-Length header is required');
  const small = await request(`${gw.url}/strict`, { method: 'POST', body: chunked(10) });
  assert.equal(small.statusCode, 200);
  await small.body.dump();
  const big = await request(`${gw.url}/strict`, { method: 'POST', body: chunked(2 * 1024 * 1024) });
  assert.equal(big.statusCode, 413);
  await big.body.dump();
});

// http-log's queues across the gateway's life: a reload that keeps the config keeps the queue and what waits in
// it (Kong's queues live by name); stopping the gateway sends what is left at once; a log server that does not
// answer in time is a logged failure.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { request } from 'undici';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { recordingLogger, startTestGateway, startUpstream } from '../helpers/servers.ts';
import { startLogReceiver } from '../helpers/log-receiver.ts';

const upstream = await startUpstream();
const rx = await startLogReceiver();
after(async () => {
  await upstream.close();
  await rx.close();
});

const config = (path: string, headers = '{ x-n: "1" }') => `_format_version: "3.0"
services:
- name: s
  url: http://127.0.0.1:${upstream.port}
  routes:
  - name: r
    paths: [/]
    plugins: [{ name: http-log, config: { http_endpoint: "http://127.0.0.1:${rx.port}${path}", headers: ${headers}, queue: { max_batch_size: 3, max_coalescing_delay: 3600 } } }]
`;

async function get(url: string) {
  const res = await request(url);
  await res.body.dump();
  return res.statusCode;
}

test('a reload that keeps the queue name keeps the queue: entries before and after it go in one batch, with the latest config', async () => {
  const gw = await startTestGateway(config('/reload'));
  try {
    assert.equal(await get(`${gw.url}/before`), 200);
    // Same endpoint and log server parameters, other headers: the same queue (Kong's name leaves headers out).
    writeFileSync(gw.file, config('/reload', '{ x-n: "2" }'));
    assert.equal((await gw.gateway.reload('test')).result, 'applied');
    assert.equal(await get(`${gw.url}/after`), 200);
    assert.equal(await get(`${gw.url}/third`), 200);
    const [got] = await rx.waitFor(1);
    assert.equal(got!.url, '/reload');
    assert.deepEqual((got!.json as { request: { uri: string } }[]).map((e) => e.request.uri), ['/before', '/after', '/third']);
    assert.equal(got!.headers['x-n'], '2');
  } finally {
    await gw.stop();
  }
});

test('stopping the gateway sends what waits in the queues (configure(null) flushes them)', async () => {
  const gw = await startTestGateway(config('/shutdown'));
  const before = rx.received.length;
  assert.equal(await get(`${gw.url}/one`), 200);
  assert.equal(await get(`${gw.url}/two`), 200);
  assert.equal(rx.received.length, before, 'a batch of 3 waits an hour to fill');
  await gw.stop();
  const got = rx.received.slice(before);
  assert.equal(got.length, 1);
  assert.deepEqual((got[0]!.json as { request: { uri: string } }[]).map((e) => e.request.uri), ['/one', '/two']);
});

test('spec/03-plugins/03-http-log/01-log_spec.lua:520 gracefully handles layer 4 failures: a timeout is logged, the request is answered', async () => {
  const silent = createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as AddressInfo).port;
  const { log, lines } = recordingLogger('warn');
  const gw = await startTestGateway(`_format_version: "3.0"
services:
- name: s
  url: http://127.0.0.1:${upstream.port}
  routes:
  - name: r
    paths: [/]
    plugins: [{ name: http-log, config: { http_endpoint: "http://127.0.0.1:${port}/delay/5", timeout: 50, queue: { max_retry_time: 0 } } }]
`, {}, log);
  try {
    assert.equal(await get(`${gw.url}/status/200`), 200);
    const deadline = Date.now() + 10_000;
    const wanted = `handler could not process entries: failed request to 127.0.0.1:${port}: timeout`;
    while (!lines.some((l) => String(l.msg).includes(wanted)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.ok(lines.some((l) => String(l.msg).includes(wanted) && l.level === 40), JSON.stringify(lines));
  } finally {
    await gw.stop();
    silent.closeAllConnections();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  }
});

test("a log server's error answer fails the batch (logged with the start of its body, however large), and the batch is sent again", async () => {
  let calls = 0;
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (++calls === 1) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`broken ${'x'.repeat(8 * 1024 * 1024)}`);
        return;
      }
      bodies.push(Buffer.concat(chunks).toString());
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const { log, lines } = recordingLogger('warn');
  const gw = await startTestGateway(`_format_version: "3.0"
services:
- name: s
  url: http://127.0.0.1:${upstream.port}
  routes:
  - name: r
    paths: [/]
    plugins: [{ name: http-log, config: { http_endpoint: "http://127.0.0.1:${port}/log", queue: { initial_retry_delay: 0.01 } } }]
`, {}, log);
  try {
    assert.equal(await get(`${gw.url}/again`), 200);
    const deadline = Date.now() + 10_000;
    while (bodies.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal((JSON.parse(bodies[0]!) as { request: { uri: string } }).request.uri, '/again');
    const line = lines.find((l) => String(l.msg).includes(`request to 127.0.0.1:${port} returned status code 500 and body broken xxx`));
    assert.ok(line, JSON.stringify(lines).slice(0, 2000));
    assert.ok(String(line.msg).length < 2000);
  } finally {
    await gw.stop();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

// A WebSocket handshake whose upstream accepts the connection and never answers: the wait ends at the
// service's read_timeout (504), and a gateway stopping meanwhile still stops.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { raw, statuses } from '../helpers/raw.ts';
import { recordingLogger, startTestGateway } from '../helpers/servers.ts';

const sockets = new Set<Socket>();
const silent = createServer((s) => {
  sockets.add(s);
  s.on('error', () => undefined);
});
await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => silent.close(() => r()));
});
const config = `_format_version: "3.0"\nservices:\n- name: s\n  url: http://127.0.0.1:${(silent.address() as AddressInfo).port}\n  read_timeout: 300\n  routes: [{ name: r, paths: [/] }]\n`;
const handshake = 'GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';

test("a handshake the upstream never answers gets Kong's 504 after read_timeout", async () => {
  const gw = await startTestGateway(config);
  try {
    const r = await raw(gw.port, handshake, { waitMs: 3000, until: (t) => statuses(t).length > 0 });
    assert.deepEqual(statuses(r.text), [504]);
  } finally {
    await gw.stop();
  }
});

test('stopping while a handshake waits for its upstream: the gateway stops within the drain timeout', async () => {
  const { log, lines } = recordingLogger();
  const gw = await startTestGateway(config.replace('read_timeout: 300', 'read_timeout: 60000'), { drainTimeout: '0.3' }, log);
  const pending = raw(gw.port, handshake, { waitMs: 5000 });
  await new Promise((r) => setTimeout(r, 100));
  const started = performance.now();
  await gw.stop();
  assert.ok(performance.now() - started < 3000, 'stopped');
  assert.ok((await pending).closed);
  assert.equal(lines.filter((l) => (l.level as number) >= 50).length, 0, 'nothing logged as an error');
});

test('a handshake answered with an ordinary answer whose body stalls: cut after read_timeout, as any answer', async () => {
  // Not a 101: 200 with a part of its body, then nothing.
  const stalling = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.once('data', () => s.write('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 100\r\n\r\n0123456789'));
  });
  await new Promise<void>((r) => stalling.listen(0, '127.0.0.1', r));
  const gw = await startTestGateway(config.replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${(stalling.address() as AddressInfo).port}`));
  try {
    const r = await raw(gw.port, handshake, { waitMs: 3000 });
    assert.deepEqual(statuses(r.text), [200]);
    assert.match(r.text, /0123456789$/);
    assert.ok(r.closed, 'the answer is cut (the connection closed) instead of waiting forever');
  } finally {
    await gw.stop();
    await new Promise<void>((r) => stalling.close(() => r()));
  }
});

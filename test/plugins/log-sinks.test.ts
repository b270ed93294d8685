// The bounds of the logging plugins' writers: what waits for a slow receiver is bounded, the rest is counted as
// dropped (the request never waits). Deterministic: the records are queued in one tick, before any I/O completes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { FileSink } from '../../src/plugins/bundled/file-log/file-sink.ts';
import { TcpSender } from '../../src/plugins/bundled/tcp-log/tcp-sender.ts';
import { UdpSender } from '../../src/plugins/bundled/udp-sender.ts';
import { createSocket } from 'node:dgram';
import { MAX_QUEUED_RECORDS } from '../../src/plugins/bundled/log-sink.ts';
import { logDropMetrics } from '../../src/plugins/bundled/log-drops.ts';
import { tempDir } from '../helpers/temp.ts';

const dropped = (plugin: string, reason: string) =>
  Number(logDropMetrics().split('\n').find((l) => l.startsWith(`gateway_log_entries_dropped_total{plugin="${plugin}",reason="${reason}"} `))?.split(' ').pop() ?? 0);
const warnings: string[] = [];
const log = { warn: (message: string) => void warnings.push(message) };

test('file-log: past the bound, lines are dropped and counted; what was queued is written in order', async () => {
  const path = join(tempDir('file-sink'), 'bound.log');
  const sink = new FileSink(path, () => undefined);
  const before = dropped('file-log', 'queue_full');
  // Lines of one tick wait for its end: the queue holds MAX_QUEUED_RECORDS.
  for (let i = 0; i < MAX_QUEUED_RECORDS + 3; i++) sink.append(`${i}\n`, false, log);
  assert.equal(dropped('file-log', 'queue_full'), before + 3);
  await sink.drained();
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');
  assert.equal(lines.length, MAX_QUEUED_RECORDS);
  assert.deepEqual(lines.slice(0, 3), ['0', '1', '2']);
  assert.equal(lines.at(-1), String(MAX_QUEUED_RECORDS - 1));
  sink.release();
});

test('tcp-log: records waiting for a connection are bounded, the rest counted; then they are sent in order', { timeout: 20_000 }, async () => {
  let received = '';
  const server = createServer((s) => s.on('data', (d) => (received += d.toString())));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sender = new TcpSender({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, timeout: 10_000, keepalive: 60_000, tls: false });
  const before = dropped('tcp-log', 'queue_full');
  for (let i = 0; i < MAX_QUEUED_RECORDS + 5; i++) sender.send(`${i}\n`, log);
  assert.equal(dropped('tcp-log', 'queue_full'), before + 5);
  await sender.drained();
  const expected = Array.from({ length: MAX_QUEUED_RECORDS }, (_, i) => `${i}\n`).join('');
  while (received.length < expected.length) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(received, expected);
  sender.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

test('udp-log: a record larger than a datagram is counted as too_large; the next one is sent', { timeout: 10_000 }, async () => {
  const receiver = createSocket('udp4');
  const got = new Promise<string>((resolve) => receiver.once('message', (m) => resolve(m.toString())));
  await new Promise<void>((resolve) => receiver.bind(0, '127.0.0.1', resolve));
  const sender = new UdpSender('udp-log', '127.0.0.1', receiver.address().port, 10_000);
  const before = dropped('udp-log', 'too_large');
  sender.send(Buffer.alloc(70_000, 'a'), log);
  sender.send(Buffer.from('{"small":true}'), log);
  assert.equal(await got, '{"small":true}');
  assert.equal(dropped('udp-log', 'too_large'), before + 1);
  sender.close();
  receiver.close();
});

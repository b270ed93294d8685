// Kong's queue (kong/tools/queue.lua) as the logging plugins use it: spec/01-unit/27-queue_spec.lua's cases,
// with shorter delays where Kong's spec waits seconds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enqueue, queueExists, queueFor, type BatchHandler, type QueueParams } from '../../src/plugins/bundled/log-queue.ts';
import { logDropMetrics } from '../../src/plugins/bundled/log-drops.ts';
import httpLog from '../../src/plugins/bundled/http-log/handler.ts';

const DEFAULTS: QueueParams = {
  max_batch_size: 1, max_coalescing_delay: 1, max_entries: 10000, max_bytes: null, max_retry_time: 60,
  initial_retry_delay: 0.01, max_retry_delay: 60, concurrency_limit: 1,
};

let lines: string[] = [];
const log = {
  debug: (m: string) => lines.push(`DEBUG ${m}`),
  warn: (m: string) => lines.push(`WARN ${m}`),
  error: (m: string) => lines.push(`ERR ${m}`),
};

let queueNumber = 0;
/** Kong's spec helper: a queue config with the schema's defaults, and a fresh name. */
function queued<C, E>(params: Partial<QueueParams>, handler: BatchHandler<C, E>, name = `test-${++queueNumber}`) {
  const binding = { name, plugin: 'queue-test', tag: 'queue-test', params: { ...DEFAULTS, ...params }, handler, conf: undefined as C, sizeOf: (e: E) => (typeof e === 'string' ? Buffer.byteLength(e) : undefined) };
  let q = queueFor(binding, log);
  return {
    name,
    push(entry: E, conf?: C) {
      if (q.dead) q = queueFor(binding, log);
      return enqueue(q, conf as C, entry, log);
    },
    get queue() {
      return q;
    },
  };
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}
/** Entries the queue tests' plugin dropped so far, for a reason (the counter behind /metrics). */
function dropped(reason: string): number {
  const m = new RegExp(`^gateway_log_entries_dropped_total\\{plugin="queue-test",reason="${reason}"\\} (\\d+)$`, 'm').exec(logDropMetrics());
  return m ? Number(m[1]) : 0;
}
const done = (name: string) => until(() => !queueExists(name));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('spec/01-unit/27-queue_spec.lua:105 passes configuration to handler', async () => {
  let received: unknown;
  const conf = { foo: 'bar' };
  const q = queued<typeof conf, string>({}, async (c) => {
    received = c;
  });
  q.push('ENTRY', conf);
  await done(q.name);
  assert.equal(received, conf);
});

test('spec/01-unit/27-queue_spec.lua:153 configuration changes are observed for older entries', async () => {
  let received: unknown;
  let count = 0;
  const q = queued<{ foo: string }, string>({ max_batch_size: 10, max_coalescing_delay: 0.1 }, async (c, entries) => {
    received = c;
    count = entries.length;
  });
  const first = { foo: 'bar' };
  const second = { foo: 'bar' };
  q.push('ENTRY1', first);
  q.push('ENTRY2', second);
  await done(q.name);
  assert.equal(received, second);
  assert.equal(count, 2);
});

test('spec/01-unit/27-queue_spec.lua:190 does not batch messages when max_batch_size is 1', async () => {
  let calls = 0;
  const q = queued<undefined, string>({ max_batch_size: 1 }, async () => {
    calls++;
  });
  q.push('One');
  q.push('Two');
  await done(q.name);
  assert.equal(calls, 2);
});

for (const [line, shutdown] of [[209, false], [240, true]] as const) {
  test(`spec/01-unit/27-queue_spec.lua:${line} batches messages when max_batch_size is 2${shutdown ? ' (during shutdown)' : ''}`, async () => {
    const batches: string[][] = [];
    const q = queued<undefined, string>({ max_batch_size: 2, max_coalescing_delay: shutdown ? 3600 : 0.1 }, async (_c, batch) => {
      batches.push(batch);
    });
    for (const e of ['One', 'Two', 'Three', 'Four', 'Five']) q.push(e);
    if (shutdown) await q.queue.drain();
    await done(q.name);
    assert.deepEqual(batches, [['One', 'Two'], ['Three', 'Four'], ['Five']]);
  });
}

test('spec/01-unit/27-queue_spec.lua:274 observes the max_coalescing_delay parameter', async () => {
  const batches: string[][] = [];
  const q = queued<undefined, string>({ max_batch_size: 2, max_coalescing_delay: 0.5 }, async (_c, batch) => {
    batches.push(batch);
  });
  q.push('One');
  await sleep(100);
  q.push('Two');
  await done(q.name);
  assert.deepEqual(batches, [['One', 'Two']]);
});

test('spec/01-unit/27-queue_spec.lua:303 retries sending messages', async () => {
  let calls = 0;
  let entry: string | undefined;
  const q = queued<undefined, string>({ max_coalescing_delay: 0.1 }, async (_c, batch) => {
    entry = batch[0];
    if (++calls < 2) throw new Error('not yet');
  });
  q.push('Hello');
  await done(q.name);
  assert.equal(calls, 2);
  assert.equal(entry, 'Hello');
});

test('spec/01-unit/27-queue_spec.lua:325 gives up sending after retrying; the lost entries are counted', async () => {
  lines = [];
  const q = queued<undefined, string>({ max_retry_time: 0.1, max_coalescing_delay: 0.1 }, async () => {
    throw new Error('FAIL FAIL FAIL');
  });
  q.push('Hello');
  q.push('another value');
  await done(q.name);
  assert.ok(lines.some((l) => /^WARN .*handler could not process entries: FAIL FAIL FAIL/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /^WARN .*1 queue entries were lost/.test(l)), lines.join('\n'));
  assert.equal(dropped('send_failed'), 2);
});

test('spec/01-unit/27-queue_spec.lua:349 warns when queue reaches its capacity limit, once', async () => {
  lines = [];
  const capacity = 100;
  const q = queued<undefined, string>({ max_entries: capacity, max_coalescing_delay: 0.1, initial_retry_delay: 1000 }, async () => {
    throw new Error('down');
  });
  for (let i = 0; i < capacity * 0.8; i++) q.push('something');
  assert.ok(!lines.some((l) => /^WARN .*queue at \d*% capacity/.test(l)));
  q.push('something');
  q.push('something');
  assert.equal(lines.filter((l) => /^WARN .*queue at 80% capacity/.test(l)).length, 1);
  q.push('something');
  assert.equal(lines.filter((l) => /^WARN .*queue at 80% capacity/.test(l)).length, 1, 'the capacity warning is not logged more than once');
});

test('spec/01-unit/27-queue_spec.lua:382 drops entries when queue reaches its capacity', async () => {
  let processed: string[] = [];
  const q = queued<undefined, string>({ max_batch_size: 2, max_entries: 2, max_coalescing_delay: 0.1 }, async (_c, batch) => {
    processed = batch;
  });
  for (const e of ['One', 'Two', 'Three', 'Four', 'Five']) q.push(e);
  await done(q.name);
  assert.deepEqual(processed, ['Four', 'Five']);
  assert.match(logDropMetrics(), /^gateway_log_entries_dropped_total\{plugin="queue-test",reason="queue_full"\} [1-9]\d*$/m);
  q.push('Six');
  await done(q.name);
  assert.deepEqual(processed, ['Six']);
});

test('spec/01-unit/27-queue_spec.lua:415 queue does not fail for max batch size = max entries', async () => {
  let fail = true;
  const q = queued<undefined, string>({ max_batch_size: 2, max_entries: 2, max_coalescing_delay: 0.1 }, async () => {
    await sleep(100);
    if (fail) throw new Error('FAIL FAIL FAIL');
  });
  q.push('initial batch: 1');
  q.push('initial batch: 2');
  await sleep(20);
  q.push('fill up: 1');
  q.push('fill up: 2');
  fail = false;
  await done(q.name);
});

test('spec/01-unit/27-queue_spec.lua:450 drops entries when it reaches its max_bytes', async () => {
  lines = [];
  let processed: string[] = [];
  const q = queued<undefined, string>({ max_bytes: 6, max_retry_time: 1 }, async (_c, entries) => {
    processed = entries;
  });
  const before = dropped('queue_full');
  for (const e of ['1', '22', '333', '4444']) q.push(e);
  await done(q.name);
  assert.deepEqual(processed, ['4444']);
  // Kong logs "byte capacity exceeded, 3 queue entries were dropped"; here the drop counter says it (and the log once in a while).
  assert.equal(dropped('queue_full') - before, 3);
  q.push('55555');
  await done(q.name);
  assert.deepEqual(processed, ['55555']);
  q.push('666666');
  await done(q.name);
  assert.deepEqual(processed, ['666666']);
});

test('spec/01-unit/27-queue_spec.lua:485 warns about improper max_bytes setting', async () => {
  lines = [];
  const q = queued<undefined, unknown>({ max_bytes: 1 }, async () => undefined);
  assert.equal(q.push('23'), "string to be queued is longer (2 bytes) than the queue's max_bytes (1 bytes)");
  lines = [];
  q.push({ foo: 'bar' });
  assert.ok(lines.some((l) => /^ERR .*queuing non-string entry to a queue that has queue.max_bytes set, capacity monitoring will not be correct/.test(l)), lines.join('\n'));
  await done(q.name);
});

test('spec/01-unit/27-queue_spec.lua:511 queue is deleted when it is done sending', async () => {
  let calls = 0;
  const q = queued<undefined, string>({}, async () => {
    calls++;
  });
  q.push('Hello World');
  assert.ok(queueExists(q.name));
  await done(q.name);
  q.push('and some more');
  await until(() => calls === 2);
});

test('spec/01-unit/27-queue_spec.lua:539 sends data quickly', async () => {
  let last: number | undefined;
  const q = queued<undefined, number>({ max_batch_size: 10, max_coalescing_delay: 0.1 }, async (_c, entries) => {
    last = entries[entries.length - 1];
  });
  for (let i = 1; i <= 1000; i++) q.push(i);
  await until(() => last === 1000, 5000);
});

test('spec/01-unit/27-queue_spec.lua:761 continue processing after hard error in handler', async () => {
  lines = [];
  const before = dropped('send_failed');
  const processed: string[] = [];
  const q = queued<undefined, string>({ max_entries: 5, max_coalescing_delay: 0.1, max_retry_time: 0.1 }, (_c, batch) => {
    if (batch[0] === 'Two') throw new Error('hard error');
    processed.push(batch[0]!);
    return Promise.resolve();
  });
  for (const e of ['One', 'Two', 'Three']) q.push(e);
  await done(q.name);
  assert.deepEqual(processed, ['One', 'Three']);
  assert.ok(lines.some((l) => /^WARN \[queue-test\] queue test-\d+: handler could not process entries: hard error/.test(l)), lines.join('\n'));
  assert.equal(dropped('send_failed') - before, 1);
});

test('concurrency_limit -1: every entry goes on its own, with no queue', async () => {
  const batches: string[][] = [];
  const q = queued<undefined, string>({ concurrency_limit: -1, max_batch_size: 10 }, async (_c, batch) => {
    batches.push(batch);
  });
  q.push('a');
  q.push('b');
  assert.ok(!queueExists(q.name));
  await until(() => batches.length === 2);
  assert.deepEqual(batches, [['a'], ['b']]);
});

/** http-log's config with its schema's defaults. */
function httpLogConfig(extra: Record<string, unknown>) {
  return {
    http_endpoint: 'http://127.0.0.1:9/log', method: 'POST', content_type: 'application/json', timeout: 10000, keepalive: 60000,
    retry_count: null, queue_size: null, flush_timeout: null, headers: null, custom_fields_by_lua: null,
    queue: { max_batch_size: 1, max_coalescing_delay: 1, max_entries: 10000, max_bytes: null, max_retry_time: 60, initial_retry_delay: 0.01, max_retry_delay: 60, concurrency_limit: 1 },
    ...extra,
  } as never;
}

test('spec/01-unit/27-queue_spec.lua:695 converts common legacy queue parameters (http-log)', () => {
  const p = httpLog.prepare!(httpLogConfig({ retry_count: 123, queue_size: 234, flush_timeout: 345 })) as unknown as { binding: { params: QueueParams }; legacy: string[] };
  assert.equal(p.binding.params.max_batch_size, 234);
  assert.equal(p.binding.params.max_coalescing_delay, 345);
  assert.deepEqual(p.legacy, [
    'the retry_count parameter no longer works, please update your configuration to use initial_retry_delay and max_retry_time instead',
    'the queue_size parameter is deprecated, please update your configuration to use queue.max_batch_size instead',
    'the flush_timeout parameter is deprecated, please update your configuration to use queue.max_coalescing_delay instead',
  ]);
});

test('spec/01-unit/27-queue_spec.lua:745 defaulted legacy parameters are ignored when converting (http-log)', () => {
  const base = httpLogConfig({});
  const p = httpLog.prepare!(httpLogConfig({ queue_size: 1, flush_timeout: 2, queue: { ...(base as { queue: QueueParams }).queue, max_batch_size: 123, max_coalescing_delay: 234 } })) as unknown as { binding: { params: QueueParams }; legacy: string[] };
  assert.equal(p.binding.params.max_batch_size, 123);
  assert.equal(p.binding.params.max_coalescing_delay, 234);
  assert.deepEqual(p.legacy, []);
});

test('http-log queue names: instances with the same log server parameters share one (Kong\'s make_queue_name)', () => {
  const name = (extra: Record<string, unknown>) => (httpLog.prepare!(httpLogConfig(extra)) as unknown as { binding: { name: string } }).binding.name;
  assert.equal(name({}), name({ queue: { ...(httpLogConfig({}) as { queue: QueueParams }).queue, max_batch_size: 5 } }));
  assert.notEqual(name({}), name({ http_endpoint: 'http://127.0.0.1:9/other' }));
  assert.notEqual(name({}), name({ timeout: 5 }));
});

// The rate limiting plugins' shared pieces: Kong's UTC windows (kong/tools/timestamp.lua get_timestamps), the
// local store's expiry and bound, and the parsing of the upstream's usage header (header_filter.lua parse_header).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalCounterStore, redisSettings, windowEnd, windowStarts } from '../../src/plugins/bundled/counter-store.ts';
import { luaNumber, parseUsageHeader } from '../../src/plugins/bundled/response-ratelimiting/usage-header.ts';

test('windows start in UTC, as Kong aligns them', () => {
  const now = Date.UTC(2024, 1, 29, 13, 45, 30, 750); // a leap day
  assert.deepEqual(windowStarts(now), {
    second: Date.UTC(2024, 1, 29, 13, 45, 30),
    minute: Date.UTC(2024, 1, 29, 13, 45),
    hour: Date.UTC(2024, 1, 29, 13),
    day: Date.UTC(2024, 1, 29),
    month: Date.UTC(2024, 1, 1),
    year: Date.UTC(2024, 0, 1),
  });
  assert.equal(windowEnd('month', Date.UTC(2024, 1, 1)), Date.UTC(2024, 2, 1));
  assert.equal(windowEnd('year', Date.UTC(2024, 0, 1)), Date.UTC(2025, 0, 1));
  assert.equal(windowEnd('minute', Date.UTC(2024, 1, 29, 13, 45)), Date.UTC(2024, 1, 29, 13, 46));
});

test('the local store: counts, expires a key after its ttl (set when made), and stays within its bound', () => {
  let now = 1_000_000;
  const store = new LocalCounterStore(3, () => now);
  assert.equal(store.get('a'), 0);
  assert.equal(store.increment('a', 1, 1000), 1);
  now += 500;
  assert.equal(store.increment('a', 2, 1000), 3, 'a later increment keeps the first expiry');
  now += 600;
  assert.equal(store.get('a'), 0, 'expired 1000 ms after it was made');
  assert.equal(store.increment('a', 1, 1000), 1, 'a fresh counter');
  for (const k of ['b', 'c', 'd']) store.increment(k, 1, 60_000);
  assert.equal(store.size, 3, 'the oldest key made room');
  assert.equal(store.get('a'), 0);
  assert.equal(store.get('d'), 1);
});

test("redis settings: the deprecated flat fields win over the record, as Kong's shorthands do", () => {
  const s = redisSettings({ redis: { host: 'a', port: 1, database: 2, timeout: 3 }, redis_host: 'b', redis_database: 4 });
  assert.deepEqual([s.host, s.port, s.database, s.timeout, s.ssl], ['b', 1, 4, 3, false]);
});

test("the usage header: Kong's parse_header", () => {
  const names = new Set(['video', 'image']);
  const cases: readonly [string | undefined, Record<string, number | undefined>][] = [
    [undefined, {}],
    ['video=1', { video: 1 }],
    [' video = 2 ,image=1', { video: 2, image: 1 }],
    ['video=1=2, other=3', {}],
    ['video=', { video: undefined }],
    ['video=abc', { video: undefined }],
    ['video=0x10', { video: 16 }],
    ['video=1.5, image=1e1', { video: 1.5, image: 10 }],
  ];
  for (const [value, expected] of cases) assert.deepEqual(Object.fromEntries(parseUsageHeader(value, names)), expected, String(value));
  assert.equal(luaNumber('-0x1'), -1);
  assert.equal(luaNumber('1 2'), undefined);
});

// The rate limiting plugins with `policy: redis` against a real redis-server: one limit shared by two gateway
// processes, Kong's key names, fault_tolerant while Redis is away and after it is back, sync_rate, and the
// clients closed when no config uses them. Kong: spec/03-plugins/23-rate-limiting/04-access_spec.lua and
// spec/03-plugins/24-response-rate-limiting/04-access_spec.lua.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { startGatewayProcess } from '../helpers/process.ts';
import { startRedis } from '../helpers/redis.ts';
import { recordingLogger, startTestGateway, startUpstream } from '../helpers/servers.ts';
import { freshWindow, get } from '../helpers/rate-limits.ts';
import { openRedisClients } from '../../src/plugins/bundled/redis-counters.ts';

const MINUTE = 60_000;
const redis = await startRedis();
const upstream = await startUpstream((req, res) => {
  const usage = new URL(req.url ?? '/', 'http://x').searchParams.get('usage');
  res.writeHead(200, usage ? { 'x-kong-limit': usage } : {});
  res.end('ok');
});
const check = redis.client();

after(async () => {
  await redis.close();
  await upstream.close();
});

const redisAt = (port: number) => `redis: { host: 127.0.0.1, port: ${port}, timeout: 500 }`;
const service = (routes: string) => `_format_version: "3.0"
services:
- name: s
  url: http://127.0.0.1:${upstream.port}
  routes:
${routes}`;

test('two gateway processes share one limit through Redis, under Kong\'s key names (04-access_spec.lua:431, redis)', async () => {
  const config = service(`  - { name: shared, paths: [/shared], plugins: [{ name: rate-limiting, config: { minute: 6, limit_by: ip, policy: redis, ${redisAt(redis.port)} } }] }\n`);
  const a = await startGatewayProcess(config);
  const b = await startGatewayProcess(config);
  try {
    await freshWindow(MINUTE, 15_000);
    const statuses: number[] = [];
    const remaining: string[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await get(`http://${(i % 2 === 0 ? a : b).address}/shared`);
      statuses.push(r.status);
      remaining.push(String(r.headers['x-ratelimit-remaining-minute']));
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 429], 'one limit, whichever process answers');
    assert.deepEqual(remaining, ['5', '4', '3', '2', '1', '0', '0']);
    const keys = await check.keys('ratelimit:*');
    assert.equal(keys.length, 1, keys.join());
    const start = Math.floor(Date.now() / MINUTE) * MINUTE;
    assert.match(keys[0]!, new RegExp(`^ratelimit:[0-9a-f-]{36}:00000000-0000-0000-0000-000000000000:127\\.0\\.0\\.1:${start}:minute$`));
    const ttl = await check.ttl(keys[0]!);
    assert.ok(ttl > 0 && ttl <= 60, `EXPIRE per window (${ttl})`);
    // Kong's realtime policy counts with INCR as it reads: the refused request is counted too.
    assert.equal(await check.get(keys[0]!), '7');
  } finally {
    await a.stop();
    await b.stop();
  }
});

test('fault_tolerant: Redis away, requests pass without headers (and a log line) or get Kong\'s 500; Redis back, limits again (04-access_spec.lua:1189, :1220)', async () => {
  const { log, lines } = recordingLogger('error');
  const rl = (ft: boolean) => `{ name: rate-limiting, config: { minute: 100, limit_by: ip, policy: redis, fault_tolerant: ${ft}, ${redisAt(redis.port)} } }`;
  const rrl = (ft: boolean) => `{ name: response-ratelimiting, config: { limits: { video: { minute: 100 } }, policy: redis, fault_tolerant: ${ft}, ${redisAt(redis.port)} } }`;
  const g = await startTestGateway(service(`  - { name: tolerant, paths: [/tolerant], plugins: [${rl(true)}] }
  - { name: strict, paths: [/strict], plugins: [${rl(false)}] }
  - { name: r-tolerant, paths: [/r-tolerant], plugins: [${rrl(true)}] }
  - { name: r-strict, paths: [/r-strict], plugins: [${rrl(false)}] }
`), {}, log);
  try {
    await freshWindow(MINUTE, 20_000);
    assert.equal((await get(`${g.url}/tolerant`)).headers['ratelimit-limit'], '100');
    assert.equal((await get(`${g.url}/strict`)).headers['ratelimit-limit'], '100');
    assert.equal((await get(`${g.url}/r-strict?usage=video%3D1`)).headers['x-ratelimit-limit-video-minute'], '100');
    await redis.stop();
    const tolerant = await get(`${g.url}/tolerant`);
    assert.equal(tolerant.status, 200);
    for (const h of ['x-ratelimit-limit-minute', 'x-ratelimit-remaining-minute', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset']) assert.equal(tolerant.headers[h], undefined, h);
    assert.ok(lines.some((l) => l.plugin === 'rate-limiting' && String(l.msg).startsWith('failed to get usage: ')), JSON.stringify(lines));
    const strict = await get(`${g.url}/strict`);
    assert.equal(strict.status, 500);
    assert.equal(JSON.parse(strict.text).message, 'An unexpected error occurred');
    assert.equal(strict.headers['ratelimit-limit'], undefined);
    // spec/03-plugins/24-response-rate-limiting/04-access_spec.lua:994, :1003
    const rTolerant = await get(`${g.url}/r-tolerant?usage=video%3D1`);
    assert.equal(rTolerant.status, 200);
    assert.equal(rTolerant.headers['x-ratelimit-limit-video-minute'], undefined);
    assert.equal((await get(`${g.url}/r-strict`)).status, 500);
    await redis.start();
    let back = await get(`${g.url}/strict`);
    for (let i = 0; i < 50 && back.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      back = await get(`${g.url}/strict`);
    }
    assert.equal(back.status, 200, 'the client reconnected');
    assert.equal(back.headers['ratelimit-remaining'], '99', 'a fresh Redis: counting starts again');
    assert.equal((await get(`${g.url}/tolerant`)).headers['ratelimit-limit'], '100');
  } finally {
    await g.stop();
  }
});

test('a Redis that is not there at all: 500, or through without headers (04-access_spec.lua:1189, :1220)', async () => {
  const closed = redis.port === 1 ? 2 : 1;
  const g = await startTestGateway(service(`  - { name: a, paths: [/a], plugins: [{ name: rate-limiting, config: { minute: 6, policy: redis, fault_tolerant: false, ${redisAt(closed)} } }] }
  - { name: b, paths: [/b], plugins: [{ name: rate-limiting, config: { minute: 6, policy: redis, fault_tolerant: true, ${redisAt(closed)} } }] }
`));
  try {
    assert.equal((await get(`${g.url}/a`)).status, 500);
    const b = await get(`${g.url}/b`);
    assert.equal(b.status, 200);
    assert.equal(b.headers['ratelimit-limit'], undefined);
  } finally {
    await g.stop();
  }
});

test('sync_rate: counted locally, pushed to Redis within sync_rate seconds (04-access_spec.lua:1298)', async () => {
  await check.flushdb();
  const g = await startTestGateway(service(`  - { name: synced, paths: [/synced], plugins: [{ name: rate-limiting, config: { minute: 6, limit_by: ip, policy: redis, sync_rate: 0.5, ${redisAt(redis.port)} } }] }\n`));
  try {
    await freshWindow(MINUTE, 15_000);
    assert.equal(await check.dbsize(), 0, 'nothing in Redis before a request');
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await get(`${g.url}/synced`)).status);
    // Kong keeps the value before its INCR and a delta of -1 for that INCR (policies/init.lua usage()), so the
    // request that read Redis is not counted locally: one more than the limit passes before the first sync.
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 200, 429], 'exceeded locally');
    const [key] = await check.keys('ratelimit:*');
    let value = await check.get(key!);
    for (let i = 0; i < 40 && value !== '7'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      value = await check.get(key!);
    }
    assert.equal(value, '7', 'the 7 requests that passed, synced');
    assert.equal((await get(`${g.url}/synced`)).status, 429, 'read back from Redis after the sync');
  } finally {
    await g.stop();
  }
});

test('response-ratelimiting counts in Redis under Kong\'s keys; clients close when no config uses them', async () => {
  await check.flushdb();
  const plugin = `{ name: response-ratelimiting, config: { limits: { video: { minute: 2 } }, policy: redis, ${redisAt(redis.port)} } }`;
  const g = await startTestGateway(service(`  - { name: rr, paths: [/rr], plugins: [${plugin}] }\n`));
  try {
    await freshWindow(MINUTE, 15_000);
    assert.equal(openRedisClients(), 1);
    for (let i = 0; i < 2; i++) assert.equal((await get(`${g.url}/rr?usage=video%3D1`)).status, 200);
    let refused = await get(`${g.url}/rr?usage=video%3D1`);
    for (let i = 0; i < 20 && refused.status !== 429; i++) refused = await get(`${g.url}/rr?usage=video%3D1`);
    assert.equal(refused.status, 429);
    const keys = await check.keys('response-ratelimit:*');
    assert.equal(keys.length, 6, 'every period is counted, as Kong does');
    assert.ok(keys.some((k) => /^response-ratelimit:[0-9a-f-]{36}:0{8}-0{4}-0{4}-0{4}-0{12}:127\.0\.0\.1:\d+:video:minute$/.test(k)), keys.join());
    writeFileSync(g.file, service('  - { name: rr, paths: [/rr] }\n'));
    assert.equal((await g.gateway.reload('test')).result, 'applied');
    assert.equal(openRedisClients(), 0);
  } finally {
    await g.stop();
  }
});

// rate-limiting end to end, policy local: Kong's spec cases (spec/03-plugins/23-rate-limiting/04-access_spec.lua)
// against a real gateway, upstream and client. Cases count within one UTC minute (freshWindow waits when the
// minute is about to turn), as Kong's spec does with its retry().
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { startTestGateway, startUpstream } from '../helpers/servers.ts';
import { burst, freshWindow, get } from '../helpers/rate-limits.ts';

const MINUTE = 60_000;
const upstream = await startUpstream();
const rl = (config: string) => `{ name: rate-limiting, config: { ${config} } }`;
const keyAuth = '{ name: key-auth, config: { key_names: [test-key] } }';
const config = `_format_version: "3.0"
consumers:
- { username: bob, keyauth_credentials: [{ key: cred-1 }] }
- { username: alice, keyauth_credentials: [{ key: cred-2 }] }
services:
- name: s
  url: http://127.0.0.1:${upstream.port}
  routes:
  - { name: ip, paths: [/ip], plugins: [${rl('minute: 6, limit_by: ip')}] }
  - { name: consumer, paths: [/consumer], plugins: [${keyAuth}, ${rl('minute: 6, limit_by: consumer')}] }
  - { name: credential, paths: [/credential], plugins: [${keyAuth}, ${rl('minute: 6, limit_by: credential')}] }
  - { name: fallback, paths: [/fallback], plugins: [${rl('minute: 6')}] }
  - { name: header, paths: [/header], plugins: [${rl('minute: 6, limit_by: header, header_name: test-header')}] }
  - { name: path, paths: [/p1, /p2], plugins: [${rl('minute: 6, limit_by: path, path: /p1')}] }
  - { name: hidden, paths: [/hidden], plugins: [${rl('minute: 6, limit_by: ip, hide_client_headers: true')}] }
  - { name: multi, paths: [/multi], plugins: [${rl('minute: 6, hour: 99999, limit_by: ip')}] }
  - { name: custom, paths: [/custom], plugins: [${rl('minute: 1, limit_by: ip, error_code: 404, error_message: Fake Not Found')}] }
  - { name: second, paths: [/second], plugins: [${rl('second: 1, limit_by: ip')}] }
  - { name: tie, paths: [/tie], plugins: [${rl('minute: 5, hour: 5, limit_by: ip')}] }
  - { name: both, paths: [/both], plugins: [${rl('second: 1, minute: 10, limit_by: ip')}] }
- { name: svc1, url: "http://127.0.0.1:${upstream.port}", routes: [{ name: svc1, paths: [/svc1] }] }
- { name: svc2, url: "http://127.0.0.1:${upstream.port}", routes: [{ name: svc2, paths: [/svc2] }] }
plugins:
- ${rl('minute: 6, limit_by: service')}
`;
const gw = await startTestGateway(config, { trustedIps: ['0.0.0.0/0'] });

after(async () => {
  await gw.stop();
  await upstream.close();
});

/** Kong's validate_headers (04-access_spec.lua:104): 7 requests against minute = 6. */
async function assertSixPerMinute(path: string, headers: Record<string, string> = {}, hourToo = false) {
  const r = await burst(7, `${gw.url}${path}`, headers);
  assert.deepEqual(r.status, [200, 200, 200, 200, 200, 200, 429], path);
  assert.deepEqual(r.minuteLimit, [6, 6, 6, 6, 6, 6, 6]);
  assert.deepEqual(r.minuteRemaining, [5, 4, 3, 2, 1, 0, 0]);
  assert.deepEqual(r.limit, [6, 6, 6, 6, 6, 6, 6], 'RateLimit-Limit reports the period with the fewest requests left');
  assert.deepEqual(r.remaining, [5, 4, 3, 2, 1, 0, 0]);
  for (const reset of r.reset) assert.ok(reset >= 1 && reset <= 60, `RateLimit-Reset ${reset}: seconds to the end of the minute`);
  const refused = r.replies[6]!;
  assert.equal(refused.headers['retry-after'], refused.headers['ratelimit-reset'], 'Retry-After is the reset of the exhausted window');
  assert.equal(JSON.parse(refused.text).message, 'API rate limit exceeded');
  if (hourToo) {
    assert.equal(refused.headers['x-ratelimit-limit-hour'], '99999');
    assert.ok(Number(refused.headers['x-ratelimit-remaining-hour']) > 0);
  }
  return r;
}

const singles: readonly { line: number; name: string; path: string; headers?: Record<string, string> }[] = [
  { line: 431, name: 'ip', path: '/ip' },
  { line: 431, name: 'consumer', path: '/consumer', headers: { 'test-key': 'cred-1' } },
  { line: 431, name: 'credential', path: '/credential', headers: { 'test-key': 'cred-1' } },
  { line: 431, name: 'header', path: '/header', headers: { 'test-header': 'test' } },
  { line: 681, name: 'multiple limits (minute and hour): the minute is reported', path: '/multi' },
];

for (const c of singles) {
  // spec/03-plugins/23-rate-limiting/04-access_spec.lua:431 (and :681 for multiple limits)
  test(`blocks past the limit: limit_by ${c.name} (04-access_spec.lua:${c.line})`, async () => {
    await freshWindow(MINUTE, 10_000);
    await assertSixPerMinute(c.path, c.headers, c.path === '/multi');
  });
}

const multiples: readonly { line: number; name: string; runs: readonly { path: string; headers?: Record<string, string> }[] }[] = [
  { line: 509, name: 'ip (X-Real-IP from a trusted peer)', runs: [{ path: '/ip', headers: { 'x-real-ip': '127.0.0.2' } }, { path: '/ip', headers: { 'x-real-ip': '127.0.0.3' } }] },
  { line: 832, name: 'service (a global instance)', runs: [{ path: '/svc1' }, { path: '/svc2' }] },
  { line: 878, name: 'path (another path falls back to the ip)', runs: [{ path: '/p1' }, { path: '/p2' }] },
  { line: 924, name: 'header', runs: [{ path: '/header', headers: { 'test-header': 'one' } }, { path: '/header', headers: { 'test-header': 'two' } }] },
  { line: 969, name: 'consumer', runs: [{ path: '/consumer', headers: { 'test-key': 'cred-2' } }, { path: '/credential', headers: { 'test-key': 'cred-2' } }] },
  { line: 431, name: 'consumer, no consumer: the ip (Kong falls back to it)', runs: [{ path: '/fallback', headers: { 'x-real-ip': '127.0.0.5' } }, { path: '/fallback', headers: { 'x-real-ip': '127.0.0.6' } }] },
];

for (const c of multiples) {
  // spec/03-plugins/23-rate-limiting/04-access_spec.lua:431 (service, path), :509, :832, :878, :924, :969
  test(`each ${c.name} has its own counter (04-access_spec.lua:${c.line})`, async () => {
    await freshWindow(MINUTE, 15_000);
    for (const run of c.runs) await assertSixPerMinute(run.path, run.headers);
  });
}

test('hide_client_headers: no rate limit headers, passed or refused (04-access_spec.lua:624)', async () => {
  await freshWindow(MINUTE, 10_000);
  const r = await burst(7, `${gw.url}/hidden`);
  assert.deepEqual(r.status, [200, 200, 200, 200, 200, 200, 429]);
  for (const reply of r.replies) {
    for (const h of ['x-ratelimit-limit-minute', 'x-ratelimit-remaining-minute', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'retry-after']) {
      assert.equal(reply.headers[h], undefined, h);
    }
  }
});

test('a custom error code and message (04-access_spec.lua:785)', async () => {
  await freshWindow(MINUTE, 10_000);
  assert.equal((await get(`${gw.url}/custom`)).status, 200);
  const refused = await get(`${gw.url}/custom`);
  assert.equal(refused.status, 404);
  assert.equal(JSON.parse(refused.text).message, 'Fake Not Found');
});

test('a second window expires with the second (04-access_spec.lua:726)', async () => {
  await freshWindow(1000, 600);
  const first = await get(`${gw.url}/second`, { 'x-real-ip': '127.0.0.7' });
  assert.equal(first.status, 200);
  assert.equal(first.headers['ratelimit-limit'], '1');
  assert.equal(first.headers['ratelimit-remaining'], '0');
  assert.equal(first.headers['x-ratelimit-limit-second'], '1');
  assert.equal(first.headers['x-ratelimit-remaining-second'], '0');
  assert.equal(first.headers['ratelimit-reset'], '1');
  const second = await get(`${gw.url}/second`, { 'x-real-ip': '127.0.0.7' });
  assert.equal(second.status, 429);
  await freshWindow(1000, 999);
  assert.equal((await get(`${gw.url}/second`, { 'x-real-ip': '127.0.0.7' })).status, 200, 'a new second, a new counter');
});

test('a global instance limit_by credential counts a consumer across services (04-access_spec.lua:1411)', async () => {
  const g = await startTestGateway(`_format_version: "3.0"
consumers: [{ username: bob, keyauth_credentials: [{ key: test-credential }] }]
services:
- { name: a, url: "http://127.0.0.1:${upstream.port}", routes: [{ name: a, paths: [/1-test] }] }
- { name: b, url: "http://127.0.0.1:${upstream.port}", routes: [{ name: b, paths: [/2-test] }] }
plugins: [${keyAuth}, ${rl('minute: 6, limit_by: credential')}]
`);
  try {
    await freshWindow(MINUTE, 10_000);
    const headers = { 'test-key': 'test-credential' };
    await burst(6, `${g.url}/1-test`, headers);
    const r = await burst(7, `${g.url}/2-test`, headers);
    assert.deepEqual(r.status, [429, 429, 429, 429, 429, 429, 429]);
    assert.deepEqual(r.remaining, [0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(r.minuteLimit, [6, 6, 6, 6, 6, 6, 6]);
  } finally {
    await g.stop();
  }
});

test("counters are Kong's (per route and service of the instance): a reload keeps them, even with a new limit", async () => {
  const file = (limit: number, extra = '') => `_format_version: "3.0"
services:
- name: s
  url: http://127.0.0.1:${upstream.port}
  routes:
  - { name: r, paths: [/r], plugins: [${rl(`minute: ${limit}, limit_by: ip`)}] }${extra}
`;
  const g = await startTestGateway(file(6));
  try {
    await freshWindow(MINUTE, 15_000);
    await burst(3, `${g.url}/r`);
    writeFileSync(g.file, file(6, '\n  - { name: other, paths: [/other] }'));
    assert.equal((await g.gateway.reload('test')).result, 'applied');
    assert.equal((await get(`${g.url}/r`)).headers['ratelimit-remaining'], '2', 'the same instance, unchanged: its counts go on');
    writeFileSync(g.file, file(10, '\n  - { name: other, paths: [/other] }'));
    assert.equal((await g.gateway.reload('test')).result, 'applied');
    // Kong keys counters by the instance's route and service (kong/plugins/rate-limiting/policies/init.lua get_local_key), not its config.
    assert.equal((await get(`${g.url}/r`)).headers['ratelimit-remaining'], '5', '4 counted so far, limit 10');
  } finally {
    await g.stop();
  }
});

// kong/plugins/rate-limiting/handler.lua access(): the RateLimit-* period and the refused request's counts.
test('RateLimit-* name the period with the fewest requests left, the longer one on a tie; Reset counts to its end', async () => {
  await freshWindow(MINUTE, 10_000);
  const r = await get(`${gw.url}/tie`);
  const now = Date.now();
  assert.equal(r.headers['ratelimit-limit'], '5');
  assert.equal(r.headers['ratelimit-remaining'], '4');
  const hourReset = 3600 - Math.floor((now % 3_600_000) / 1000);
  assert.ok(Math.abs(Number(r.headers['ratelimit-reset']) - hourReset) <= 1, `the hour's reset (${hourReset}), not the minute's: ${r.headers['ratelimit-reset']}`);
});

test('a request refused by one period: only that period shows one less; the others keep their count', async () => {
  await freshWindow(MINUTE, 10_000);
  await freshWindow(1000, 600);
  const first = await get(`${gw.url}/both`, { 'x-real-ip': '127.0.0.8' });
  assert.equal(first.status, 200);
  assert.deepEqual([first.headers['x-ratelimit-remaining-second'], first.headers['x-ratelimit-remaining-minute'], first.headers['ratelimit-remaining'], first.headers['ratelimit-reset']], ['0', '9', '0', '1']);
  const refused = await get(`${gw.url}/both`, { 'x-real-ip': '127.0.0.8' });
  assert.equal(refused.status, 429);
  assert.deepEqual([refused.headers['x-ratelimit-remaining-second'], refused.headers['x-ratelimit-remaining-minute'], refused.headers['ratelimit-limit'], refused.headers['retry-after']], ['0', '9', '1', '1']);
});

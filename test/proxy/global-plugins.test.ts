// Global plugins on the answers Kong gives before any route runs: a request no route takes (404) or an
// https-only route asked over http (426) still goes through the global instances' header_filter and log phases
// (kong/runloop/plugins_iterator.lua: get_collected_iterator falls back to the global iterator), also when none of
// them has a rewrite phase.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { writePlugins } from '../helpers/plugins.ts';
import { startTestGateway, startUpstream } from '../helpers/servers.ts';

// Each handler records into its own global list (the gateway runs in this process).
const pluginsPath = writePlugins([
  {
    name: 'no-rewrite',
    handler: `export default {
  version: '1.0.0',
  priority: 800,
  headerFilter(kong) { kong.response.setHeader('x-no-rewrite', String(kong.response.getStatus())); },
  log(kong) { (globalThis.__noRewriteLog ??= []).push(kong.response.getStatus()); },
};
`,
  },
  {
    name: 'with-rewrite',
    handler: `export default {
  version: '1.0.0',
  priority: 700,
  rewrite() {},
  headerFilter(kong) { kong.response.setHeader('x-with-rewrite', String(kong.response.getStatus())); },
};
`,
  },
]);

declare global {
  var __noRewriteLog: number[] | undefined;
}

const upstream = await startUpstream();
const config = (plugins: string) => `_format_version: "3.0"
services:
- name: s
  url: http://127.0.0.1:${upstream.port}
  routes:
  - { name: open, paths: [/open] }
  - { name: secure, paths: [/secure], protocols: [https] }
plugins:
${plugins}
`;
const flags = { plugins: ['bundled', 'no-rewrite', 'with-rewrite'], pluginsPath: [pluginsPath] };
const alone = await startTestGateway(config('- { name: no-rewrite }'), flags);
const both = await startTestGateway(config('- { name: no-rewrite }\n- { name: with-rewrite }'), flags);

after(async () => {
  await Promise.all([alone.stop(), both.stop()]);
  await upstream.close();
  globalThis.__noRewriteLog = undefined;
});

async function get(url: string) {
  const res = await request(url);
  await res.body.text();
  return res;
}

/** The log phase runs once the answer is out: wait for the entry it leaves. */
async function logged(count: number): Promise<number[]> {
  for (let i = 0; i < 100 && (globalThis.__noRewriteLog?.length ?? 0) < count; i++) await sleep(10);
  return globalThis.__noRewriteLog ?? [];
}

test('no route matched: a global plugin without a rewrite phase runs its header_filter and log', async () => {
  globalThis.__noRewriteLog = [];
  const r = await get(`${alone.url}/nowhere`);
  assert.equal(r.statusCode, 404);
  assert.equal(r.headers['x-no-rewrite'], '404');
  assert.deepEqual(await logged(1), [404]);
});

test('an https-only route over http: its 426 goes through the global header_filter and log', async () => {
  globalThis.__noRewriteLog = [];
  const r = await get(`${alone.url}/secure`);
  assert.equal(r.statusCode, 426);
  assert.equal(r.headers['x-no-rewrite'], '426');
  assert.deepEqual(await logged(1), [426]);
});

test('a matched route still runs the global plugin once per phase', async () => {
  globalThis.__noRewriteLog = [];
  const r = await get(`${alone.url}/open`);
  assert.equal(r.statusCode, 200);
  assert.equal(r.headers['x-no-rewrite'], '200');
  assert.deepEqual(await logged(1), [200]);
  await sleep(50);
  assert.deepEqual(globalThis.__noRewriteLog, [200]);
});

test('with another global plugin that has a rewrite phase, both header filters run on the 404', async () => {
  globalThis.__noRewriteLog = [];
  const r = await get(`${both.url}/nowhere`);
  assert.equal(r.statusCode, 404);
  assert.equal(r.headers['x-no-rewrite'], '404');
  assert.equal(r.headers['x-with-rewrite'], '404');
  assert.deepEqual(await logged(1), [404]);
});

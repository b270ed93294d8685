// Custom plugins from --plugins-path run in the pipeline: the header-echo example end to end, the phases and
// PDK calls they use, a plugin that throws, and Kong's refusal of response + headerFilter.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { startTestGateway, startUpstream, tryStartTestGateway, type Echo } from '../helpers/servers.ts';
import { tempDir } from '../helpers/temp.ts';

const examples = new URL('../../examples/plugins', import.meta.url).pathname;
const scratch = tempDir('plugins');
const plugin = (name: string, handler: string) => {
  mkdirSync(join(scratch, name));
  writeFileSync(join(scratch, name, 'schema.mjs'), `export default { name: '${name}', config: { type: 'object', properties: {}, additionalProperties: false } };\n`);
  writeFileSync(join(scratch, name, 'handler.mjs'), handler);
};
plugin('probe', `
export default {
  version: '1.0.0',
  priority: 500,
  access(kong) { kong.service.request.setHeader('x-added-by-plugin', 'yes'); kong.service.request.clearHeader('x-remove-me'); },
  headerFilter(kong) { kong.response.setHeader('x-status-seen', String(kong.response.getStatus())); },
  log(kong) { (globalThis.__probeLog ??= []).push(kong.response.getStatus()); },
};
`);
plugin('thrower', `export default { version: '1.0.0', priority: 500, access() { throw new Error('boom'); } };\n`);

const upstream = await startUpstream();
const gw = await startTestGateway(`_format_version: "3.0"
services:
- name: s
  url: http://127.0.0.1:${upstream.port}
  routes:
  - { name: echo, paths: [/echo], plugins: [{ name: header-echo }] }
  - { name: probe, paths: [/probe], plugins: [{ name: probe }] }
  - { name: probe-exit, paths: [/probe-exit], plugins: [{ name: probe }, { name: request-termination, config: { status_code: 451 } }] }
  - { name: thrower, paths: [/thrower], plugins: [{ name: thrower }] }
`, { plugins: ['bundled', 'header-echo', 'probe', 'thrower'], pluginsPath: [examples, scratch] });

after(async () => {
  await gw.stop();
  await upstream.close();
});

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await request(`${gw.url}${path}`, { headers });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

test("header-echo (Kong's tutorial plugin): the request header comes back as the response header", async () => {
  const r = await get('/echo', { 'x-request-echo': 'hello' });
  assert.equal(r.status, 200);
  assert.equal(r.headers['x-response-echo'], 'hello');
  assert.equal((await get('/echo')).headers['x-response-echo'], undefined, 'nothing to echo: no header');
});

test('concurrent requests keep their own values (kong.ctx.plugin is per request)', async () => {
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => get('/echo', { 'x-request-echo': `v${i}` })));
  answers.forEach((r, i) => {
    assert.equal(r.headers['x-response-echo'], `v${i}`);
  });
});

test('service.request headers, headerFilter on proxied answers and on plugin exits, and the log phase', async () => {
  const proxied = await get('/probe', { 'x-remove-me': 'please' });
  const seen = (JSON.parse(proxied.text) as Echo).headers;
  assert.equal(seen['x-added-by-plugin'], 'yes');
  assert.equal(seen['x-remove-me'], undefined);
  assert.equal(proxied.headers['x-status-seen'], '200');
  const exited = await get('/probe-exit');
  assert.equal(exited.status, 451);
  assert.equal(exited.headers['x-status-seen'], '451', 'header filters run on answers plugins give too');
  await sleep(50);
  assert.deepEqual((globalThis as { __probeLog?: number[] }).__probeLog, [200, 451]);
});

test("a plugin that throws: Kong's 500 for that request, and the gateway keeps serving", async () => {
  const r = await get('/thrower');
  assert.equal(r.status, 500);
  assert.equal(JSON.parse(r.text).message, 'An unexpected error occurred');
  assert.equal((await get('/echo', { 'x-request-echo': 'still here' })).headers['x-response-echo'], 'still here');
});

test("a plugin with response and headerFilter is refused at start, as Kong refuses it", async () => {
  plugin('both', `export default { version: '1.0.0', priority: 1, response() {}, headerFilter() {} };\n`);
  await assert.rejects(
    tryStartTestGateway('_format_version: "3.0"\n', { plugins: ['bundled', 'both'], pluginsPath: [scratch] }),
    /both\/handler\.mjs: a plugin with a 'response' phase cannot also have 'headerFilter' or 'bodyFilter'/,
  );
});

// A client that leaves before the answer cancels the upstream request (as nginx does without
// proxy_ignore_client_abort): the upstream sees its connection close.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { writePlugins } from '../helpers/plugins.ts';
import { startTestGateway, startUpstream } from '../helpers/servers.ts';

// An upstream that takes the request and never answers.
let upstreamClosed: Promise<unknown> | undefined;
const seen: string[] = [];
const upstream = await startUpstream((req) => {
  seen.push(req.url ?? '');
  upstreamClosed = once(req.socket, 'close');
});
// An access phase that takes its time (an introspection call, say); the client leaves meanwhile.
const dir = writePlugins([{
  name: 'slow-access',
  handler: `export default { version: '1.0.0', priority: 1000, async access() { await new Promise((r) => setTimeout(r, 300)); } };\n`,
}, {
  // A log phase: the handler's own 'close' listener then does the cancelling.
  name: 'logger',
  handler: `export default { version: '1.0.0', priority: 5, log() { (globalThis.__logged ??= []).push(Date.now()); } };\n`,
}]);
const gw = await startTestGateway(`_format_version: "3.0"
services:
- name: s
  url: http://127.0.0.1:${upstream.port}
  read_timeout: 60000
  routes:
  - { name: hang, paths: [/hang] }
  - { name: slow, paths: [/slow], plugins: [{ name: slow-access }] }
  - { name: logged, paths: [/logged], plugins: [{ name: logger }] }
`, { plugins: ['bundled', 'slow-access', 'logger'], pluginsPath: [dir] });

after(async () => {
  await gw.stop();
  await upstream.close();
});

test('the upstream connection is closed when the client aborts while waiting', async () => {
  const controller = new AbortController();
  const pending = request(`${gw.url}/hang`, { signal: controller.signal }).catch((err: Error) => err);
  for (let i = 0; i < 100 && !upstreamClosed; i++) await sleep(10);
  assert.ok(upstreamClosed, 'the request reached the upstream');
  controller.abort();
  await pending;
  const closed = await Promise.race([upstreamClosed!.then(() => true), sleep(3000).then(() => false)]);
  assert.equal(closed, true, 'the upstream saw the connection close');
});

test('a client that left during an async plugin phase is not forwarded to the upstream', async () => {
  const controller = new AbortController();
  const pending = request(`${gw.url}/slow/gone`, { signal: controller.signal }).catch((err: Error) => err);
  await sleep(50);
  controller.abort();
  await pending;
  await sleep(600);
  assert.ok(!seen.includes('/gone'), `the upstream got ${JSON.stringify(seen)}`);
  // The route still works for a client that waits (the upstream never answers: that client gives up after).
  const waiting = new AbortController();
  const done = request(`${gw.url}/slow/waits`, { signal: waiting.signal }).catch((err: Error) => err);
  for (let i = 0; i < 100 && !seen.includes('/waits'); i++) await sleep(10);
  assert.ok(seen.includes('/waits'), `the upstream got ${JSON.stringify(seen)}`);
  waiting.abort();
  await done;
});

test('with a log phase on the route, a client that aborts still cancels the upstream request, and the log phase runs', async () => {
  upstreamClosed = undefined;
  const controller = new AbortController();
  const pending = request(`${gw.url}/logged`, { signal: controller.signal }).catch((err: Error) => err);
  for (let i = 0; i < 100 && !upstreamClosed; i++) await sleep(10);
  assert.ok(upstreamClosed, 'the request reached the upstream');
  const before = ((globalThis as { __logged?: number[] }).__logged ?? []).length;
  controller.abort();
  await pending;
  const closed = await Promise.race([upstreamClosed!.then(() => true), sleep(3000).then(() => false)]);
  assert.equal(closed, true, 'the upstream saw the connection close');
  for (let i = 0; i < 100 && ((globalThis as { __logged?: number[] }).__logged ?? []).length === before; i++) await sleep(10);
  assert.equal(((globalThis as { __logged?: number[] }).__logged ?? []).length, before + 1, 'the log phase ran once');
});

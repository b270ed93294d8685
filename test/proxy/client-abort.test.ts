// A client that leaves before the answer cancels the upstream request (as nginx does without
// proxy_ignore_client_abort): the upstream sees its connection close.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { startTestGateway, startUpstream } from '../helpers/servers.ts';

// An upstream that takes the request and never answers.
let upstreamClosed: Promise<unknown> | undefined;
const upstream = await startUpstream((req) => {
  upstreamClosed = once(req.socket, 'close');
});
const gw = await startTestGateway(`_format_version: "3.0"
services:
- name: s
  url: http://127.0.0.1:${upstream.port}
  read_timeout: 60000
  routes: [{ name: hang, paths: [/hang] }]
`);

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

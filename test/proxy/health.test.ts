// Health checks end to end: passive (from proxied traffic) and active (probes): a target that goes down stops
// getting traffic, and one that comes back gets it again.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { startTestGateway, startUpstream, type Echo } from '../helpers/servers.ts';

const good = await startUpstream(undefined, 'good');
const failing = await startUpstream((_req, res) => res.writeHead(500).end('broken'), 'failing');
const later = await (async () => {
  const u = await startUpstream();
  await u.close();
  return u.port; // nothing listens here until the test starts a server on it
})();

const gw = await startTestGateway(`_format_version: "3.0"
upstreams:
- name: passive.internal
  healthchecks:
    passive:
      unhealthy: { http_statuses: [500], http_failures: 2 }
  targets:
  - { target: "127.0.0.1:${good.port}" }
  - { target: "127.0.0.1:${failing.port}" }
- name: active.internal
  healthchecks:
    active:
      http_path: /health
      timeout: 0.5
      healthy: { interval: 0.1, successes: 1 }
      unhealthy: { interval: 0.1, tcp_failures: 1 }
  targets:
  - { target: "127.0.0.1:${good.port}" }
  - { target: "127.0.0.1:${later}" }
- name: threshold.internal
  healthchecks:
    threshold: 60
    passive:
      unhealthy: { http_statuses: [500], http_failures: 1 }
  targets:
  - { target: "127.0.0.1:${good.port}" }
  - { target: "127.0.0.1:${failing.port}" }
services:
- { name: passive, host: passive.internal, retries: 0, routes: [{ name: passive, paths: [/passive] }] }
- { name: threshold, host: threshold.internal, retries: 0, routes: [{ name: threshold, paths: [/threshold] }] }
- { name: active, host: active.internal, retries: 0, routes: [{ name: active, paths: [/active] }] }
`);

let revived: Server | undefined;
after(async () => {
  await gw.stop();
  await Promise.all([good.close(), failing.close()]);
  revived?.closeAllConnections();
  revived?.close();
});

async function serverOf(path: string): Promise<string> {
  const res = await request(`${gw.url}${path}`);
  const text = await res.body.text();
  return res.statusCode === 200 ? (JSON.parse(text) as Echo).server : `status ${res.statusCode}`;
}

test('passive: after two 500s the failing target is out; only the good one answers', async () => {
  const seen: string[] = [];
  for (let i = 0; i < 16; i++) seen.push(await serverOf('/passive'));
  assert.equal(seen.filter((s) => s === 'status 500').length, 2, seen.join(','));
  assert.deepEqual(seen.slice(-10), Array(10).fill('good'));
});

/** Polls until `ok` holds (probes run every 100 ms; a busy machine may need longer): no fixed sleeps. */
async function eventually(ok: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await ok())) {
    if (Date.now() > deadline) assert.fail(`not within 10 s: ${what}`);
    await sleep(100);
  }
}

test('active: a target that is down gets no traffic, and gets it again once probes see it up', async () => {
  await eventually(async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add(await serverOf('/active'));
    return seen.size === 1 && seen.has('good');
  }, 'the down target is taken out');
  for (let i = 0; i < 6; i++) assert.equal(await serverOf('/active'), 'good', 'the down target is skipped, no error reaches the client');
  revived = createServer((req, res) => {
    const body = JSON.stringify({ server: 'revived', url: req.url });
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => revived!.listen(later, '127.0.0.1', resolve));
  assert.equal((revived.address() as AddressInfo).port, later);
  await eventually(async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add(await serverOf('/active'));
    return seen.has('revived');
  }, 'the revived target gets traffic again');
  const seen = new Set<string>();
  for (let i = 0; i < 8; i++) seen.add(await serverOf('/active'));
  assert.deepEqual([...seen].sort(), ['good', 'revived']);
});

test('threshold: once less than 60% of the weight is healthy, the whole upstream answers 503', async () => {
  const seen: string[] = [];
  for (let i = 0; i < 6; i++) seen.push(await serverOf('/threshold'));
  // Round-robin reaches the failing target within two requests; from then on half the weight is unhealthy.
  const firstFailure = seen.indexOf('status 500');
  assert.ok(firstFailure >= 0 && firstFailure < 2, seen.join(','));
  assert.deepEqual(seen.slice(firstFailure + 1), Array(5 - firstFailure).fill('status 503'), seen.join(','));
});

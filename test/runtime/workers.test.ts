// `--workers 2` end to end: a real gateway with two worker threads, a real upstream and client. Which worker
// served a request is told by a test plugin's header (its thread id); connections are new per request (the
// kernel spreads new connections over the workers' reusePort sockets), so both serve within a few requests.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, request } from 'undici';
import type { WorkersGateway } from '../../src/primary.ts';
import { writePlugins } from '../helpers/plugins.ts';
import { recordingLogger, startTestGateway, startUpstream, type TestGateway, type Upstream } from '../helpers/servers.ts';

const WORKER_ID = `import { threadId } from 'node:worker_threads';
let initialized = false;
export default {
  version: '1.0.0',
  priority: 5000,
  initWorker() { initialized = true; },
  configure(configs) {
    if (configs?.some((c) => c.refuse_in === threadId)) throw new Error('refused in this worker');
  },
  access(kong) {
    // process.exit in a worker thread ends that thread only.
    if (kong.request.getHeader('x-exit') === String(threadId)) process.exit(7);
    if (kong.request.getHeader('x-log')) kong.log.warn('worker-id was asked to log');
  },
  headerFilter(kong) {
    kong.response.setHeader('x-worker', String(threadId));
    kong.response.setHeader('x-init-worker', String(initialized));
  },
};
`;

let upstream: Upstream;
let gw: TestGateway;
const { log, lines } = recordingLogger();

const configFor = (message: string) => `_format_version: "3.0"
services:
- name: s
  url: http://127.0.0.1:${upstream.port}
  routes:
  - name: r
    paths: [/]
  - name: limited
    paths: [/limited]
    plugins:
    - name: rate-limiting
      config: { minute: 5, policy: local }
  - name: cached
    paths: [/cached]
    plugins:
    - name: proxy-cache
      config: { strategy: memory }
plugins:
- name: worker-id
- name: prometheus
  config: { status_code_metrics: true }
- name: response-transformer
  config: { add: { headers: ["x-message:${message}"] } }
`;

/** A request on a connection of its own. */
async function fresh(path = '/', headers: Record<string, string> = {}) {
  const res = await request(`${gw.url}${path}`, { headers: { connection: 'close', ...headers }, reset: true });
  await res.body.text();
  return { status: res.statusCode, worker: String(res.headers['x-worker']), cache: String(res.headers['x-cache-status']), key: String(res.headers['x-cache-key']), message: String(res.headers['x-message']), init: String(res.headers['x-init-worker']) };
}

/** Requests on new connections until both workers have answered (bounded). */
async function bothWorkers(path = '/') {
  const seen = new Map<string, Awaited<ReturnType<typeof fresh>>>();
  for (let i = 0; i < 200 && seen.size < 2; i++) {
    const r = await fresh(path);
    seen.set(r.worker, r);
  }
  return seen;
}

const adminStatus = async () => (await (await request(`${gw.admin}/status`)).body.json()) as {
  configuration_hash: string;
  workers: { worker: number; configuration_hash: string; ready: boolean }[];
  reload: { result: string; workers?: { worker: number; took: boolean }[] } | null;
};

before(async () => {
  upstream = await startUpstream();
  const dir = writePlugins([{ name: 'worker-id', handler: WORKER_ID, config: { refuse_in: { type: 'integer' } } }]);
  gw = await startTestGateway(configFor('one'), { workers: '2', statusListen: ['127.0.0.1:0'], plugins: ['bundled', 'worker-id'], pluginsPath: [dir] }, log);
});

after(async () => {
  await gw.stop();
  await upstream.close();
});

test('two workers serve the listener, each ran initWorker, both serve the same configuration hash', async () => {
  const seen = await bothWorkers();
  assert.equal(seen.size, 2);
  for (const r of seen.values()) {
    assert.equal(r.status, 200);
    assert.equal(r.init, 'true');
    assert.equal(r.message, 'one');
  }
  const status = await adminStatus();
  assert.equal(status.workers.length, 2);
  for (const w of status.workers) {
    assert.equal(w.ready, true);
    assert.equal(w.configuration_hash, status.configuration_hash);
  }
  const own = await (gw.gateway as WorkersGateway).status();
  assert.deepEqual(own.map((w) => w.configuration_hash), [status.configuration_hash, status.configuration_hash]);
});

test('a reload reaches both workers; the record says each took it', async () => {
  const before = await adminStatus();
  writeFileSync(gw.file, configFor('two'));
  const record = await gw.gateway.reload('test');
  assert.equal(record.result, 'applied');
  assert.deepEqual(record.workers?.map((w) => [w.worker, w.took]), [[1, true], [2, true]]);
  const status = await adminStatus();
  assert.notEqual(status.configuration_hash, before.configuration_hash);
  assert.deepEqual(status.workers.map((w) => w.configuration_hash), [status.configuration_hash, status.configuration_hash]);
  const seen = await bothWorkers();
  assert.equal(seen.size, 2);
  for (const r of seen.values()) assert.equal(r.message, 'two');
});

test('admin POST /config reaches both workers too', async () => {
  const posted = await request(`${gw.admin}/config`, { method: 'POST', headers: { 'content-type': 'text/yaml' }, body: configFor('posted') });
  await posted.body.text();
  assert.equal(posted.statusCode, 201);
  const status = await adminStatus();
  assert.deepEqual(status.workers.map((w) => w.configuration_hash), [status.configuration_hash, status.configuration_hash]);
  const seen = await bothWorkers();
  assert.equal(seen.size, 2);
  for (const r of seen.values()) assert.equal(r.message, 'posted');
  writeFileSync(gw.file, configFor('two'));
  assert.equal((await gw.gateway.reload('test')).result, 'applied');
});

test('a file that fails to load changes no worker', async () => {
  const before = await adminStatus();
  writeFileSync(gw.file, `${configFor('three')}- name: no-such-plugin\n`);
  const record = await gw.gateway.reload('test');
  assert.equal(record.result, 'failed');
  const status = await adminStatus();
  assert.deepEqual(status.workers.map((w) => w.configuration_hash), [before.configuration_hash, before.configuration_hash]);
  const seen = await bothWorkers();
  for (const r of seen.values()) assert.equal(r.message, 'two');
  writeFileSync(gw.file, configFor('two'));
});

test("a worker's log lines reach the gateway's log, naming the worker", async () => {
  const r = await fresh('/', { 'x-log': '1' });
  assert.equal(r.status, 200);
  let line: Record<string, unknown> | undefined;
  for (let i = 0; i < 100 && !line; i++) {
    line = lines.find((l) => typeof l.msg === 'string' && l.msg.includes('worker-id was asked to log'));
    if (!line) await sleep(20);
  }
  assert.ok(line);
  assert.ok(line.worker === 1 || line.worker === 2);
});

test('a config one worker refuses (its configure throws) is taken back from the others: no worker changes', async () => {
  const before = await adminStatus();
  const threads = [...(await bothWorkers()).keys()];
  writeFileSync(gw.file, configFor('refused').replace('- name: worker-id\n', `- name: worker-id\n  config: { refuse_in: ${threads[0]} }\n`));
  const record = await gw.gateway.reload('test');
  assert.equal(record.result, 'failed');
  // Workers take a config one at a time: the refusal stops it there, before or after the other took it.
  assert.equal(record.workers?.filter((w) => !w.took).length === 1 || record.workers?.every((w) => !w.took), true);
  assert.ok(record.errors.some((e) => /^worker \d: plugin 'worker-id': configure failed: refused in this worker$/.test(e.message)), JSON.stringify(record.errors));
  const status = await adminStatus();
  assert.equal(status.configuration_hash, before.configuration_hash);
  assert.deepEqual(status.workers.map((w) => w.configuration_hash), [before.configuration_hash, before.configuration_hash]);
  const seen = await bothWorkers();
  assert.equal(seen.size, 2);
  for (const r of seen.values()) assert.equal(r.message, 'two');
  writeFileSync(gw.file, configFor('two'));
});

test('admin /metrics: the node totals, summed over the workers', async () => {
  const metrics = async () => {
    const text = await (await request(`${gw.admin}/metrics`)).body.text();
    let total = 0;
    for (const m of text.matchAll(/^kong_http_requests_total\{[^}]*\} (\d+)$/gm)) total += Number(m[1]);
    return { text, total };
  };
  const start = await metrics();
  const seen = await bothWorkers();
  assert.equal(seen.size, 2);
  let sent = 0;
  for (let i = 0; i < 10; i++, sent++) await fresh();
  const end = await metrics();
  // bothWorkers sent some too: at least the 10 here, all of them counted whichever worker served them.
  assert.ok(end.total - start.total >= sent, `${end.total} - ${start.total} < ${sent}`);
  assert.equal((end.text.match(/^# TYPE kong_http_requests_total /gm) ?? []).length, 1);
  assert.equal((end.text.match(/^kong_datastore_reachable 1$/gm) ?? []).length, 1);
  assert.equal((end.text.match(/^kong_node_info\{/gm) ?? []).length, 1);
});

test('proxy-cache: one memory store for the node, which the admin endpoints reach', async () => {
  // Each worker has stored the answer once it answers with a Hit.
  const hits = new Set<string>();
  let key = '';
  for (let i = 0; i < 200 && hits.size < 2; i++) {
    const r = await fresh('/cached');
    key = r.key;
    if (r.cache === 'Hit') hits.add(r.worker);
  }
  assert.equal(hits.size, 2);
  const found = await request(`${gw.admin}/proxy-cache/${key}`);
  assert.equal(found.statusCode, 200);
  assert.equal(((await found.body.json()) as { headers?: unknown }).headers !== undefined, true);
  const purge = await request(`${gw.admin}/proxy-cache`, { method: 'DELETE' });
  await purge.body.text();
  assert.equal(purge.statusCode, 204);
  // After the purge the node's first answer is a Miss; what it stored is then a Hit in both workers (one store).
  const after: { worker: string; cache: string }[] = [];
  for (let i = 0; i < 200 && new Set(after.slice(1).map((r) => r.worker)).size < 2; i++) after.push(await fresh('/cached'));
  assert.equal(after[0]!.cache, 'Miss');
  assert.deepEqual([...new Set(after.slice(1).map((r) => r.cache))], ['Hit']);
  assert.equal(new Set(after.slice(1).map((r) => r.worker)).size, 2);
  const gone = await request(`${gw.admin}/proxy-cache/no-such-key`);
  await gone.body.text();
  assert.equal(gone.statusCode, 404);
});

test('a worker that ends (process.exit in a plugin) is restarted with the current config; the other worker keeps its connections', async () => {
  const status = await adminStatus();
  // A kept-alive connection, and the worker it is on.
  const kept = new Client(gw.url);
  const on = async () => {
    const res = await kept.request({ path: '/', method: 'GET' });
    await res.body.text();
    return String(res.headers['x-worker']);
  };
  const survivor = await on();
  const seen = await bothWorkers();
  const victim = [...seen.keys()].find((w) => w !== survivor)!;
  assert.ok(victim);
  // New connections until one lands on the victim, which ends on it.
  let ended = false;
  for (let i = 0; i < 200 && !ended; i++) {
    const r = await fresh('/', { 'x-exit': victim }).catch(() => undefined);
    ended = r === undefined;
  }
  assert.equal(ended, true);
  assert.equal(await on(), survivor);
  // Restarted: both serve again, the new one a new thread, with the config of now.
  let again = new Map<string, Awaited<ReturnType<typeof fresh>>>();
  for (let i = 0; i < 100; i++) {
    const s = await adminStatus();
    if (s.workers.every((w) => w.ready)) {
      again = await bothWorkers();
      if (again.size === 2) break;
    }
    await sleep(50);
  }
  assert.equal(again.size, 2);
  assert.ok(!again.has(victim));
  assert.ok(again.has(survivor));
  for (const r of again.values()) assert.equal(r.message, 'two');
  const after = await adminStatus();
  assert.deepEqual(after.workers.map((w) => w.configuration_hash), [status.configuration_hash, status.configuration_hash]);
  assert.ok(lines.some((l) => typeof l.msg === 'string' && /worker \d ended; restarting it/.test(l.msg) && l.exit_code === 7));
  await kept.close();
});

test('a local rate limit (5 a minute) holds for the node, whichever worker serves', async () => {
  const statuses: number[] = [];
  const workers = new Set<string>();
  for (let i = 0; i < 12; i++) {
    const r = await fresh('/limited');
    statuses.push(r.status);
    workers.add(r.worker);
  }
  assert.equal(workers.size, 2);
  assert.equal(statuses.filter((s) => s === 200).length, 5);
  assert.equal(statuses.filter((s) => s === 429).length, 7);
});

test('with workers, a proxy address in use refuses the start as in-process (LISTEN_FAILED), leaving no worker behind', async () => {
  const { tryStartTestGateway } = await import('../helpers/servers.ts');
  const busy = gw.port;
  await assert.rejects(
    tryStartTestGateway('_format_version: "3.0"\n', { workers: '2', proxyListen: [`127.0.0.1:${busy}`], adminListen: ['off'] }),
    (err: Error & { code?: string }) => err.code === 'LISTEN_FAILED' && /address already in use/.test(err.message),
  );
});

test('the status listener (in the primary): ready once both workers serve, /status names each worker, /metrics the node totals', async () => {
  const status = `http://127.0.0.1:${gw.gateway.statuses[0]!.port}`;
  const ready = await request(`${status}/status/ready`);
  assert.equal(ready.statusCode, 200);
  assert.deepEqual(await ready.body.json(), { message: 'ready' });
  const body = (await (await request(`${status}/status`)).body.json()) as { workers: { worker: number; ready: boolean }[]; server: { total_requests: number } };
  assert.equal(body.workers.length, 2);
  assert.ok(body.workers.every((w) => w.ready));
  assert.equal(typeof body.server.total_requests, 'number');
  const metrics = await request(`${status}/metrics`);
  assert.equal(metrics.statusCode, 200);
  assert.match(await metrics.body.text(), /gateway_config_reloads_total/);
});

// The status listener (Kong's status_listen) through `gateway start` as users run it: /status, /status/ready and
// /metrics and nothing else; readiness across reloads; SIGTERM: 503 `draining` while an in-flight request
// finishes, then exit 0. Kong's specs: spec/02-integration/08-status_api/.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { request } from 'undici';
import { startGatewayProcess, type GatewayProcess } from '../helpers/process.ts';
import { startUpstream } from '../helpers/servers.ts';
import { raw } from '../helpers/raw.ts';

const config = (port: number, route = 'r') => `_format_version: "3.0"\nservices:\n- name: s\n  url: http://127.0.0.1:${port}\n  routes:\n  - { name: ${route}, paths: [/] }\n`;

function statusAddress(p: GatewayProcess): string {
  const ready = p.lines.find((l) => l.msg === 'gateway ready')!;
  return (ready.status_listen as string[])[0]!;
}

async function get(url: string, method = 'GET', body?: string, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown; text: string; headers: Record<string, unknown> }> {
  const res = await request(url, { method: method as 'GET', body, headers });
  const text = await res.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, json, text, headers: res.headers };
}

/** Asks until `done` holds; the test's own timeout bounds it. */
async function until<T>(ask: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await ask();
    if (done(value)) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const upstream = await startUpstream();
after(() => upstream.close());

test('spec/02-integration/08-status_api/01-core_routes_spec.lua:23 /status: the server block and the configuration hash; /status/ready and /metrics; nothing else', { timeout: 60_000 }, async () => {
  const gw = await startGatewayProcess(config(upstream.port), ['--status-listen', '127.0.0.1:0']);
  try {
    const base = `http://${statusAddress(gw)}`;
    const ready = gw.lines.find((l) => l.msg === 'gateway ready')!;
    const status = await get(`${base}/status`);
    assert.equal(status.status, 200);
    assert.match(String(status.headers['content-type']), /^application\/json/);
    const body = status.json as { server: Record<string, unknown>; configuration_hash: string };
    for (const field of ['connections_accepted', 'connections_active', 'connections_handled', 'connections_reading', 'connections_writing', 'connections_waiting', 'total_requests']) {
      assert.equal(typeof body.server[field], 'number', field);
    }
    assert.equal(body.configuration_hash, ready.configuration_hash);
    // Kong's memory block, in MiB by default; ?unit= and ?scale= as Kong's bytes_to_str; an unknown unit is its 400.
    const memory = (status.json as { memory: { workers_lua_vms: { http_allocated_gc: string; pid: number }[]; lua_shared_dicts: object } }).memory;
    assert.match(memory.workers_lua_vms[0]!.http_allocated_gc, /^\d+\.\d{2} MiB$/);
    assert.equal(memory.workers_lua_vms[0]!.pid, ready.pid);
    const inK = (await get(`${base}/status?unit=k&scale=1`)).json as typeof status.json & { memory: typeof memory };
    assert.match(inK.memory.workers_lua_vms[0]!.http_allocated_gc, /^\d+\.\d KiB$/);
    assert.match(((await get(`${base}/status?unit=b`)).json as { memory: typeof memory }).memory.workers_lua_vms[0]!.http_allocated_gc, /^\d+$/);
    assert.deepEqual(await get(`${base}/status?unit=x`).then((r) => [r.status, r.json]), [400, { message: "invalid unit 'x' (expected 'k/K', 'm/M', or 'g/G')" }]);
    assert.deepEqual(await get(`${base}/status?unit=m&scale=-1`).then((r) => [r.status, r.json]), [400, { message: 'scale must be equal or greater than 0' }]);
    // A proxied request shows in the counts.
    const proxied = await request(`http://${gw.address}/`);
    await proxied.body.text();
    assert.equal(((await get(`${base}/status`)).json as typeof body).server.total_requests, 1);

    assert.deepEqual(await get(`${base}/status/ready`).then((r) => [r.status, r.json]), [200, { message: 'ready' }]);
    const metrics = await get(`${base}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(String(metrics.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.match(metrics.text, new RegExp(`^gateway_config_info\\{hash="${String(ready.configuration_hash)}"\\} 1$`, 'm'));
    // The prometheus plugin's node families, as on the admin API's /metrics.
    assert.match(metrics.text, /^kong_nginx_requests_total\{node_id="[^"]+",subsystem="http"\} 1$/m);

    // Kong's api_helpers: a trailing slash names the same endpoint; anything else is Kong's 404.
    assert.equal((await get(`${base}/status/`)).status, 200);
    for (const path of ['/', '/config', '/services', '/routes/r', '/status/ready/x', '/schemas/plugins/key-auth']) {
      assert.deepEqual(await get(`${base}${path}`).then((r) => [r.status, r.json]), [404, { message: 'Not found' }], path);
    }
    for (const [method, path] of [['POST', '/status'], ['DELETE', '/status/ready'], ['PUT', '/metrics'], ['PATCH', '/status']] as const) {
      assert.deepEqual(await get(`${base}${path}`, method).then((r) => [r.status, r.json]), [405, { message: 'Method not allowed' }], `${method} ${path}`);
    }
    // A malformed request is refused; the listener goes on answering.
    const port = Number(statusAddress(gw).split(':')[1]);
    const broken = await raw(port, 'GET /status\x01 HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.match(broken.text, /^HTTP\/1\.1 400 /);
    const huge = await raw(port, `GET /status HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`);
    assert.match(huge.text, /^HTTP\/1\.1 4\d\d /);
    assert.equal((await get(`${base}/status/ready`)).status, 200);
  } finally {
    assert.equal(await gw.stop(), 0);
  }
});

test('spec/02-integration/08-status_api/03-readiness_endpoint_spec.lua:52 readiness stays 200 across a good reload and after a bad one', { timeout: 60_000 }, async () => {
  const gw = await startGatewayProcess(config(upstream.port), ['--status-listen', '127.0.0.1:0']);
  try {
    const base = `http://${statusAddress(gw)}`;
    const before = ((await get(`${base}/status`)).json as { configuration_hash: string }).configuration_hash;
    writeFileSync(gw.file, config(upstream.port, 'renamed'));
    gw.child.kill('SIGHUP');
    const reloaded = await gw.waitFor((l) => l.msg === 'config reloaded');
    assert.notEqual(reloaded.new_hash, before);
    assert.deepEqual(await get(`${base}/status/ready`).then((r) => [r.status, r.json]), [200, { message: 'ready' }]);
    const after = (await get(`${base}/status`)).json as { configuration_hash: string; reload: { result: string } };
    assert.notEqual(after.configuration_hash, before);
    assert.equal(after.reload.result, 'applied');
    // An invalid file changes nothing: still the good config, still ready.
    writeFileSync(gw.file, '_format"\\!@#$\n');
    gw.child.kill('SIGHUP');
    await gw.waitFor((l) => String(l.msg).startsWith('reload failed'));
    assert.deepEqual(await get(`${base}/status/ready`).then((r) => [r.status, r.json]), [200, { message: 'ready' }]);
    const failed = (await get(`${base}/status`)).json as { configuration_hash: string; reload: { result: string } };
    assert.equal(failed.configuration_hash, after.configuration_hash);
    assert.equal(failed.reload.result, 'failed');
  } finally {
    assert.equal(await gw.stop(), 0);
  }
});

test("kong/status/ready.lua: an empty configuration is not ready (Kong's message)", { timeout: 60_000 }, async () => {
  const gw = await startGatewayProcess('_format_version: "3.0"\n', ['--status-listen', '127.0.0.1:0']);
  try {
    assert.deepEqual(await get(`http://${statusAddress(gw)}/status/ready`).then((r) => [r.status, r.json]), [503, { message: 'no configuration available (empty configuration present)' }]);
  } finally {
    assert.equal(await gw.stop(), 0);
  }
});

test("spec/02-integration/02-cmd/17-drain_spec.lua:72 POST /status/ready status=draining (kong drain): 204, then 503 draining; the proxy still serves", { timeout: 60_000 }, async () => {
  const gw = await startGatewayProcess(config(upstream.port), ['--status-listen', '127.0.0.1:0']);
  try {
    const base = `http://${statusAddress(gw)}`;
    // What kong drain sends; anything else is Kong's bare 400.
    assert.equal((await get(`${base}/status/ready`, 'POST', '{"status":"up"}', { 'content-type': 'application/json' })).status, 400);
    assert.equal((await get(`${base}/status/ready`)).status, 200);
    const drained = await get(`${base}/status/ready`, 'POST', '{"status":"draining"}', { 'content-type': 'application/json' });
    assert.equal(drained.status, 204);
    assert.equal(drained.headers['content-length'], undefined);
    assert.deepEqual(await get(`${base}/status/ready`).then((r) => [r.status, r.json]), [503, { message: 'draining' }]);
    const proxied = await request(`http://${gw.address}/`);
    assert.equal(proxied.statusCode, 200);
    await proxied.body.text();
  } finally {
    assert.equal(await gw.stop(), 0);
  }
});

test('SIGTERM: /status/ready turns 503 draining, new connections are refused, the in-flight request finishes, exit 0', { timeout: 60_000 }, async () => {
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let arrived!: () => void;
  const inUpstream = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  const slow = await startUpstream((_req, res) => {
    arrived();
    void released.then(() => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('finished');
    });
  });
  const gw = await startGatewayProcess(config(slow.port), ['--status-listen', '127.0.0.1:0', '--drain-timeout', '30']);
  try {
    const base = `http://${statusAddress(gw)}`;
    assert.equal((await get(`${base}/status/ready`)).status, 200);
    const inFlight = request(`http://${gw.address}/slow`).then(async (r) => ({ status: r.statusCode, body: await r.body.text(), connection: r.headers.connection }));
    await inUpstream;
    gw.child.kill('SIGTERM');
    const draining = await until(() => get(`${base}/status/ready`), (r) => r.status === 503);
    assert.deepEqual(draining.json, { message: 'draining' });
    // The proxy stops accepting once readiness is 503 (it drains after): a new connection is refused.
    await gw.waitFor((l) => l.msg === 'stopping: draining in-flight requests');
    // (Asked until refused: one asked as the listener closes may still be answered, or reset from its backlog.)
    await until(() => request(`http://${gw.address}/`, { reset: true }).then(async (r) => {
      await r.body.text();
      return 'answered';
    }, (err: NodeJS.ErrnoException) => err.code), (r) => r === 'ECONNREFUSED');
    // The status listener still answers during the drain, so the kubelet sees 503 and not a refused connection.
    assert.equal((await get(`${base}/status/ready`)).status, 503);
    assert.equal(gw.child.exitCode, null, 'still draining');
    release();
    const answer = await inFlight;
    assert.deepEqual([answer.status, answer.body], [200, 'finished']);
    assert.equal(answer.connection, 'close');
    const [code] = (await once(gw.child, 'exit')) as [number | null];
    assert.equal(code, 0);
    assert.ok(gw.lines.some((l) => l.msg === 'stopped'));
  } finally {
    release();
    await gw.stop();
    await slow.close();
  }
});

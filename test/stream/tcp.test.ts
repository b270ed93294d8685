// Stream proxying end to end: tcp routes on --stream-listen, matched by destination port; preread and log each
// once per connection; ip-restriction refusing a connection; unrouted connections closed and logged.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writePlugins } from '../helpers/plugins.ts';
import { recordingLogger, startTestGateway } from '../helpers/servers.ts';
import { exchange, freePort, startEcho } from '../helpers/stream.ts';
import { tempDir } from '../helpers/temp.ts';

const MESSAGE = 'echo, ping, pong. echo, ping, pong. echo, ping, pong.\n';

const one = await startEcho('one:');
const two = await startEcho('two:');
const [portA, portB, portDenied, portLone] = [await freePort(), await freePort(), await freePort(), await freePort()];
const logFile = join(tempDir('stream-log'), 'stream.log');
// A plugin that counts its phases per connection (Kong's spec/fixtures "logger" plugin, as a custom plugin).
const plugins = writePlugins([{
  name: 'phase-counter',
  protocols: { allowed: ['tcp', 'tls', 'tls_passthrough', 'http', 'https'], default: ['tcp', 'tls', 'tls_passthrough'] },
  handler: `export default { version: '1.0.0', priority: 1000,
    preread(kong) { const s = (globalThis.__streamPhases ??= []); kong.ctx.plugin.id = s.length; s.push({ preread: 1, log: 0, route: kong.router.getRoute()?.name, ip: kong.client.getIp() }); },
    log(kong) { const s = globalThis.__streamPhases; s[kong.ctx.plugin.id].log++; s[kong.ctx.plugin.id].status = kong.response.getStatus(); },
  };\n`,
}]);
const { log, lines } = recordingLogger('info');
const gw = await startTestGateway(`_format_version: "3.0"
services:
- name: one
  protocol: tcp
  host: 127.0.0.1
  port: ${one.port}
  routes:
  - name: by-port-a
    protocols: [tcp]
    destinations: [{ port: ${portA} }]
    plugins:
    - name: phase-counter
      protocols: [tcp]
    - name: file-log
      protocols: [tcp]
      config: { path: ${JSON.stringify(logFile)} }
- name: two
  url: tcp://127.0.0.1:${two.port}
  routes:
  - name: by-port-b
    protocols: [tcp]
    destinations: [{ port: ${portB} }]
  - name: denied
    protocols: [tcp]
    destinations: [{ port: ${portDenied} }]
    plugins:
    # Kong's default protocols (no 'protocols' given) include tcp and tls.
    - name: ip-restriction
      config: { deny: [127.0.0.1] }
    - name: phase-counter
      protocols: [tcp]
`, {
  plugins: ['bundled', 'phase-counter'],
  pluginsPath: [plugins],
  streamListen: [`127.0.0.1:${portA}`, `127.0.0.1:${portB}`, `127.0.0.1:${portDenied}`, `127.0.0.1:${portLone}`],
}, log);

const phases = () => (globalThis as { __streamPhases?: { preread: number; log: number; route?: string; status?: number }[] }).__streamPhases ?? [];
const waitFor = async (check: () => boolean) => {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 10));
};

after(async () => {
  await gw.stop();
  await one.close();
  await two.close();
});

test('spec/02-integration/05-proxy/28-stream_plugins_triggering_spec.lua:163 a TCP echo through a tcp route', async () => {
  const r = await exchange(portA, MESSAGE, { expect: 4 + MESSAGE.length });
  assert.equal(r.received, `one:${MESSAGE}`);
});

test('two routes by destination port, on two stream listeners, reach their own services', async () => {
  const a = await exchange(portA, 'a', { expect: 5 });
  const b = await exchange(portB, 'b', { expect: 5 });
  assert.equal(a.received, 'one:a');
  assert.equal(b.received, 'two:b');
});

test('preread and log each run once per connection, log after it closed with its status', async () => {
  const before = phases().length;
  await exchange(portA, 'x', { expect: 5 });
  await exchange(portA, 'y', { expect: 5 });
  await waitFor(() => phases().slice(before).filter((p) => p.log > 0).length === 2);
  const mine = phases().slice(before);
  assert.equal(mine.length, 2);
  for (const p of mine) assert.deepEqual({ preread: p.preread, log: p.log, route: p.route, status: p.status }, { preread: 1, log: 1, route: 'by-port-a', status: 200 });
});

test('ip-restriction closes a denied connection before it reaches the upstream (status 403), its log still runs', async () => {
  const accepted = two.accepted();
  const before = phases().length;
  const r = await exchange(portDenied, MESSAGE);
  assert.equal(r.closed, true);
  assert.equal(r.received, '');
  assert.equal(two.accepted(), accepted);
  await waitFor(() => phases().slice(before).some((p) => p.log > 0));
  // The counter's priority (1000) runs it before ip-restriction (990): it saw the connection, then its end.
  assert.deepEqual(phases().slice(before).map((p) => [p.preread, p.log, p.status]), [[1, 1, 403]]);
  assert.ok(lines.some((l) => l.msg === 'IP address not allowed: 127.0.0.1' && l.plugin === 'ip-restriction'));
});

test('a connection no route matches is closed, and logged as Kong does', async () => {
  const r = await exchange(portLone, MESSAGE);
  assert.equal(r.closed, true);
  assert.equal(r.received, '');
  await waitFor(() => lines.some((l) => l.msg === 'no Route found with those values'));
  const line = lines.find((l) => l.msg === 'no Route found with those values')!;
  assert.equal(line.level, 50);
  assert.equal(line.server_port, portLone);
});

test("file-log writes Kong's stream record for the connection", async () => {
  const r = await exchange(portA, MESSAGE, { expect: 4 + MESSAGE.length });
  assert.equal(r.received, `one:${MESSAGE}`);
  let records: Record<string, unknown>[] = [];
  await waitFor(() => {
    try {
      records = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    } catch {
      return false;
    }
    return records.some((rec) => (rec.session as { received: number }).received === MESSAGE.length);
  });
  const rec = records.find((x) => (x.session as { received: number }).received === MESSAGE.length)!;
  assert.deepEqual(Object.keys(rec).sort(), ['client_ip', 'latencies', 'route', 'service', 'session', 'started_at', 'tries', 'upstream', 'workspace', 'workspace_name']);
  assert.deepEqual(rec.session, { received: MESSAGE.length, sent: 4 + MESSAGE.length, status: 200, server_port: portA });
  assert.deepEqual(rec.upstream, { received: 4 + MESSAGE.length, sent: MESSAGE.length });
  assert.equal(rec.client_ip, '127.0.0.1');
  assert.equal((rec.route as { name: string }).name, 'by-port-a');
  assert.equal((rec.service as { name: string }).name, 'one');
  const tries = rec.tries as { ip: string; port: number }[];
  assert.deepEqual(tries.map((t) => [t.ip, t.port]), [['127.0.0.1', one.port]]);
  const latencies = rec.latencies as { kong: number; session: number };
  assert.ok(latencies.session >= latencies.kong && latencies.kong >= 0);
  assert.equal(typeof rec.started_at, 'number');
});

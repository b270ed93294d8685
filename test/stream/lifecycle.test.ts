// A stream connection's life: a preread plugin answering instead of the upstream, a route without a service,
// retries over an upstream's targets, back-pressure (a client that does not read stalls the upstream instead of
// the gateway buffering), open connections surviving a reload on their snapshot, and closed at the drain timeout.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { writePlugins } from '../helpers/plugins.ts';
import { recordingLogger, startTestGateway } from '../helpers/servers.ts';
import { exchange, freePort, startEcho } from '../helpers/stream.ts';

const echo = await startEcho('echo:');
const [portShort, portEcho, portNoService, portRetry, portFlood] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
const [dead, portThrows, deadChecked, portChecked, portIdle] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];

// An upstream that writes as fast as its socket takes it (waiting for 'drain'), counting what it wrote.
let written = 0;
let lastWrite = 0;
const flood = createServer((socket) => {
  const chunk = Buffer.alloc(1024 * 1024, 'x');
  socket.on('error', () => socket.destroy());
  const push = () => {
    while (!socket.destroyed) {
      written += chunk.length;
      lastWrite = performance.now();
      if (!socket.write(chunk)) {
        socket.once('drain', push);
        return;
      }
      if (written > 256 * 1024 * 1024) return;
    }
  };
  push();
});
await new Promise<void>((resolve) => flood.listen(0, '127.0.0.1', resolve));
const floodPort = (flood.address() as AddressInfo).port;

const plugins = writePlugins([{
  name: 'short-circuit',
  protocols: { allowed: ['tcp', 'tls'], default: ['tcp', 'tls'] },
  handler: `export default { version: '1.0.0', priority: 1000000,
    preread(kong) { kong.response.exit(200, { init_worker_called: true, message: 'plugin executed', status: 200 }); },
  };\n`,
}, {
  name: 'thrower',
  protocols: { allowed: ['tcp', 'tls'], default: ['tcp', 'tls'] },
  handler: `export default { version: '1.0.0', priority: 2000000, preread() { throw new Error('boom'); } };\n`,
}, {
  name: 'recorder',
  protocols: { allowed: ['tcp', 'tls'], default: ['tcp', 'tls'] },
  handler: `export default { version: '1.0.0', priority: 1,
    preread() { (globalThis.__recorded ??= []).push('preread'); },
    log(kong) { (globalThis.__recorded ??= []).push(kong.log.serialize()); },
  };\n`,
}]);
const recorded = () => (globalThis as { __recorded?: unknown[] }).__recorded ?? [];
const waitFor = async (check: () => boolean) => {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 10));
};

const config = (extra = '') => `_format_version: "3.0"
upstreams:
- name: two-targets
  algorithm: round-robin
  targets: [{ target: "127.0.0.1:${dead}" }, { target: "127.0.0.1:${echo.port}" }]
- name: checked
  algorithm: round-robin
  healthchecks: { passive: { unhealthy: { tcp_failures: 1 } } }
  targets: [{ target: "127.0.0.1:${deadChecked}" }, { target: "127.0.0.1:${echo.port}" }]
services:
- name: echo
  protocol: tcp
  host: 127.0.0.1
  port: ${echo.port}
  routes:
  - name: short
    protocols: [tcp]
    destinations: [{ port: ${portShort} }]
    plugins: [{ name: short-circuit }, { name: recorder }]
${extra}
- name: retried
  url: tcp://two-targets
  retries: 3
  routes:
  - name: retry
    protocols: [tcp]
    destinations: [{ port: ${portRetry} }]
    plugins: [{ name: recorder }]
- name: idle
  url: tcp://127.0.0.1:${echo.port}
  read_timeout: 300
  write_timeout: 300
  routes:
  - name: idle
    protocols: [tcp]
    destinations: [{ port: ${portIdle} }]
- name: health-checked
  url: tcp://checked
  routes:
  - name: checked
    protocols: [tcp]
    destinations: [{ port: ${portChecked} }]
    plugins: [{ name: recorder }]
- name: flood
  protocol: tcp
  host: 127.0.0.1
  port: ${floodPort}
  routes:
  - name: flood
    protocols: [tcp]
    destinations: [{ port: ${portFlood} }]
routes:
- name: no-service
  protocols: [tcp]
  destinations: [{ port: ${portNoService} }]
  plugins: [{ name: recorder }]
- name: throws
  protocols: [tcp]
  destinations: [{ port: ${portThrows} }]
  service: echo
  plugins: [{ name: thrower }, { name: recorder }]
`;
const echoRoute = `  - name: echo
    protocols: [tcp]
    destinations: [{ port: ${portEcho} }]`;

const { log, lines } = recordingLogger('info');
const gw = await startTestGateway(config(echoRoute), {
  plugins: ['bundled', 'short-circuit', 'thrower', 'recorder'],
  pluginsPath: [plugins],
  streamListen: [portShort, portEcho, portNoService, portRetry, portFlood, portThrows, portChecked, portIdle].map((p) => `127.0.0.1:${p}`),
}, log);
let stopped = false;

after(async () => {
  if (!stopped) await gw.stop();
  await echo.close();
  flood.close();
});

test('spec/02-integration/05-proxy/28-stream_plugins_triggering_spec.lua:267 tcp (short-circuited): exit(200, body) sends the body, then closes', async () => {
  const before = recorded().length;
  const r = await exchange(portShort, '');
  assert.equal(r.closed, true);
  assert.deepEqual(JSON.parse(r.received), { init_worker_called: true, message: 'plugin executed', status: 200 });
  assert.equal(echo.accepted(), 0);
  // The lower-priority plugin's preread does not run after the exit; its log does, once.
  await waitFor(() => recorded().length > before);
  const mine = recorded().slice(before);
  assert.equal(mine.length, 1);
  const rec = mine[0] as { session: { status: number; sent: number }; tries?: unknown };
  assert.equal(rec.session.status, 200);
  assert.equal(rec.session.sent, Buffer.byteLength(r.received));
  assert.equal(rec.tries, undefined);
});

test('a preread plugin that throws refuses the connection (500), is logged with its name, and the gateway goes on', async () => {
  const before = recorded().length;
  const accepted = echo.accepted();
  const r = await exchange(portThrows, 'hello');
  assert.equal(r.closed, true);
  assert.equal(r.received, '');
  assert.equal(echo.accepted(), accepted);
  await waitFor(() => recorded().length > before);
  assert.equal((recorded()[before] as { session: { status: number } }).session.status, 500);
  assert.ok(lines.some((l) => l.msg === 'plugin failed' && l.plugin === 'thrower' && l.phase === 'preread'));
  assert.equal((await exchange(portEcho, 'still', { expect: 10 })).received, 'echo:still');
});

test('a route without a service: the connection is closed with 503, "no Service found with those values"', async () => {
  const before = recorded().length;
  const r = await exchange(portNoService, 'hello');
  assert.equal(r.closed, true);
  assert.equal(r.received, '');
  await waitFor(() => recorded().length >= before + 2);
  assert.equal((recorded()[before + 1] as { session: { status: number } }).session.status, 503);
  assert.ok(lines.some((l) => l.msg === 'no Service found with those values' && l.level === 40));
});

test("a target that refuses the connection is tried no more: the next one takes it, and Kong's tries say so", async () => {
  const received: string[] = [];
  const before = recorded().length;
  // Round-robin from a random start: a few connections, each must reach the echo.
  for (let i = 0; i < 4; i++) received.push((await exchange(portRetry, 'r', { expect: 6 })).received);
  assert.deepEqual(received, ['echo:r', 'echo:r', 'echo:r', 'echo:r']);
  await waitFor(() => recorded().slice(before).filter((x) => typeof x === 'object').length === 4);
  const tries = recorded().slice(before).filter((x) => typeof x === 'object').map((x) => (x as { tries: { port: number; state?: string }[] }).tries);
  const failed = tries.find((t) => t.length === 2);
  assert.ok(failed, 'one connection tried the dead target first');
  assert.deepEqual(failed.map((t) => [t.port, t.state]), [[dead, 'failed'], [echo.port, undefined]]);
});

test('passive health checks count failed connections: an unhealthy target is skipped by later connections', async () => {
  const before = recorded().length;
  for (let i = 0; i < 6; i++) assert.equal((await exchange(portChecked, 'h', { expect: 6 })).received, 'echo:h');
  await waitFor(() => recorded().slice(before).filter((x) => typeof x === 'object').length === 6);
  const tries = recorded().slice(before).filter((x) => typeof x === 'object').map((x) => (x as { tries: { port: number }[] }).tries.map((t) => t.port));
  // At most one connection met the dead target (tcp_failures: 1 marks it unhealthy at once); none after it.
  const met = tries.findIndex((t) => t.includes(deadChecked));
  assert.ok(tries.filter((t) => t.includes(deadChecked)).length <= 1);
  assert.ok(met <= 1, 'round-robin reaches the dead target within two connections');
  assert.ok(lines.some((l) => l.msg === 'target unhealthy' && l.target === `127.0.0.1:${deadChecked}`));
});

test("nginx's proxy_timeout: a session with nothing crossing it for the service's timeouts is closed", async () => {
  const socket: Socket = connect({ host: '127.0.0.1', port: portIdle });
  socket.setEncoding('utf8');
  let got = '';
  socket.on('data', (d: string) => {
    got += d;
  });
  socket.write('still there?');
  await waitFor(() => got === 'echo:still there?');
  // Nothing more is sent either way: the gateway ends the session.
  await once(socket, 'close');
});

test('back-pressure: a client that does not read stalls the upstream, the gateway does not buffer without bound', async () => {
  const client = connect({ host: '127.0.0.1', port: portFlood });
  client.pause();
  await once(client, 'connect');
  const LIMIT = 96 * 1024 * 1024;
  // Either the upstream's writes stall (nobody takes more: no write for a while), or it got far past what the
  // socket buffers on the way can hold.
  await waitFor(() => written > LIMIT || (written > 0 && performance.now() - lastWrite > 300));
  assert.ok(written <= LIMIT, `the upstream wrote ${written} bytes to a client that reads nothing`);
  // Reading resumes the flow.
  const resumedFrom = written;
  client.resume();
  await waitFor(() => written > resumedFrom);
  client.destroy();
});

test('a reload leaves open connections on their snapshot: an open one keeps its route, new ones see the new config', async () => {
  const socket: Socket = connect({ host: '127.0.0.1', port: portEcho });
  socket.setEncoding('utf8');
  let got = '';
  socket.on('data', (d: string) => {
    got += d;
  });
  socket.write('before');
  await waitFor(() => got === 'echo:before');
  writeFileSync(gw.file, config());
  const record = await gw.gateway.reload('test');
  assert.equal(record.result, 'applied');
  socket.write('|after');
  await waitFor(() => got === 'echo:before|after');
  const fresh = await exchange(portEcho, 'new');
  assert.equal(fresh.closed, true);
  assert.equal(fresh.received, '');
  socket.destroy();
});

test('stopping closes open connections at the drain timeout', async () => {
  const before = echo.accepted();
  const socket: Socket = connect({ host: '127.0.0.1', port: portRetry });
  socket.on('error', () => undefined);
  socket.resume();
  socket.write('x');
  await waitFor(() => echo.accepted() > before);
  const closed = once(socket, 'close');
  stopped = true;
  await gw.stop();
  await closed;
});

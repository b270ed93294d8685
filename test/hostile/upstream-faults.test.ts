// Upstreams that fail, and how many tries Kong makes: `retries` counts tries after a failed connection or a
// timeout (nginx's proxy_next_upstream error timeout), on a single host too and round the ring of an upstream;
// a request that reached the upstream is tried again only when its method may be repeated (not POST).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { writePlugins } from '../helpers/plugins.ts';
import { recordingUpstream } from '../helpers/raw.ts';
import { startTestGateway, type TestGateway } from '../helpers/servers.ts';

/** A peer that takes each connection, reads the request, and then resets it (or, with `silent`, says nothing). */
async function brokenPeer(silent = false): Promise<{ port: number; connections: () => number; close(): Promise<void> }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('data', () => {
      if (!silent) socket.resetAndDestroy();
    });
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

const gateways: TestGateway[] = [];
const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const g of gateways) await g.stop();
  for (const c of closers) await c();
});

async function gateway(services: string): Promise<TestGateway> {
  const gw = await startTestGateway(`_format_version: "3.0"\n${services}`);
  gateways.push(gw);
  return gw;
}

async function call(gw: TestGateway, path: string, method = 'GET') {
  const res = await request(`${gw.url}${path}`, { method: method as 'GET' });
  await res.body.text();
  return res.statusCode;
}

test('a single-host service whose peer resets every connection: 1 + retries tries to the same host, then 502', async () => {
  const peer = await brokenPeer();
  closers.push(peer.close);
  const gw = await gateway(`services:\n- name: s\n  url: http://127.0.0.1:${peer.port}\n  retries: 2\n  routes: [{ name: r, paths: [/] }]\n`);
  assert.equal(await call(gw, '/x'), 502);
  assert.equal(peer.connections(), 3);
});

test('a POST that reached the upstream is not tried again (nginx: non-idempotent)', async () => {
  const peer = await brokenPeer();
  closers.push(peer.close);
  const gw = await gateway(`services:\n- name: s\n  url: http://127.0.0.1:${peer.port}\n  retries: 4\n  routes: [{ name: r, paths: [/] }]\n`);
  assert.equal(await call(gw, '/x', 'POST'), 502);
  assert.equal(peer.connections(), 1);
});

test('a connection that never opens is tried again whatever the method: a POST reaches the next target', async () => {
  const good = await recordingUpstream();
  closers.push(good.close);
  const refused = await closedPort();
  const gw = await gateway(`upstreams:\n- name: pool\n  algorithm: consistent-hashing\n  hash_on: header\n  hash_on_header: x-key\n  targets:\n  - { target: "127.0.0.1:${refused}" }\n  - { target: "127.0.0.1:${good.port}" }\nservices:\n- name: s\n  host: pool\n  retries: 3\n  routes: [{ name: r, paths: [/] }]\n`);
  for (let i = 0; i < 6; i++) {
    const res = await request(`${gw.url}/post-${i}`, { method: 'POST', headers: { 'x-key': `k${i}` } });
    await res.body.text();
    assert.equal(res.statusCode, 200, `key k${i}`);
  }
});

test('a timeout before the answer: a GET is tried again, a POST is not; both end in 504', async () => {
  const peer = await brokenPeer(true);
  closers.push(peer.close);
  const gw = await gateway(`services:\n- name: s\n  url: http://127.0.0.1:${peer.port}\n  retries: 1\n  read_timeout: 200\n  routes: [{ name: r, paths: [/] }]\n`);
  assert.equal(await call(gw, '/slow'), 504);
  assert.equal(peer.connections(), 2);
  assert.equal(await call(gw, '/slow', 'POST'), 504);
  assert.equal(peer.connections(), 3);
});

test('an upstream whose targets all fail: the tries go round the ring, 1 + retries in all', async () => {
  const a = await brokenPeer();
  const b = await brokenPeer();
  closers.push(a.close, b.close);
  const gw = await gateway(`upstreams:\n- name: ring\n  targets:\n  - { target: "127.0.0.1:${a.port}" }\n  - { target: "127.0.0.1:${b.port}" }\nservices:\n- name: s\n  host: ring\n  retries: 5\n  routes: [{ name: r, paths: [/] }]\n`);
  assert.equal(await call(gw, '/x'), 502);
  assert.equal(a.connections() + b.connections(), 6);
  assert.ok(a.connections() >= 2 && b.connections() >= 2, `both targets tried more than once (${a.connections()}, ${b.connections()})`);
});

test("buffered mode holds at most 64 MiB of an upstream answer: past that, Kong's 502", async () => {
  const huge = await recordingUpstream((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const chunk = Buffer.alloc(1024 * 1024);
    let sent = 0;
    const pump = () => {
      while (sent < 80) {
        sent++;
        if (!res.write(chunk)) return res.once('drain', pump);
      }
      res.end();
    };
    res.on('error', () => undefined);
    pump();
  });
  closers.push(huge.close);
  const dir = writePlugins([{ name: 'buffers', handler: "export default { version: '1', priority: 1, access(kong) { kong.service.request.enableBuffering(); } };\n" }]);
  const gw = await startTestGateway(`_format_version: "3.0"\nservices:\n- name: s\n  url: http://127.0.0.1:${huge.port}\n  routes: [{ name: r, paths: [/], plugins: [{ name: buffers }] }]\n`, { plugins: ['bundled', 'buffers'], pluginsPath: [dir] });
  gateways.push(gw);
  assert.equal(await call(gw, '/big'), 502);
});

test('buffered mode: an upstream that fails after its head is not tried again (nginx retries only before the head)', async () => {
  const dir = writePlugins([{ name: 'buffers-once', handler: "export default { version: '1', priority: 1, access(kong) { kong.service.request.enableBuffering(); } };\n" }]);
  const cases = [
    // The body breaks off: the connection is reset after a part of it.
    { path: '/reset', status: 502, respond: (res: ServerResponse) => {
      res.write('0123456789');
      setTimeout(() => res.socket?.resetAndDestroy(), 20);
    } },
    // The body stalls past read_timeout.
    { path: '/stall', status: 504, respond: (res: ServerResponse) => void res.write('0123456789') },
  ];
  for (const c of cases) {
    const peer = await recordingUpstream((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100' });
      res.on('error', () => undefined);
      c.respond(res);
    });
    closers.push(peer.close);
    const gw = await startTestGateway(`_format_version: "3.0"\nservices:\n- name: s\n  url: http://127.0.0.1:${peer.port}\n  retries: 3\n  read_timeout: 300\n  routes: [{ name: r, paths: [/], plugins: [{ name: buffers-once }] }]\n`, { plugins: ['bundled', 'buffers-once'], pluginsPath: [dir] });
    gateways.push(gw);
    assert.equal(await call(gw, c.path), c.status, c.path);
    assert.equal(peer.seen.length, 1, `${c.path}: one try`);
  }
});

// Ported from Kong 3.10's spec/02-integration/05-proxy/07-upstream_timeouts_spec.lua (connect, read and write
// timeouts answer 504) and 08-uri_encoding_spec.lua (the request target goes upstream as the client wrote it).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { startTestGateway, startUpstream, type Echo } from '../helpers/servers.ts';
import { writePlugins } from '../helpers/plugins.ts';
import { send } from './kong-client.ts';

const SPEC07 = 'spec/02-integration/05-proxy/07-upstream_timeouts_spec.lua';
const SPEC08 = 'spec/02-integration/05-proxy/08-uri_encoding_spec.lua';

// Kong's spec connects to a blackhole (konghq.com:81); this machine's network accepts every connection, so the
// stand-in is a TCP server that never answers a TLS handshake: nginx's proxy_connect_timeout covers the
// handshake too, as the gateway's connect timeout does.
const sockets = new Set<Socket>();
const mute = createServer((s) => {
  sockets.add(s);
  s.on('error', () => undefined);
  s.on('close', () => sockets.delete(s));
});
await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
const mutePort = (mute.address() as AddressInfo).port;
const upstream = await startUpstream((req, res) => {
  const delay = /^\/delay\/(\d+)/.exec(req.url ?? '');
  if (delay) {
    // Seconds, as Kong's /delay/:n: the gateway's read timeout (undici's timers) fires up to a second late.
    setTimeout(() => res.end("late"), Number(delay[1]) * 1000);
    return;
  }
  // /post: reads nothing, so the gateway's writes stall once the socket buffers are full.
  if (req.url === '/post') return;
  req.resume();
  req.on('end', () => {
    const echo: Partial<Echo> = { url: req.url ?? '' };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(echo));
  });
});

// Kong's ctx-checker-last fixture shows ctx.balancer_data in a response header; the tries of the log record are
// the same data here (state and code of each try).
const pluginsPath = writePlugins([
  { name: 'pre-function-buffering', handler: "export default { version: '1.0.0', priority: 1000000, access(kong) { kong.service.request.enableBuffering(); } };\n" },
  { name: 'ctx-checker-last', handler: "export default { version: '1.0.0', priority: -1000000, headerFilter(kong) { kong.response.setHeader('ctx-checker-last-tries', JSON.stringify(kong.log.serialize().tries)); } };\n" },
]);
const gw = await startTestGateway(`_format_version: "3.0"
services:
- { name: api-1, url: "https://127.0.0.1:${mutePort}", connect_timeout: 1, routes: [{ methods: [HEAD] }] }
- { name: api-2, url: "http://127.0.0.1:${upstream.port}", write_timeout: 1, routes: [{ methods: [POST] }] }
- name: api-3
  url: "http://127.0.0.1:${upstream.port}"
  read_timeout: 1
  routes: [{ methods: [GET], paths: [/delay] , strip_path: false }]
  plugins: [{ name: ctx-checker-last }]
- name: api-4
  url: "https://127.0.0.1:${mutePort}"
  connect_timeout: 1
  routes: [{ methods: [PUT] }]
  plugins: [{ name: pre-function-buffering }]
- name: mock
  url: http://127.0.0.1:${upstream.port}
  routes:
  - { hosts: [mock_upstream] }
  - { protocols: [http], paths: [/request], strip_path: false }
  - { protocols: [http], paths: [/stripped-path], strip_path: true }
`, { plugins: ['bundled', 'pre-function-buffering', 'ctx-checker-last'], pluginsPath: [pluginsPath] });
after(async () => {
  await gw.stop();
  await upstream.close();
  for (const s of sockets) s.destroy();
  mute.close();
});

const huge = () => JSON.stringify({ huge: 'a'.repeat(2 ** 25) });

test(`${SPEC07}:133 upstream_connect_timeout: sets upstream connect timeout value`, async () => {
  const r = await send(gw.port, '/', {}, 'HEAD');
  assert.equal(r.status, 504);
});

test(`${SPEC07}:144 upstream_read_timeout: sets upstream read timeout value`, async () => {
  const r = await send(gw.port, '/delay/2');
  assert.equal(r.status, 504);
});

test(`${SPEC07}:152 upstream_read_timeout: sets status for last try`, { timeout: 30_000 }, async () => {
  const r = await send(gw.port, '/delay/2');
  assert.equal(r.status, 504);
  const tries = JSON.parse(String(r.headers['ctx-checker-last-tries'])) as { state?: string; code?: number }[];
  // A read timeout is retried as nginx's proxy_next_upstream does: the first try and the service's 5 retries.
  assert.equal(tries.length, 6, JSON.stringify(tries));
  for (const t of tries) assert.deepEqual([t.state, t.code], ['failed', 504], JSON.stringify(tries));
});

test(`${SPEC07}:175 upstream_send_timeout: sets upstream send timeout value`, async () => {
  const res = await request(`${gw.url}/post`, { method: 'POST', body: huge(), headers: { 'content-type': 'application/json' } });
  await res.body.text();
  assert.equal(res.statusCode, 504);
});

test(`${SPEC07}:192 upstream_connect_timeout with enable_buffering`, async () => {
  const res = await request(`${gw.url}/put`, { method: 'PUT', body: huge(), headers: { 'content-type': 'application/json' } });
  await res.body.text();
  assert.equal(res.statusCode, 504);
});

const urlOf = async (path: string, host?: string) => {
  const r = await send(gw.port, path, host ? { Host: host } : {});
  assert.equal(r.status, 200, r.body);
  return (JSON.parse(r.body) as Echo).url;
};

test(`${SPEC08}:46 issue #1975 does not double percent-encode proxied args`, async () => {
  const url = await urlOf('/get?limit=25&where=%7B%22or%22:%5B%7B%22name%22:%7B%22like%22:%22%25bac%25%22%7D%7D%5D%7D', 'mock_upstream');
  const args = new URL(url, 'http://x').searchParams;
  assert.equal(args.get('limit'), '25');
  assert.equal(args.get('where'), '{"or":[{"name":{"like":"%bac%"}}]}');
});

test(`${SPEC08}:64 issue #1480 does not percent-encode args unnecessarily`, async () => {
  assert.equal(await urlOf('/request?param=1.2.3', 'mock_upstream'), '/request?param=1.2.3');
});

test(`${SPEC08}:83 issue #749 does not decode percent-encoded args`, async () => {
  assert.equal(await urlOf('/request?param=abc%7Cdef', 'mock_upstream'), '/request?param=abc%7Cdef');
});

test(`${SPEC08}:100 issue #688 does not percent-decode proxied URLs`, async () => {
  assert.equal(await urlOf('/request/foo%2Fbar', 'mock_upstream'), '/request/foo%2Fbar');
});

test(`${SPEC08}:117 issue #2512 does not double percent-encode upstream URLs`, async () => {
  assert.ok((await urlOf('/request/auth%2F123', 'mock_upstream')).includes('/request/auth%2F123'), 'with hosts matching');
  assert.ok((await urlOf('/request/auth%2F123')).includes('/request/auth%2F123'), 'with paths matching');
  assert.ok((await urlOf('/stripped-path/request/auth%2F123')).includes('/request/auth%2F123'), 'with paths matching and strip_path');
});

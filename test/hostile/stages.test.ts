// Faults injected at every stage of a request (routing, plugin plans, the upstream call, the answer), an HTTPS
// client that sends no SNI, and Expect: 100-continue. Each fault costs its request Kong's 500 and a log line with
// the request id and the stage; the gateway keeps serving.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { request } from 'undici';
import { raw, recordingUpstream, statuses } from '../helpers/raw.ts';
import { recordingLogger, startTestGateway } from '../helpers/servers.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url), 'utf8');
const upstream = await recordingUpstream();
const { log, lines } = recordingLogger();
const config = `_format_version: "3.0"
certificates:
- cert: ${JSON.stringify(fixture('rsa.crt'))}
  key: ${JSON.stringify(fixture('rsa.key'))}
  snis: [a.example.com]
services:
- name: s
  url: http://127.0.0.1:${upstream.port}
  routes:
  - { name: any, paths: [/] }
  - name: limited
    paths: [/limited]
    plugins: [{ name: request-size-limiting, config: { allowed_payload_size: 10, size_unit: bytes } }]
`;
const gw = await startTestGateway(config, {}, log);
const tlsGw = await startTestGateway(config, { proxyListen: ['127.0.0.1:0 ssl'] }, log);
const quietGw = await startTestGateway(config, { headers: ['off'] }, log);
after(async () => {
  await gw.stop();
  await tlsGw.stop();
  await quietGw.stop();
  await upstream.close();
});

async function get(url: string) {
  const res = await request(url);
  return { status: res.statusCode, id: res.headers['x-kong-request-id'], text: await res.body.text() };
}

test('an HTTPS request without SNI (a client using an address) is served; the process is not taken down', async () => {
  const answer = await new Promise<string>((resolve, reject) => {
    // Connecting by address: Node sends no SNI, and the gateway sees servername === false.
    const socket = connect({ host: '127.0.0.1', port: tlsGw.port, rejectUnauthorized: false }, () => {
      socket.write('GET /no-sni HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    });
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (text += d));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
  assert.deepEqual(statuses(answer), [200]);
  assert.equal((await get(`${gw.url}/still`)).status, 200);
});

/** Replaces one function of the current snapshot (or the gateway) with one that throws, for one request. */
async function injected(target: Record<string, unknown>, name: string, path: string, stage: string) {
  const original = target[name];
  target[name] = () => {
    throw new Error(`injected in ${name}`);
  };
  try {
    const r = await get(`${gw.url}${path}`);
    assert.equal(r.status, 500, `${name}: Kong's 500`);
    assert.equal(JSON.parse(r.text).message, 'An unexpected error occurred');
    const line = lines.find((l) => l.request_id === r.id && l.msg === 'request failed');
    assert.ok(line, `${name}: a log line with the request id`);
    assert.equal(line.stage, stage);
    assert.equal(line.err, `injected in ${name}`);
  } finally {
    target[name] = original;
  }
  assert.equal((await get(`${gw.url}/after-${name}`)).status, 200, 'the next request is served');
}

test('a throw while routing, planning plugins or building the upstream call: 500 for that request only', async () => {
  const snapshot = gw.gateway.store.current() as unknown as Record<'router' | 'plugins' | 'upstreamTls' | 'upstreams', Record<string, unknown>>;
  await injected(snapshot.router, 'match', '/r', 'route');
  await injected(snapshot.plugins, 'forRoute', '/p', 'route');
  await injected(snapshot.upstreams, 'has', '/h', 'upstream');
  await injected(snapshot.upstreamTls, 'get', '/u', 'upstream');
});

test("a throw before the request's facts exist: Kong's plain 500, with Kong's own headers as --headers has them", async () => {
  for (const [target, own] of [[gw, true], [quietGw, false]] as const) {
    const store = target.gateway.store as unknown as { current: () => unknown };
    store.current = () => {
      throw new Error('injected in current');
    };
    try {
      const res = await request(`${target.url}/arrival`);
      const text = await res.body.text();
      assert.equal(res.statusCode, 500);
      assert.equal(JSON.parse(text).message, 'An unexpected error occurred');
      assert.equal(res.headers['content-length'], String(Buffer.byteLength(text)));
      assert.equal(typeof res.headers['x-kong-request-id'], own ? 'string' : 'undefined', 'X-Kong-Request-Id only when --headers has it');
      assert.equal(res.headers.server !== undefined, own, 'Server only when --headers has server_tokens');
      assert.equal(res.headers['x-kong-response-latency'] !== undefined, own, 'X-Kong-Response-Latency only when --headers has latency_tokens');
      if (own) assert.ok(lines.some((l) => l.request_id === res.headers['x-kong-request-id'] && l.stage === 'arrival' && l.err === 'injected in current'));
    } finally {
      delete (store as { current?: unknown }).current;
    }
    assert.equal((await get(`${target.url}/after-arrival`)).status, 200, 'the next request is served');
  }
});

test('Expect: 100-continue with the body sent at once: proxied, Expect not forwarded (undici would refuse it)', async () => {
  const r = await raw(gw.port, 'POST /upload HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello', { waitMs: 3000 });
  assert.match(r.text, /HTTP\/1\.1 200 /);
  const seen = upstream.seen.at(-1)!;
  assert.equal(seen.url, '/upload');
  assert.equal(seen.headers.expect, undefined);
});

test('Expect: 100-continue from a client that waits: 100 Continue when the body is wanted, then the answer', async () => {
  const r = await raw(gw.port, 'POST /wait HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\n', {
    waitMs: 3000,
    later: [{ afterMs: 200, data: 'hello' }],
  });
  assert.deepEqual(statuses(r.text), [100, 200]);
});

test('request-size-limiting answers 417 to a declared length over its limit, before any 100 Continue', async () => {
  const r = await raw(gw.port, 'POST /limited HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 100\r\n\r\n', { waitMs: 2000 });
  assert.deepEqual(statuses(r.text), [417]);
  assert.match(r.text, /Request size limit exceeded/);
  assert.match(r.text, /\r\nconnection: close\r\n/i, 'the body it never asked for is not waited for: the connection closes');
});

test('Expect: 100-continue on a request without a body: the connection stays open for the next request', async () => {
  for (const framing of ['', 'Content-Length: 0\r\n']) {
    const r = await raw(gw.port, `GET /no-body HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n${framing}\r\nGET /second HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`, { waitMs: 3000 });
    assert.deepEqual(statuses(r.text).filter((s) => s !== 100), [200, 200], `${framing || 'no framing'}: both requests answered on one connection`);
    assert.doesNotMatch(r.text.split('\r\n\r\n')[0]!, /\r\nconnection: close/i, 'the first answer keeps the connection');
  }
});

test('an Expect nginx does not know is ignored, not answered 417', async () => {
  const r = await raw(gw.port, 'GET /odd-expect HTTP/1.1\r\nHost: a\r\nExpect: something-else\r\nConnection: close\r\n\r\n', { waitMs: 2000 });
  assert.deepEqual(statuses(r.text), [200]);
});

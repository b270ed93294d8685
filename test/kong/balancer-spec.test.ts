// Ported rows of Kong 3.10's spec/02-integration/05-proxy/10-balancer/ (and 03-upstream_headers_spec.lua's
// host_header row): retries after a timeout or a dropped connection, the Host of each try, the upstream's
// host_header, and consistent hashing when the value to hash is missing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startTestGateway, startUpstream, type TestGateway, type Upstream } from '../helpers/servers.ts';
import { send } from './kong-client.ts';

const RECREATE = 'spec/02-integration/05-proxy/10-balancer/05-recreate-request_spec.lua';
const HASHING = 'spec/02-integration/05-proxy/10-balancer/03-consistent-hashing_spec.lua';
const HEALTH = 'spec/02-integration/05-proxy/10-balancer/01-healthchecks_spec.lua';
const HEADERS = 'spec/02-integration/05-proxy/03-upstream_headers_spec.lua';

const stops: (() => Promise<void>)[] = [];
after(async () => {
  for (const stop of stops.reverse()) await stop();
});
async function upstream(handler: (req: IncomingMessage, res: ServerResponse) => void, name: string): Promise<Upstream> {
  const u = await startUpstream(handler, name);
  stops.push(() => u.close());
  return u;
}
async function gateway(yaml: string): Promise<TestGateway> {
  const gw = await startTestGateway(`_format_version: "3.0"\n${yaml}`);
  stops.push(() => gw.stop());
  return gw;
}
const sayHost = (req: IncomingMessage, res: ServerResponse) => {
  req.resume();
  res.end(`host is: ${req.headers.host}`);
};

test(`${RECREATE}:76 balancer retry updates Host header in request buffer`, async () => {
  const slow = await upstream((_req, res) => void setTimeout(() => res.end('late'), 1500), 'slow');
  const fast = await upstream(sayHost, 'fast');
  const gw = await gateway(`upstreams:
- name: recreate
  targets: [{ target: "127.0.0.1:${slow.port}" }, { target: "127.0.0.1:${fast.port}" }]
services:
- { name: s, host: recreate, read_timeout: 500, routes: [{ paths: [/] }] }
`);
  // Round-robin: one of the two requests tries the slow target first, times out, and is tried on the other.
  for (let i = 0; i < 2; i++) {
    const r = await send(gw.port, '/recreate_test');
    assert.equal(r.status, 200);
    assert.equal(r.body, `host is: 127.0.0.1:${fast.port}`);
  }
  assert.ok(slow.requests.length >= 1, 'a request went to the slow target first, and was tried again');
});

test(`${RECREATE}:106 balancer retry doesn't update Host if preserve_host is true`, async () => {
  const slow = await upstream((_req, res) => void setTimeout(() => res.end('late'), 1500), 'slow');
  const fast = await upstream(sayHost, 'fast');
  const gw = await gateway(`upstreams:
- name: recreate
  targets: [{ target: "127.0.0.1:${slow.port}" }, { target: "127.0.0.1:${fast.port}" }]
services:
- { name: s, host: recreate, read_timeout: 500, routes: [{ paths: [/], hosts: [test.test], preserve_host: true }] }
`);
  for (let i = 0; i < 2; i++) {
    const r = await send(gw.port, '/recreate_test', { Host: 'test.test' });
    assert.equal(r.status, 200);
    assert.equal(r.body, 'host is: test.test');
  }
});

test(`${HEADERS}:1283 host_header should be set correctly when retries to upstream happen`, async () => {
  let count = 0;
  // Every other request has its connection closed without an answer (ngx.exit(ngx.HTTP_CLOSE)).
  const flaky = await upstream((req, res) => {
    count++;
    if (count % 2 !== 0) {
      req.socket.destroy();
      return;
    }
    res.end(String(req.headers.host).replace(/:\d+$/, ''));
  }, 'flaky');
  const gw = await gateway(`upstreams:
- name: foo
  host_header: foo.com
  targets: [{ target: "127.0.0.1:${flaky.port}", weight: 50 }]
services:
- { name: retry_service, host: foo, retries: 5, routes: [{ paths: [/hello], strip_path: false }] }
`);
  const r = await send(gw.port, '/hello');
  assert.equal(r.status, 200);
  assert.equal(r.body, 'foo.com');
});

test(`${HEALTH}:828 properly set the host header (upstream host_header)`, async () => {
  const target = await upstream((req, res) => {
    req.resume();
    // As the spec's https_server with check_hostname: nginx's $host, without the port.
    res.statusCode = String(req.headers.host).replace(/:\d+$/, '') === 'localhost' ? 200 : 400;
    res.end();
  }, 'target');
  const gw = await gateway(`upstreams:
- { name: hh, host_header: localhost, targets: [{ target: "127.0.0.1:${target.port}" }] }
services:
- { name: s, host: hh, routes: [{ paths: [/] }] }
`);
  for (let i = 0; i < 5; i++) assert.equal((await send(gw.port, '/')).status, 200);
  assert.equal(target.requests.length, 5);
});

// Consistent hashing: two targets; every request of a row must land on one of them.
async function hashingGateway(upstreamFields: string, routePath = '/'): Promise<{ gw: TestGateway; hits: () => number[] }> {
  const a = await upstream(sayHost, 'a');
  const b = await upstream(sayHost, 'b');
  const gw = await gateway(`upstreams:
- name: hashed
  algorithm: consistent-hashing
  ${upstreamFields}
  targets: [{ target: "127.0.0.1:${a.port}" }, { target: "127.0.0.1:${b.port}" }]
services:
- { name: s, host: hashed, routes: [{ paths: ["${routePath}"] }] }
`);
  return { gw, hits: () => [a.requests.length, b.requests.length] };
}
const oneTarget = (hits: number[], total: number) => assert.ok(hits.includes(total) && hits.includes(0), `all on one target: ${hits.join(', ')}`);

test(`${HASHING}:150 hashing on missing header`, async () => {
  const { gw, hits } = await hashingGateway('hash_on: header\n  hash_on_header: hashme');
  for (let i = 0; i < 20; i++) assert.equal((await send(gw.port, '/', { nothashme: 'just a value' })).status, 200);
  oneTarget(hits(), 20);
});

test(`${HASHING}:351 hashing on path as a fallback`, async () => {
  const { gw, hits } = await hashingGateway('hash_on: header\n  hash_on_header: my-nonexistent-header\n  hash_fallback: path');
  for (let i = 0; i < 10; i++) assert.equal((await send(gw.port, `/my-path?a=${i}`)).status, 200);
  oneTarget(hits(), 10);
});

test(`${HASHING}:373 hashing on uri_capture: missing`, async () => {
  const { gw, hits } = await hashingGateway('hash_on: uri_capture\n  hash_on_uri_capture: namespace', '~/(?<namespace>[a-z-]+)?');
  for (let i = 0; i < 10; i++) assert.equal((await send(gw.port, '/')).status, 200);
  oneTarget(hits(), 10);
});

test(`${HASHING}:380 hashing on uri_capture: missing w/ fallback`, async () => {
  const { gw, hits } = await hashingGateway('hash_on: uri_capture\n  hash_on_uri_capture: namespace\n  hash_fallback: query_arg\n  hash_fallback_query_arg: test', '~/(?<namespace>[a-z-]+)?');
  for (let i = 0; i < 10; i++) assert.equal((await send(gw.port, '/?test=1')).status, 200);
  oneTarget(hits(), 10);
});

test(`${HASHING}:407 hashing on a query string arg when the arg is not present in request`, async () => {
  const { gw, hits } = await hashingGateway('hash_on: query_arg\n  hash_on_query_arg: hashme');
  for (let i = 0; i < 10; i++) assert.equal((await send(gw.port, `/?other=${i}`)).status, 200);
  oneTarget(hits(), 10);
});

test(`${HASHING}:437 multiple args are sorted and concatenated (any order, one target)`, async () => {
  const a = await upstream(sayHost, 'a');
  const b = await upstream(sayHost, 'b');
  const gw = await gateway(`upstreams:
- name: hashed
  algorithm: consistent-hashing
  hash_on: query_arg
  hash_on_query_arg: foo
  targets: [{ target: "127.0.0.1:${a.port}" }, { target: "127.0.0.1:${b.port}" }]
services:
- { name: s, host: hashed, routes: [{ paths: [/] }] }
`);
  // For each set of values, every order must go to the target the sorted order goes to.
  for (let set = 0; set < 12; set++) {
    const values = [`x${set}`, `a${set}`, `m${set}`];
    const orders = [values, [...values].reverse(), [values[1]!, values[2]!, values[0]!]];
    const targets = new Set<number>();
    for (const order of orders) {
      const before = a.requests.length;
      assert.equal((await send(gw.port, `/?${order.map((v) => `foo=${v}`).join('&')}`)).status, 200);
      targets.add(a.requests.length > before ? 0 : 1);
    }
    assert.equal(targets.size, 1, `values ${values.join(',')} went to one target whatever their order`);
  }
});

test(`${HASHING}:414 hashing on a query arg without a value (boolean) is hashed as "true"`, async () => {
  const { gw, hits } = await hashingGateway('hash_on: query_arg\n  hash_on_query_arg: hashme');
  for (let i = 0; i < 6; i++) assert.equal((await send(gw.port, `/?hashme&i=${i}`)).status, 200);
  for (let i = 0; i < 6; i++) assert.equal((await send(gw.port, `/?hashme=true&i=${i}`)).status, 200);
  oneTarget(hits(), 12);
});

test(`${HEALTH}:2227 perform passive health checks -- connection timeouts`, async () => {
  const s1 = await upstream(sayHost, 's1');
  let timeoutNext = false;
  let s2fails = 0;
  const s2 = await upstream((req, res) => {
    req.resume();
    if (timeoutNext) {
      // Once: slower than read_timeout; then it would answer again (but gets no traffic).
      timeoutNext = false;
      s2fails++;
      setTimeout(() => res.end('late'), 2500);
      return;
    }
    res.end('ok');
  }, 's2');
  const gw = await gateway(`upstreams:
- name: passive
  healthchecks: { passive: { unhealthy: { timeouts: 1 } } }
  targets: [{ target: "127.0.0.1:${s1.port}" }, { target: "127.0.0.1:${s2.port}" }]
services:
- { name: s, host: passive, read_timeout: 500, write_timeout: 2000, routes: [{ paths: [/] }] }
`);
  let oks = 0;
  for (let i = 0; i < 4; i++) if ((await send(gw.port, '/')).status === 200) oks++;
  assert.equal(s2.requests.length, 2, 'both targets take requests');
  timeoutNext = true;
  for (let i = 0; i < 6; i++) if ((await send(gw.port, '/')).status === 200) oks++;
  assert.equal(oks, 10, 'the timed-out request was tried again on the other target');
  assert.equal(s2fails, 1);
  assert.equal(s2.requests.length, 3, 'after one timeout, the target gets no more traffic');
  assert.equal(s1.requests.length, 8, 'the other target takes the rest, the retry included');
});

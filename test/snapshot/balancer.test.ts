// The balancing algorithms on their own: weights, consistency, fallback, least-connections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { consistentHashing, latency, leastConnections, roundRobin, type BalanceContext } from '../../src/snapshot/balancer.ts';
import { loadValid } from '../helpers/config.ts';

const config = loadValid(`_format_version: "3.0"
upstreams:
- name: hashed
  hash_on: header
  hash_on_header: x-user
  hash_fallback: ip
  targets: [{ target: "10.0.0.1:80" }, { target: "10.0.0.2:80" }, { target: "10.0.0.3:80" }]
- name: weighted
  targets: [{ target: "10.0.0.1:80", weight: 10 }, { target: "10.0.0.2:80", weight: 30 }, { target: "10.0.0.3:80", weight: 0 }]
`);
const upstream = (name: string) => config.upstreams.find((u) => u.name === name)!;
const targetsOf = (name: string) => config.targets.filter((t) => t.upstream?.id === upstream(name).id);
const none = new Set<string>();

const ctx = (over: Partial<BalanceContext> & { headers?: Record<string, string> } = {}): BalanceContext => ({
  clientIp: '192.0.2.1', path: '/', consumerId: undefined,
  header: (n) => over.headers?.[n], cookie: () => undefined, queryArg: () => undefined, uriCapture: () => undefined, setCookie: () => undefined,
  ...over,
});

test('hash_on implies consistent-hashing (Kong\'s shorthand)', () => {
  assert.equal(upstream('hashed').algorithm, 'consistent-hashing');
});

test('round-robin: by weight, weight 0 never chosen', () => {
  const b = roundRobin(targetsOf('weighted'), () => 0);
  const counts: Record<string, number> = {};
  for (let i = 0; i < 400; i++) {
    const p = b.next(none)!;
    counts[p.target] = (counts[p.target] ?? 0) + 1;
  }
  assert.deepEqual(counts, { '10.0.0.1:80': 100, '10.0.0.2:80': 300 });
});

test('consistent-hashing: a key keeps its target; keys spread; retries move along the ring', () => {
  const b = consistentHashing(upstream('hashed'), targetsOf('hashed'));
  const first = b.next(none, ctx({ headers: { 'x-user': 'alice' } }))!;
  for (let i = 0; i < 20; i++) assert.equal(b.next(none, ctx({ headers: { 'x-user': 'alice' } }))!.target, first.target);
  const spread = new Set<string>();
  for (let i = 0; i < 200; i++) spread.add(b.next(none, ctx({ headers: { 'x-user': `user-${i}` } }))!.target);
  assert.equal(spread.size, 3);
  const retry = b.next(new Set([first.target]), ctx({ headers: { 'x-user': 'alice' } }))!;
  assert.notEqual(retry.target, first.target);
});

test('consistent-hashing: removing a target moves only its keys', () => {
  const all = consistentHashing(upstream('hashed'), targetsOf('hashed'));
  const fewer = consistentHashing(upstream('hashed'), targetsOf('hashed').filter((t) => t.target !== '10.0.0.3:80'));
  let moved = 0;
  for (let i = 0; i < 300; i++) {
    const c = ctx({ headers: { 'x-user': `u${i}` } });
    const before = all.next(none, c)!.target;
    const after = fewer.next(none, c)!.target;
    if (before !== '10.0.0.3:80' && before !== after) moved++;
  }
  assert.equal(moved, 0);
});

test('consistent-hashing: without the header, the fallback (client ip) decides', () => {
  const b = consistentHashing(upstream('hashed'), targetsOf('hashed'));
  const a = b.next(none, ctx({ clientIp: '198.51.100.4' }))!.target;
  for (let i = 0; i < 10; i++) assert.equal(b.next(none, ctx({ clientIp: '198.51.100.4' }))!.target, a);
});

test('least-connections: requests in flight steer new ones away', () => {
  const b = leastConnections(targetsOf('hashed'));
  const held = [b.next(none)!, b.next(none)!];
  const third = b.next(none)!;
  assert.equal(new Set([...held, third].map((p) => p.target)).size, 3, 'each target gets one');
  b.release(held[0]!);
  assert.equal(b.next(none)!.target, held[0]!.target, 'the freed one is least loaded');
});

test('latency: every target is tried first, then the fastest takes the traffic; a slow answer counts at once', () => {
  let clock = 1_000;
  const b = latency(targetsOf('hashed'), () => clock);
  const first = [b.next(none)!, b.next(none)!, b.next(none)!];
  assert.equal(new Set(first.map((p) => p.target)).size, 3, 'no latency known yet: each target once');
  const ms: Record<string, number> = { '10.0.0.1:80': 50, '10.0.0.2:80': 5, '10.0.0.3:80': 20 };
  for (const p of first) b.release(p, ms[p.target]);
  clock += 100;
  const next = b.next(none)!;
  assert.equal(next.target, '10.0.0.2:80');
  // The fast one turns slow: its peak counts immediately, and traffic moves to the next fastest.
  b.release(next, 400);
  assert.equal(b.next(none)!.target, '10.0.0.3:80');
});

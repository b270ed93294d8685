// The PDK on stream connections (Kong's stream subsystem): what works, and what throws naming itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { pino } from 'pino';
import { StreamState } from '../../src/pdk/stream-state.ts';
import { compileSnapshot } from '../../src/snapshot/snapshot.ts';
import { loadValid } from '../helpers/config.ts';

const snapshot = compileSnapshot(loadValid('_format_version: "3.0"\nupstreams: [{ name: up }]\n'), 'h', new Map());
const state = () => new StreamState({
  peerIp: '192.0.2.7', peerPort: 40000, credentials: snapshot.credentials, startedAt: 1_700_000_000_000, log: pino({ level: 'silent' }), connectionId: '1',
  hasUpstream: (name) => snapshot.upstreams.has(name), serialize: () => ({ session: { status: 200 } }),
  measures: { latencies: () => ({ request: 5, proxy: -1, kong: 1 }), sizes: () => ({ request: 10, response: 20 }) },
});

test("kong/pdk/response.lua (stream) exit: Kong's stream codes only; a body is kept for the session", () => {
  const s = state();
  s.phase = 'preread';
  const kong = s.forPlugin('p', 'p');
  assert.throws(() => kong.response.exit(404), /unacceptable code, only 200, 400, 403, 500, 502 and 503 are accepted/);
  kong.response.exit(200, { ok: true });
  assert.deepEqual(s.exit, { status: 200, body: '{"ok":true}', kind: 'exit' });
  assert.equal(kong.response.getStatus(), 200);
  assert.equal(kong.response.getSource(), 'exit');
});

test('preread-only calls throw in the log phase; serialize only there', () => {
  const s = state();
  s.phase = 'preread';
  const kong = s.forPlugin('p', 'p');
  assert.throws(() => kong.log.serialize(), /kong\.log\.serialize: function cannot be called in preread phase/);
  assert.equal(kong.service.setUpstream('up'), true);
  assert.equal(kong.service.setUpstream('nope'), false);
  assert.deepEqual(s.upstreamOverride, { kind: 'upstream', name: 'up' });
  s.phase = 'log';
  assert.throws(() => kong.response.exit(200), /kong\.response\.exit: function cannot be called in log phase \(only in: preread\)/);
  assert.throws(() => kong.service.setTarget('a', 1), /only in: preread/);
  assert.deepEqual(kong.log.serialize(), { session: { status: 200 } });
  kong.log.setSerializeValue('extra.note', 'x');
  assert.deepEqual(kong.log.serialize(), { session: { status: 200 }, extra: { note: 'x' } });
});

test('what belongs to HTTP requests throws, naming the call; the client, router and start time work', () => {
  const kong = state().forPlugin('p', 'p');
  assert.throws(() => kong.request.getHeader('host'), /kong\.request\.getHeader: not available on stream connections/);
  assert.throws(() => kong.service.request.setHeader('a', 'b'), /kong\.service\.request\.setHeader: not available on stream connections/);
  assert.throws(() => kong.response.setHeader('a', 'b'), /kong\.response\.setHeader: not available on stream connections/);
  assert.equal(kong.request.getStartTime(), 1_700_000_000_000);
  assert.equal(kong.client.getIp(), '192.0.2.7');
  assert.equal(kong.client.getForwardedIp(), '192.0.2.7');
  assert.equal(kong.client.getPort(), 40000);
  assert.equal(kong.router.getRoute(), null);
  assert.deepEqual(kong.log.getSizes(), { request: 10, response: 20 });
  // Inspecting or awaiting a namespace does not throw.
  assert.match(inspect(kong.request), /getStartTime/);
  assert.equal((kong.request as unknown as { then?: unknown }).then, undefined);
});

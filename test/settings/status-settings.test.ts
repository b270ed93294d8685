// --access-log (Kong's proxy_access_log): default, Kong's names, refusals; Kong's readiness verdicts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveSettings } from '../../src/settings/settings.ts';
import { readiness } from '../../src/status/readiness.ts';

test('proxy_access_log: off by default; stdout, /dev/stdout, a path; KONG_PROXY_ACCESS_LOG; a custom format is refused', () => {
  assert.deepEqual(resolveSettings({}, {}).accessLog, { kind: 'off' });
  assert.deepEqual(resolveSettings({ accessLog: 'stdout' }, {}).accessLog, { kind: 'stdout' });
  assert.deepEqual(resolveSettings({}, { KONG_PROXY_ACCESS_LOG: '/dev/stdout' }).accessLog, { kind: 'stdout' });
  assert.deepEqual(resolveSettings({}, { GATEWAY_PROXY_ACCESS_LOG: 'logs/access.log' }).accessLog, { kind: 'file', path: 'logs/access.log' });
  assert.deepEqual(resolveSettings({ accessLog: 'off' }, { KONG_PROXY_ACCESS_LOG: '/var/log/a.log' }).accessLog, { kind: 'off' });
  assert.throws(() => resolveSettings({ accessLog: 'logs/access.log apigw_json' }, {}), /--access-log: custom log formats and nginx access_log options are not supported/);
});

test("kong/status/ready.lua's verdicts, in its order and words", () => {
  const facts = { draining: false, workersReady: 2, workers: 2, emptyConfig: false };
  assert.deepEqual(readiness(facts), { ready: true, message: 'ready' });
  assert.deepEqual(readiness({ ...facts, workersReady: 1 }), { ready: false, message: 'router builds not yet complete, router ready in 1 of 2 workers' });
  assert.deepEqual(readiness({ ...facts, emptyConfig: true }), { ready: false, message: 'no configuration available (empty configuration present)' });
  assert.deepEqual(readiness({ ...facts, draining: true, workersReady: 0, emptyConfig: true }), { ready: false, message: 'draining' });
});

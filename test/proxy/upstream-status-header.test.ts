// --headers X-Kong-Upstream-Status (Kong's headers setting): the upstream's status on proxied answers, and only
// the headers asked for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startRoutes } from '../helpers/servers.ts';

const { gw } = await startRoutes('  - { name: r, paths: [/r] }\n', { headers: ['X-Kong-Upstream-Status'] });

test('X-Kong-Upstream-Status carries the upstream status; Via and the latency headers are not sent', async () => {
  const res = await request(`${gw.url}/r`);
  await res.body.text();
  assert.equal(res.headers['x-kong-upstream-status'], '200');
  for (const name of ['via', 'x-kong-upstream-latency', 'x-kong-proxy-latency', 'x-kong-request-id']) assert.equal(res.headers[name], undefined, name);
});

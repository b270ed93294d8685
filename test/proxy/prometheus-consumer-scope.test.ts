// prometheus scoped to a consumer, as Kong allows (its schema has no `no_consumer`; decK's
// tests/integration/testdata/sync/xxx-plugins-on-entities/kong.yaml does it): only that consumer's requests count.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startTestGateway, startUpstream } from '../helpers/servers.ts';

const upstream = await startUpstream();
const gw = await startTestGateway(`_format_version: "3.0"
services:
- name: scoped-prom
  url: http://127.0.0.1:${upstream.port}
  routes:
  - name: scoped-prom-route
    paths: [/]
plugins:
- name: key-auth
consumers:
- username: prom-alice
  keyauth_credentials: [{ key: alice-key }]
  plugins:
  - name: prometheus
    config: { status_code_metrics: true, per_consumer: true }
- username: prom-bob
  keyauth_credentials: [{ key: bob-key }]
`);
after(async () => {
  await gw.stop();
  await upstream.close();
});

async function get(key: string): Promise<number> {
  const res = await request(`${gw.url}/`, { headers: { apikey: key } });
  await res.body.dump();
  return res.statusCode;
}

test('a consumer-scoped prometheus counts that consumer only', async () => {
  assert.equal(await get('bob-key'), 200);
  assert.equal(await get('bob-key'), 200);
  assert.equal(await get('alice-key'), 200);
  const line = (text: string) => text.split('\n').find((l) => l.startsWith('kong_http_requests_total{') && l.includes('service="scoped-prom"') && l.includes('consumer="prom-alice"'));
  const deadline = Date.now() + 10_000;
  let text = '';
  while (Date.now() < deadline) {
    text = await (await request(`${gw.admin}/metrics`)).body.text();
    if (line(text)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.match(line(text) ?? '', / 1$/, text);
  assert.ok(!text.includes('consumer="prom-bob"'), 'bob is not counted');
  assert.ok(!text.split('\n').some((l) => l.includes('service="scoped-prom"') && l.includes('consumer=""')), 'nothing else is counted on that service');
});

// The admin API end to end: node info, status, read-only entities, Kong's 405s, schemas, GET/POST /config, metrics.
import { readFileSync } from 'node:fs';
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startTestGateway } from '../helpers/servers.ts';
import { loadValid } from '../helpers/config.ts';

const gw = await startTestGateway(`_format_version: "3.0"
services:
- name: orders
  url: http://127.0.0.1:9/v1
  routes:
  - { name: orders-a, paths: [/a] }
  - { name: orders-b, paths: [/b], plugins: [{ name: request-termination, config: { status_code: 418 } }] }
- name: billing
  url: http://127.0.0.1:9
upstreams:
- name: pool.internal
  targets: [{ target: "10.0.0.1:80" }, { target: "10.0.0.2:80" }]
consumers:
- username: alice
`);
after(() => gw.stop());

async function admin(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const res = await request(`${gw.admin}${path}`, { method: method as 'GET', body, headers });
  const text = await res.body.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { text };
  }
  return { status: res.statusCode, json, text, headers: res.headers };
}

test('GET /: version, node, plugins available and enabled', async () => {
  const r = await admin('GET', '/');
  assert.equal(r.status, 200);
  // decK and Kong's tools gate features on `version`: the Kong version whose behaviour the gateway follows.
  assert.equal(r.json.version, '3.10.0');
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.equal(r.json.gateway_version, pkg.version);
  const plugins = r.json.plugins as { available_on_server: Record<string, unknown>; enabled_in_cluster: string[] };
  assert.deepEqual(plugins.available_on_server['request-termination'], { version: '1.0.0', priority: 2 });
  assert.ok('key-auth' in plugins.available_on_server);
  assert.deepEqual(plugins.enabled_in_cluster, ['request-termination']);
});

test('GET /status: the configuration hash and the reload record', async () => {
  const r = await admin('GET', '/status');
  assert.match(String(r.json.configuration_hash), /^[0-9a-f]{32}$/);
  assert.equal(typeof (r.json.server as { connections_active: number }).connections_active, 'number');
});

test('entities: lists, by id or name, nested forms, pagination', async () => {
  const services = await admin('GET', '/services');
  assert.deepEqual((services.json.data as { name: string }[]).map((s) => s.name), ['orders', 'billing']);
  assert.equal(services.json.next, null);
  const one = await admin('GET', '/services/orders');
  assert.equal(one.json.path, '/v1');
  assert.deepEqual(await admin('GET', `/services/${String(one.json.id)}`).then((r) => r.json.name), 'orders');
  const routes = await admin('GET', '/services/orders/routes');
  assert.deepEqual((routes.json.data as { name: string }[]).map((r) => r.name), ['orders-a', 'orders-b']);
  const paged = await admin('GET', '/routes?size=1');
  assert.equal((paged.json.data as unknown[]).length, 1);
  const next = await admin('GET', String(paged.json.next));
  assert.deepEqual((next.json.data as { name: string }[]).map((r) => r.name), ['orders-b']);
  assert.equal(Array.isArray((await admin('GET', '/routes/orders-b/plugins')).json.data), true);
  assert.equal(((await admin('GET', '/upstreams/pool.internal/targets')).json.data as unknown[]).length, 2);
  assert.equal((await admin('GET', '/consumers/alice')).json.username, 'alice');
  assert.equal((await admin('GET', '/services/nope')).status, 404);
});

test("writes answer 405 with Kong's DB-less message", async () => {
  const created = await admin('POST', '/services', JSON.stringify({ name: 'x', host: 'x' }), { 'content-type': 'application/json' });
  assert.equal(created.status, 405);
  assert.deepEqual(created.json, { code: 12, name: 'operation unsupported', message: "cannot create 'services' entities when not using a database" });
  assert.equal((await admin('DELETE', '/routes/orders-a')).json.message, "cannot remove 'routes' entities when not using a database");
  assert.equal((await admin('PATCH', '/consumers/alice', '{}', { 'content-type': 'application/json' })).json.message, "cannot update 'consumers' entities when not using a database");
});

test('plugin lists and schemas', async () => {
  assert.ok(((await admin('GET', '/plugins/enabled')).json.enabled_plugins as string[]).includes('cors'));
  const schema = await admin('GET', '/schemas/plugins/key-auth');
  assert.deepEqual((schema.json.properties as { key_names: { default: string[] } }).key_names.default, ['apikey']);
  assert.equal((await admin('GET', '/schemas/plugins/nope')).status, 404);
});

test('GET /config exports a file that loads back to the same entities', async () => {
  const exported = await admin('GET', '/config');
  const text = String(exported.json.config);
  assert.match(text, /^_format_version: "3\.0"\n_transform: false\n/);
  const reloaded = loadValid(text);
  const current = gw.gateway.store.current().config;
  assert.deepEqual(reloaded.services, current.services);
  assert.deepEqual(reloaded.routes, current.routes);
  assert.deepEqual(reloaded.plugins, current.plugins);
  assert.deepEqual(reloaded.targets, current.targets);
});

test('POST /config: applied (201), an unchanged hash (304 with check_hash), refused with Kong\'s error shape (400)', async () => {
  const next = '_format_version: "3.0"\nroutes:\n- name: posted\n  paths: [/posted]\n  plugins: [{ name: request-termination, config: { status_code: 202 } }]\n';
  const applied = await admin('POST', '/config', next, { 'content-type': 'text/yaml' });
  assert.equal(applied.status, 201);
  assert.ok(applied.json.routes && typeof applied.json.routes === 'object');
  const proxied = await request(`${gw.url}/posted`);
  assert.equal(proxied.statusCode, 202, 'the proxy serves the posted config');
  await proxied.body.text();
  assert.equal((await admin('POST', '/config?check_hash=1', JSON.stringify({ config: next }), { 'content-type': 'application/json' })).status, 304);
  const refused = await admin('POST', '/config?flatten_errors=1', new URLSearchParams({ config: '_format_version: "3.0"\nroutes:\n- name: bad\n  paths: [oops]\n' }).toString(), { 'content-type': 'application/x-www-form-urlencoded' });
  assert.equal(refused.status, 400);
  assert.equal(refused.json.code, 14);
  assert.equal(refused.json.name, 'invalid declarative configuration');
  assert.deepEqual(refused.json.fields, { routes: [{ paths: ['must start with "/" or "~/"'] }] });
  assert.deepEqual(refused.json.flattened_errors, [{
    entity_type: 'route', entity_name: 'bad', entity: { name: 'bad', paths: ['oops'] },
    errors: [{ type: 'field', field: 'paths.0', message: 'must start with "/" or "~/"' }],
  }]);
  assert.deepEqual(refused.json.positions, ['<POST /config>:4:11 routes[0].paths[0]: must start with "/" or "~/"']);
  const still = await request(`${gw.url}/posted`);
  assert.equal(still.statusCode, 202, 'a refused config changes nothing');
  await still.body.text();
  const status = await admin('GET', '/status');
  assert.equal((status.json.reload as { result: string }).result, 'failed');
  assert.equal((await admin('POST', '/config', '', { 'content-type': 'text/yaml' })).json.message, 'expected a declarative configuration');
});

test('GET /metrics: reloads by result, the config hash, entity counts', async () => {
  const r = await admin('GET', '/metrics');
  assert.match(r.text, /^gateway_config_reloads_total\{result="applied"\} \d+$/m);
  assert.match(r.text, /^gateway_config_info\{hash="[0-9a-f]{32}"\} 1$/m);
  assert.match(r.text, /^gateway_config_entities\{type="routes"\} \d+$/m);
  assert.equal(r.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
});

// Kong's precedence among a plugin's instances, all twelve levels, with consumers identified by key-auth through
// kong.client.authenticate: for each level, a route/service/consumer/group set-up holding instances at that
// level and every lower one; the probe tells which instance ran.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startTestGateway, startUpstream, type Echo } from '../helpers/servers.ts';
import { writePlugins } from '../helpers/plugins.ts';

const dir = writePlugins([{
  name: 'scope-probe',
  config: { label: { type: 'string' } },
  // Below key-auth (1250): runs after the consumer is known.
  handler: `export default { version: '1.0.0', priority: 900, access(kong, config) { kong.service.request.setHeader('x-probe', config.label); } };\n`,
}]);

const LEVELS = [
  'consumer+route+service', 'consumer_group+route+service', 'consumer+route', 'consumer+service', 'consumer_group+route',
  'consumer_group+service', 'route+service', 'consumer', 'consumer_group', 'route', 'service', 'global',
] as const;

const upstream = await startUpstream();
const services: unknown[] = [];
const consumers: unknown[] = [];
const groups: unknown[] = [];
const plugins: unknown[] = [{ name: 'key-auth' }, { name: 'scope-probe', config: { label: 'L12' } }];
for (let i = 1; i <= 12; i++) {
  services.push({ name: `s${i}`, url: `http://127.0.0.1:${upstream.port}`, routes: [{ name: `r${i}`, paths: [`/p${i}`] }] });
  consumers.push({ username: `c${i}`, keyauth_credentials: [{ key: `key-${i}` }], groups: [{ name: `g${i}` }] });
  groups.push({ name: `g${i}` });
  // Levels i..11 for set-up i (12, global, is shared).
  for (let level = i; level <= 11; level++) {
    const scope = LEVELS[level - 1]!.split('+');
    const instance: Record<string, unknown> = { name: 'scope-probe', config: { label: `L${level}` } };
    if (scope.includes('consumer')) instance.consumer = `c${i}`;
    if (scope.includes('consumer_group')) instance.consumer_group = `g${i}`;
    if (scope.includes('route')) instance.route = `r${i}`;
    if (scope.includes('service')) instance.service = `s${i}`;
    plugins.push(instance);
  }
}
const gw = await startTestGateway(JSON.stringify({ _format_version: '3.0', services, consumers, consumer_groups: groups, plugins }), {
  plugins: ['bundled', 'scope-probe'], pluginsPath: [dir],
});

after(async () => {
  await gw.stop();
  await upstream.close();
});

async function probe(path: string, key: string): Promise<string | undefined> {
  const res = await request(`${gw.url}${path}`, { headers: { apikey: key } });
  assert.equal(res.statusCode, 200, `${path} with ${key}`);
  const echo = (await res.body.json()) as Echo;
  return echo.headers['x-probe'] as string | undefined;
}

for (let level = 1; level <= 12; level++) {
  test(`level ${level} (${LEVELS[level - 1]}) wins over every level below it`, async () => {
    assert.equal(await probe(`/p${level}`, `key-${level}`), `L${level}`);
  });
}

test("another consumer's scoped instances never apply; the route's own levels do", async () => {
  // c2 on route r1: c1's and g1's instances are not for c2; c2's own (levels 8 and 9) lose to r1's route+service.
  assert.equal(await probe('/p1', 'key-2'), 'L7');
  // c1 on route r12 (only global there): c1's consumer-only instance (level 8) applies anywhere.
  assert.equal(await probe('/p12', 'key-1'), 'L8');
});

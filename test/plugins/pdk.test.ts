// The PDK through real requests: the request body read and replaced, the upstream request rewritten, another
// target or upstream chosen, the upstream answer read in buffered mode, kong.cache, kong.log.serialize().
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { startTestGateway, startUpstream, type Echo } from '../helpers/servers.ts';
import { writePlugins } from '../helpers/plugins.ts';

const dir = writePlugins([
  {
    name: 'rewrite-all',
    handler: `export default {
  version: '1.0.0',
  priority: 10,
  async access(kong) {
    const { body, mimeType } = await kong.request.getBody();
    kong.service.request.setBody({ got: body, mimeType }, 'application/json');
    kong.service.request.setPath('/rewritten');
    kong.service.request.setQuery({ b: ['x', 'y'], a: '1' });
    kong.service.request.setMethod('PUT');
    kong.service.request.addHeader('x-multi', '1');
    kong.service.request.addHeader('x-multi', '2');
  },
};
`,
  },
  {
    name: 'raw-body',
    handler: `export default {
  version: '1.0.0',
  priority: 10,
  async access(kong) {
    const raw = await kong.request.getRawBody();
    kong.service.request.setHeader('x-seen-bytes', String(raw === undefined ? 'too-big' : raw.length));
  },
};
`,
  },
  {
    name: 'redirect',
    config: { to: { type: 'string' }, port: { type: 'integer' } },
    handler: `export default {
  version: '1.0.0',
  priority: 10,
  access(kong, config) {
    if (config.port) kong.service.setTarget('127.0.0.1', config.port);
    else if (!kong.service.setUpstream(config.to)) kong.response.exit(500, { message: 'no such upstream' });
  },
};
`,
  },
  {
    name: 'buffered-reader',
    handler: `export default {
  version: '1.0.0',
  priority: 10,
  access(kong) { kong.service.request.enableBuffering(); },
  headerFilter(kong) {
    const body = kong.service.response.getRawBody();
    kong.response.setHeader('x-upstream-bytes', String(body.length));
    kong.response.setHeader('x-upstream-header', kong.service.response.getHeader('X-Upstream'));
  },
};
`,
  },
  {
    name: 'cached',
    handler: `export default {
  version: '1.0.0',
  priority: 10,
  async access(kong) {
    const value = await kong.cache.get('answer', { ttl: 60 }, async () => {
      globalThis.__loads = (globalThis.__loads ?? 0) + 1;
      await new Promise((r) => setTimeout(r, 20));
      return 'forty-two';
    });
    kong.service.request.setHeader('x-cached', value);
  },
};
`,
  },
  {
    name: 'serializer',
    handler: `export default {
  version: '1.0.0',
  priority: 10,
  access(kong) { kong.service.request.setHeader('x-client', kong.client.getForwardedIp() + ' ' + (kong.client.getPort() > 0)); },
  log(kong) { globalThis.__serialized = kong.log.serialize(); globalThis.__logHeaders = kong.response.getHeaders(); },
};
`,
  },
]);

const upstream = await startUpstream(undefined, 'first');
const second = await startUpstream(undefined, 'second');

const gw = await startTestGateway(`_format_version: "3.0"
upstreams:
- name: other
  targets: [{ target: "127.0.0.1:${second.port}" }]
services:
- name: s
  url: http://127.0.0.1:${upstream.port}
  routes:
  - { name: rewrite, paths: [/rewrite], plugins: [{ name: rewrite-all }] }
  - { name: raw, paths: [/raw], plugins: [{ name: raw-body }] }
  - { name: target, paths: [/target], plugins: [{ name: redirect, config: { port: ${second.port} } }] }
  - { name: upstream, paths: [/upstream], plugins: [{ name: redirect, config: { to: other } }] }
  - { name: missing-upstream, paths: [/missing-upstream], plugins: [{ name: redirect, config: { to: nope } }] }
  - { name: buffered, paths: [/buffered], plugins: [{ name: buffered-reader }] }
  - { name: cached, paths: [/cached], plugins: [{ name: cached }] }
  - { name: serialized, paths: [/serialized], plugins: [{ name: serializer }] }
`, { plugins: ['bundled', 'rewrite-all', 'raw-body', 'redirect', 'buffered-reader', 'cached', 'serializer'], pluginsPath: [dir] });

after(async () => {
  await gw.stop();
  await upstream.close();
  await second.close();
});

const echoOf = async (res: Awaited<ReturnType<typeof request>>) => (await res.body.json()) as Echo;

test('getBody parses a form; setBody, setPath, setQuery, setMethod and addHeader shape the upstream request', async () => {
  const res = await request(`${gw.url}/rewrite?dropped=1`, {
    method: 'POST', body: 'name=alice&tag=a&tag=b', headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  const echo = await echoOf(res);
  const sent = JSON.stringify({ got: { name: 'alice', tag: ['a', 'b'] }, mimeType: 'application/x-www-form-urlencoded' });
  assert.equal(echo.method, 'PUT');
  assert.equal(echo.url, '/rewritten?a=1&b=x&b=y');
  assert.equal(echo.headers['content-type'], 'application/json');
  assert.equal(echo.headers['content-length'], String(Buffer.byteLength(sent)));
  assert.equal(echo.bodySha256, createHash('sha256').update(sent).digest('hex'));
  assert.equal(echo.headers['x-multi'], '1, 2');
});

test('getBody parses JSON', async () => {
  const res = await request(`${gw.url}/rewrite`, { method: 'POST', body: '{"n":[1,2]}', headers: { 'content-type': 'application/json' } });
  const echo = await echoOf(res);
  assert.equal(echo.bodySha256, createHash('sha256').update(JSON.stringify({ got: { n: [1, 2] }, mimeType: 'application/json' })).digest('hex'));
});

test('getRawBody: the upstream still gets every byte; past 8 MiB it is undefined and the body streams on', async () => {
  const small = Buffer.alloc(100_000, 7);
  const a = await echoOf(await request(`${gw.url}/raw`, { method: 'POST', body: small }));
  assert.equal(a.headers['x-seen-bytes'], '100000');
  assert.equal(a.bodySha256, createHash('sha256').update(small).digest('hex'));
  const big = Buffer.alloc(9 * 1024 * 1024, 3);
  const b = await echoOf(await request(`${gw.url}/raw`, { method: 'POST', body: big }));
  assert.equal(b.headers['x-seen-bytes'], 'too-big');
  assert.equal(b.bodyBytes, big.length);
  assert.equal(b.bodySha256, createHash('sha256').update(big).digest('hex'));
});

test('setTarget and setUpstream send the request elsewhere; an unknown upstream is refused', async () => {
  assert.equal((await echoOf(await request(`${gw.url}/target`))).server, 'second');
  assert.equal((await echoOf(await request(`${gw.url}/upstream`))).server, 'second');
  const missing = await request(`${gw.url}/missing-upstream`);
  assert.equal(missing.statusCode, 500);
  assert.deepEqual(await missing.body.json(), { message: 'no such upstream' });
});

test('enableBuffering: header filters read the whole upstream body and its headers', async () => {
  const res = await request(`${gw.url}/buffered`);
  const text = await res.body.text();
  assert.equal(res.headers['x-upstream-bytes'], String(Buffer.byteLength(text)));
  assert.equal(res.headers['x-upstream-header'], 'first');
  assert.equal(res.headers['content-length'], String(Buffer.byteLength(text)));
});

test('kong.cache: concurrent misses share one load, later requests hit', async () => {
  const answers = await Promise.all(Array.from({ length: 5 }, () => request(`${gw.url}/cached`).then(echoOf)));
  for (const a of answers) assert.equal(a.headers['x-cached'], 'forty-two');
  await echoOf(await request(`${gw.url}/cached`));
  assert.equal((globalThis as { __loads?: number }).__loads, 1);
});

test("kong.log.serialize(): Kong's record of the request, credentials redacted", async () => {
  const res = await request(`${gw.url}/serialized?q=1`, { headers: { authorization: 'Bearer secret-token' } });
  const echo = await echoOf(res);
  assert.equal(echo.headers['x-client'], '127.0.0.1 true');
  await sleep(30);
  type Fields = Record<string, unknown>;
  interface Serialized {
    request: Fields & { headers: Fields };
    response: Fields & { headers: Fields };
    route: Fields;
    service: Fields;
    upstream_uri: string;
    tries: unknown[];
    client_ip: string;
    latencies: Record<string, unknown>;
  }
  const s = (globalThis as { __serialized?: Serialized }).__serialized!;
  assert.equal(s.request.method, 'GET');
  assert.equal(s.request.uri, '/serialized?q=1');
  assert.deepEqual({ ...(s.request.querystring as object) }, { q: '1' });
  assert.equal(s.request.headers.authorization, 'REDACTED');
  assert.ok(!JSON.stringify(s).includes('secret-token'));
  assert.equal(s.response.status, 200);
  // The headers the client got, in the record and in kong.response during the log phase.
  assert.equal(s.response.headers['x-kong-request-id'], res.headers['x-kong-request-id']);
  assert.equal(s.response.headers['content-type'], res.headers['content-type']);
  const logHeaders = (globalThis as { __logHeaders?: Record<string, unknown> }).__logHeaders!;
  assert.equal(logHeaders['x-kong-request-id'], res.headers['x-kong-request-id']);
  assert.equal(s.route.name, 'serialized');
  assert.equal(s.service.name, 's');
  assert.equal(s.upstream_uri, '/?q=1');
  assert.equal(s.tries.length, 1);
  assert.equal(s.client_ip, '127.0.0.1');
  for (const k of ['request', 'proxy', 'kong']) assert.equal(typeof s.latencies[k], 'number');
});

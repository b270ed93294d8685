// Kong's spec/03-plugins/10-basic-auth/03-access_spec.lua and 05-declarative_spec.lua, ported to a declarative
// config (Kong 3.10).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'undici';
import { loadValid } from '../helpers/config.ts';
import { basic, send, startSpecGateway, type SpecRequest, type SpecResponse } from './auth-helpers.ts';

const SPEC = 'spec/03-plugins/10-basic-auth/03-access_spec.lua';
const DECLARATIVE = 'spec/03-plugins/10-basic-auth/05-declarative_spec.lua';
const BOB = 'c0000000-0000-4000-8000-000000000001';
const NO_BODY = 'c0000000-0000-4000-8000-000000000002';
const NONEXISTING = 'c0000000-0000-4000-8000-0000000000ff';
const ANONYMOUS = 'd0000000-0000-4000-8000-000000000001';
const MICKEY = 'd0000000-0000-4000-8000-000000000002';
const ALADDIN = 'd0000000-0000-4000-8000-000000000003';

const route = (n: number, config = '{}') => `  - hosts: [basic-auth${n}.test]\n    plugins: [{ name: basic-auth, config: ${config} }]\n`;
const gw = await startSpecGateway((port) => `_format_version: "3.0"
consumers:
- id: ${BOB}
  username: bob
  basicauth_credentials:
  - { username: bob, password: kong }
  - { username: user123, password: password123 }
  - { username: user321, password: "password:123" }
- { id: ${NO_BODY}, username: no-body }
- { id: ${ANONYMOUS}, username: Anonymous }
- id: ${MICKEY}
  username: Mickey
  keyauth_credentials: [{ key: Mouse }]
- id: ${ALADDIN}
  username: Aladdin
  basicauth_credentials: [{ username: Aladdin, password: OpenSesame }]
services:
- name: mock
  url: http://127.0.0.1:${port}
  routes:
${route(1, '{ realm: test-realm }')}${route(2, '{ hide_credentials: true }')}${route(3, `{ anonymous: ${NO_BODY} }`)}${route(4, `{ anonymous: ${NONEXISTING} }`)}${route(5, '{ anonymous: no-body }')}
- name: request
  url: http://127.0.0.1:${port}/request
  routes:
  - hosts: [logical-and.test]
    plugins: [{ name: basic-auth }, { name: key-auth }]
  - hosts: [logical-or.test]
    plugins: [{ name: basic-auth, config: { anonymous: ${ANONYMOUS} } }, { name: key-auth, config: { anonymous: ${ANONYMOUS} } }]
`);

interface Row {
  readonly line: number;
  readonly name: string;
  readonly req: SpecRequest;
  readonly status: number;
  readonly message?: string;
  readonly www?: string;
  readonly check?: (res: SpecResponse) => void;
  readonly skip?: string;
}

const h = (n: number, headers: Record<string, string> = {}) => ({ host: `basic-auth${n}.test`, ...headers });
const BASIC_ALADDIN = 'Basic QWxhZGRpbjpPcGVuU2VzYW1l';
const consumerIs = (...ids: string[]) => ({ echo }: SpecResponse) => {
  assert.equal(echo?.headers['x-anonymous-consumer'], undefined);
  assert.ok(ids.includes(String(echo?.headers['x-consumer-id'])), `x-consumer-id ${String(echo?.headers['x-consumer-id'])}`);
};

const rows: Row[] = [
  { line: 139, name: 'when realm is configured: returns Unauthorized on missing credentials', req: { path: '/status/200', headers: h(1) }, status: 401, message: 'Unauthorized', www: 'Basic realm="test-realm"' },
  { line: 156, name: 'when realm is default: returns Unauthorized on missing credentials', req: { path: '/status/200', headers: h(2) }, status: 401, message: 'Unauthorized', www: 'Basic realm="service"' },
  { line: 175, name: 'returns 401 Unauthorized on invalid credentials in Authorization', req: { path: '/status/200', headers: h(1, { authorization: 'foobar' }) }, status: 401, message: 'Unauthorized', www: 'Basic realm="test-realm"' },
  { line: 191, name: 'returns 401 Unauthorized on invalid credentials in Proxy-Authorization', req: { path: '/status/200', headers: h(1, { 'proxy-authorization': 'foobar' }) }, status: 401, message: 'Unauthorized', www: 'Basic realm="test-realm"' },
  { line: 207, name: 'returns 401 Unauthorized on password only', req: { path: '/status/200', headers: h(1, { authorization: 'Basic a29uZw==' }) }, status: 401, message: 'Unauthorized', www: 'Basic realm="test-realm"' },
  { line: 223, name: 'returns 401 Unauthorized on username only', req: { path: '/status/200', headers: h(1, { authorization: 'Basic Ym9i' }) }, status: 401, message: 'Unauthorized', www: 'Basic realm="test-realm"' },
  { line: 239, name: 'rejects gRPC call without credentials', req: {}, status: 0, skip: 'needs gRPC' },
  { line: 248, name: 'accepts authorized gRPC calls', req: {}, status: 0, skip: 'needs gRPC' },
  { line: 259, name: 'authenticates valid credentials in Authorization', req: { path: '/status/200', headers: h(1, { authorization: 'Basic Ym9iOmtvbmc=' }) }, status: 200 },
  {
    line: 271, name: 'authenticates valid credentials in Authorization (consumer and credential headers)', req: { headers: h(1, { authorization: 'Basic dXNlcjEyMzpwYXNzd29yZDEyMw==' }) }, status: 200,
    check: ({ echo }) => {
      assert.equal(echo?.headers['x-consumer-username'], 'bob');
      assert.equal(echo?.headers['x-credential-identifier'], 'user123');
    },
  },
  {
    line: 285, name: "authenticates with a password containing ':'", req: { headers: h(1, { authorization: 'Basic dXNlcjMyMTpwYXNzd29yZDoxMjM=' }) }, status: 200,
    check: ({ echo }) => {
      assert.equal(echo?.headers['x-consumer-username'], 'bob');
      assert.equal(echo?.headers['x-credential-identifier'], 'user321');
    },
  },
  { line: 299, name: 'returns 401 for valid Base64 encoding', req: { path: '/status/200', headers: h(1, { authorization: 'Basic adXNlcjEyMzpwYXNzd29yZDEyMw==' }) }, status: 401, message: 'Unauthorized', www: 'Basic realm="test-realm"' },
  { line: 315, name: 'authenticates valid credentials in Proxy-Authorization', req: { path: '/status/200', headers: h(1, { 'proxy-authorization': 'Basic Ym9iOmtvbmc=' }) }, status: 200 },
  {
    line: 331, name: 'sends Consumer headers to upstream', req: { headers: h(1, { authorization: 'Basic Ym9iOmtvbmc=' }) }, status: 200,
    check: ({ echo }) => {
      assert.equal(echo?.headers['x-consumer-id'], BOB);
      assert.equal(echo?.headers['x-consumer-username'], 'bob');
      assert.equal(echo?.headers['x-credential-identifier'], 'bob');
    },
  },
  { line: 351, name: 'hide_credentials false sends key to upstream', req: { headers: h(1, { authorization: 'Basic Ym9iOmtvbmc=' }) }, status: 200, check: ({ echo }) => assert.equal(echo?.headers.authorization, 'Basic Ym9iOmtvbmc=') },
  { line: 365, name: "hide_credentials true doesn't send key to upstream", req: { headers: h(2, { authorization: 'Basic Ym9iOmtvbmc=' }) }, status: 200, check: ({ echo }) => assert.equal(echo?.headers.authorization, undefined) },
  {
    line: 384, name: 'works with right credentials and anonymous', req: { headers: h(3, { authorization: 'Basic dXNlcjEyMzpwYXNzd29yZDEyMw==' }) }, status: 200,
    check: ({ echo }) => {
      assert.equal(echo?.headers['x-consumer-username'], 'bob');
      assert.equal(echo?.headers['x-credential-identifier'], 'user123');
      assert.equal(echo?.headers['x-anonymous-consumer'], undefined);
    },
  },
  {
    line: 399, name: 'works with wrong credentials and anonymous', req: { headers: h(3) }, status: 200,
    check: ({ echo }) => {
      assert.equal(echo?.headers['x-anonymous-consumer'], 'true');
      assert.equal(echo?.headers['x-consumer-username'], 'no-body');
      assert.equal(echo?.headers['x-credential-identifier'], undefined);
    },
  },
  {
    line: 413, name: 'works with wrong credentials and username in anonymous', req: { headers: h(5) }, status: 200,
    check: ({ echo }) => {
      assert.equal(echo?.headers['x-anonymous-consumer'], 'true');
      assert.equal(echo?.headers['x-consumer-username'], 'no-body');
    },
  },
  { line: 426, name: "errors when anonymous user doesn't exist", req: { headers: h(4) }, status: 500, message: `anonymous consumer ${NONEXISTING} is configured but doesn't exist` },
  { line: 543, name: 'logical AND: passes with all credentials provided', req: { headers: { host: 'logical-and.test', apikey: 'Mouse', authorization: BASIC_ALADDIN } }, status: 200, check: consumerIs(MICKEY, ALADDIN) },
  { line: 560, name: 'logical AND: fails 401, with only the first credential provided', req: { headers: { host: 'logical-and.test', apikey: 'Mouse' } }, status: 401 },
  { line: 572, name: 'logical AND: fails 401, with only the second credential provided', req: { headers: { host: 'logical-and.test', authorization: BASIC_ALADDIN } }, status: 401, www: 'Key' },
  { line: 585, name: 'logical AND: fails 401, with no credential provided', req: { headers: { host: 'logical-and.test' } }, status: 401, www: 'Key' },
  { line: 601, name: 'logical OR: passes with all credentials provided', req: { headers: { host: 'logical-or.test', apikey: 'Mouse', authorization: BASIC_ALADDIN } }, status: 200, check: consumerIs(MICKEY, ALADDIN) },
  { line: 618, name: 'logical OR: passes with only the first credential provided', req: { headers: { host: 'logical-or.test', apikey: 'Mouse' } }, status: 200, check: consumerIs(MICKEY) },
  { line: 634, name: 'logical OR: passes with only the second credential provided', req: { headers: { host: 'logical-or.test', authorization: BASIC_ALADDIN } }, status: 200, check: consumerIs(ALADDIN) },
  {
    line: 650, name: 'logical OR: passes with no credential provided', req: { headers: { host: 'logical-or.test' } }, status: 200,
    check: ({ echo }) => {
      assert.equal(echo?.headers['x-anonymous-consumer'], 'true');
      assert.equal(echo?.headers['x-consumer-id'], ANONYMOUS);
    },
  },
];

for (const row of rows) {
  test(`${SPEC}:${row.line} ${row.name}`, row.skip ? { skip: row.skip } : {}, async () => {
    const res = await send(gw, row.req);
    assert.equal(res.status, row.status, res.text);
    if (row.message !== undefined) assert.equal(res.json?.message, row.message);
    if (row.www !== undefined) assert.equal(res.headers['www-authenticate'], row.www);
    row.check?.(res);
  });
}

test(`${SPEC}:723 consumer cache consistency (the anonymous consumer removed by a new config: 500)`, async () => {
  const config = (port: number, withAnonymous: boolean) => `_format_version: "3.0"
consumers:
${withAnonymous ? `- { id: ${ANONYMOUS}, username: Anonymous }` : '- { username: someone-else }'}
services:
- url: http://127.0.0.1:${port}/request
  routes: [{ hosts: [anonymous-with-username.test], plugins: [{ name: basic-auth, config: { anonymous: Anonymous } }] }]
`;
  let upstreamPort = 0;
  const cacheGw = await startSpecGateway((port) => {
    upstreamPort = port;
    return config(port, true);
  });
  const first = await send(cacheGw, { headers: { host: 'anonymous-with-username.test' } });
  assert.equal(first.status, 200);
  assert.equal(first.echo?.headers['x-anonymous-consumer'], 'true');
  assert.equal(first.echo?.headers['x-consumer-id'], ANONYMOUS);
  assert.equal(first.echo?.headers['x-consumer-username'], 'Anonymous');
  // DB-less: Kong's DELETE /consumers is a new declarative config without it (POST /config).
  const posted = await request(`${cacheGw.admin}/config`, { method: 'POST', headers: { 'content-type': 'text/yaml' }, body: config(upstreamPort, false) });
  await posted.body.dump();
  assert.equal(posted.statusCode, 201);
  const after = await send(cacheGw, { headers: { host: 'anonymous-with-username.test' } });
  assert.equal(after.status, 500);
  assert.equal(after.json?.message, "anonymous consumer Anonymous is configured but doesn't exist");
});

// 05-declarative_spec: plain passwords are hashed on load; with `_transform: false` the file holds the hash.
const ANDRU = 'ad06b77c-0d2f-407a-8d6d-07f272a92d6a';
const declarative = (transform: boolean, password: string, username: string) => (port: number) => `_format_version: "3.0"
_transform: ${transform}
services:
- id: 3b9c2302-a610-4925-a7b9-25942309335d
  name: foo
  url: http://127.0.0.1:${port}
  routes: [{ id: eb88ccb8-274d-4e7e-b4cb-0d673a4fa93b, name: bar, paths: [/status/200], strip_path: true }]
  plugins: [{ id: 389ad9bd-b158-4e19-aed7-c9b040f7f312, name: basic-auth, config: { hide_credentials: true, realm: service } }]
consumers:
- id: ${ANDRU}
  username: andru
  custom_id: donalds
  basicauth_credentials: [{ id: ad06b77c-0d2f-407a-8d6d-07f272a92d9a, username: ${username}, password: "${password}" }]
`;
const plain = await startSpecGateway(declarative(true, 'secret', 'james'));
const hashed = await startSpecGateway(declarative(false, createHash('sha1').update(`MI6${ANDRU}`).digest('hex'), 'bond'));

test(`${DECLARATIVE}:114 imports base and custom entities with associations`, async () => {
  const json = async (path: string) => (await (await request(`${plain.admin}${path}`)).body.json()) as Record<string, unknown>;
  const service = await json('/services/foo');
  assert.equal(service.id, '3b9c2302-a610-4925-a7b9-25942309335d');
  assert.equal(service.protocol, 'http');
  const route = await json('/routes/bar');
  assert.equal(route.id, 'eb88ccb8-274d-4e7e-b4cb-0d673a4fa93b');
  assert.deepEqual(route.paths, ['/status/200']);
  assert.deepEqual(route.service, { id: service.id });
  const consumer = await json('/consumers/andru');
  assert.equal(consumer.id, ANDRU);
  assert.equal(consumer.custom_id, 'donalds');
  const plugin = await json('/plugins/389ad9bd-b158-4e19-aed7-c9b040f7f312');
  assert.equal(plugin.name, 'basic-auth');
  assert.deepEqual(plugin.service, { id: service.id });
  assert.deepEqual({ hide_credentials: (plugin.config as Record<string, unknown>).hide_credentials, realm: (plugin.config as Record<string, unknown>).realm }, { hide_credentials: true, realm: 'service' });
  // The admin API does not list credentials: the stored hash is read from the loaded config instead.
  const stored = (transform: boolean, password: string, username: string) => loadValid(declarative(transform, password, username)(1)).basicauth_credentials[0]!;
  const james = stored(true, 'secret', 'james');
  assert.deepEqual([james.username, james.consumer?.id, james.password], ['james', ANDRU, createHash('sha1').update(`secret${ANDRU}`).digest('hex')]);
  const hash = createHash('sha1').update(`MI6${ANDRU}`).digest('hex');
  const bond = stored(false, hash, 'bond');
  assert.deepEqual([bond.username, bond.consumer?.id, bond.password], ['bond', ANDRU, hash]);
});

test(`${DECLARATIVE}:177 returns 401 Unauthorized on invalid credentials in Authorization`, async () => {
  const res = await send(plain, { path: '/status/200', headers: { authorization: 'foobar' } });
  assert.equal(res.status, 401);
  assert.equal(res.json?.message, 'Unauthorized');
});

for (const [line, gwOf, username, password] of [[191, plain, 'james', 'secret'], [210, hashed, 'bond', 'MI6']] as const) {
  test(`${DECLARATIVE}:${line} Accepts valid credentials${line === 210 ? ' (introduced with a hashed password)' : ''}`, async () => {
    const res = await send(gwOf, { path: '/status/200', headers: { authorization: basic(username, password) } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.echo?.headers['x-consumer-id'], ANDRU);
    assert.equal(res.echo?.headers['x-consumer-username'], 'andru');
    assert.equal(res.echo?.headers['x-consumer-custom-id'], 'donalds');
    assert.equal(res.echo?.headers['x-credential-identifier'], username);
    assert.equal(res.echo?.headers.authorization, undefined, 'hide_credentials');
  });
}

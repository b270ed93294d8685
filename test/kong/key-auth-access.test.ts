// Kong's spec/03-plugins/09-key-auth/02-access_spec.lua, ported to a declarative config (Kong 3.10).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeBody, send, startSpecGateway, type SpecRequest, type SpecResponse } from './auth-helpers.ts';

const SPEC = 'spec/03-plugins/09-key-auth/02-access_spec.lua';
const BOB = 'a0000000-0000-4000-8000-000000000001';
const NO_BODY = 'a0000000-0000-4000-8000-000000000002';
const KONG_CRED = 'a0000000-0000-4000-8000-000000000003';
const NONEXISTING = 'a0000000-0000-4000-8000-0000000000ff';
const ANONYMOUS = 'b0000000-0000-4000-8000-000000000001';
const MICKEY = 'b0000000-0000-4000-8000-000000000002';
const ALADDIN = 'b0000000-0000-4000-8000-000000000003';

const route = (n: number | string, config = '{}') => `  - hosts: [key-auth${n}.test]\n    plugins: [{ name: key-auth, config: ${config} }]\n`;

const gw = await startSpecGateway((port) => `_format_version: "3.0"
consumers:
- { id: ${NO_BODY}, username: no-body }
- id: ${BOB}
  username: bob
  keyauth_credentials: [{ id: ${KONG_CRED}, key: kong }]
- { id: ${ANONYMOUS}, username: Anonymous }
- id: ${MICKEY}
  username: Mickey
  keyauth_credentials: [{ key: Mouse }]
- id: ${ALADDIN}
  username: Aladdin
  basicauth_credentials: [{ username: Aladdin, password: OpenSesame }]
- username: bob-ttt
  keyauth_credentials: [{ key: right }]
services:
- name: mock
  url: http://127.0.0.1:${port}
  routes:
${route(1)}${route(2, '{ hide_credentials: true, realm: test-realm }')}${route(3, `{ anonymous: ${NO_BODY} }`)}${route(4, `{ anonymous: ${NONEXISTING} }`)}${route(5, '{ key_in_body: true }')}${route(6, '{ key_in_body: true, hide_credentials: true }')}${route(7, '{ run_on_preflight: false }')}${route(8, '{ key_names: [api_key] }')}${route(9, '{ key_names: [api-key] }')}${route(10, '{ anonymous: no-body }')}
  - hosts: [logical-and.test]
    plugins: [{ name: basic-auth }, { name: key-auth }]
- name: logical-or
  url: http://127.0.0.1:${port}/request
  routes:
  - hosts: [logical-or.test]
    plugins: [{ name: basic-auth, config: { anonymous: ${ANONYMOUS} } }, { name: key-auth, config: { anonymous: ${ANONYMOUS} } }]
- name: status
  url: http://127.0.0.1:${port}/status/200
  routes:
${['ttt', 'ttf', 'tff', 'fff', 'fft', 'tft', 'ftf'].map((p) => `  - paths: [/${p}]\n    plugins: [{ name: key-auth, config: { key_in_header: ${p[0] === 't'}, key_in_query: ${p[1] === 't'}, key_in_body: ${p[2] === 't'} } }]\n`).join('')}`);

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

const h = (n: number | string, headers: Record<string, string> = {}) => ({ host: `key-auth${n}.test`, ...headers });

const rows: Row[] = [
  { line: 196, name: 'returns 200 on OPTIONS requests if run_on_preflight is false', req: { method: 'OPTIONS', path: '/status/200', headers: h(7) }, status: 200 },
  { line: 206, name: 'returns Unauthorized on OPTIONS requests if run_on_preflight is true', req: { method: 'OPTIONS', path: '/status/200', headers: h(1) }, status: 401, message: 'No API key found in request' },
  { line: 220, name: 'returns Unauthorized on missing credentials', req: { path: '/status/200', headers: h(1) }, status: 401, message: 'No API key found in request' },
  { line: 233, name: 'returns Unauthorized on empty key header', req: { path: '/status/200', headers: h(1, { apikey: '' }) }, status: 401, message: 'No API key found in request' },
  { line: 248, name: 'returns Unauthorized on empty key header with no realm', req: { path: '/status/200', headers: h(1, { apikey: '' }) }, status: 401, message: 'No API key found in request', www: 'Key' },
  { line: 265, name: 'returns Unauthorized on empty key header with conifgured realm', req: { path: '/status/200', headers: h(2, { apikey: '' }) }, status: 401, message: 'No API key found in request', www: 'Key realm="test-realm"' },
  { line: 282, name: 'returns Unauthorized on empty key querystring', req: { path: '/status/200?apikey', headers: h(1) }, status: 401, message: 'No API key found in request', www: 'Key' },
  { line: 296, name: 'returns WWW-Authenticate header on missing credentials', req: { path: '/status/200', headers: h(1) }, status: 401, www: 'Key' },
  { line: 310, name: 'key in querystring: authenticates valid credentials', req: { path: '/request?apikey=kong', headers: h(1) }, status: 200 },
  { line: 320, name: 'key in querystring: returns 401 Unauthorized on invalid key', req: { path: '/status/200?apikey=123', headers: h(1) }, status: 401, message: 'Unauthorized', www: 'Key' },
  { line: 334, name: 'handles duplicated key in querystring', req: { path: '/status/200?apikey=kong&apikey=kong', headers: h(1) }, status: 401, message: 'Duplicate API key found', www: 'Key' },
];

for (const type of ['application/x-www-form-urlencoded', 'application/json', 'multipart/form-data']) {
  const post = (n: number, path: string, fields: Record<string, string | string[]>, headers: Record<string, string> = {}): SpecRequest => {
    const { body, contentType } = encodeBody(type, fields);
    return { method: 'POST', path, headers: h(n, { 'content-type': contentType, ...headers }), body };
  };
  rows.push(
    { line: 353, name: `key in request body (${type}): authenticates valid credentials`, req: post(5, '/request', { apikey: 'kong' }), status: 200 },
    { line: 366, name: `key in request body (${type}): authenticates valid credentials in query`, req: post(5, '/request?apikey=kong', { non_apikey: 'kong' }), status: 200 },
    { line: 379, name: `key in request body (${type}): authenticates valid credentials in header`, req: post(5, '/request?apikey=kong', { non_apikey: 'kong' }, { apikey: 'kong' }), status: 200 },
    { line: 393, name: `key in request body (${type}): returns 401 Unauthorized on invalid key`, req: post(5, '/status/200', { apikey: '123' }), status: 401, message: 'Unauthorized', www: 'Key' },
  );
}
const form = (body: string): SpecRequest => ({ method: 'POST', path: '/status/200', headers: h(5, { 'content-type': 'application/x-www-form-urlencoded' }), body });
rows.push(
  { line: 414, name: 'key in request body (application/json): handles duplicated key', req: { method: 'POST', path: '/status/200', headers: h(5, { 'content-type': 'application/json' }), body: '{"apikey":["kong","kong"]}' }, status: 401, message: 'Duplicate API key found', www: 'Key' },
  { line: 435, name: 'key in request body (application/x-www-form-urlencoded): handles duplicated key', req: form('apikey=kong&apikey=kong'), status: 401, message: 'Duplicate API key found', www: 'Key' },
  { line: 450, name: 'does not identify apikey[] as api keys', req: form('apikey[]=kong&apikey[]=kong'), status: 401, message: 'No API key found in request', www: 'Key' },
  { line: 465, name: 'does not identify apikey[1] as api keys', req: form('apikey[1]=kong&apikey[1]=kong'), status: 401, message: 'No API key found in request', www: 'Key' },
  { line: 485, name: 'key in headers: authenticates valid credentials', req: { headers: h(1, { apikey: 'kong' }) }, status: 200 },
  { line: 496, name: 'key in headers: returns 401 Unauthorized on invalid key', req: { path: '/status/200', headers: h(1, { apikey: '123' }) }, status: 401, message: 'Unauthorized' },
  { line: 513, name: 'key in gRPC headers: rejects call without credentials', req: {}, status: 0, skip: 'needs gRPC' },
  { line: 521, name: 'key in gRPC headers: accepts authorized calls', req: {}, status: 0, skip: 'needs gRPC' },
  { line: 534, name: 'underscores or hyphens in key headers: authenticates valid credentials (api_key)', req: { headers: h(8, { api_key: 'kong' }) }, status: 200 },
  { line: 534, name: 'underscores or hyphens in key headers: authenticates valid credentials (api-key)', req: { headers: h(8, { 'api-key': 'kong' }) }, status: 200 },
  { line: 556, name: 'underscores or hyphens in key headers: returns 401 Unauthorized on invalid key (api_key)', req: { path: '/status/200', headers: h(8, { api_key: '123' }) }, status: 401, message: 'Unauthorized', www: 'Key' },
  { line: 556, name: 'underscores or hyphens in key headers: returns 401 Unauthorized on invalid key (api-key)', req: { path: '/status/200', headers: h(8, { 'api-key': '123' }) }, status: 401, message: 'Unauthorized', www: 'Key' },
  {
    line: 588, name: 'sends Consumer headers to upstream', req: { path: '/request?apikey=kong', headers: h(1) }, status: 200,
    check: ({ echo }) => {
      assert.equal(typeof echo?.headers['x-consumer-id'], 'string');
      assert.equal(echo?.headers['x-consumer-username'], 'bob');
      assert.equal(echo?.headers['x-credential-identifier'], KONG_CRED);
      assert.equal(echo?.headers['x-anonymous-consumer'], undefined);
    },
  },
);

for (const type of ['application/x-www-form-urlencoded', 'application/json', 'multipart/form-data']) {
  const post = (n: number, fields: Record<string, string>): SpecRequest => {
    const { body, contentType } = encodeBody(type, fields);
    return { method: 'POST', path: '/request', headers: h(n, { 'content-type': contentType }), body };
  };
  const query = (c: SpecResponse) => new URLSearchParams(c.echo!.uri.split('?')[1] ?? '').get('apikey') ?? undefined;
  rows.push(
    { line: 660, name: `hide_credentials uri_args (${type}) false sends key to upstream`, req: { path: '/request?apikey=kong', headers: h(1) }, status: 200, check: (r) => assert.equal(query(r), 'kong') },
    { line: 671, name: `hide_credentials uri_args (${type}) true doesn't send key to upstream`, req: { path: '/request?apikey=kong', headers: h(2) }, status: 200, check: (r) => assert.equal(query(r), undefined) },
    { line: 660, name: `hide_credentials headers (${type}) false sends key to upstream`, req: { headers: h(1, { apikey: 'kong' }) }, status: 200, check: (r) => assert.equal(r.echo?.headers.apikey, 'kong') },
    { line: 671, name: `hide_credentials headers (${type}) true doesn't send key to upstream`, req: { headers: h(2, { apikey: 'kong' }) }, status: 200, check: (r) => assert.equal(r.echo?.headers.apikey, undefined) },
    { line: 660, name: `hide_credentials post_data.params (${type}) false sends key to upstream`, req: post(5, { apikey: 'kong' }), status: 200, check: (r) => assert.equal(r.echo?.params?.apikey, 'kong') },
    { line: 671, name: `hide_credentials post_data.params (${type}) true doesn't send key to upstream`, req: post(6, { apikey: 'kong' }), status: 200, check: (r) => assert.equal(r.echo?.params?.apikey, undefined) },
    {
      line: 684, name: `(${type}) true preserves body MIME type`, req: post(6, { apikey: 'kong', foo: 'bar' }), status: 200,
      check: (r) => {
        assert.equal(r.echo?.params?.foo, 'bar');
        assert.equal(String(r.echo?.headers['content-type']).split(';')[0], type);
      },
    },
  );
}

rows.push(
  { line: 700, name: "fails with 'key_in_body' and unsupported content type", req: { method: 'POST', path: '/status/200', headers: h(6, { 'content-type': 'text/plain' }), body: 'foobar' }, status: 401, message: 'No API key found in request', www: 'Key' },
  { line: 717, name: 'does not remove apikey and preserves order of query parameters', req: { path: '/request?c=value1&b=value2&apikey=kong&a=value3', headers: h(1) }, status: 200, check: (r) => assert.equal(r.echo?.uri, '/request?c=value1&b=value2&apikey=kong&a=value3') },
  { line: 731, name: 'removes apikey and preserves order of query parameters', req: { path: '/request?c=value1&b=value2&apikey=kong&a=value3', headers: h(2) }, status: 200, check: (r) => assert.equal(r.echo?.uri, '/request?c=value1&b=value2&a=value3') },
  { line: 745, name: 'removes apikey in encoded query and preserves order of query parameters', req: { path: '/request?c=valu%651&b=value2&api%6B%65%79=kong&a=valu%653', headers: h(2) }, status: 200, check: (r) => assert.equal(r.echo?.uri, '/request?c=value1&b=value2&a=value3') },
  {
    line: 761, name: 'works with right credentials and anonymous', req: { path: '/request?apikey=kong', headers: h(3) }, status: 200,
    check: ({ echo }) => {
      assert.equal(echo?.headers['x-consumer-username'], 'bob');
      assert.equal(echo?.headers['x-credential-identifier'], KONG_CRED);
      assert.equal(echo?.headers['x-anonymous-consumer'], undefined);
    },
  },
  {
    line: 774, name: 'works with wrong credentials and anonymous', req: { headers: h(3) }, status: 200,
    check: ({ echo }) => {
      assert.equal(echo?.headers['x-anonymous-consumer'], 'true');
      assert.equal(echo?.headers['x-credential-identifier'], undefined);
      assert.equal(echo?.headers['x-consumer-username'], 'no-body');
    },
  },
  {
    line: 787, name: 'works with wrong credentials and username as anonymous', req: { headers: h(10) }, status: 200,
    check: ({ echo }) => {
      assert.equal(echo?.headers['x-anonymous-consumer'], 'true');
      assert.equal(echo?.headers['x-consumer-username'], 'no-body');
    },
  },
  { line: 799, name: "errors when anonymous user doesn't exist", req: { headers: h(4) }, status: 500, message: `anonymous consumer ${NONEXISTING} is configured but doesn't exist` },
);

const BASIC_ALADDIN = 'Basic QWxhZGRpbjpPcGVuU2VzYW1l';
const consumerIs = (...ids: string[]) => ({ echo }: SpecResponse) => {
  assert.equal(echo?.headers['x-anonymous-consumer'], undefined);
  assert.ok(ids.includes(String(echo?.headers['x-consumer-id'])), `x-consumer-id ${String(echo?.headers['x-consumer-id'])}`);
};
rows.push(
  { line: 910, name: 'logical AND: passes with all credentials provided', req: { headers: { host: 'logical-and.test', apikey: 'Mouse', authorization: BASIC_ALADDIN } }, status: 200, check: consumerIs(MICKEY, ALADDIN) },
  { line: 927, name: 'logical AND: fails 401, with only the first credential provided', req: { headers: { host: 'logical-and.test', apikey: 'Mouse' } }, status: 401, www: 'Basic realm="service"' },
  { line: 940, name: 'logical AND: fails 401, with only the second credential provided', req: { headers: { host: 'logical-and.test', authorization: BASIC_ALADDIN } }, status: 401, www: 'Key' },
  { line: 953, name: 'logical AND: fails 401, with no credential provided', req: { headers: { host: 'logical-and.test' } }, status: 401 },
  { line: 967, name: 'logical OR: passes with all credentials provided', req: { headers: { host: 'logical-or.test', apikey: 'Mouse', authorization: BASIC_ALADDIN } }, status: 200, check: consumerIs(MICKEY, ALADDIN) },
  { line: 984, name: 'logical OR: passes with only the first credential provided', req: { headers: { host: 'logical-or.test', apikey: 'Mouse' } }, status: 200, check: consumerIs(MICKEY) },
  { line: 1000, name: 'logical OR: passes with only the second credential provided', req: { headers: { host: 'logical-or.test', authorization: BASIC_ALADDIN } }, status: 200, check: consumerIs(ALADDIN) },
  {
    line: 1016, name: 'logical OR: passes with no credential provided', req: { headers: { host: 'logical-or.test' } }, status: 200,
    check: ({ echo }) => {
      assert.equal(echo?.headers['x-anonymous-consumer'], 'true');
      assert.equal(echo?.headers['x-consumer-id'], ANONYMOUS);
    },
  },
);

// Kong's combination table (line 1121): header, query and body keys against each key_in_* setting.
const COMBINATIONS: readonly (readonly [string | null, string | null, string | null, string, number])[] = [
  ['right', 'right', 'right', '/ttt', 200], ['right', 'right', 'right', '/ttf', 200], ['right', 'right', 'right', '/tff', 200], ['right', 'right', 'right', '/fff', 401], ['right', 'right', 'right', '/fft', 200], ['right', 'right', 'right', '/tft', 200], ['right', 'right', 'right', '/ftf', 200],
  ['right', 'right', 'wrong', '/ttt', 200], ['right', 'right', 'wrong', '/ttf', 200], ['right', 'right', 'wrong', '/tff', 200], ['right', 'right', 'wrong', '/fff', 401], ['right', 'right', 'wrong', '/fft', 401], ['right', 'right', 'wrong', '/tft', 200], ['right', 'right', 'wrong', '/ftf', 200],
  ['right', 'wrong', 'wrong', '/ttt', 200], ['right', 'wrong', 'wrong', '/ttf', 200], ['right', 'wrong', 'wrong', '/tff', 200], ['right', 'wrong', 'wrong', '/fff', 401], ['right', 'wrong', 'wrong', '/fft', 401], ['right', 'wrong', 'wrong', '/tft', 200], ['right', 'wrong', 'wrong', '/ftf', 401],
  ['wrong', 'wrong', 'wrong', '/ttt', 401], ['wrong', 'wrong', 'wrong', '/ttf', 401], ['wrong', 'wrong', 'wrong', '/tff', 401], ['wrong', 'wrong', 'wrong', '/fff', 401], ['wrong', 'wrong', 'wrong', '/fft', 401], ['wrong', 'wrong', 'wrong', '/tft', 401], ['wrong', 'wrong', 'wrong', '/ftf', 401],
  ['wrong', 'wrong', 'right', '/ttt', 401], ['wrong', 'wrong', 'right', '/ttf', 401], ['wrong', 'wrong', 'right', '/tff', 401], ['wrong', 'wrong', 'right', '/fff', 401], ['wrong', 'wrong', 'right', '/fft', 200], ['wrong', 'wrong', 'right', '/tft', 401], ['wrong', 'wrong', 'right', '/ftf', 401],
  ['right', 'wrong', 'right', '/ttt', 200], ['right', 'wrong', 'right', '/ttf', 200], ['right', 'wrong', 'right', '/tff', 200], ['right', 'wrong', 'right', '/fff', 401], ['right', 'wrong', 'right', '/fft', 200], ['right', 'wrong', 'right', '/tft', 200], ['right', 'wrong', 'right', '/ftf', 401],
  ['wrong', 'right', 'wrong', '/ttt', 401], ['wrong', 'right', 'wrong', '/ttf', 401], ['wrong', 'right', 'wrong', '/tff', 401], ['wrong', 'right', 'wrong', '/fff', 401], ['wrong', 'right', 'wrong', '/fft', 401], ['wrong', 'right', 'wrong', '/tft', 401], ['wrong', 'right', 'wrong', '/ftf', 200],
  [null, null, null, '/ttt', 401], [null, null, null, '/ttf', 401], [null, null, null, '/tff', 401], [null, null, null, '/fff', 401], [null, null, null, '/fft', 401], [null, null, null, '/tft', 401], [null, null, null, '/ftf', 401],
  [null, null, 'wrong', '/ttt', 401], [null, null, 'wrong', '/ttf', 401], [null, null, 'wrong', '/tff', 401], [null, null, 'wrong', '/fff', 401], [null, null, 'wrong', '/fft', 401], [null, null, 'wrong', '/tft', 401], [null, null, 'wrong', '/ftf', 401],
  [null, 'wrong', 'wrong', '/ttt', 401], [null, 'wrong', 'wrong', '/ttf', 401], [null, 'wrong', 'wrong', '/tff', 401], [null, 'wrong', 'wrong', '/fff', 401], [null, 'wrong', 'wrong', '/fft', 401], [null, 'wrong', 'wrong', '/tft', 401], [null, 'wrong', 'wrong', '/ftf', 401],
  ['wrong', 'wrong', null, '/ttt', 401], ['wrong', 'wrong', null, '/ttf', 401], ['wrong', 'wrong', null, '/tff', 401], ['wrong', 'wrong', null, '/fff', 401], ['wrong', 'wrong', null, '/fft', 401], ['wrong', 'wrong', null, '/tft', 401], ['wrong', 'wrong', null, '/ftf', 401],
  [null, 'wrong', null, '/ttt', 401], [null, 'wrong', null, '/ttf', 401], [null, 'wrong', null, '/tff', 401], [null, 'wrong', null, '/fff', 401], [null, 'wrong', null, '/fft', 401], [null, 'wrong', null, '/tft', 401], [null, 'wrong', null, '/ftf', 401],
  ['wrong', null, 'wrong', '/ttt', 401], ['wrong', null, 'wrong', '/ttf', 401], ['wrong', null, 'wrong', '/tff', 401], ['wrong', null, 'wrong', '/fff', 401], ['wrong', null, 'wrong', '/fft', 401], ['wrong', null, 'wrong', '/tft', 401], ['wrong', null, 'wrong', '/ftf', 401],
  ['right', 'right', null, '/ttt', 200], ['right', 'right', null, '/ttf', 200], ['right', 'right', null, '/tff', 200], ['right', 'right', null, '/fff', 401], ['right', 'right', null, '/fft', 401], ['right', 'right', null, '/tft', 200], ['right', 'right', null, '/ftf', 200],
  ['right', null, null, '/ttt', 200], ['right', null, null, '/ttf', 200], ['right', null, null, '/tff', 200], ['right', null, null, '/fff', 401], ['right', null, null, '/fft', 401], ['right', null, null, '/tft', 200], ['right', null, null, '/ftf', 401],
  [null, null, 'right', '/ttt', 200], [null, null, 'right', '/ttf', 401], [null, null, 'right', '/tff', 401], [null, null, 'right', '/fff', 401], [null, null, 'right', '/fft', 200], [null, null, 'right', '/tft', 200], [null, null, 'right', '/ftf', 401],
  ['right', null, 'right', '/ttt', 200], ['right', null, 'right', '/ttf', 200], ['right', null, 'right', '/tff', 200], ['right', null, 'right', '/fff', 401], ['right', null, 'right', '/fft', 200], ['right', null, 'right', '/tft', 200], ['right', null, 'right', '/ftf', 401],
  [null, 'right', null, '/ttt', 200], [null, 'right', null, '/ttf', 200], [null, 'right', null, '/tff', 401], [null, 'right', null, '/fff', 401], [null, 'right', null, '/fft', 401], [null, 'right', null, '/tft', 401], [null, 'right', null, '/ftf', 200],
  [null, 'right', 'wrong', '/ttt', 200], [null, 'right', 'wrong', '/ttf', 200], [null, 'right', 'wrong', '/tff', 401], [null, 'right', 'wrong', '/fff', 401], [null, 'right', 'wrong', '/fft', 401], [null, 'right', 'wrong', '/tft', 401], [null, 'right', 'wrong', '/ftf', 200],
  ['right', 'wrong', null, '/ttt', 200], ['right', 'wrong', null, '/ttf', 200], ['right', 'wrong', null, '/tff', 200], ['right', 'wrong', null, '/fff', 401], ['right', 'wrong', null, '/fft', 401], ['right', 'wrong', null, '/tft', 200], ['right', 'wrong', null, '/ftf', 401],
  ['right', null, 'wrong', '/ttt', 200], ['right', null, 'wrong', '/ttf', 200], ['right', null, 'wrong', '/tff', 200], ['right', null, 'wrong', '/fff', 401], ['right', null, 'wrong', '/fft', 401], ['right', null, 'wrong', '/tft', 200], ['right', null, 'wrong', '/ftf', 401],
  [null, 'wrong', 'right', '/ttt', 401], [null, 'wrong', 'right', '/ttf', 401], [null, 'wrong', 'right', '/tff', 401], [null, 'wrong', 'right', '/fff', 401], [null, 'wrong', 'right', '/fft', 200], [null, 'wrong', 'right', '/tft', 200], [null, 'wrong', 'right', '/ftf', 401],
  ['wrong', 'right', null, '/ttt', 401], ['wrong', 'right', null, '/ttf', 401], ['wrong', 'right', null, '/tff', 401], ['wrong', 'right', null, '/fff', 401], ['wrong', 'right', null, '/fft', 401], ['wrong', 'right', null, '/tft', 401], ['wrong', 'right', null, '/ftf', 200],
  ['wrong', null, 'right', '/ttt', 401], ['wrong', null, 'right', '/ttf', 401], ['wrong', null, 'right', '/tff', 401], ['wrong', null, 'right', '/fff', 401], ['wrong', null, 'right', '/fft', 200], ['wrong', null, 'right', '/tft', 401], ['wrong', null, 'right', '/ftf', 401],
];
COMBINATIONS.forEach(([header, query, body, path, status], i) => {
  const input = `${(header ?? 'n')[0]}${(query ?? 'n')[0]}${(body ?? 'n')[0]}`;
  rows.push({
    line: 1365, name: `combination #${i + 1} (${input} => ${path.slice(1)}) works`,
    req: { method: 'POST', path: `${path}${query ? `?apikey=${query}` : ''}`, headers: { 'content-type': 'application/x-www-form-urlencoded', ...(header ? { apikey: header } : {}) }, body: body ? `apikey=${body}` : undefined },
    status, www: status === 401 ? 'Key' : undefined,
  });
});

for (const row of rows) {
  test(`${SPEC}:${row.line} ${row.name}`, row.skip ? { skip: row.skip } : {}, async () => {
    const res = await send(gw, row.req);
    assert.equal(res.status, row.status, res.text);
    if (row.message !== undefined) assert.equal(res.json?.message, row.message);
    if (row.www !== undefined) assert.equal(res.headers['www-authenticate'], row.www);
    row.check?.(res);
  });
}

test(`${SPEC}:1084 auto-expiring keys: authenticate for up to ttl`, async () => {
  const ttlGw = await startSpecGateway((port) => `_format_version: "3.0"
consumers:
- username: Jafar
  keyauth_credentials: [{ key: kong, ttl: 2 }]
services:
- url: http://127.0.0.1:${port}/status/200
  routes: [{ hosts: [key-ttl.test], plugins: [{ name: key-auth }] }]
`);
  const call = () => send(ttlGw, { headers: { host: 'key-ttl.test', apikey: 'kong' } });
  assert.equal((await call()).status, 200);
  // Polled, as Kong's spec does (helpers.wait_until), rather than timed.
  let status = 200;
  for (let i = 0; i < 100 && status === 200; i++) {
    await new Promise((r) => setTimeout(r, 100));
    status = (await call()).status;
  }
  assert.equal(status, 401);
});

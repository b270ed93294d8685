// Kong's spec/03-plugins/14-request-termination/02-access_spec.lua and 03-integration_spec.lua as tables.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startTestGateway, startUpstream } from '../helpers/servers.ts';

const ACCESS = 'spec/03-plugins/14-request-termination/02-access_spec.lua';
const INTEGRATION = 'spec/03-plugins/14-request-termination/03-integration_spec.lua';

const upstream = await startUpstream();
after(() => upstream.close());

const termination = (config: object) => `[{ name: request-termination, config: ${JSON.stringify(config)} }]`;
const gw = await startTestGateway(`_format_version: "3.0"
services:
- name: s
  url: http://127.0.0.1:${upstream.port}
  routes:
  - { name: r1, hosts: [api1.request-termination.test], plugins: ${termination({})} }
  - { name: r2, hosts: [api2.request-termination.test], plugins: ${termination({ status_code: 404 })} }
  - { name: r3, hosts: [api3.request-termination.test], plugins: ${termination({ status_code: 406, message: 'Invalid' })} }
  - { name: r4, hosts: [api4.request-termination.test], plugins: ${termination({ body: '<html><body><h1>Service is down for maintenance</h1></body></html>' })} }
  - { name: r5, hosts: [api5.request-termination.test], plugins: ${termination({ status_code: 451, content_type: 'text/html', body: '<html><body><h1>Service is down due to content infringement</h1></body></html>' })} }
  - { name: r6, hosts: [api6.request-termination.test], plugins: ${termination({ status_code: 503, body: '{"code": 1, "message": "Service unavailable"}' })} }
  - { name: r8, hosts: [api8.request-termination.test], plugins: ${termination({ status_code: 204 })} }
  - name: r9
    hosts: [api9.request-termination.test]
    strip_path: false
    paths: ["~/(?<parameter>[^#?/]+)/200"]
    plugins: ${termination({ echo: true, status_code: 404 })}
  - { name: r10, hosts: [api10.request-termination.test], plugins: ${termination({ echo: true, trigger: 'gimme-an-echo', status_code: 404 })} }
routes:
- { name: r7, hosts: [api7.request-termination.test], plugins: ${termination({})} }
`);
after(() => gw.stop());

async function send(host: string, path = '/status/200', headers: Record<string, string> = {}, body?: string) {
  const res = await request(`${gw.url}${path}`, { method: 'GET', headers: { host, ...headers }, body });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

interface Row {
  readonly line: number;
  readonly name: string;
  readonly host: string;
  readonly path?: string;
  readonly status: number;
  /** The body, exactly (JSON bodies compared parsed). */
  readonly json?: unknown;
  readonly text?: string;
  readonly contentType?: string | null;
}

const ROWS: readonly Row[] = [
  { line: 189, name: 'default status code and message', host: 'api1.request-termination.test', status: 503, json: { message: 'Service unavailable' }, contentType: 'application/json; charset=utf-8' },
  { line: 202, name: 'default status code and message with serviceless route', host: 'api7.request-termination.test', status: 503, json: { message: 'Service unavailable' } },
  { line: 215, name: 'status code with default message', host: 'api2.request-termination.test', status: 404, json: { message: 'Not found' } },
  { line: 228, name: 'status code with custom message', host: 'api3.request-termination.test', status: 406, json: { message: 'Invalid' } },
  { line: 257, name: 'default status code and body', host: 'api4.request-termination.test', status: 503, text: '<html><body><h1>Service is down for maintenance</h1></body></html>', contentType: null },
  { line: 269, name: 'status code with default message (body, content_type)', host: 'api5.request-termination.test', status: 451, text: '<html><body><h1>Service is down due to content infringement</h1></body></html>', contentType: 'text/html' },
  { line: 292, name: 'status code with custom message (a JSON body as a string)', host: 'api6.request-termination.test', status: 503, json: { code: 1, message: 'Service unavailable' } },
];

for (const row of ROWS) {
  test(`${ACCESS}:${row.line} ${row.name}`, async () => {
    const res = await send(row.host, row.path);
    assert.equal(res.status, row.status);
    if (row.json !== undefined) assert.deepEqual(JSON.parse(res.text), row.json);
    if (row.text !== undefined) assert.equal(res.text, row.text);
    if (row.contentType !== undefined) assert.equal(res.headers['content-type'], row.contentType ?? undefined);
    assert.equal(upstream.requests.length, 0, 'the upstream is never contacted');
  });
}

test(`${ACCESS}:241 returns 204 without content length header`, async () => {
  const res = await send('api8.request-termination.test', '/status/204');
  assert.equal(res.status, 204);
  assert.equal(res.headers['content-length'], undefined);
  assert.equal(res.text, '');
});

test(`${ACCESS}:281 status code with default message #grpc`, { skip: 'needs gRPC (grpcbin and a gRPC client)' }, () => {});

test(`${ACCESS}:306 returns server tokens with Server header`, async () => {
  // Kong's token is kong/<version>; this gateway names itself (its Via says the same).
  const res = await send('api1.request-termination.test');
  assert.match(String(res.headers.server), /^gateway\/\d+\.\d+\.\d+/);
});

interface EchoRow {
  readonly line: number;
  readonly name: string;
  readonly host: string;
  readonly query: string;
  readonly headers: Record<string, string>;
  readonly request: Record<string, unknown>;
}

const echoRequest = (host: string, extra: { headers?: Record<string, string>; query?: Record<string, string>; captures?: object }) => ({
  headers: { 'content-length': '9', host, ...extra.headers },
  host,
  method: 'GET',
  path: '/status/200',
  port: gw.port,
  query: { hello: 'there', ...extra.query },
  raw_body: 'cool body',
  scheme: 'http',
  uri_captures: extra.captures ?? { named: {}, unnamed: [] },
});

const ECHO_ROWS: readonly EchoRow[] = [
  { line: 319, name: 'echos a request if no trigger is set', host: 'api9.request-termination.test', query: '?hello=there', headers: {}, request: echoRequest('api9.request-termination.test', { captures: { named: { parameter: 'status' }, unnamed: ['status'] } }) },
  { line: 365, name: 'echos a request if the trigger is specified as a header', host: 'api10.request-termination.test', query: '?hello=there', headers: { 'Gimme-An-Echo': 'anything will do' }, request: echoRequest('api10.request-termination.test', { headers: { 'gimme-an-echo': 'anything will do' } }) },
  { line: 403, name: 'echos a request if the trigger is specified as a query parameter', host: 'api10.request-termination.test', query: '?hello=there&gimme-an-echo=anything%20will%20do', headers: {}, request: echoRequest('api10.request-termination.test', { query: { 'gimme-an-echo': 'anything will do' } }) },
];

for (const row of ECHO_ROWS) {
  test(`${ACCESS}:${row.line} ${row.name}`, async () => {
    const res = await send(row.host, `/status/200${row.query}`, row.headers, 'cool body');
    assert.equal(res.status, 404);
    const json = JSON.parse(res.text) as { message: string; matched_route: { hosts: string[] }; request: { headers: Record<string, unknown> }; kong: Record<string, unknown> };
    assert.equal(json.matched_route.hosts[0], row.host);
    assert.equal(json.message, 'Not found');
    assert.equal(json.kong.worker_pid, process.pid);
    // Kong's spec clears user-agent (it depends on the client); undici sends none, but a client may add others.
    delete json.request.headers['user-agent'];
    delete json.request.headers.connection;
    assert.deepEqual(json.request, row.request);
  });
}

test(`${ACCESS}:355 doesn't echo a request if the trigger is set but not specified`, async () => {
  assert.equal((await send('api10.request-termination.test')).status, 200);
});

test(`${INTEGRATION}:53 can be applied on a consumer`, async () => {
  const consumerGw = await startTestGateway(`_format_version: "3.0"
consumers:
- username: bob
  keyauth_credentials: [{ key: kong }]
  plugins: [{ name: request-termination }]
services:
- name: s
  url: http://127.0.0.1:${upstream.port}
  routes: [{ name: r1, hosts: [api1.request-termination.test] }]
plugins:
- name: key-auth
`);
  try {
    const res = await request(`${consumerGw.url}/request`, { headers: { host: 'api1.request-termination.test', apikey: 'kong' } });
    assert.equal(res.statusCode, 503);
    assert.deepEqual(await res.body.json(), { message: 'Service unavailable' });
  } finally {
    await consumerGw.stop();
  }
});

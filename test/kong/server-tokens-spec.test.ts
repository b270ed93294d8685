// Ported from Kong 3.10's spec/02-integration/05-proxy/14-server_tokens_spec.lua: Server and Via, the latency
// headers, each `headers` token on its own, on proxied answers, Kong's own answers and errors.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startTestGateway, type TestGateway } from '../helpers/servers.ts';
import { writePlugins } from '../helpers/plugins.ts';
import { VERSION } from '../../src/main.ts';
import { MOCK_SERVER, mockUpstream, send } from './kong-client.ts';

const SPEC = 'spec/02-integration/05-proxy/14-server_tokens_spec.lua';
const SERVER = `gateway/${VERSION}`;
const VIA = `1.1 ${SERVER}`;
const upstream = await mockUpstream();
const closedPort = await (async () => {
  const u = await startTestGateway('_format_version: "3.0"\n');
  const port = u.port;
  await u.stop();
  return port;
})();

const pluginsPath = writePlugins([{
  name: 'error-generator',
  config: { access: { type: 'boolean', default: false }, header_filter: { type: 'boolean', default: false } },
  handler: `export default {
  version: '1.0.0', priority: 1000000,
  access(kong, config) { if (config.access) throw new Error('[error-generator] access'); },
  headerFilter(kong, config) { if (config.header_filter) throw new Error('[error-generator] header_filter'); },
};
`,
}]);

const yaml = `_format_version: "3.0"
services:
- name: mock
  url: http://127.0.0.1:${upstream.port}
  routes:
  - { hosts: [headers-inspect.test] }
  - hosts: [short-circuit.test]
    plugins:
    - { name: request-termination, config: { status_code: 200, message: Terminated } }
    - { name: response-transformer, config: { add: { headers: ["Via:${SERVER}", "Server:Demo"] } } }
  - hosts: [error-access.test]
    plugins: [{ name: error-generator, config: { access: true } }]
  - hosts: [error-header-filter.test]
    plugins: [{ name: error-generator, config: { header_filter: true } }]
- name: wrong-port
  url: http://127.0.0.1:${closedPort}
  routes:
  - { hosts: [502.test] }
  - hosts: [request-termination.test]
    plugins: [{ name: request-termination }]
`;

const gateways = new Map<string, Promise<TestGateway>>();
function gateway(headers: string | undefined): Promise<TestGateway> {
  const key = headers ?? '(default)';
  let gw = gateways.get(key);
  if (!gw) gateways.set(key, (gw = startTestGateway(yaml, { ...(headers === undefined ? {} : { headers }), plugins: ['bundled', 'error-generator'], pluginsPath: [pluginsPath] })));
  return gw;
}
after(async () => {
  for (const gw of gateways.values()) await (await gw).stop();
});

/** `true`: present; `false`: absent; a string: that value; `NOT_KONG`: present and not Kong's token. */
const NOT_KONG = Symbol('not Kong');
type Want = boolean | string | typeof NOT_KONG;

interface Row {
  readonly line: number;
  readonly name: string;
  /** The `headers` setting (undefined: Kong's default). */
  readonly headers: string | undefined;
  readonly host: string;
  readonly path?: string;
  readonly status: number;
  readonly want: Readonly<Record<string, Want>>;
  readonly todo?: string;
}

const UL = 'x-kong-upstream-latency';
const PL = 'x-kong-proxy-latency';
const RL = 'x-kong-response-latency';
const latencies = (up: boolean, proxy: boolean, response: boolean) => ({ [UL]: up, [PL]: proxy, [RL]: response });

const rows: Row[] = [
  // Server/Via
  { line: 87, name: "Kong 'Via' but not Kong's 'Server' when request was proxied", headers: undefined, host: 'headers-inspect.test', status: 200, want: { server: NOT_KONG, via: VIA } },
  { line: 101, name: "Kong 'Server' but not 'Via' when no route matched", headers: undefined, host: '404.test', status: 404, want: { server: SERVER, via: false } },
  { line: 115, name: "no Kong 'Server' when short-circuited with a matching Kong 'Via'", headers: undefined, host: 'short-circuit.test', status: 200, want: { via: SERVER, server: 'Demo' } },
  { line: 139, name: "headers = Via: Kong 'Via', 'Server' untouched when proxied", headers: 'Via', host: 'headers-inspect.test', status: 200, want: { via: VIA, server: MOCK_SERVER } },
  { line: 153, name: "headers = Via: neither 'Via' nor 'Server' when no route matched", headers: 'Via', host: '404.test', status: 404, want: { via: false, server: false } },
  { line: 177, name: "headers = Server: no 'Via', 'Server' untouched when proxied", headers: 'Server', host: 'headers-inspect.test', status: 200, want: { server: MOCK_SERVER, via: false } },
  { line: 191, name: "headers = Server: Kong 'Server', no 'Via' when no route matched", headers: 'Server', host: '404.test', status: 404, want: { server: SERVER, via: false } },
  { line: 215, name: "headers = server_tokens: Kong 'Via', 'Server' untouched when proxied", headers: 'server_tokens', host: 'headers-inspect.test', status: 200, want: { server: MOCK_SERVER, via: VIA } },
  { line: 229, name: "headers = server_tokens: Kong 'Server', no 'Via' when no route matched", headers: 'server_tokens', host: '404.test', status: 404, want: { server: SERVER, via: false } },
  { line: 253, name: "headers = off: no 'Via', the upstream's 'Server' forwarded", headers: 'off', host: 'headers-inspect.test', status: 200, want: { server: MOCK_SERVER, via: false } },
  { line: 268, name: "headers = off: neither 'Server' nor 'Via' when no route matched", headers: 'off', host: '404.test', status: 404, want: { server: false, via: false } },
  // Latencies
  { line: 377, name: 'latencies returned when request was proxied', headers: undefined, host: 'headers-inspect.test', status: 200, want: latencies(true, true, false) },
  { line: 392, name: 'latencies not returned when no route matched (response latency is)', headers: undefined, host: '404.test', status: 404, want: latencies(false, false, true) },
  { line: 407, name: 'latencies not returned when request is short-circuited', headers: undefined, host: 'request-termination.test', status: 503, want: latencies(false, false, true) },
  ...[400, 404, 408, 411, 412, 413, 414, 417, 494, 500, 502, 503, 504].map((code): Row => ({
    line: 422, name: `latencies returned for an upstream's ${code} (error_page not executing)`, headers: undefined, host: 'headers-inspect.test', path: `/status/${code}`, status: code, want: latencies(true, true, false),
  })),
  { line: 439, name: 'latencies returned with 502 errors (error_page executing)', headers: undefined, host: '502.test', status: 502, want: latencies(true, true, false) },
  { line: 496, name: 'latencies not returned when plugin errors on access phase', headers: undefined, host: 'error-access.test', status: 500, want: latencies(false, false, true) },
  { line: 538, name: 'headers = latency_tokens: returned when request was proxied', headers: 'latency_tokens', host: 'headers-inspect.test', status: 200, want: latencies(true, true, false) },
  { line: 553, name: 'headers = latency_tokens: not returned when no route matched', headers: 'latency_tokens', host: '404.test', status: 404, want: latencies(false, false, true) },
  { line: 578, name: 'headers = X-Kong-Upstream-Latency: only that one when proxied', headers: 'X-Kong-Upstream-Latency', host: 'headers-inspect.test', status: 200, want: latencies(true, false, false) },
  { line: 593, name: 'headers = X-Kong-Upstream-Latency: none when no route matched', headers: 'X-Kong-Upstream-Latency', host: '404.test', status: 404, want: latencies(false, false, false) },
  { line: 618, name: 'headers = X-Kong-Proxy-Latency: only that one when proxied', headers: 'X-Kong-Proxy-Latency', host: 'headers-inspect.test', status: 200, want: latencies(false, true, false) },
  { line: 633, name: 'headers = X-Kong-Proxy-Latency: none when no route matched', headers: 'X-Kong-Proxy-Latency', host: '404.test', status: 404, want: latencies(false, false, false) },
  { line: 658, name: 'headers = X-Kong-Response-Latency: none when proxied', headers: 'X-Kong-Response-Latency', host: 'headers-inspect.test', status: 200, want: latencies(false, false, false) },
  { line: 673, name: 'headers = X-Kong-Response-Latency: returned when no route matched', headers: 'X-Kong-Response-Latency', host: '404.test', status: 404, want: latencies(false, false, true) },
  { line: 698, name: 'headers = off: no latency when proxied', headers: 'off', host: 'headers-inspect.test', status: 200, want: latencies(false, false, false) },
  { line: 713, name: 'headers = off: no latency when no route matched', headers: 'off', host: '404.test', status: 404, want: latencies(false, false, false) },
  { line: 738, name: "headers = server_tokens, X-Kong-Proxy-Latency: Via and proxy latency when proxied", headers: 'server_tokens, X-Kong-Proxy-Latency', host: 'headers-inspect.test', status: 200, want: { server: NOT_KONG, via: VIA, [PL]: true, [RL]: false } },
  { line: 754, name: "headers = server_tokens, X-Kong-Proxy-Latency: Server only when no route matched", headers: 'server_tokens, X-Kong-Proxy-Latency', host: '404.test', status: 404, want: { server: SERVER, via: false, [PL]: false, [RL]: false } },
  { line: 799, name: "headers = server_tokens, off, X-Kong-Proxy-Latency: 'off' takes no effect (proxied)", headers: 'server_tokens, off, X-Kong-Proxy-Latency', host: 'headers-inspect.test', status: 200, want: { server: NOT_KONG, via: VIA, [PL]: true, [RL]: false } },
  { line: 815, name: "headers = server_tokens, off, X-Kong-Proxy-Latency: 'off' takes no effect (no route)", headers: 'server_tokens, off, X-Kong-Proxy-Latency', host: '404.test', status: 404, want: { server: SERVER, via: false, [PL]: false, [RL]: false } },
  { line: 877, name: 'tokens are case insensitive (proxied)', headers: 'serVer_TokEns, x-kOng-pRoXy-lAtency', host: 'headers-inspect.test', status: 200, want: { server: NOT_KONG, via: VIA, [PL]: true, [RL]: false } },
  { line: 893, name: 'tokens are case insensitive (no route)', headers: 'serVer_TokEns, x-kOng-pRoXy-lAtency', host: '404.test', status: 404, want: { server: SERVER, via: false, [PL]: false, [RL]: false } },
];

for (const row of rows) {
  test(`${SPEC}:${row.line} ${row.name}`, { todo: row.todo }, async () => {
    const gw = await gateway(row.headers);
    const r = await send(gw.port, row.path ?? '/get', { host: row.host });
    assert.equal(r.status, row.status, r.body);
    for (const [name, want] of Object.entries(row.want)) {
      const got = r.headers[name];
      if (want === true) assert.notEqual(got, undefined, `${name} present`);
      else if (want === false) assert.equal(got, undefined, `${name} absent`);
      else if (want === NOT_KONG) assert.ok(got !== undefined && got !== SERVER, `${name} present and not Kong's: ${String(got)}`);
      else assert.equal(got, want, name);
    }
  });
}

test(`${SPEC}:456 latencies not returned when plugin errors on rewrite phase`, { skip: 'Kong runs it only with a database (the spec skips it for strategy off)' }, () => {});
test(`${SPEC}:513 latencies returned even when plugin errors on header filter phase`, { skip: 'pending in Kong (a header filter error closes the connection there)' }, () => {});
test(`${SPEC}:770 can be specified via configuration file`, { skip: 'kong.conf and the admin /configuration are not this gateway\'s (settings are flags and GATEWAY_*)' }, () => {});

// Admin API (:911): Server and X-Kong-Admin-Latency on the admin API's answers.
for (const [line, headers, server] of [[939, undefined, true], [952, 'server_tokens', true], [965, 'Server', true], [978, 'off', false]] as const) {
  test(`${SPEC}:${line} admin API Server header (headers = ${headers ?? 'default'})`, async () => {
    const gw = await gateway(headers);
    const res = await request(`${gw.admin}/`);
    await res.body.text();
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers.server !== undefined, server);
  });
}
// (:1011 says "headers = X-Kong-Admin-Latency" but sets latency_tokens, as ported.)
for (const [line, headers] of [[991, undefined], [1004, 'latency_tokens'], [1017, 'latency_tokens'], [1030, 'off']] as const) {
  test(`${SPEC}:${line} admin API X-Kong-Admin-Latency (headers = ${headers ?? 'default'})`, async () => {
    const gw = await gateway(headers);
    const res = await request(`${gw.admin}/`);
    await res.body.text();
    assert.equal(res.headers['x-kong-admin-latency'] !== undefined, headers !== 'off');
  });
}

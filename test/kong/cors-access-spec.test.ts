// Kong's spec/03-plugins/13-cors/01-access_spec.lua as tables: the origin regex cases (preflights against each
// kind of origins entry), then preflights and other requests with Kong's routes. Kong's mock upstream is an echo
// here: /status/N answers N, /response-headers sets the headers its query names, unknown paths are a 404.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { startTestGateway, startUpstream } from '../helpers/servers.ts';
import { writePlugins } from '../helpers/plugins.ts';

const SPEC = 'spec/03-plugins/13-cors/01-access_spec.lua';
const CORS_DEFAULT_METHODS = 'GET,HEAD,PUT,PATCH,POST,DELETE,OPTIONS,TRACE,CONNECT';

const upstream = await startUpstream((req, res) => {
  const url = new URL(req.url ?? '/', 'http://upstream');
  const status = /^\/status\/(\d{3})$/.exec(url.pathname);
  const known = ['/', '/request', '/anything', '/response-headers'].includes(url.pathname) || status !== null;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (url.pathname === '/response-headers') for (const [k, v] of url.searchParams) headers[k] = v;
  res.writeHead(status ? Number(status[1]) : known ? 200 : 404, headers);
  res.end(JSON.stringify({ code: status ? Number(status[1]) : undefined, method: req.method, headers: req.headers }));
});
after(() => upstream.close());

/** A port nothing listens on: Kong's cors-timeout.test service (127.0.0.2:26865) gets no answer either. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// Kong's error-generator-last fixture: throws in access, after every other plugin.
const pluginsPath = writePlugins([{
  name: 'error-generator-last',
  config: { access: { type: 'boolean' } },
  handler: "export default { version: '1.0.0', priority: -1000000, access() { throw new Error('[error-generator-last] access'); } };\n",
}]);

interface RegexCase {
  readonly line: number;
  readonly origins: readonly string[];
  /** Origin → true (accepted, echoed), a string (accepted, that ACAO), false (rejected). */
  readonly tests: Readonly<Record<string, boolean | string>>;
}

const REGEX_CASES: readonly RegexCase[] = [
  { line: 32, origins: ['foo.test'], tests: { 'http://evil.test': 'foo.test', 'http://foo.test': 'foo.test', 'http://foo.test.evil.test': 'foo.test', 'http://something.foo.test': 'foo.test', 'http://evilfoo.test': 'foo.test', 'http://foo.test:80': 'foo.test', 'http://foo.test:8000': 'foo.test', 'https://foo.test:8000': 'foo.test', 'http://foo.test:90': 'foo.test', 'http://foobtest': 'foo.test', 'https://bar.test:1234': 'foo.test' } },
  { line: 49, origins: ['https://bar.test:1234'], tests: { 'http://evil.test': 'https://bar.test:1234', 'http://foo.test': 'https://bar.test:1234', 'http://foo.test.evil.test': 'https://bar.test:1234', 'http://something.foo.test': 'https://bar.test:1234', 'http://evilfoo.test': 'https://bar.test:1234', 'http://foo.test:80': 'https://bar.test:1234', 'http://foo.test:8000': 'https://bar.test:1234', 'https://foo.test:8000': 'https://bar.test:1234', 'http://foo.test:90': 'https://bar.test:1234', 'http://foobtest': 'https://bar.test:1234', 'https://bar.test:1234': 'https://bar.test:1234' } },
  { line: 66, origins: ['foo\\.test'], tests: { 'http://evil.test': false, 'http://foo.test': true, 'http://foo.test.evil.test': false, 'http://something.foo.test': false, 'http://evilfoo.test': false, 'http://foo.test:80': 'http://foo.test', 'http://foo.test:8000': true, 'https://foo.test:8000': true, 'http://foo.test:90': true, 'http://foobtest': false, 'https://bar.test:1234': false } },
  { line: 83, origins: ['(.*[./])?foo\\.test'], tests: { 'http://evil.test': false, 'http://foo.test': true, 'http://foo.test.evil.test': false, 'http://something.foo.test': true, 'http://evilfoo.test': false, 'http://foo.test:80': 'http://foo.test', 'http://foo.test:8000': true, 'https://foo.test:8000': true, 'http://foo.test:90': true, 'http://foobtest': false, 'https://bar.test:1234': false } },
  { line: 100, origins: ['(.*[./])?foo\\.test:8000'], tests: { 'http://evil.test': false, 'http://foo.test': false, 'http://foo.test.evil.test': false, 'http://something.foo.test': false, 'http://evilfoo.test': false, 'http://foo.test:80': false, 'http://foo.test:8000': true, 'https://foo.test:8000': true, 'http://foo.test:90': false, 'http://foobtest': false, 'https://bar.test:1234': false } },
  { line: 117, origins: ['https://(.*[.])?foo\\.test:8000'], tests: { 'http://evil.test': false, 'http://foo.test': false, 'http://foo.test.evil.test': false, 'http://something.foo.test': false, 'http://foo.test:80': false, 'http://foo.test:8000': false, 'https://foo.test:8000': true, 'http://foo.test:90': false, 'http://foobtest': false, 'https://bar.test:1234': false } },
  { line: 133, origins: ['^http://(.*[.])?foo\\.test(:(80|90))?$'], tests: { 'http://evil.test': false, 'http://foo.test': true, 'http://foo.test.evil.test': false, 'http://something.foo.test': true, 'http://foo.test:80': 'http://foo.test', 'http://foo.test:8000': false, 'https://foo.test:8000': false, 'http://foo.test:90': true, 'http://foobtest': false, 'https://bar.test:1234': false } },
  { line: 149, origins: ['foo.test', 'bar.test'], tests: { 'http://evil.test': false, 'http://foo.test': false, 'http://foo.test.evil.test': false, 'http://foo.test:80': false, 'http://foo.test:8000': false, 'http://foo.test:90': false, 'http://foobtest': false, 'https://bar.test:1234': false } },
  { line: 163, origins: ['http://foo.test', 'https://bar.test:1234'], tests: { 'http://evil.test': false, 'http://foo.test': true, 'http://foo.test.evil.test': false, 'http://foo.test:80': 'http://foo.test', 'http://foo.test:8000': false, 'http://foo.test:90': false, 'http://foobtest': false, 'https://bar.test:1234': true } },
  { line: 177, origins: ['bar.test', 'foo\\.test'], tests: { 'http://evil.test': false, 'http://foo.test': true, 'http://foo.test.evil.test': false, 'http://something.foo.test': false, 'http://foo.test:80': 'http://foo.test', 'http://foo.test:8000': true, 'http://foo.test:90': true, 'http://foobtest': false, 'https://bar.test:1234': false } },
  { line: 192, origins: ['bar.test', '(.*\\.)?foo\\.test'], tests: { 'http://evil.test': false, 'http://foo.test': true, 'http://foo.test.evil.test': false, 'http://something.foo.test': true, 'http://foo.test:80': 'http://foo.test', 'http://foo.test:8000': true, 'http://foo.test:90': true, 'http://foobtest': false, 'https://bar.test:1234': false } },
  { line: 207, origins: ['bar.test', '(.*[./])?foo\\.test:8000'], tests: { 'http://evil.test': false, 'http://foo.test': false, 'http://foo.test.evil.test': false, 'http://something.foo.test': false, 'http://foo.test:80': false, 'http://foo.test:8000': true, 'https://foo.test:8000': true, 'http://foo.test:90': false, 'http://foobtest': false, 'https://bar.test:1234': false } },
  { line: 223, origins: ['bar.test', 'https://(.*\\.)?foo\\.test:8000'], tests: { 'http://evil.test': false, 'http://foo.test': false, 'http://foo.test.evil.test': false, 'http://something.foo.test': false, 'http://foo.test:80': false, 'http://foo.test:8000': false, 'https://foo.test:8000': true, 'http://foo.test:90': false, 'http://foobtest': false, 'https://bar.test:1234': false } },
];

const EXAMPLE = { origins: ['example.test'], methods: ['GET'], headers: ['origin', 'type', 'accepts'], exposed_headers: ['x-auth-token'] };
/** Host → its plugins (as JSON, which YAML reads) and, for two of them, their own service. */
const ROUTES: Record<string, { plugins: readonly object[]; url?: string }> = {
  'cors1.test': { plugins: [{ name: 'cors' }] },
  'cors2.test': { plugins: [{ name: 'cors', config: { ...EXAMPLE, max_age: 23, credentials: true } }] },
  'cors3.test': { plugins: [{ name: 'cors', config: { ...EXAMPLE, max_age: 23, preflight_continue: true } }] },
  'cors4.test': { plugins: [{ name: 'cors' }, { name: 'key-auth' }] },
  'cors5.test': { plugins: [{ name: 'cors', config: { origins: ['*'], credentials: true } }] },
  'cors6.test': { plugins: [{ name: 'cors', config: { ...EXAMPLE, origins: ['example.test', 'example.org'], max_age: 23, preflight_continue: true } }] },
  'cors7.test': { plugins: [{ name: 'cors', config: { origins: ['*'], credentials: false } }] },
  'cors-empty-origins.test': { plugins: [{ name: 'cors', config: { origins: [] } }] },
  'cors9.test': { plugins: [{ name: 'cors', config: { origins: ['.*\\.?example(?:-foo)?.test'] } }] },
  'cors10.test': { plugins: [{ name: 'cors', config: { origins: ['http://my-site.test', 'http://my-other-site.test'] } }] },
  'cors11.test': { plugins: [{ name: 'cors', config: { origins: ['http://my-site.test', 'https://my-other-site.test:9000'] } }] },
  'cors12.test': { plugins: [{ name: 'cors', config: {
    credentials: true, preflight_continue: false, max_age: 1728000,
    headers: ['DNT', 'X-CustomHeader', 'Keep-Alive', 'User-Agent', 'X-Requested-With', 'If-Modified-Since', 'Cache-Control', 'Content-Type', 'Authorization'],
    methods: null, origins: ['a.xxx.test', 'allowed-domain.test'],
  } }] },
  'cors13.test': { plugins: [{ name: 'cors', config: { preflight_continue: false, private_network: true, origins: ['allowed-domain.test'] } }] },
  'cors14.test': { plugins: [{ name: 'cors', config: { preflight_continue: false, origins: ['foo.bar', '*'] } }] },
  'cors15.test': { plugins: [{ name: 'cors', config: { allow_origin_absent: false, origins: ['foo.bar'], exposed_headers: ['x-auth-token'], credentials: true } }] },
  'cors16.test': { plugins: [{ name: 'cors', config: { allow_origin_absent: true, origins: ['foo.bar'], exposed_headers: ['x-auth-token'], credentials: true } }] },
  'cors-upstream.test': { plugins: [{ name: 'cors', config: { ...EXAMPLE, max_age: 10, preflight_continue: true } }] },
  'cors-timeout.test': { plugins: [{ name: 'cors', config: { ...EXAMPLE, max_age: 10, preflight_continue: true } }], url: `http://127.0.0.1:${await closedPort()}` },
  'cors-error.test': { plugins: [{ name: 'cors', config: { ...EXAMPLE, max_age: 10, preflight_continue: true } }, { name: 'error-generator-last', config: { access: true } }] },
};
REGEX_CASES.forEach((c, i) => {
  ROUTES[`cors-regex-${i + 1}.test`] = { plugins: [{ name: 'cors', config: { origins: c.origins } }] };
});

const entries = Object.entries(ROUTES);
const gw = await startTestGateway(`_format_version: "3.0"
services:
${entries.map(([host, r], i) => `- name: s${i}
  url: ${r.url ?? `http://127.0.0.1:${upstream.port}`}
  routes:
  - name: r${i}
    hosts: [${host}]
    plugins: ${JSON.stringify(r.plugins)}`).join('\n')}
`, { plugins: ['bundled', 'error-generator-last'], pluginsPath: [pluginsPath] });
after(() => gw.stop());

async function send(method: string, host: string, headers: Record<string, string> = {}, path = '/') {
  const res = await request(`${gw.url}${path}`, { method: method as 'GET', headers: { host, ...headers } });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text };
}

for (const [i, c] of REGEX_CASES.entries()) {
  for (const origin of Object.keys(c.tests).sort()) {
    const accept = c.tests[origin]!;
    test(`${SPEC}:587 (origins at :${c.line}) given ${origin}, ${JSON.stringify(c.origins)} will ${accept ? 'accept' : 'reject'}`, async () => {
      const res = await send('OPTIONS', `cors-regex-${i + 1}.test`, { origin, 'access-control-request-method': 'GET' });
      assert.equal(res.status, 200);
      if (accept) {
        assert.equal(res.headers['access-control-allow-methods'], CORS_DEFAULT_METHODS);
        assert.equal(res.headers['access-control-allow-origin'], accept === true ? origin : accept);
        for (const h of ['allow-headers', 'expose-headers', 'allow-credentials', 'max-age']) assert.equal(res.headers[`access-control-${h}`], undefined, h);
      } else {
        assert.equal(res.headers['access-control-allow-origin'], undefined);
      }
    });
  }
}

type Expected = Readonly<Record<string, string | readonly string[] | null>>;
interface Row {
  readonly line: number;
  readonly name: string;
  readonly method: string;
  readonly host: string;
  readonly path?: string;
  readonly headers?: Record<string, string>;
  readonly status: number;
  /** Response headers: a value, a list of values (repeated), or null for absent. */
  readonly expect: Expected;
  readonly body?: (json: { code?: number; method?: string; headers?: Record<string, string> }) => void;
}

const NONE_BUT_ORIGIN: Expected = { 'access-control-allow-methods': null, 'access-control-allow-headers': null, 'access-control-expose-headers': null, 'access-control-allow-credentials': null, 'access-control-max-age': null };
const PREFLIGHT_DEFAULTS: Expected = { 'content-length': '0', 'access-control-allow-methods': CORS_DEFAULT_METHODS, 'access-control-allow-headers': null, 'access-control-expose-headers': null, 'access-control-allow-credentials': null, 'access-control-max-age': null };
const preflight = (origin: string, extra: Record<string, string> = {}) => ({ origin, 'access-control-request-method': 'GET', ...extra });

const ROWS: readonly Row[] = [
  { line: 617, name: 'OPTIONS gives appropriate defaults', method: 'OPTIONS', host: 'cors1.test', headers: preflight('origin1.test'), status: 200, expect: { ...PREFLIGHT_DEFAULTS, 'access-control-allow-origin': '*', vary: null } },
  { line: 637, name: 'OPTIONS gives * wildcard when config.origins is empty', method: 'OPTIONS', host: 'cors-empty-origins.test', headers: preflight('empty-origin.test'), status: 200, expect: { ...PREFLIGHT_DEFAULTS, 'access-control-allow-origin': '*', vary: null } },
  { line: 663, name: 'OPTIONS gives appropriate defaults when origin is explicitly set to * and config.credentials=true', method: 'OPTIONS', host: 'cors5.test', headers: preflight('origin5.test'), status: 200, expect: { ...PREFLIGHT_DEFAULTS, 'access-control-allow-origin': 'origin5.test', 'access-control-allow-credentials': 'true', vary: 'Origin' } },
  { line: 683, name: 'OPTIONS gives * wildcard when origin has multiple entries and have * included', method: 'OPTIONS', host: 'cors14.test', headers: preflight('http://www.example.net'), status: 200, expect: { ...PREFLIGHT_DEFAULTS, 'access-control-allow-origin': '*' } },
  { line: 702, name: 'OPTIONS accepts config options', method: 'OPTIONS', host: 'cors2.test', headers: preflight('origin5.test'), status: 200, expect: { 'content-length': '0', 'access-control-allow-methods': 'GET', 'access-control-allow-origin': 'example.test', 'access-control-max-age': '23', 'access-control-allow-credentials': 'true', 'access-control-allow-headers': 'origin,type,accepts', vary: 'Origin', 'access-control-expose-headers': null } },
  { line: 722, name: 'OPTIONS preflight_continue enabled', method: 'OPTIONS', host: 'cors3.test', path: '/status/201', status: 201, expect: {}, body: (json) => assert.equal(json.code, 201) },
  { line: 735, name: 'OPTIONS replies with request-headers if present in request', method: 'OPTIONS', host: 'cors5.test', headers: preflight('origin5.test', { 'access-control-request-headers': 'origin,accepts' }), status: 200, expect: { 'content-length': '0', 'access-control-allow-headers': 'origin,accepts' } },
  { line: 751, name: 'OPTIONS properly validates flat strings (legitimate origin)', method: 'OPTIONS', host: 'cors10.test', headers: { origin: 'http://my-site.test' }, status: 200, expect: { 'access-control-allow-origin': 'http://my-site.test' } },
  { line: 751, name: 'OPTIONS properly validates flat strings (illegitimate origin)', method: 'OPTIONS', host: 'cors10.test', headers: { origin: 'http://bad-guys.test' }, status: 200, expect: { 'access-control-allow-origin': null } },
  { line: 751, name: 'OPTIONS properly validates flat strings (tricky illegitimate origin)', method: 'OPTIONS', host: 'cors10.test', headers: { origin: 'http://my-site.test.bad-guys.test' }, status: 200, expect: { 'access-control-allow-origin': null } },
  { line: 789, name: 'OPTIONS support private-network', method: 'OPTIONS', host: 'cors13.test', headers: { origin: 'allowed-domain.test', 'access-control-request-private-network': 'true', 'access-control-request-method': 'PUT' }, status: 200, expect: { 'access-control-allow-private-network': 'true' } },
  { line: 805, name: 'others: gives appropriate defaults', method: 'GET', host: 'cors1.test', status: 200, expect: { ...NONE_BUT_ORIGIN, 'access-control-allow-origin': '*', vary: null } },
  { line: 822, name: 'others: proxies a non-preflight OPTIONS request', method: 'OPTIONS', host: 'cors1.test', path: '/anything', status: 200, expect: { ...NONE_BUT_ORIGIN, 'access-control-allow-origin': '*', vary: null }, body: (json) => assert.equal(json.method, 'OPTIONS') },
  { line: 842, name: 'others: accepts config options', method: 'GET', host: 'cors2.test', status: 200, expect: { 'access-control-allow-origin': 'example.test', 'access-control-expose-headers': 'x-auth-token', 'access-control-allow-credentials': 'true', vary: 'Origin', 'access-control-allow-methods': null, 'access-control-allow-headers': null, 'access-control-max-age': null } },
  { line: 859, name: 'others: works even when upstream timeouts', method: 'GET', host: 'cors-timeout.test', status: 502, expect: { 'access-control-allow-origin': 'example.test', 'access-control-expose-headers': 'x-auth-token', vary: 'Origin', 'access-control-allow-credentials': null, 'access-control-allow-methods': null, 'access-control-allow-headers': null, 'access-control-max-age': null } },
  { line: 876, name: 'others: works even when a runtime error occurs', method: 'GET', host: 'cors-error.test', status: 500, expect: { 'access-control-allow-origin': 'example.test', 'access-control-expose-headers': 'x-auth-token', vary: 'Origin', 'access-control-allow-credentials': null, 'access-control-allow-methods': null, 'access-control-allow-headers': null, 'access-control-max-age': null } },
  { line: 893, name: 'others: works with 404 responses', method: 'GET', host: 'cors1.test', path: '/asdasdasd', status: 404, expect: { ...NONE_BUT_ORIGIN, 'access-control-allow-origin': '*', vary: null } },
  { line: 911, name: 'others: works with 40x responses returned by another plugin', method: 'GET', host: 'cors4.test', status: 401, expect: { ...NONE_BUT_ORIGIN, 'access-control-allow-origin': '*', vary: null } },
  { line: 928, name: 'others: sets CORS orgin based on origin host (cors6)', method: 'GET', host: 'cors6.test', headers: { origin: 'example.test' }, status: 200, expect: { 'access-control-allow-origin': 'example.test', vary: 'Origin' } },
  ...(['example.test', 'www.example.test', 'example-foo.test', 'www.example-foo.test'] as const).map((origin): Row => (
    { line: 928, name: `others: sets CORS orgin based on origin host (${origin} matches)`, method: 'GET', host: 'cors9.test', headers: { origin }, status: 200, expect: { 'access-control-allow-origin': origin, vary: 'Origin' } })),
  { line: 928, name: 'others: sets CORS orgin based on origin host (www.example-fo0.test does not)', method: 'GET', host: 'cors9.test', headers: { origin: 'www.example-fo0.test' }, status: 200, expect: { 'access-control-allow-origin': null, vary: 'Origin' } },
  { line: 963, name: "others: sets Vary and don't override existing Vary header", method: 'GET', host: 'cors-upstream.test', path: '/response-headers?vary=Accept-Encoding', headers: { origin: 'example.test' }, status: 200, expect: { vary: ['Accept-Encoding', 'Origin'] } },
  { line: 976, name: 'others: does not automatically parse the host (http)', method: 'GET', host: 'cors6.test', headers: { origin: 'http://example.test' }, status: 200, expect: { 'access-control-allow-origin': null } },
  { line: 976, name: 'others: does not automatically parse the host (https)', method: 'GET', host: 'cors6.test', headers: { origin: 'https://example.test' }, status: 200, expect: { 'access-control-allow-origin': null } },
  ...([['http://my-site.test', 'http://my-site.test'], ['http://my-site.test:80', 'http://my-site.test'], ['http://my-site.test:8000', null], ['https://my-site.test', null], ['https://my-other-site.test:9000', 'https://my-other-site.test:9000'], ['https://my-other-site.test:9001', null]] as const).map(([origin, acao]): Row => (
    { line: 999, name: `others: validates scheme and port (${origin})`, method: 'GET', host: 'cors11.test', headers: { origin }, status: 200, expect: { 'access-control-allow-origin': acao } })),
  { line: 1061, name: 'others: does not sets CORS origin if origin host is not in origin_domains list', method: 'GET', host: 'cors6.test', headers: { origin: 'http://www.example.net' }, status: 200, expect: { 'access-control-allow-origin': null } },
  { line: 1073, name: 'others: responds with the requested Origin when config.credentials=true', method: 'GET', host: 'cors5.test', headers: { origin: 'http://www.example.net' }, status: 200, expect: { 'access-control-allow-origin': 'http://www.example.net', 'access-control-allow-credentials': 'true', vary: 'Origin' } },
  { line: 1087, name: 'others: responds with the requested Origin (including port) when config.credentials=true', method: 'GET', host: 'cors5.test', headers: { origin: 'http://www.example.net:3000' }, status: 200, expect: { 'access-control-allow-origin': 'http://www.example.net:3000', 'access-control-allow-credentials': 'true', vary: 'Origin' } },
  { line: 1101, name: 'others: responds with * when origin is explicitly set to * and config.credentials=false', method: 'GET', host: 'cors7.test', headers: { origin: 'http://www.example.net' }, status: 200, expect: { 'access-control-allow-origin': '*', 'access-control-allow-credentials': null, vary: null } },
  { line: 1115, name: 'others: responds with * when origin has multiple entries and have * included', method: 'GET', host: 'cors14.test', headers: { origin: 'http://www.example.net' }, status: 200, expect: { 'access-control-allow-origin': '*' } },
  { line: 1127, name: 'others: removes upstream ACAO header when no match is found (allowed)', method: 'GET', host: 'cors12.test', path: '/response-headers?Response-Header=is-added&Access-Control-Allow-Origin=*', headers: { origin: 'allowed-domain.test' }, status: 200, expect: { 'response-header': 'is-added', 'access-control-allow-origin': 'allowed-domain.test', 'access-control-allow-credentials': 'true', vary: 'Origin' }, body: (json) => assert.equal(json.headers?.origin, 'allowed-domain.test') },
  { line: 1127, name: 'others: removes upstream ACAO header when no match is found (disallowed)', method: 'GET', host: 'cors12.test', path: '/response-headers?Response-Header=is-added&Access-Control-Allow-Origin=*', headers: { origin: 'disallowed-domain.test' }, status: 200, expect: { 'response-header': 'is-added', 'access-control-allow-origin': null, 'access-control-allow-credentials': 'true' }, body: (json) => assert.equal(json.headers?.origin, 'disallowed-domain.test') },
  ...([['nil', undefined], ['""', '']] as const).flatMap(([label, origin]): Row[] => {
    const headers: Record<string, string> = origin === undefined ? {} : { origin };
    return [
      { line: 1170, name: `others: when allow_origin_absent is disabled with missing Origin header value:${label}, no ACAO is returned`, method: 'GET', host: 'cors15.test', headers, status: 200, expect: { 'access-control-allow-origin': null, 'access-control-allow-credentials': null, 'access-control-expose-headers': null } },
      { line: 1185, name: `others: when allow_origin_absent is enabled with missing Origin header value:${label}, ACAO is returned`, method: 'GET', host: 'cors16.test', headers, status: 200, expect: { 'access-control-allow-origin': 'foo.bar', 'access-control-allow-credentials': 'true', 'access-control-expose-headers': 'x-auth-token' } },
    ];
  }),
];

for (const row of ROWS) {
  test(`${SPEC}:${row.line} ${row.name}`, async () => {
    const res = await send(row.method, row.host, row.headers, row.path);
    assert.equal(res.status, row.status);
    for (const [name, value] of Object.entries(row.expect)) assert.deepEqual(res.headers[name], value ?? undefined, name);
    if (row.body) row.body(JSON.parse(res.text));
  });
}

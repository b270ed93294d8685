// spec/02-integration/05-proxy/02-router_spec.lua (Kong 3.10, flavours traditional_compatible and expressions):
// the routing cases that need no database, as kong.yaml tables through a real gateway (see route-table.ts).
// Kong's spec tells routes apart by its debug headers (allow_debug_header + Kong-Debug); here a plugin of the
// test answers with the route, or in upstream mode each route adds a header the upstream echoes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { raw } from '../helpers/raw.ts';
import { startTestGateway, startUpstream } from '../helpers/servers.ts';
import { routerTable, type RouterCase } from './route-table.ts';

const S = 'spec/02-integration/05-proxy/02-router_spec.lua';
const TRAD_ONLY = "traditional-only in Kong's spec (it_trad_only); Kong 3.10's default router answers the same";

const CASES: RouterCase[] = [
  { src: `${S}:186`, title: 'no routes match: responds 404 if no route matches', routes: [{ paths: ['/somewhere'] }], probes: [{ host: 'inexistent.com', expect: null }] },
  {
    src: `${S}:283`, title: 'use-cases: responds 503 if no service found', upstream: true,
    routes: [{ protocols: ['http', 'https'], hosts: ['serviceless-route-http.test'], serviceless: true }],
    probes: [{ host: 'serviceless-route-http.test', expect: 1, status: 503 }, { host: 'serviceless-route-http.test', sni: 'serviceless-route-http.test', expect: 1, status: 503, note: 'over https' }],
  },
  {
    src: `${S}:310`, title: 'use-cases: restricts a route to its methods; routes by method-only if no other match is found; path components of the service', upstream: true,
    routes: [
      { methods: ['GET'], protocols: ['http'], strip_path: false },
      { methods: ['POST', 'PUT'], paths: ['/post', '/put'], protocols: ['http'], strip_path: false },
      { paths: ['/mock_upstream'], protocols: ['http'], strip_path: true, servicePath: '/status' },
      { paths: ['/private'], protocols: ['http'], strip_path: false, servicePath: '/basic-auth/' },
      { paths: ['~/users/\\d+/profile'], protocols: ['http'], strip_path: true, servicePath: '/anything' },
    ],
    probes: [
      { method: 'POST', path: '/post', expect: 2, upstreamPath: '/post' },
      { method: 'DELETE', path: '/post', expect: null },
      { path: '/get', expect: 1, upstreamPath: '/get', note: 'routes by method-only' },
      { path: '/mock_upstream/201', expect: 3, upstreamPath: '/status/201', note: 'with strip_path = true' },
      { path: '/private/passwd', expect: 4, upstreamPath: '/basic-auth/private/passwd', note: 'strip_path = false' },
      { path: '/users/foo/profile', expect: 1, upstreamPath: '/users/foo/profile', note: "the regex does not match: Kong's spec gets 404 from its upstream through the GET-only route" },
      { path: '/users/123/profile', expect: 5, upstreamPath: '/anything' },
    ],
  },
  {
    src: `${S}:457`, title: 'handles not enabled services: ignores route where service enabled=false; routes to regex path when longer path service enabled=false', upstream: true,
    routes: [
      { paths: ['/disabled-service1'], strip_path: false, servicePath: '/disabled-service-path/', serviceEnabled: false },
      { paths: ['~/enabled-service/\\w+'], strip_path: true, servicePath: '/anything/' },
      { paths: ['/enabled-service/disabled'], strip_path: true, servicePath: '/some-path/', serviceEnabled: false },
    ],
    probes: [{ path: '/disabled-service1', expect: null }, { path: '/enabled-service/disabled', expect: 2, upstreamPath: '/anything' }],
  },
  { src: `${S}:484`, title: 'use cases #grpc', routes: [], probes: [], skip: 'gRPC' },
  {
    src: `${S}:775`, title: 'URI regexes order of evaluation with created_at', routes: [], probes: [],
    skip: "traditional flavour only: Kong 3.10's default router breaks regex ties by route id, not created_at (08-router_spec rows here cover id ties)",
  },
  {
    src: `${S}:856`, title: 'URI regexes order of evaluation with regex_priority: depends on the regex_priority field', upstream: true,
    routes: [
      { paths: ['~/status/(?P<foo>re)'], strip_path: true, regex_priority: 0 },
      { paths: ['~/status/(re)'], strip_path: true, regex_priority: 4 },
    ],
    probes: [{ path: '/status/re', expect: 2 }],
  },
  {
    src: `${S}:892`, title: 'URI arguments (querystring): preserved, an empty one, one with an empty value', upstream: true,
    routes: [{ hosts: ['mock_upstream'] }],
    probes: [
      { path: '/get?foo=bar&hello=world', host: 'mock_upstream', expect: 1, upstreamPath: '/get?foo=bar&hello=world' },
      { path: '/request?', host: 'mock_upstream', expect: 1, upstreamPath: '/request?' },
      { path: '/get?hello', host: 'mock_upstream', expect: 1, upstreamPath: '/get?hello' },
    ],
  },
  {
    src: `${S}:940`, title: 'URI normalization: matches and proxies the normalized URI; X-Forwarded-Path is the one sent', upstream: true,
    routes: [{ strip_path: true, paths: ['/foo/bar'] }, { strip_path: true, paths: ['/hello'] }, { strip_path: false, paths: ['/anything/world'] }],
    probes: [
      { path: '/foo/a/../bar', expect: 1, upstreamHeaders: { 'x-forwarded-path': '/foo/a/../bar' } },
      { path: '/foo//bar', expect: 1, upstreamHeaders: { 'x-forwarded-path': '/foo//bar' } },
      { path: '/foo/./bar', expect: 1, upstreamHeaders: { 'x-forwarded-path': '/foo/./bar' } },
      { path: '/h%65llo', expect: 2, upstreamHeaders: { 'x-forwarded-path': '/h%65llo' } },
      { path: '/h%65llo/anything/a/../b', expect: 2, upstreamPath: '/anything/b' },
      { path: '/anything/./a/../wor%6cd/a/../b', expect: 3, upstreamPath: '/anything/world/b' },
      { path: '/anything/world/cat%20and%20dog', expect: 3, upstreamPath: '/anything/world/cat%20and%20dog' },
      { path: '/anything/world/caf%C3%A9/%ff', expect: 3, upstreamPath: '/anything/world/caf%C3%A9/%FF', note: 'UTF-8 decoded for matching and encoded again; a byte that is not UTF-8 stays encoded' },
    ],
  },
  {
    src: `${S}:1094`, title: 'strip_path = true: strips subsequent calls to a route with different [paths]', upstream: true,
    routes: [{ paths: ['/x/y/z', '/z/y/x'], strip_path: true }],
    probes: [{ path: '/x/y/z/get', expect: 1, upstreamPath: '/get' }, { path: '/z/y/x/get', expect: 1, upstreamPath: '/get' }, { path: '/x/y/z/get', expect: 1, upstreamPath: '/get' }, { path: '/x/y/z/get', expect: 1, upstreamPath: '/get' }],
  },
  {
    src: `${S}:1138`, title: 'preserve_host', upstream: true,
    routes: [
      { preserve_host: true, hosts: ['preserved.com', 'preserved.com:123'], servicePath: '/request' },
      { preserve_host: false, hosts: ['discarded.com'], servicePath: '/request' },
      { strip_path: false, preserve_host: true, paths: ['/request'] },
    ],
    probes: [
      { path: '/get', host: 'discarded.com', expect: 2, upstreamHost: 'service', note: 'x = false: the hostname and port of the service' },
      { host: 'preserved.com', expect: 1, upstreamHost: 'preserved.com' },
      { path: '/get', host: 'preserved.com:123', expect: 1, upstreamHost: 'preserved.com:123' },
      { path: '/get', host: 'preserved.com', expect: 1, upstreamHost: 'preserved.com' },
    ],
  },
  {
    src: `${S}:1211`, title: 'preserve_host = true forwards request Host:Port even if port is default', upstream: true,
    routes: [{ preserve_host: true, hosts: ['preserved.com', 'preserved.com:123'] }],
    probes: [{ path: '/get', host: 'preserved.com:80', expect: 1, upstreamHost: 'preserved.com:80', note: TRAD_ONLY }],
  },
  {
    src: `${S}:1269`, title: 'edge-cases: root / [uri] for a catch-all rule', upstream: true,
    routes: [{ strip_path: true, paths: ['/'] }, { strip_path: true, paths: ['/foobar'] }],
    probes: [{ path: '/get', expect: 1, upstreamPath: '/get' }, { path: '/foobar/get', expect: 2, upstreamPath: '/get' }],
  },
  {
    src: `${S}:1354`, title: "[snis] for HTTPs connections: matches a route based on its 'snis' attribute, leftmost and rightmost wildcards",
    routes: [
      { protocols: ['https'], snis: ['www.example.org'] }, { protocols: ['https'], snis: ['example.org'] },
      { protocols: ['https'], snis: ['*.foo.test'] }, { protocols: ['https'], snis: ['bar.*'] },
    ],
    probes: [
      { path: '/status/200', sni: 'www.example.org', expect: 1 }, { path: '/status/201', sni: 'www.example.org', expect: 1 },
      { path: '/status/200', sni: 'example.org', expect: 2 },
      { path: '/status/200', sni: 'a.foo.test', expect: 3 }, { path: '/status/200', sni: 'a.b.foo.test', expect: 3 },
      { path: '/status/200', sni: 'bar.x', expect: 4 }, { path: '/status/200', sni: 'bar.y.z', expect: 4 },
    ],
  },
  {
    src: 'kong/router/atc.lua (http.host from the Host header as sent)', title: "deliberate difference: hosts match whatever the Host header's case (Kong 3.10 compares it as sent; see README)",
    routes: [{ hosts: ['api.example.com'] }, { expression: 'http.host == "api.example.com" && http.path ^= "/x"', priority: 1 }],
    probes: [{ host: 'API.Example.COM', expect: 1 }, { host: 'API.Example.COM', path: '/x', expect: 2 }],
  },
  { src: `${S}:1435`, title: 'tls_passthrough', routes: [], probes: [], skip: 'the stream subsystem' },
  {
    src: `${S}:1617`, title: '[headers] matches by header',
    routes: [{ headers: { version: ['v1', 'v2'] } }, { headers: { version: ['v3'] } }],
    probes: [{ host: 'domain.test', headers: { version: 'v1' }, expect: 1 }, { host: 'domain.test', headers: { version: 'v3' }, expect: 2 }],
  },
  {
    src: `${S}:1664`, title: '[headers] matches headers in a case-insensitive way',
    routes: [{ headers: { Version: ['v1', 'v2'] } }, { headers: { version: ['V3'] } }],
    probes: [{ host: 'domain.test', headers: { version: 'v1' }, expect: 1 }, { host: 'domain.test', headers: { Version: 'v3' }, expect: 2 }],
  },
  {
    src: `${S}:1715`, title: '[headers] prioritizes Routes with more headers',
    routes: [{ headers: { version: ['v1', 'v2'] } }, { headers: { version: ['v3'], location: ['us-east'] } }, { headers: { version: ['v3'] } }],
    probes: [{ host: 'domain.test', headers: { version: 'v3', location: 'us-east' }, expect: 2 }, { host: 'domain.test', headers: { version: 'v3' }, expect: 3 }],
  },
  {
    src: `${S}:1773`, title: '[headers] caching do not ignore headers (regression)',
    routes: [{ hosts: ['example.test'], paths: ['/test'], headers: { headertest: ['itsatest'] } }, { hosts: ['example.test'], paths: ['/test'] }],
    probes: [
      { path: '/test', host: 'example.test', headers: { headertest: 'itsatest' }, expect: 1 },
      { path: '/test', host: 'example.test', expect: 2 },
      { path: '/test', host: 'example.test', headers: { headertest: 'itsatest' }, expect: 1 },
    ],
  },
  {
    src: `${S}:1844`, title: '[paths] + [headers]: more headers first, then longer paths',
    routes: [
      { strip_path: true, headers: { version: ['v1', 'v2'] }, paths: ['/root'] },
      { strip_path: true, headers: { version: ['v1', 'v2'] }, paths: ['/root/fixture'] },
      { strip_path: true, headers: { version: ['v1', 'v2'], location: ['us-east'] }, paths: ['/root'] },
    ],
    probes: [{ path: '/root/fixture/get', headers: { version: 'v2', location: 'us-east' }, expect: 3 }, { path: '/root/fixture/get', headers: { version: 'v2' }, expect: 2 }],
  },
  { src: `${S}:1915`, title: '[snis] for #grpcs connections', routes: [], probes: [], skip: 'gRPC' },
  {
    src: `${S}:2048`, title: '[paths] + [methods]: regression tests for #5438, host over longer URIs, no incomplete URIs', upstream: true,
    routes: [
      { strip_path: true, methods: ['GET'], paths: ['/unrelated/longer/uri/that/should/not/match', '/root/fixture'], hosts: ['ahost.test'], servicePath: '/status/201' },
      { strip_path: true, methods: ['GET'], paths: ['/root/fixture/get'], hosts: ['ahost.test'], servicePath: '/status/202' },
      { strip_path: true, methods: ['GET'], paths: ['/root/fixture/get'], hosts: ['anotherhost.test'], servicePath: '/status/203' },
      { strip_path: true, methods: ['GET'], paths: ['/root/fixture/get'], hosts: ['onemorehost.test'], servicePath: '/status/204' },
      { strip_path: true, paths: ['/rest/devportal/api/v1', '/rest/devportal'], hosts: ['api.local'], servicePath: '/status/205' },
      { strip_path: true, paths: ['/rest/devportal/aux'], hosts: ['api.local'], servicePath: '/status/206' },
      { strip_path: true, paths: ['/rest/devportal/aux'], hosts: ['test-api.local'], servicePath: '/status/207' },
      { strip_path: true, paths: ['/rest/devportal/aux'], hosts: ['atest-api.local'], servicePath: '/status/208' },
      { strip_path: true, paths: ['/rest/devportal'], hosts: ['atest-api.local'], servicePath: '/status/209' },
      { strip_path: true, paths: ['/concat_test/devportal/api/v1', '/concat_test/devportal'], hosts: ['api.local'] },
      { strip_path: true, paths: ['/concat_test/devportal/aux'], hosts: ['api.local'] },
      { strip_path: true, paths: ['/concat_test/devportal/aux'], hosts: ['test-api.local'] },
      { strip_path: true, paths: ['/concat_test/devportal/aux'], hosts: ['atest-api.local'] },
      { strip_path: true, paths: ['/concat_test/devportal'], hosts: ['atest-api.local'] },
    ],
    probes: [
      ...([
        [1, '/unrelated/longer/uri/that/should/not/match', 'ahost.test'], [1, '/root/fixture', 'ahost.test'], [2, '/root/fixture/get', 'ahost.test'],
        [3, '/root/fixture/get', 'anotherhost.test'], [4, '/root/fixture/get', 'onemorehost.test'], [5, '/rest/devportal/api/v1', 'api.local'],
        [5, '/rest/devportal', 'api.local'], [6, '/rest/devportal/aux', 'api.local'], [7, '/rest/devportal/aux', 'test-api.local'],
        [8, '/rest/devportal/aux', 'atest-api.local'], [9, '/rest/devportal', 'atest-api.local'],
      ] as const).map(([i, path, host]) => ({ path, host, expect: i, upstreamPath: `/status/${200 + i}`, note: `#5438, ${TRAD_ONLY}` })),
      ...([
        [10, '/concat_test/devportal/api/v1', 'api.local'], [10, '/concat_test/devportal', 'api.local'], [11, '/concat_test/devportal/aux', 'api.local'],
        [12, '/concat_test/devportal/aux', 'test-api.local'], [13, '/concat_test/devportal/aux', 'atest-api.local'], [14, '/concat_test/devportal', 'atest-api.local'],
      ] as const).map(([i, path, host]) => ({ path: `${path}/status/418`, host, expect: i, upstreamPath: '/status/418', note: `#5438 concatenating paths, ${TRAD_ONLY}` })),
      { path: '/root/fixture/get', host: 'anotherhost.test', expect: 3, upstreamPath: '/status/203', note: 'prioritizes host over longer URIs' },
      { host: 'ahost.test', expect: null, note: 'do not match incomplete URIs' },
    ],
  },
  {
    src: `${S}:2287`, title: '[paths] + [hosts] prioritizes longer URIs', upstream: true,
    routes: [{ strip_path: true, hosts: ['route.com'], paths: ['/root/fixture', '/root/fixture/non-matching-but-longer'] }, { strip_path: true, hosts: ['route.com'], paths: ['/root/fixture/get'] }],
    probes: [{ path: '/root/fixture/get', host: 'route.com', expect: 2, upstreamPath: '/', note: TRAD_ONLY }],
  },
  { src: `${S}:2305`, title: 'slash handling (plain, regex)', routes: [], probes: [], skip: 'router_path_handling_tests.lua end to end: test/kong/router-path-handling.test.ts' },
  { src: `${S}:2462`, title: 'router rebuilds, consistency strict/eventual, worker respawn', routes: [], probes: [], skip: 'needs a database (incremental router rebuilds); DB-less reloads: test/runtime/reload.test.ts' },
  { src: `${S}:2603`, title: 'disable allow_debug_header config', routes: [], probes: [], skip: "Kong's allow_debug_header (Kong-Route-Id/-Name response headers on Kong-Debug) is not a setting of this gateway" },
  {
    src: `${S}:2741`, title: "expressions: http.queries.* (wrong value, one value, empty string, no value, multiple values with any())",
    routes: [
      { protocols: ['http'], expression: 'http.path == "/foo/bar" && http.queries.a == "1"', priority: 100 },
      { protocols: ['http'], expression: 'http.path == "/foo" && http.queries.a == ""', priority: 100 },
      { protocols: ['http'], expression: 'http.path == "/foobar" && any(http.queries.a) == "2"', priority: 100 },
    ],
    probes: [
      { path: '/foo/bar?a=x', expect: null }, { path: '/foo/bar?a=1', expect: 1 }, { path: '/foo?a=', expect: 2 }, { path: '/foo?a&b=999', expect: 2 },
      { path: '/foobar?a=2&a=10', expect: 3 }, { path: '/foobar?a=10&a=20', expect: null },
    ],
  },
  {
    src: `${S}:2841`, title: 'expressions: can set route.priority to 2^46 - 1',
    routes: [{ protocols: ['http'], expression: 'http.path == "/foo/bar"', priority: 2 ** 46 - 1 }],
    probes: [{ path: '/foo/bar', expect: 1 }],
  },
];

routerTable(CASES);

test(`${S}:352 requests without Host header: HTTP/1.0 routes normally; HTTP/1.1 is rejected`, async () => {
  const upstream = await startUpstream();
  const gw = await startTestGateway(`_format_version: "3.0"\nservices:\n- name: s\n  url: http://127.0.0.1:${upstream.port}\n  routes:\n  - { name: get, methods: [GET], strip_path: false }\n`);
  try {
    const http10 = await raw(gw.port, 'GET /get HTTP/1.0\r\nKong-Debug: 1\r\n\r\n');
    assert.match(http10.text, /^HTTP\/1\.[01] 200 /);
    assert.match(http10.text, /"url":"\/get"/);
    const http11 = await raw(gw.port, 'GET /get HTTP/1.1\r\nKong-Debug: 1\r\n\r\n');
    assert.match(http11.text, /^HTTP\/1\.1 400 /);
    assert.match(http11.text, /Bad request/i);
  } finally {
    await gw.stop();
    await upstream.close();
  }
});

// spec/01-unit/08-router_spec.lua, continued: exec() (upstream path, captures, preserve_host), stripped paths,
// regex and prefix priorities, and the traditional_compatible / expressions describes. See router-spec.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { problems } from '../helpers/config.ts';
import { routerTable, type RouterCase } from './route-table.ts';

const S = 'spec/01-unit/08-router_spec.lua';
const id = (n: string) => `e8fb37f1-102d-461e-9c51-6608a6bb81${n}`;

const CASES: RouterCase[] = [
  {
    src: `${S}:3267`, title: '[errors] enforces args types', routes: [], probes: [],
    skip: "argument type checks of Kong's Lua select() API; end to end every request has string fields",
  },
  {
    src: `${S}:3726`, title: 'stripped paths #strip', upstream: true,
    routes: [{ id: id('a1'), paths: ['/my-route', '/xx-route'], strip_path: true }, { id: id('a2'), methods: ['POST'], paths: ['/my-route', '/xx-route'], strip_path: false }],
    probes: [
      { path: '/my-route/hello/world', expect: 1, upstreamPath: '/hello/world' },
      { path: '/my-route', expect: 1, upstreamPath: '/' },
      { method: 'POST', path: '/my-route/hello/world', expect: 2, upstreamPath: '/my-route/hello/world', note: "doesn't strip if 'strip_uri' is not enabled" },
      { path: '/my-route', expect: 1, upstreamPath: '/' },
      { path: '/xx-route', expect: 1, upstreamPath: '/' },
      { path: '/my-route', expect: 1, upstreamPath: '/' },
    ],
  },
  {
    src: `${S}:3793`, title: 'stripped paths: does not strip root / URI', upstream: true,
    routes: [{ id: id('01'), paths: ['/'], strip_path: true }],
    probes: [{ method: 'POST', path: '/my-route/hello/world', expect: 1, upstreamPath: '/my-route/hello/world' }],
  },
  {
    src: `${S}:3863`, title: 'stripped paths: strips url encoded paths', upstream: true,
    routes: [{ id: id('01'), paths: ['/endel%2Fst'], strip_path: true }],
    probes: [{ path: '/endel%2Fst', expect: 1, upstreamPath: '/' }],
  },
  {
    src: `${S}:3884`, title: 'stripped paths: strips a [uri regex], with or without a capture group', upstream: true,
    routes: [{ id: id('01'), paths: ['~/users/\\d+/profile'], strip_path: true }, { id: id('02'), paths: ['~/groups/(\\d+)/profile'], strip_path: true }],
    probes: [{ path: '/users/123/profile/hello/world', expect: 1, upstreamPath: '/hello/world' }, { path: '/groups/123/profile/hello/world', expect: 2, upstreamPath: '/hello/world' }],
  },
  {
    src: `${S}:3315`, title: 'exec() returns parsed upstream_url + upstream_uri', upstream: true,
    routes: [{ id: id('01'), paths: ['/my-route'], strip_path: false }, { id: id('02'), paths: ['/my-route-2'], strip_path: false }],
    probes: [{ path: '/my-route', expect: 1, upstreamPath: '/my-route', upstreamHost: 'service' }, { path: '/my-route-2', expect: 2, upstreamPath: '/my-route-2' }],
  },
  {
    src: `${S}:3379`, title: 'exec() returns matched_host + matched_uri + matched_method + matched_headers',
    routes: [
      { id: id('01'), hosts: ['host.com'], methods: ['GET'], paths: ['/my-route'] },
      { id: id('02'), hosts: ['host.com'], paths: ['/my-route'] },
      { id: id('03'), hosts: ['*.host.com'], headers: { location: ['my-location-1', 'my-location-2'] } },
      { id: id('04'), paths: ['~/users/\\d+/profile'] },
    ],
    probes: [
      { path: '/my-route', host: 'host.com', expect: 1 }, { path: '/my-route/prefix/match', host: 'host.com', expect: 1 },
      { method: 'POST', path: '/my-route', host: 'host.com', expect: 2 },
      { host: 'test.host.com', headers: { location: 'my-location-1' }, expect: 3 },
      { path: '/users/123/profile', expect: 4, captures: null, note: 'a regex without groups: no uri_captures' },
    ],
  },
  {
    src: `${S}:3487`, title: 'exec() uri_captures works well with the optional capture group (#13014)',
    routes: [{ id: id('01'), paths: ['~/(users/)?1984/(?<subpath>profile)$'] }],
    probes: [{ path: '/1984/profile', expect: 1, captures: { unnamed: ['/1984/profile', null, 'profile'], named: { subpath: 'profile' } } }],
  },
  {
    src: `${S}:3507`, title: 'exec() returns uri_captures from a [uri regex]',
    routes: [{ id: id('01'), paths: ['~/users/(?P<user_id>\\d+)/profile/?(?P<scope>[a-z]*)'] }],
    probes: [
      { path: '/users/1984/profile', expect: 1, captures: { unnamed: ['/users/1984/profile', '1984', ''], named: { user_id: '1984', scope: '' } } },
      { path: '/users/1984/profile', expect: 1, captures: { unnamed: ['/users/1984/profile', '1984', ''], named: { user_id: '1984', scope: '' } }, note: 'again, from the cache' },
      { path: '/users/1984/profile/email', expect: 1, captures: { unnamed: ['/users/1984/profile/email', '1984', 'email'], named: { user_id: '1984', scope: 'email' } } },
    ],
  },
  {
    src: `${S}:3561`, title: 'exec() returns uri_captures normalized (#7913)',
    routes: [{ id: id('01'), paths: ['~/users/(?P<fullname>[a-zA-Z\\s\\d%]+)/profile/?(?P<scope>[a-z]*)'] }],
    probes: [{ path: '/users/%6aohn%20doe/profile', expect: 1, captures: { unnamed: ['/users/john doe/profile', 'john doe', ''], named: { fullname: 'john doe', scope: '' } } }],
  },
  {
    src: `${S}:3601`, title: 'exec() returns no uri_captures from a [uri prefix] match', upstream: true,
    routes: [{ id: id('01'), paths: ['/hello'], strip_path: true }],
    probes: [{ path: '/hello/world', expect: 1, upstreamPath: '/world' }],
  },
  {
    src: `${S}:3640`, title: 'exec() parses path component from upstream_url property', upstream: true,
    routes: [{ id: id('01'), paths: ['/my-route'], servicePath: '/get' }],
    probes: [{ path: '/my-route', expect: 1, upstreamPath: '/get' }],
  },
  {
    src: `${S}:3707`, title: 'exec() allows url encoded paths if they are reserved characters', upstream: true,
    routes: [{ id: id('01'), paths: ['/endel%2Fst'], strip_path: false }],
    probes: [{ path: '/endel%2Fst', expect: 1, upstreamPath: '/endel%2Fst' }],
  },
  {
    src: `${S}:3927`, title: 'preserve Host header', upstream: true,
    routes: [{ id: id('01'), preserve_host: true, hosts: ['preserve.com'] }, { id: id('02'), preserve_host: false, hosts: ['discard.com'] }],
    probes: [
      { host: 'preserve.com', expect: 1, upstreamHost: 'preserve.com', note: "uses the request's Host header" },
      { host: 'preserve.com:123', expect: 1, upstreamHost: 'preserve.com:123', note: 'incl. port' },
      { host: 'discard.com', expect: 2, upstreamHost: 'service', note: 'preserve_host false' },
    ],
  },
  {
    src: `${S}:4011`, title: "preserve Host header: uses the request's Host header if a route with no host was cached (#2825)", upstream: true,
    routes: [{ id: id('01'), paths: ['/nohost'], preserve_host: true }],
    probes: [{ path: '/nohost', host: 'domain1.com', expect: 1, upstreamHost: 'domain1.com' }, { path: '/nohost', host: 'domain2.com', expect: 1, upstreamHost: 'domain2.com' }],
  },
  {
    src: `${S}:4941`, title: '[both regex and prefix with regex_priority] prefix matching ignore regex_priority',
    routes: [{ id: id('01'), paths: ['/.*'], hosts: ['domain-1.org'] }, { id: id('02'), paths: ['/'], hosts: ['domain-2.org'], regex_priority: 5 }, { id: id('03'), paths: ['/v1'], hosts: ['domain-2.org'] }],
    probes: [{ path: '/v1', host: 'domain-2.org', expect: 3 }],
  },
  {
    src: `${S}:4993`, title: '[both regex and prefix] assigns different priorities to regex and non-regex path',
    routes: [{ id: id('01'), paths: ['~/some/thing/else', '/foo'], hosts: ['domain-1.org'] }, { id: id('02'), paths: ['/foo/bar'], hosts: ['domain-1.org'] }],
    probes: [{ path: '/some/thing/else', host: 'domain-1.org', expect: 1 }, { path: '/foo/bar', host: 'domain-1.org', expect: 2 }],
  },
  {
    src: `${S}:5042`, title: '[overlapping prefixes] assigns different priorities to each path',
    routes: [{ id: id('01'), paths: ['/foo', '/foo/bar/baz'], hosts: ['domain-1.org'] }, { id: id('02'), paths: ['/foo/bar'], hosts: ['domain-1.org'] }],
    probes: [{ path: '/foo', host: 'domain-1.org', expect: 1 }, { path: '/foo/bar', host: 'domain-1.org', expect: 2 }, { path: '/foo/bar/baz', host: 'domain-1.org', expect: 1 }],
  },
  {
    src: `${S}:5053`, title: '[overlapping prefixes] can create route with multiple paths and no service',
    routes: [{ id: id('01'), paths: ['/foo', '/foo/bar/baz'], serviceless: true }],
    probes: [{ path: '/foo/bar/baz', expect: 1 }],
  },
  {
    src: `${S}:2365`, title: 'generate http expression: should always add lower() when matching http.headers.* (the ~* regex is lower-cased too)',
    routes: [{ id: id('01'), methods: ['GET'], headers: { test: ['~*Quote'] } }, { id: id('02'), headers: { digits: ['~*^\\D+$'] } }],
    probes: [
      { headers: { test: 'Quote' }, expect: 1 }, { headers: { test: 'a QUOTE' }, expect: 1 },
      { headers: { digits: '123' }, expect: 2, note: "Kong's lower-casing turns \\D into \\d" }, { headers: { digits: 'abc' }, expect: null },
    ],
  },
  {
    src: `${S}:5075`, title: '[cache hit should be case sensitive] (traditional_compatible, expressions)',
    routes: [{ id: id('01'), paths: ['/foo'], headers: { test1: ['Quote'] } }],
    probes: [{ path: '/foo', headers: { test1: 'QUOTE' }, expect: 1 }, { path: '/foo', headers: { test1: 'QUOTE' }, expect: 1 }, { path: '/foo', headers: { test1: 'QuoTe' }, expect: 1 }],
  },
  {
    src: `${S}:5121`, title: '[cache hit should have correct match_t.upstream_uri]', upstream: true,
    routes: [{ id: id('01'), hosts: ['example.com'], preserve_host: true }],
    probes: [{ path: '/foo', host: 'example.com', expect: 1, upstreamPath: '/foo', upstreamHost: 'example.com' }, { path: '/bar', host: 'example.com', expect: 1, upstreamPath: '/bar', upstreamHost: 'example.com' }],
  },
  {
    src: `${S}:5163`, title: '[#stream SNI-based routing does work using tls_passthrough]', routes: [], probes: [],
    skip: 'the stream subsystem (tls_passthrough routes)',
  },
  {
    src: `${S}:5215`, title: 'expressions [stream] exec() should match tls / tls_passthrough with tls.sni', routes: [], probes: [],
    skip: 'the stream subsystem',
  },
  {
    src: `${S}:5278`, title: 'expressions: select() / exec() should match http.queries',
    routes: [
      { id: id('01'), expression: 'http.path == "/foo/bar" && http.queries.a == "1"', priority: 100 },
      { id: id('02'), expression: 'http.path == "/foo/bar" && http.queries.a == ""', priority: 100 },
      { id: id('03'), expression: 'http.path == "/foo/bar" && any(http.queries.a) == "2"', priority: 100 },
    ],
    probes: [
      { path: '/foo/bar?a=1', expect: 1 }, { path: '/foo/bar?a=', expect: 2 }, { path: '/foo/bar?a', expect: 2, note: 'a = true' },
      { path: '/foo/bar?a=2&a=10', expect: 3 }, { path: '/foo/bar?a=1&a=2', expect: 3, note: 'every value must match, unless any()' },
      { path: '/foo/bar?a=x', expect: null },
    ],
  },
  {
    src: `${S}:5382`, title: 'expressions: http.headers.* match with case sensitivity, lower() without',
    routes: [
      { id: id('01'), expression: 'http.path == "/foo/bar" && http.headers.test1 == "Quote"', priority: 100 },
      { id: id('02'), expression: 'http.path == "/foo/bar" && lower(http.headers.test2) == "quote"', priority: 100 },
    ],
    probes: [
      { path: '/foo/bar', headers: { test1: 'quote' }, expect: null }, { path: '/foo/bar', headers: { test1: 'quoTe' }, expect: null },
      { path: '/foo/bar', headers: { test1: 'Quote' }, expect: 1 }, { path: '/foo/bar', headers: { test1: 'Quote' }, expect: 1, note: 'cache hit' },
      { path: '/foo/bar', headers: { test1: 'QUOTE' }, expect: null }, { path: '/foo/bar', headers: { test1: 'QUOTE' }, expect: null, note: 'negative cache hit' },
      { path: '/foo/bar', headers: { test2: 'QuoTe' }, expect: 2 }, { path: '/foo/bar', headers: { test2: 'QUOTE' }, expect: 2 },
    ],
  },
  {
    src: `${S}:5494`, title: "expressions: select() should convert 'net.port' to 'net.dst.port' and work well",
    routes: [{ id: id('01'), expression: 'http.host == "www.example.com" && net.port == 8000', priority: 100 }],
    probes: [{ host: 'www.example.com:80', expect: null }, { host: 'www.example.com:8000', expect: 1 }],
  },
  {
    src: `${S}:5508`, title: 'expressions: exec() should use var.server_port if host has no port', routes: [], probes: [],
    skip: 'needs the proxy listening on port 8000; covered by test/router/expressions.test.ts (net.dst.port is the port the request came in on)',
  },
  {
    src: `${S}:5533`, title: 'expressions: exec() should support net.src.* and net.dst.* (client and listener on 127.0.0.1 here, not 1.1.1.1 / 2.2.2.2)',
    routes: [{ id: id('02'), expression: 'net.src.ip == 127.0.0.1 && net.dst.ip == 127.0.0.1 && http.method == "GET"', priority: 100 }, { id: id('03'), expression: 'net.src.ip == 1.1.1.1 && net.dst.ip == 2.2.2.2', priority: 200 }],
    probes: [{ path: '/foo', expect: 1 }, { method: 'POST', path: '/foo', expect: null }],
  },
  {
    src: `${S}:5571`, title: 'expressions: select() should match single http.segments.*',
    routes: [
      { id: id('01'), expression: 'http.path.segments.0 == "foo" && http.path.segments.1 == "bar"', priority: 100 },
      { id: id('02'), expression: 'http.path.segments.0 == "foo" && http.path.segments.2 ^= "baz"', priority: 200 },
      { id: id('03'), expression: 'http.path.segments.0 == "foo" && http.path.segments.3 ~ r#"\\d+"#', priority: 300 },
    ],
    probes: [{ path: '/foo/bar', expect: 1 }, { path: '/foo/bar/bazxxx', expect: 2 }, { path: '/foo/bar/baz/12345', expect: 3 }, { path: '/foo/xxx', expect: null }],
  },
  {
    src: `${S}:5621`, title: 'expressions: select() should match http.segments.* with len',
    routes: [{ id: id('01'), expression: 'http.path.segments.0 == "foo" && http.path.segments.len == 1', priority: 100 }],
    probes: [{ path: '/foo', expect: 1 }, { path: '/foo/', expect: 1 }, { path: '/foo/xxx', expect: null }],
  },
  {
    src: `${S}:5648`, title: 'expressions: select() should match range http.segments.*',
    routes: [
      { id: id('01'), expression: 'http.path.segments.0_1 ~ r#"\\d+/\\w+"#', priority: 100 },
      { id: id('02'), expression: 'http.path.segments.1_3 == r#"xxx/yyy/zzz"#', priority: 100 },
      { id: id('03'), expression: 'http.path.segments.1_2 == r#"xxx/yyy"# && http.path.segments.len == 3', priority: 100 },
    ],
    probes: [
      { path: '/123/foo/bar', expect: 1 }, { path: '/123/hello-world/bar', expect: 1 }, { path: '/foo/xxx/yyy/zzz/bar', expect: 2 },
      { path: '/foo/xxx/yyy', expect: 3 }, { path: '/foo/xxx/yyy/', expect: 3 },
    ],
  },
  {
    src: `${S}:5709`, title: 'expressions: select() accepts but does not match wrong http.segments.* (4_1 is refused by the schema end to end; 10_11 is out of range)',
    routes: [{ id: id('02'), expression: 'http.path.segments.10_11 == r#"foo/bar"#', priority: 100 }],
    probes: [{ path: '/foo/bar', expect: null }],
  },
  {
    src: `${S}:5738`, title: 'expressions: exec() should normalize uri with http.segments.*, and hit the cache',
    routes: [
      { id: id('01'), expression: 'http.path.segments.0 == "foo" && http.path.segments.1 == "bar" && http.path.segments.2 == "baz" && http.path.segments.len == 3', priority: 100 },
      { id: id('02'), expression: 'http.path.segments.1_3 == r#"xxx/yyy/zzz"#', priority: 100 },
    ],
    probes: [{ path: '/foo/bar/baz', expect: 1 }, { path: '/foo//bar///baz//', expect: 1 }, { path: '/foo/xxx/yyy/zzz/bar', expect: 2 }, { path: '/foo/xxx/yyy/zzz/bar', expect: 2 }],
  },
  {
    src: `${S}:5810`, title: 'expressions: select() should match not expression',
    routes: [{ id: id('01'), expression: '!(http.path ^= r#"/foo"#)', priority: 100 }],
    probes: [{ path: '/123/foo/bar', expect: 1 }, { path: '/xyz/hello-world/bar', expect: 1 }, { path: '/foo/bar', expect: null }],
  },
  {
    src: `${S}:5862`, title: 'expressions: expression route has higher priority than traditional route',
    routes: [{ id: id('01'), paths: ['/foo'] }, { id: id('02'), expression: 'http.path ^= r#"/foo"#' }],
    probes: [{ path: '/foo/bar', expect: 2 }],
  },
  {
    src: 'kong/router/expressions.lua get_expression', title: "expressions: a route's protocols join its expression as net.protocol (except https alone, kept for the 426)",
    routes: [
      { id: id('01'), protocols: ['http'], expression: 'http.path ^= "/plain"', priority: 10 },
      { id: id('02'), protocols: ['https'], expression: 'http.path ^= "/secure"', priority: 10 },
      { id: id('03'), expression: 'http.path ^= "/"', priority: 1 },
    ],
    probes: [
      { path: '/plain', expect: 1 }, { path: '/plain', sni: 'a.test', expect: 3, note: 'https: the http-only route does not match' },
      { path: '/secure', sni: 'a.test', expect: 2 }, { path: '/secure', expect: 2, status: 426, note: 'plain http reaches the https-only route: 426' },
    ],
  },
  {
    src: `${S}:5888`, title: 'expressions: works when route.priority is near 2^46',
    routes: [{ id: id('01'), expression: 'http.path ^= r#"/foo"#', priority: 2 ** 46 - 3 }, { id: id('02'), expression: 'http.path ^= r#"/foo"#', priority: 2 ** 46 - 2 }],
    probes: [{ path: '/foo/bar', expect: 2 }],
  },
];

routerTable(CASES);

// Rows whose routes Kong's schema refuses end to end (the unit spec builds its router without the schema).
const refusals: [src: string, route: string, message: string][] = [
  [`${S}:5845 rejects other fields if expression field exists`, "{ paths: [/foo], expression: 'http.path ^= \"/bar\"' }", "Router Expression failed validation: cannot set 'expression' with 'methods', 'hosts', 'paths', 'headers', 'snis', 'sources' or 'destinations' simultaneously"],
  [`${S}:5709 select() accepts but does not match wrong http.segments.* (4_1)`, "{ expression: 'http.path.segments.4_1 == r#\"foo\"#', priority: 100 }", 'Router Expression failed validation: illformed http.path.segments.* field'],
  ['kong/db/schema/entities/routes.lua regex_priority with expression', "{ expression: 'http.path ^= \"/a\"', regex_priority: 1 }", "Router Expression failed validation: cannot set 'regex_priority' with 'expression' simultaneously"],
  ['kong/db/schema/entities/routes.lua priority with traditional fields', '{ paths: [/a], priority: 1 }', "Router Expression failed validation: cannot set 'priority' with 'methods', 'hosts', 'paths', 'headers', 'snis', 'sources' or 'destinations' simultaneously"],
];
for (const [src, route, message] of refusals) {
  test(`${src}: refused at validation`, () => {
    const found = problems(`_format_version: "3.0"\nservices:\n- name: s\n  url: http://example.test\n  routes:\n  - ${route}\n`);
    assert.ok(found.some((p) => p.includes(message)), found.join('\n'));
  });
}

// spec/01-unit/08-router_spec.lua (Kong 3.10, flavours traditional_compatible and expressions), end to end:
// each `it`'s routes in a kong.yaml, each `router:select()` a real request, the route that answers named by a
// global plugin of the test (route-table.ts). Assertions on `match_t.matches.*` run under the traditional flavour only
// and are not ported; the spec's route ids are kept, as Kong's ATC router breaks priority ties by route id.
import { routerTable, type KongRoute, type RouterCase } from './route-table.ts';

const S = 'spec/01-unit/08-router_spec.lua';
const id = (n: string) => `e8fb37f1-102d-461e-9c51-6608a6bb81${n}`;

// The `select()` use_case (08-router_spec.lua:157).
const SELECT: KongRoute[] = [
  { id: id('01'), hosts: ['domain-1.org', 'domain-2.org'] },
  { id: id('02'), methods: ['TRACE'] },
  { id: id('03'), paths: ['/my-route'] },
  { id: id('04'), paths: ['/route-4'], hosts: ['domain-1.org', 'domain-2.org'] },
  { id: id('05'), hosts: ['domain-1.org', 'domain-2.org'], methods: ['POST', 'PUT', 'PATCH'] },
  { id: id('06'), methods: ['POST', 'PUT', 'PATCH'], paths: ['/route-6'] },
  { id: id('07'), hosts: ['domain-with-uri-1.org', 'domain-with-uri-2.org'], methods: ['POST', 'PUT', 'PATCH'], paths: ['/my-route-uri'] },
  { id: id('08'), paths: ['/serviceless'], serviceless: true },
  { id: id('09'), headers: { location: ['my-location-1', 'my-location-2'] } },
  { id: id('10'), headers: { location: ['my-location-1'], version: ['v1', 'v2'] } },
  { id: id('11'), headers: { location: ['my-location-1', 'my-location-2'] }, paths: ['/headers-uri'] },
  { id: id('12'), hosts: ['domain-with-headers-1.org', 'domain-with-headers-2.org'], headers: { location: ['my-location-1', 'my-location-2'] }, methods: ['POST', 'PUT', 'PATCH'], paths: ['/headers-host-uri-method'] },
  { id: id('13'), hosts: ['domain-1.org:321', 'domain-2.org'] },
  { id: id('14'), hosts: ['domain-3.org:321'] },
  { id: id('15'), headers: { user_agent: ['~*windows|linux|os\\s+x\\s*[\\d\\._]+|solaris|bsd'] } },
];

const selectCase = (line: number, title: string, probes: RouterCase['probes'], extra: Partial<RouterCase> = {}): RouterCase => ({ src: `${S}:${line}`, title, routes: SELECT, probes, ...extra });

// The edge-cases use_case (08-router_spec.lua:2493).
const EDGE: KongRoute[] = [
  { id: id('01'), hosts: ['domain-1.org', 'domain-2.org'] },
  { id: id('02'), methods: ['TRACE'] },
  { id: id('03'), paths: ['/my-route'] },
  { id: id('04'), paths: ['/route-4'], hosts: ['domain-1.org', 'domain-2.org'] },
  { id: id('05'), hosts: ['domain-1.org', 'domain-2.org'], methods: ['POST', 'PUT', 'PATCH'] },
  { id: id('06'), methods: ['POST', 'PUT', 'PATCH'], paths: ['/route-6'] },
  { id: id('07'), hosts: ['domain-with-uri-1.org', 'domain-with-uri-2.org'], methods: ['POST', 'PUT', 'PATCH'], paths: ['/my-route-uri'] },
];

const WILDCARD: KongRoute[] = [
  { id: id('01'), hosts: ['*.route.com'] },
  { id: id('02'), hosts: ['route.*'] },
];

const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/83.0.4103.116 Safari/537.36';
const TRACE = 'nginx answers TRACE with 405 before Kong routes; end to end the route is never chosen';

// The #benchmarks describe (08-router_spec.lua:2970): which route a large router picks (Kong's spec names them
// "takes < 1ms" but asserts only the route). Kong builds 10^5 routes; 2,000 here keep the suite quick, and the
// choice does not depend on the count.
const N = 2000;
const benchId = (prefix: string, i: number) => `e8fb37f1-102d-461e-9c51-${prefix}${String(i).padStart(6, '0')}`;
function benchmarkCases(): RouterCase[] {
  const range = (n: number) => Array.from({ length: n }, (_, k) => k + 1);
  return [
    {
      src: `${S}:3007`, title: `#benchmarks plain [host] (${N} routes)`,
      routes: range(N).map((i) => ({ id: benchId('6608a1', i), hosts: [`domain-${i}.org`] })),
      probes: [{ host: `domain-${N}.org`, expect: N }],
    },
    {
      src: `${S}:3059`, title: `#benchmarks [method + uri + host] (${N} routes)`,
      routes: [...range(N - 1).map((i) => ({ id: benchId('6608a1', i), hosts: [`domain-${N}.org`], paths: [`/my-route-${N}`] })), { id: benchId('6608a1', N), hosts: [`domain-${N}.org`], methods: ['POST'], paths: [`/my-route-${N}`] }],
      probes: [{ method: 'POST', path: `/my-route-${N}`, host: `domain-${N}.org`, expect: N }],
    },
    {
      src: `${S}:3097`, title: `#benchmarks [headers] single key (${N} routes)`,
      routes: range(N).map((i) => ({ id: benchId('6608a1', i), headers: { location: [`somewhere-${i}`] } })),
      probes: [{ headers: { location: `somewhere-${N}` }, expect: N }],
    },
    {
      src: `${S}:3140`, title: `#benchmarks [headers] 10^4 keys (${N} routes; traditional only in Kong's spec, Kong 3.10's default router answers the same)`,
      routes: range(N).map((i) => ({ id: benchId('6608a1', i), headers: { [`key-${i}`]: ['somewhere'] } })),
      probes: [{ headers: { [`key-${N}`]: 'somewhere' }, expect: N }],
    },
    {
      src: `${S}:3196`, title: `#benchmarks multiple routes of same category with identical values (${N} routes)`,
      routes: [...range(N - 1).map((i) => ({ id: benchId('6608a6', i), hosts: ['domain.org'], paths: [`/my-route-${N}`] })), { id: 'e8fb37f1-102d-461e-9c51-6608a6ffffff', hosts: ['domain.org'], paths: ['/my-real-route'] }],
      probes: [{ path: '/my-real-route', host: 'domain.org', expect: N }],
    },
    {
      src: `${S}:3255`, title: `#benchmarks [method + uri + host + headers] (${N} routes)`,
      routes: [
        ...range(N - 1).map((i) => ({ id: benchId('6608a6', i), hosts: [`domain-${N}.org`], paths: [`/my-route-${N}`], headers: { location: [`somewhere-${N}`] } })),
        { id: 'e8fb37f1-102d-461e-9c51-6608a6ffffff', hosts: [`domain-${N}.org`], headers: { location: [`somewhere-${N}`] }, methods: ['POST'], paths: [`/my-route-${N}`] },
      ],
      probes: [{ method: 'POST', path: `/my-route-${N}`, host: `domain-${N}.org`, headers: { location: `somewhere-${N}` }, expect: N }],
    },
  ];
}

const CASES: RouterCase[] = [
  selectCase(375, '[host]', [{ host: 'domain-1.org', expect: 1 }]),
  selectCase(388, '[host] ignores default port', [{ host: 'domain-1.org:80', expect: 1 }]),
  selectCase(401, '[host] weird port matches no-port route (traditional only; Kong ATC agrees end to end)', [{ host: 'domain-1.org:123', expect: 1 }]),
  selectCase(411, '[host] matches specific port', [{ host: 'domain-1.org:321', expect: 13 }]),
  selectCase(424, '[host] matches specific port on port-only route', [{ host: 'domain-3.org:321', expect: 14 }]),
  selectCase(437, '[host] fails just because of port on port-only route', [{ host: 'domain-3.org:123', expect: null }]),
  selectCase(443, '[uri]', [{ path: '/my-route', expect: 3 }]),
  selectCase(470, '[method]', [{ method: 'TRACE', expect: 2 }], { skip: TRACE }),
  selectCase(483, '[host + uri]', [{ path: '/route-4', host: 'domain-1.org', expect: 4 }]),
  selectCase(498, '[host + method]', [{ method: 'POST', host: 'domain-1.org', expect: 5 }]),
  selectCase(511, '[uri + method]', [{ method: 'PUT', path: '/route-6', expect: 6 }]),
  selectCase(524, '[host + uri + method]', [{ method: 'PUT', path: '/my-route-uri', host: 'domain-with-uri-2.org', expect: 7 }]),
  selectCase(538, 'single [headers] value', [
    { headers: { location: 'my-location-1' }, expect: 9 },
    { headers: { location: 'my-location-2' }, expect: 9 },
    { headers: { location: ['my-location-3', 'my-location-2'] }, expect: 9, note: 'a repeated header: any of its values' },
    { headers: { location: 'my-location-3' }, expect: null },
    { headers: { location: ['my-location-3', 'foo'] }, expect: null },
    { headers: { 'user-agent': UA }, expect: 15 },
    { headers: { user_agent: UA }, expect: 15, note: 'the header spelled with an underscore (Kong: underscores_in_headers on)' },
  ]),
  selectCase(599, 'multiple [headers] values', [
    { headers: { location: 'my-location-1', version: 'v1' }, expect: 10 },
    { headers: { location: 'my-location-1', version: 'v2' }, expect: 10 },
    { headers: { location: ['my-location-3', 'my-location-1'], version: 'v2' }, expect: 10 },
    { headers: { location: ['my-location-3', 'my-location-2'], version: 'v2' }, expect: 9, note: 'fallback to route 9' },
  ]),
  selectCase(658, '[headers + uri]', [{ path: '/headers-uri', headers: { location: 'my-location-2' }, expect: 11 }]),
  selectCase(674, '[host + headers + uri + method]', [{ method: 'PUT', path: '/headers-host-uri-method', host: 'domain-with-headers-1.org', headers: { location: 'my-location-2' }, expect: 12 }]),
  selectCase(695, '[serviceless]', [{ path: '/serviceless', expect: 8 }]),
  selectCase(788, '[uri prefix] matches when given [uri] is in request URI prefix', [{ path: '/my-route/some/path', expect: 3 }]),
  {
    src: `${S}:801`, title: '[uri prefix] does not supersede another route with a longer [uri]',
    routes: [{ id: id('01'), paths: ['/my-route/hello'] }, { id: id('02'), paths: ['/my-route'] }],
    probes: [{ path: '/my-route/hello', expect: 1 }, { path: '/my-route/hello/world', expect: 1 }, { path: '/my-route', expect: 2 }, { path: '/my-route/world', expect: 2 }],
  },
  {
    src: `${S}:850`, title: '[uri prefix] does not supersede another route with a longer [uri] while [methods] are also defined',
    routes: [{ id: id('01'), methods: ['POST', 'PUT', 'GET'], paths: ['/my-route'] }, { id: id('02'), methods: ['POST', 'PUT', 'GET'], paths: ['/my-route/hello'] }],
    probes: [{ path: '/my-route/hello', expect: 2 }, { path: '/my-route/hello/world', expect: 2 }, { path: '/my-route', expect: 1 }, { path: '/my-route/world', expect: 1 }],
  },
  {
    src: `${S}:889`, title: '[uri prefix] does not supersede another route with a longer [uri] while [hosts] are also defined',
    routes: [{ id: id('01'), hosts: ['domain.org'], paths: ['/my-route'] }, { id: id('02'), hosts: ['domain.org'], paths: ['/my-route/hello'] }],
    probes: [{ path: '/my-route/hello', expect: 2 }, { path: '/my-route/hello/world', expect: 2 }, { path: '/my-route', expect: 1 }, { path: '/my-route/world', expect: 1 }],
  },
  {
    src: `${S}:928`, title: '[uri prefix] does not supersede another route with a longer [uri] when a better [uri] match exists for another [host]',
    routes: [{ id: id('01'), hosts: ['example.com'], paths: ['/my-route'] }, { id: id('02'), hosts: ['example.com'], paths: ['/my-route/hello'] }, { id: id('03'), hosts: ['example.net'], paths: ['/my-route/hello/world'] }],
    probes: [{ path: '/my-route/hello/world', host: 'example.com', expect: 2 }, { path: '/my-route/hello/world/and/goodnight', host: 'example.com', expect: 2 }],
  },
  {
    src: `${S}:967`, title: '[uri prefix] only matches [uri prefix] as a prefix (anchored mode)',
    routes: [{ id: id('01'), paths: ['/something/my-route'] }, { id: id('02'), hosts: ['example.com'], paths: ['/my-route'] }],
    probes: [{ path: '/something/my-route', host: 'example.com', expect: 1 }],
  },
  {
    src: `${S}:999`, title: '[uri regex] matches with [uri regex]',
    routes: [{ id: id('01'), paths: ['~/users/\\d+/profile'] }],
    probes: [{ path: '/users/123/profile', expect: 1 }],
  },
  {
    src: `${S}:1023`, title: '[uri regex] matches the right route when several ones have a [uri regex]',
    routes: [{ id: id('01'), paths: ['~/route/persons/\\d{3}'] }, { id: id('02'), paths: ['~/route/persons/\\d{3}/following'] }, { id: id('03'), paths: ['~/route/persons/\\d{3}/[a-z]+'] }],
    probes: [{ path: '/route/persons/456', expect: 1 }],
  },
  {
    src: `${S}:1055`, title: '[uri regex] matches a [uri regex] even if a [prefix uri] got a match',
    routes: [{ id: id('01'), paths: ['/route/persons'] }, { id: id('02'), paths: ['~/route/persons/\\d+/profile'] }],
    probes: [{ path: '/route/persons/123/profile', expect: 2 }],
  },
  {
    src: `${S}:1087`, title: '[uri regex] matches a [uri regex] even if a [uri] got an exact match',
    routes: [{ id: id('01'), paths: ['/route/fixture'] }, { id: id('02'), paths: ['~/route/(fixture)'] }],
    probes: [{ path: '/route/fixture', expect: 2 }],
  },
  {
    src: `${S}:1117`, title: '[uri regex] matches a [uri regex + host] even if a [prefix uri] got a match',
    routes: [{ id: id('01'), hosts: ['route.com'], paths: ['/pat'] }, { id: id('02'), hosts: ['route.com'], paths: ['/path'], methods: ['POST'] }, { id: id('03'), hosts: ['route.com'], paths: ['~/(path)'] }],
    probes: [{ path: '/path', host: 'route.com', expect: 3 }],
  },
  {
    src: `${S}:1158`, title: '[uri regex] matches from the beginning of the request URI [uri regex]',
    routes: [{ id: id('01'), paths: ['~/prefix/[0-9]+'] }],
    probes: [{ path: '/prefix/123', expect: 1 }, { path: '/extra/prefix/123', expect: null }],
  },
  { src: `${S}:1207`, title: '[wildcard host] matches leftmost wildcards', routes: WILDCARD, probes: [{ host: 'foo.route.com', expect: 1 }] },
  { src: `${S}:1219`, title: '[wildcard host] matches rightmost wildcards', routes: WILDCARD, probes: [{ host: 'route.org', expect: 2 }] },
  { src: `${S}:1225`, title: '[wildcard host] matches any port in request', routes: WILDCARD, probes: [{ host: 'route.org:123', expect: 2 }, { host: 'foo.route.com:123', expect: 1 }] },
  {
    src: `${S}:1235`, title: '[wildcard host] matches port-specific routes',
    routes: [...WILDCARD, { id: id('03'), hosts: ['*.route.net:123'] }, { id: id('04'), hosts: ['route.*:123'] }],
    probes: [{ host: 'foo.route.net:123', expect: 3 }, { host: 'foo.route.net:456', expect: null }, { host: 'route.org:123', expect: 4, note: 'port-specific is higher priority' }],
  },
  {
    src: `${S}:1272`, title: '[wildcard host] prefers port-specific even for http default port',
    routes: [...WILDCARD, { id: id('03'), hosts: ['route.*:80'] }],
    probes: [{ host: 'route.org:123', expect: 2 }, { host: 'route.org:80', expect: 3 }],
  },
  {
    src: `${S}:1302`, title: '[wildcard host] prefers port-specific even for https default port',
    routes: [...WILDCARD, { id: id('03'), hosts: ['route.*:443'] }],
    probes: [{ host: 'route.org:123', expect: 2 }, { host: 'route.org:443', expect: 3 }],
  },
  {
    src: `${S}:1332`, title: '[wildcard host] does not take precedence over a plain host',
    routes: [{ id: id('03'), hosts: ['plain.route.com'] }, ...WILDCARD, { id: id('04'), hosts: ['route.com'] }],
    probes: [{ host: 'route.com', expect: 4 }, { host: 'route.org', expect: 3 }, { host: 'plain.route.com', expect: 1 }, { host: 'foo.route.com', expect: 2 }],
  },
  {
    src: `${S}:1398`, title: '[wildcard host] matches [wildcard host + path] even if a similar [plain host] exists',
    routes: [{ id: id('01'), hosts: ['*.route.com'], paths: ['/path1'] }, { id: id('02'), hosts: ['plain.route.com'], paths: ['/path2'] }],
    probes: [{ path: '/path1', host: 'plain.route.com', expect: 1 }],
  },
  {
    src: `${S}:1431`, title: '[wildcard host] matches [plain host + path] even if a matching [wildcard host] exists',
    routes: [{ id: id('01'), hosts: ['*.route.com'], paths: ['/path1'] }, { id: id('02'), hosts: ['plain.route.com'], paths: ['/path2'] }],
    probes: [{ path: '/path2', host: 'plain.route.com', expect: 2 }],
  },
  {
    src: `${S}:1464`, title: '[wildcard host] submatch_weight [wildcard host port] > [wildcard host]',
    routes: [{ id: id('01'), hosts: ['route.*'] }, { id: id('02'), hosts: ['route.*:80', 'route.com.*'] }],
    probes: [{ host: 'route.org:80', expect: 2 }],
  },
  {
    src: `${S}:1495`, title: '[wildcard host] matches a [wildcard host + port] even if a [wildcard host] matched',
    routes: [{ id: id('01'), hosts: ['route.*'] }, { id: id('02'), hosts: ['route.*:123'] }, { id: id('03'), hosts: ['route.*:80'] }],
    probes: [{ host: 'route.org:123', expect: 2 }, { host: 'route.org:80', expect: 3 }],
  },
  {
    src: `${S}:1545`, title: '[wildcard host] matches [wildcard/plain + uri + method]',
    // The spec reuses route 1's id for the added route; ids must be unique in a kong.yaml, and this route's three
    // fields outrank the others whatever its id.
    routes: [...WILDCARD, { id: id('05'), hosts: ['*.domain.com', 'example.com'], paths: ['/path'], methods: ['GET', 'TRACE'] }],
    probes: [{ method: 'POST', path: '/path', host: 'foo.domain.com', expect: null }, { path: '/path', host: 'foo.domain.com', expect: 3 }, { method: 'TRACE', path: '/path', host: 'example.com', expect: 3, status: 405, note: TRACE }],
  },
  {
    src: `${S}:1580`, title: '[wildcard host] + [uri regex] matches',
    routes: [{ id: id('01'), hosts: ['*.example.com'], paths: ['~/users/\\d+/profile'] }, { id: id('02'), hosts: ['*.example.com'], paths: ['/users'] }],
    probes: [{ path: '/users/123/profile', host: 'test.example.com', expect: 1 }, { path: '/users', host: 'test.example.com', expect: 2 }],
  },
  {
    src: `${S}:1614`, title: '[headers] evaluates Routes with more [headers] first',
    routes: [{ id: id('01'), headers: { version: ['v1', 'v2'], user_agent: ['foo', 'bar'] } }, { id: id('02'), headers: { version: ['v1', 'v2'], user_agent: ['foo', 'bar'], location: ['east', 'west'] } }],
    probes: [{ headers: { version: 'v1', 'user-agent': 'foo', location: ['north', 'west'] }, expect: 2 }],
  },
  {
    src: `${S}:1651`, title: '[headers] names are case-insensitive',
    routes: [{ id: id('01'), headers: { USER_AGENT: ['foo', 'bar'] } }, { id: id('02'), headers: { user_agent: ['baz'] } }],
    probes: [{ headers: { 'user-agent': 'foo' }, expect: 1 }, { headers: { 'USER-AGENT': 'baz' }, expect: 2 }, { headers: { USER_AGENT: 'baz' }, expect: 2 }],
  },
  {
    src: `${S}:1696`, title: '[headers] matches values in a case-insensitive way',
    routes: [{ id: id('01'), headers: { user_agent: ['foo', 'bar'] } }, { id: id('02'), headers: { user_agent: ['BAZ'] } }],
    probes: [{ headers: { 'user-agent': 'FOO' }, expect: 1 }, { headers: { 'user-agent': 'baz' }, expect: 2 }],
  },
  {
    src: `${S}:1767`, title: '[wildcard sni] matches leftmost wildcards, rightmost wildcards, and no other name',
    routes: [{ id: id('01'), snis: ['*.sni.test'] }, { id: id('02'), snis: ['sni.*'] }],
    probes: [
      { host: 'any.test', sni: 'foo.sni.test', expect: 1 }, { host: 'any.test', sni: 'foo.bar.sni.test', expect: 1 },
      { host: 'any.test', sni: 'sni.foo', expect: 2 }, { host: 'any.test', sni: 'sni.foo.bar', expect: 2 },
      { host: 'any.test', sni: 'bar.sni.foo', expect: null }, { host: 'any.test', sni: 'foo.sni.test.bar', expect: null },
    ],
  },
  {
    src: `${S}:1800`, title: 'incremental rebuild', routes: [], probes: [],
    skip: "Kong's incremental router rebuild (DB mode, updated_at diffs); a DB-less reload compiles a whole new router, covered by test/runtime/reload.test.ts",
  },
  {
    src: `${S}:2230`, title: 'check empty route fields / raw string / generate http expression (get_expression text)', routes: [], probes: [],
    skip: "asserts the text of Kong's generated ATC expressions, an internal of Kong; the matching they drive is covered by the rows here",
  },
  {
    src: `${S}:2384`, title: 'normalization stopgap measurements', routes: [], probes: [],
    skip: 'select() called with unnormalized paths; end to end Kong normalizes the request path first and refuses non-normalized route paths (test/declarative covers the refusal)',
  },
  {
    src: `${S}:2492`, title: 'edge-cases: [host] and [uri] have higher priority than [method]', routes: EDGE,
    probes: [{ method: 'TRACE', host: 'domain-2.org', expect: 1, status: 405, note: TRACE }, { method: 'TRACE', path: '/my-route', expect: 3, status: 405, note: TRACE }],
  },
  {
    src: `${S}:2601`, title: 'edge-cases: half [uri] and [host] match does not supersede another route',
    routes: [{ id: id('01'), hosts: ['host1.com'], paths: ['/v1/path'] }, { id: id('02'), hosts: ['host2.com'], paths: ['/'] }],
    probes: [{ path: '/v1/path', host: 'host1.com', expect: 1 }, { path: '/v1/path', host: 'host2.com', expect: 2 }],
  },
  {
    src: `${S}:2631`, title: 'edge-cases: half [wildcard host] and [method] match does not supersede another route',
    routes: [{ id: id('01'), hosts: ['host.*'], methods: ['GET'] }, { id: id('02'), hosts: ['host.*'], methods: ['POST'] }],
    probes: [{ host: 'host.com', expect: 1 }, { method: 'POST', host: 'host.com', expect: 2 }],
  },
  {
    src: `${S}:2661`, title: 'edge-cases: half [uri regex] and [method] match does not supersede another route',
    routes: [{ id: id('01'), methods: ['GET'], paths: ['~/users/\\d+/profile'] }, { id: id('02'), methods: ['POST'], paths: ['~/users/\\d*/profile'] }],
    probes: [{ path: '/users/123/profile', expect: 1 }, { method: 'POST', path: '/users/123/profile', expect: 2 }],
  },
  {
    src: `${S}:2691`, title: 'edge-cases: [method] does not supersede [uri prefix]',
    routes: [{ id: id('01'), methods: ['GET'] }, { id: id('02'), paths: ['/example'] }],
    probes: [{ path: '/example', expect: 2 }, { path: '/example/status/200', expect: 2 }],
  },
  {
    src: `${S}:2719`, title: 'edge-cases: [method] does not supersede [wildcard host]',
    routes: [{ id: id('01'), methods: ['GET'] }, { id: id('02'), hosts: ['domain.*'] }],
    probes: [{ host: 'nothing.com', expect: 1 }, { host: 'domain.com', expect: 2 }],
  },
  {
    src: `${S}:2747`, title: 'edge-cases: does not supersede another route with a longer [uri prefix] (traditional only)',
    routes: [{ id: id('01'), paths: ['/a', '/bbbbbbb'] }, { id: id('02'), paths: ['/a/bb'] }],
    probes: [{ path: '/a/bb/foobar', expect: 2, note: 'Kong splits route 1 by path length: /a ranks as a 2-character prefix' }],
  },
  {
    src: `${S}:2787`, title: 'edge-cases: root / [uri] (request with [method], does not supersede another route, acts as a catch-all)',
    routes: [{ id: id('0f'), paths: ['/'] }, ...EDGE],
    probes: [{ expect: 1 }, { path: '/my-route', expect: 4 }, { path: '/my-route/hello/world', expect: 4 }, { path: '/foobar/baz', expect: 1 }],
  },
  {
    src: `${S}:2849`, title: 'edge-cases: multiple routes of same category with conflicting values',
    routes: [...EDGE, ...[1, 2, 3, 4, 5].map((i) => ({ id: id(`1${i}`), hosts: ['domain.org'], paths: ['/my-uri'] })), { id: id('21'), hosts: ['domain.org'], paths: ['/my-target-uri'] }],
    probes: [{ path: '/my-target-uri', expect: 13 }],
  },
  {
    src: `${S}:2862`, title: 'edge-cases: more [headers] has priority over longer [paths]',
    routes: [{ id: id('01'), headers: { version: ['v1'] }, paths: ['/my-route/hello'] }, { id: id('02'), headers: { version: ['v1'], location: ['us-east'] }, paths: ['/my-route'] }],
    probes: [{ path: '/my-route/hello', headers: { version: 'v1', location: 'us-east' }, expect: 2 }, { path: '/my-route/hello/world', headers: { version: 'v1', location: 'us-east' }, expect: 2 }],
  },
  selectCase(2918, 'misses', [
    { host: 'domain-3.org', expect: null, note: 'invalid [host]' },
    { path: '/route-4', host: 'domain-3.org', expect: null, note: 'invalid host in [host + uri]' },
    { path: '/some-uri', host: 'domain-with-uri-2.org', expect: null, note: 'invalid method in [host + uri + method]' },
    { method: 'PUT', path: '/some-uri-foo', host: 'domain-with-uri-2.org', expect: null, note: 'invalid uri in [host + uri + method]' },
    { path: '/some-other-prefix/my-route', expect: null, note: 'does not match when given [uri] is in URI but not in prefix' },
    { headers: { location: 'invalid-location' }, expect: null, note: 'invalid [headers]' },
    { path: '/headers-uri', headers: { location: 'invalid-location' }, expect: null },
    { method: 'PUT', path: '/headers-uri-method', headers: { location: 'invalid-location' }, expect: null },
    { method: 'PUT', path: '/headers-host-uri-method', host: 'domain-with-headers-1.org', headers: { location: 'invalid-location' }, expect: null },
  ]),
  ...benchmarkCases(),
];

routerTable(CASES);

// spec/fixtures/router_path_handling_tests.lua, as spec/01-unit/08-router_spec.lua:4219 (#slash handling) and
// spec/02-integration/05-proxy/02-router_spec.lua run it: service path × route path (a prefix, its regex twin
// `~/[0]?…`, or none: a hosts-only route) × strip_path × path_handling × request path → the path the upstream
// receives, end to end through one gateway (one route and service per row, told apart by Host).
//
// Kong 3.10's default router flavour (traditional_compatible) joins every route the v0 way: `path_handling: v1`
// is deprecated there and does not work (kong/router/atc.lua calls get_upstream_uri_v0 for all routes), so the
// spec runs its v1 rows under the traditional flavour only. Here a v1 row asserts what Kong 3.10 does by default:
// the v0 row's path.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startTestGateway, startUpstream, type Echo, type TestGateway, type Upstream } from '../helpers/servers.ts';

type OneOrBoth<T> = T | readonly T[];
// line in router_path_handling_tests.lua, service_path, route_path, strip_path, path_handling, request_path, expected_path
type Row = readonly [number, string, string | null, OneOrBoth<boolean>, OneOrBoth<'v0' | 'v1'>, string, string];

const ROWS: readonly Row[] = [
  [22, '/', '/', [false, true], ['v0', 'v1'], '/', '/'],
  [23, '/', '/', [false, true], ['v0', 'v1'], '/route', '/route'],
  [24, '/', '/', [false, true], ['v0', 'v1'], '/route/', '/route/'],
  [25, '/', '/', [false, true], ['v0', 'v1'], '/routereq', '/routereq'],
  [26, '/', '/', [false, true], ['v0', 'v1'], '/route/req', '/route/req'],
  [28, '/', '/route', false, ['v0', 'v1'], '/route', '/route'],
  [29, '/', '/route', false, ['v0', 'v1'], '/route/', '/route/'],
  [30, '/', '/route', false, ['v0', 'v1'], '/routereq', '/routereq'],
  [31, '/', '/route', true, ['v0', 'v1'], '/route', '/'],
  [32, '/', '/route', true, ['v0', 'v1'], '/route/', '/'],
  [33, '/', '/route', true, ['v0', 'v1'], '/routereq', '/req'],
  [35, '/', '/route/', false, ['v0', 'v1'], '/route/', '/route/'],
  [36, '/', '/route/', false, ['v0', 'v1'], '/route/req', '/route/req'],
  [37, '/', '/route/', true, ['v0', 'v1'], '/route/', '/'],
  [38, '/', '/route/', true, ['v0', 'v1'], '/route/req', '/req'],
  [40, '/srv', '/rou', false, 'v0', '/roureq', '/srv/roureq'],
  [41, '/srv', '/rou', false, 'v1', '/roureq', '/srvroureq'],
  [42, '/srv', '/rou', true, 'v0', '/roureq', '/srv/req'],
  [43, '/srv', '/rou', true, 'v1', '/roureq', '/srvreq'],
  [45, '/srv/', '/rou', false, ['v0', 'v1'], '/rou', '/srv/rou'],
  [46, '/srv/', '/rou', true, 'v0', '/rou', '/srv'],
  [47, '/srv/', '/rou', true, 'v1', '/rou', '/srv/'],
  [49, '/service', '/', [false, true], ['v0', 'v1'], '/', '/service'],
  [50, '/service', '/', [false, true], 'v0', '/route', '/service/route'],
  [51, '/service', '/', [false, true], 'v1', '/route', '/serviceroute'],
  [52, '/service', '/', [false, true], 'v0', '/route/', '/service/route/'],
  [53, '/service', '/', [false, true], 'v1', '/route/', '/serviceroute/'],
  [55, '/service', '/', [false, true], 'v0', '/routereq', '/service/routereq'],
  [56, '/service', '/', [false, true], 'v1', '/routereq', '/serviceroutereq'],
  [57, '/service', '/', [false, true], 'v0', '/route/req', '/service/route/req'],
  [58, '/service', '/', [false, true], 'v1', '/route/req', '/serviceroute/req'],
  [60, '/service', '/route', false, 'v0', '/route', '/service/route'],
  [61, '/service', '/route', false, 'v1', '/route', '/serviceroute'],
  [62, '/service', '/route', false, 'v0', '/route/', '/service/route/'],
  [63, '/service', '/route', false, 'v1', '/route/', '/serviceroute/'],
  [64, '/service', '/route', false, 'v0', '/routereq', '/service/routereq'],
  [65, '/service', '/route', false, 'v1', '/routereq', '/serviceroutereq'],
  [66, '/service', '/route', true, ['v0', 'v1'], '/route', '/service'],
  [67, '/service', '/route', true, ['v0', 'v1'], '/route/', '/service/'],
  [68, '/service', '/route', true, 'v0', '/routereq', '/service/req'],
  [69, '/service', '/route', true, 'v1', '/routereq', '/servicereq'],
  [71, '/service', '/route/', false, 'v0', '/route/', '/service/route/'],
  [72, '/service', '/route/', false, 'v1', '/route/', '/serviceroute/'],
  [73, '/service', '/route/', false, 'v0', '/route/req', '/service/route/req'],
  [74, '/service', '/route/', false, 'v1', '/route/req', '/serviceroute/req'],
  [75, '/service', '/route/', true, 'v0', '/route/', '/service/'],
  [76, '/service', '/route/', true, 'v1', '/route/', '/service'],
  [77, '/service', '/route/', true, 'v0', '/route/req', '/service/req'],
  [78, '/service', '/route/', true, 'v1', '/route/req', '/servicereq'],
  [80, '/service/', '/', [false, true], 'v0', '/route/', '/service/route/'],
  [81, '/service/', '/', [false, true], 'v1', '/route/', '/service/route/'],
  [82, '/service/', '/', [false, true], ['v0', 'v1'], '/', '/service/'],
  [83, '/service/', '/', [false, true], ['v0', 'v1'], '/route', '/service/route'],
  [84, '/service/', '/', [false, true], ['v0', 'v1'], '/routereq', '/service/routereq'],
  [85, '/service/', '/', [false, true], ['v0', 'v1'], '/route/req', '/service/route/req'],
  [87, '/service/', '/route', false, ['v0', 'v1'], '/route', '/service/route'],
  [88, '/service/', '/route', false, ['v0', 'v1'], '/route/', '/service/route/'],
  [89, '/service/', '/route', false, ['v0', 'v1'], '/routereq', '/service/routereq'],
  [90, '/service/', '/route', true, 'v0', '/route', '/service'],
  [91, '/service/', '/route', true, 'v1', '/route', '/service/'],
  [92, '/service/', '/route', true, ['v0', 'v1'], '/route/', '/service/'],
  [93, '/service/', '/route', true, ['v0', 'v1'], '/routereq', '/service/req'],
  [95, '/service/', '/route/', false, ['v0', 'v1'], '/route/', '/service/route/'],
  [96, '/service/', '/route/', false, ['v0', 'v1'], '/route/req', '/service/route/req'],
  [97, '/service/', '/route/', true, ['v0', 'v1'], '/route/', '/service/'],
  [98, '/service/', '/route/', true, ['v0', 'v1'], '/route/req', '/service/req'],
  [101, '/', null, [false, true], ['v0', 'v1'], '/', '/'],
  [102, '/', null, [false, true], ['v0', 'v1'], '/route', '/route'],
  [103, '/', null, [false, true], ['v0', 'v1'], '/route/', '/route/'],
  [105, '/service', null, [false, true], ['v0', 'v1'], '/', '/service'],
  [106, '/service', null, [false, true], 'v0', '/route', '/service/route'],
  [107, '/service', null, [false, true], 'v1', '/route', '/serviceroute'],
  [108, '/service', null, [false, true], 'v0', '/route/', '/service/route/'],
  [109, '/service', null, [false, true], 'v1', '/route/', '/serviceroute/'],
  [111, '/service/', null, [false, true], ['v0', 'v1'], '/', '/service/'],
  [112, '/service/', null, [false, true], ['v0', 'v1'], '/route', '/service/route'],
  [113, '/service/', null, [false, true], ['v0', 'v1'], '/route/', '/service/route/'],
  [115, '/service', '/route', true, 'v0', '/route./req', '/service/req'],
  [116, '/service', '/route', true, 'v1', '/route./req', '/servicereq'],
  [117, '/service/', '/route', true, ['v0', 'v1'], '/route./req', '/service/req'],
  [119, '/service', '/route', true, 'v0', '/route%2E/req', '/service/req'],
  [120, '/service', '/route', true, 'v1', '/route%2E/req', '/servicereq'],
  [121, '/service/', '/route', true, ['v0', 'v1'], '/route%2E/req', '/service/req'],
  [122, '/service', '/route', true, 'v0', '/route%2e/req', '/service/req'],
  [123, '/service', '/route', true, 'v1', '/route%2e/req', '/servicereq'],
  [124, '/service/', '/route', true, ['v0', 'v1'], '/route%2e/req', '/service/req'],
  [126, '/service', '/route', true, 'v0', '/route../req', '/service/req'],
  [127, '/service', '/route', true, 'v1', '/route../req', '/servicereq'],
  [128, '/service/', '/route', true, ['v0', 'v1'], '/route../req', '/service/req'],
  [130, '/service', '/route', true, 'v0', '/route%2E%2E/req', '/service/req'],
  [131, '/service', '/route', true, 'v1', '/route%2E%2E/req', '/servicereq'],
  [132, '/service/', '/route', true, ['v0', 'v1'], '/route%2E%2E/req', '/service/req'],
  [133, '/service', '/route', true, 'v0', '/route%2e%2E/req', '/service/req'],
  [134, '/service', '/route', true, 'v1', '/route%2e%2E/req', '/servicereq'],
  [135, '/service/', '/route', true, ['v0', 'v1'], '/route%2e%2E/req', '/service/req'],
  [137, '/service', '/route', false, 'v0', '/route./req', '/service/route./req'],
  [138, '/service', '/route', false, 'v1', '/route./req', '/serviceroute./req'],
  [139, '/service/', '/route', false, ['v0', 'v1'], '/route./req', '/service/route./req'],
  [141, '/service', '/route', false, 'v0', '/route%2E/req', '/service/route./req'],
  [142, '/service', '/route', false, 'v1', '/route%2E/req', '/serviceroute./req'],
  [143, '/service/', '/route', false, ['v0', 'v1'], '/route%2E/req', '/service/route./req'],
  [144, '/service', '/route', false, 'v0', '/route%2e/req', '/service/route./req'],
  [145, '/service', '/route', false, 'v1', '/route%2e/req', '/serviceroute./req'],
  [146, '/service/', '/route', false, ['v0', 'v1'], '/route%2e/req', '/service/route./req'],
  [148, '/service', '/route', false, 'v0', '/route../req', '/service/route../req'],
  [149, '/service', '/route', false, 'v1', '/route../req', '/serviceroute../req'],
  [150, '/service/', '/route', false, ['v0', 'v1'], '/route../req', '/service/route../req'],
  [152, '/service', '/route', false, 'v0', '/route%2E%2E/req', '/service/route../req'],
  [153, '/service', '/route', false, 'v1', '/route%2E%2E/req', '/serviceroute../req'],
  [154, '/service/', '/route', false, ['v0', 'v1'], '/route%2E%2E/req', '/service/route../req'],
  [155, '/service', '/route', false, 'v0', '/route%2e%2E/req', '/service/route../req'],
  [156, '/service', '/route', false, 'v1', '/route%2e%2E/req', '/serviceroute../req'],
  [157, '/service/', '/route', false, ['v0', 'v1'], '/route%2e%2E/req', '/service/route../req'],
];

interface Case {
  readonly name: string;
  readonly line: number;
  readonly servicePath: string;
  readonly routePath: string | null;
  readonly regex: boolean;
  readonly strip: boolean;
  readonly handling: 'v0' | 'v1';
  readonly request: string;
  /** As the fixture says (under the traditional flavour for v1). */
  readonly kongTraditional: string;
}

const both = <T,>(v: OneOrBoth<T>): readonly T[] => (Array.isArray(v) ? v : [v as T]);

const CASES: Case[] = [];
for (const regex of [false, true]) {
  for (const [line, servicePath, routePath, strips, handlings, requestPath, expected] of ROWS) {
    if (regex && routePath === null) continue;
    let j = 0;
    for (const strip of both(strips)) {
      for (const handling of both(handlings)) {
        j++;
        CASES.push({
          name: `${regex ? 'regex' : 'plain'}-${line}-${j}`,
          line, servicePath, routePath: routePath === null ? null : regex ? `~/[0]?${routePath.slice(1)}` : routePath,
          regex, strip, handling, request: requestPath, kongTraditional: expected,
        });
      }
    }
  }
}

/** Kong 3.10 (traditional_compatible): the v0 row of the same service, route, strip and request. */
function expectedPath(c: Case): string | undefined {
  if (c.handling === 'v0') return c.kongTraditional;
  return CASES.find((o) => o.handling === 'v0' && o.regex === c.regex && o.servicePath === c.servicePath && o.routePath === c.routePath && o.strip === c.strip && o.request === c.request)?.kongTraditional;
}

let upstream: Upstream;
let gw: TestGateway;

before(async () => {
  upstream = await startUpstream();
  const services = CASES.map((c) => ({
    name: c.name,
    url: `http://127.0.0.1:${upstream.port}${c.servicePath}`,
    routes: [{ name: c.name, hosts: [`${c.name}.test`], ...(c.routePath === null ? {} : { paths: [c.routePath] }), strip_path: c.strip, path_handling: c.handling }],
  }));
  gw = await startTestGateway(JSON.stringify({ _format_version: '3.0', services }));
});

after(async () => {
  await gw.stop();
  await upstream.close();
});

for (const c of CASES) {
  const expected = expectedPath(c);
  const title = `router_path_handling_tests.lua:${c.line} (${c.name}) service ${c.servicePath}, route ${c.routePath ?? `host ${c.name}.test`}, strip ${c.strip}, ${c.handling}, request ${c.request} → ${expected}`;
  test(`spec/01-unit/08-router_spec.lua:4219 ${title}${c.handling === 'v1' ? ` (Kong traditional flavour: ${c.kongTraditional})` : ''}`, async () => {
    assert.ok(expected !== undefined, 'a v0 twin of this row');
    const res = await request(`${gw.url}${c.request}`, { headers: { host: `${c.name}.test` } });
    const echo = JSON.parse(await res.body.text()) as Echo;
    assert.equal(res.statusCode, 200);
    assert.equal(echo.url, expected);
  });
}

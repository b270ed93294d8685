// Kong's routing rules, each as a request → the route Kong would pick.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRouter, type RequestFacts } from '../../src/router/router.ts';
import { loadValid } from '../helpers/config.ts';

function routerFor(routes: string) {
  const config = loadValid(`_format_version: "3.0"\nservices:\n- name: s\n  host: upstream.example\n  routes:\n${routes}`);
  const router = compileRouter(config);
  return (req: Partial<RequestFacts>): string | undefined =>
    router.match({ method: 'GET', host: 'example.com', port: 80, path: '/', headers: {}, sni: undefined, scheme: 'http', ...req })?.route.name ?? undefined;
}

test('hosts: exact, any port unless one is given, wildcards on either end', () => {
  const match = routerFor(`
  - { name: exact, hosts: [example.com] }
  - { name: with-port, hosts: ["example.com:8080"], paths: [/port] }
  - { name: suffix, hosts: ["*.example.com"] }
  - { name: prefix, hosts: ["example.*"] }
`);
  assert.equal(match({ host: 'example.com', port: 8000 }), 'exact');
  assert.equal(match({ host: 'example.com', port: 8080, path: '/port' }), 'with-port');
  assert.equal(match({ host: 'example.com', port: 8081, path: '/port' }), 'exact');
  assert.equal(match({ host: 'a.b.example.com' }), 'suffix');
  assert.equal(match({ host: 'example.org' }), 'prefix');
  assert.equal(match({ host: 'example' }), undefined);
  assert.equal(match({ host: 'other.org' }), undefined);
});

test('paths: character prefixes, longest first; regex beats prefix; regex_priority between regexes', () => {
  const match = routerFor(`
  - { name: short, paths: [/version] }
  - { name: long, paths: [/version/any] }
  - { name: regex, paths: ["~/version/\\\\d+/status$"] }
  - { name: regex-low, paths: ["~/items/\\\\d+"], regex_priority: 1 }
  - { name: regex-high, paths: ["~/items/(?<id>\\\\d+)"], regex_priority: 5 }
`);
  assert.equal(match({ path: '/version' }), 'short');
  assert.equal(match({ path: '/versionXYZ' }), 'short', 'a prefix is a character prefix');
  assert.equal(match({ path: '/version/any/thing' }), 'long');
  assert.equal(match({ path: '/version/1/status' }), 'regex');
  assert.equal(match({ path: '/items/42' }), 'regex-high');
  assert.equal(match({ path: '/nope' }), undefined);
});

test('more matched fields win; plain hosts beat wildcards; more headers win', () => {
  const match = routerFor(`
  - { name: path-only, paths: [/] }
  - { name: path-and-method, paths: [/], methods: [POST] }
  - { name: wildcard, hosts: ["*.example.com"], paths: [/a] }
  - { name: plain, hosts: [api.example.com], paths: [/a] }
  - { name: one-header, paths: [/h], headers: { x-a: [one] } }
  - { name: two-headers, paths: [/h], headers: { x-a: [one], x-b: [two] } }
`);
  assert.equal(match({ method: 'GET', path: '/x' }), 'path-only');
  assert.equal(match({ method: 'POST', path: '/x' }), 'path-and-method');
  assert.equal(match({ host: 'api.example.com', path: '/a' }), 'plain');
  assert.equal(match({ host: 'web.example.com', path: '/a' }), 'wildcard');
  assert.equal(match({ path: '/h', headers: { 'x-a': 'one' } }), 'one-header');
  assert.equal(match({ path: '/h', headers: { 'x-a': 'one', 'x-b': 'two' } }), 'two-headers');
});

test('headers: names and values case-insensitive, any value, ~* regex', () => {
  const match = routerFor(`
  - { name: versions, headers: { X-Version: [v1, v2] } }
  - { name: regex, headers: { x-client: ["~*^mobile-(ios|android)$"] } }
`);
  assert.equal(match({ headers: { 'x-version': 'V2' } }), 'versions');
  assert.equal(match({ headers: { 'x-version': ['v9', 'v1'] } }), 'versions', 'any of several request values');
  assert.equal(match({ headers: { 'x-client': 'Mobile-IOS' } }), 'regex');
  assert.equal(match({ headers: { 'x-client': 'desktop' } }), undefined);
});

test('methods and SNIs (SNIs only count on https)', () => {
  const match = routerFor(`
  - { name: get, methods: [GET], paths: [/m] }
  - { name: sni, snis: [secure.example.com], paths: [/s], protocols: [https] }
`);
  assert.equal(match({ method: 'GET', path: '/m' }), 'get');
  assert.equal(match({ method: 'DELETE', path: '/m' }), undefined);
  assert.equal(match({ scheme: 'https', sni: 'secure.example.com', path: '/s' }), 'sni');
  assert.equal(match({ scheme: 'https', sni: 'other.example.com', path: '/s' }), undefined);
  assert.equal(match({ scheme: 'http', path: '/s' }), 'sni', 'on plain http the sni matcher is not checked (the proxy answers 426)');
});

test("ties go to the route with the highest id, as in Kong's ATC router", () => {
  const match = routerFor(`
  - { name: first, id: 00000000-0000-4000-8000-000000000001, paths: [/same] }
  - { name: second, id: 00000000-0000-4000-8000-000000000002, paths: [/same] }
  - { name: third, id: 0000000A-0000-4000-8000-000000000000, paths: [/other] }
  - { name: fourth, id: 00000000-0000-4000-8000-00000000000b, paths: [/other] }
`);
  assert.equal(match({ path: '/same' }), 'second');
  assert.equal(match({ path: '/other' }), 'third', 'ids compare as lower-case hex');
});

test('regex captures, named and unnamed, and what strip_path removes', () => {
  const config = loadValid(`_format_version: "3.0"
services:
- name: s
  host: upstream.example
  routes:
  - name: r
    paths: ["~/users/(?<id>\\\\d+)/(posts|likes)"]
`);
  const found = compileRouter(config).match({ method: 'GET', host: 'x', port: 80, path: '/users/7/posts/9', headers: {}, sni: undefined, scheme: 'http' });
  assert.deepEqual(found?.captures, { unnamed: ['/users/7/posts', '7', 'posts'], named: { id: '7' } });
  assert.equal(found?.matchedPath, '/users/7/posts');
});

test("routes of a disabled service, stream routes and routes without a service", () => {
  const config = loadValid(`_format_version: "3.0"
services:
- name: off
  host: upstream.example
  enabled: false
  routes:
  - { name: off-route, paths: [/off] }
- name: tcp
  host: upstream.example
  protocol: tcp
  routes:
  - { name: tcp-route, protocols: [tcp], destinations: [{ port: 9000 }] }
routes:
- { name: lonely, paths: [/lonely] }
`);
  const router = compileRouter(config);
  const req = (path: string) => router.match({ method: 'GET', host: 'x', port: 80, path, headers: {}, sni: undefined, scheme: 'http' });
  assert.equal(req('/off'), undefined);
  assert.equal(req('/lonely')?.route.name, 'lonely');
  assert.equal(req('/lonely')?.service, null, 'matched, with no service: the proxy answers 503');
});

test('the result cache never changes an answer', () => {
  const match = routerFor(`
  - { name: v1, paths: [/api], headers: { x-version: ["1"] } }
  - { name: any, paths: [/api] }
`);
  for (let i = 0; i < 3; i++) {
    assert.equal(match({ path: '/api', headers: { 'x-version': '1' } }), 'v1');
    assert.equal(match({ path: '/api', headers: { 'x-version': '2' } }), 'any');
    assert.equal(match({ path: '/api' }), 'any');
  }
});

test('overlapping prefixes of several routes, with and without hosts, are tried in rank order', () => {
  const match = routerFor(`
  - { name: p1, paths: [/svc/1] }
  - { name: p12, paths: [/svc/12] }
  - { name: p123-post, paths: [/svc/123], methods: [POST] }
  - { name: p12-host, paths: [/svc/12], hosts: [example.com] }
  - { name: p1234-other-host, paths: [/svc/1234], hosts: [other.example] }
  - { name: regex, paths: ["~/svc/1[0-9]+/x$"] }
`);
  // Two matched fields beat one; between two-field routes a plain host beats a method, whatever the prefix length.
  assert.equal(match({ path: '/svc/1234/items' }), 'p12-host');
  assert.equal(match({ path: '/svc/1234/items', method: 'POST' }), 'p12-host');
  assert.equal(match({ path: '/svc/1234/items', method: 'POST', host: 'elsewhere.example' }), 'p123-post');
  assert.equal(match({ path: '/svc/1234/items', host: 'elsewhere.example' }), 'p12');
  assert.equal(match({ path: '/svc/1234/items', host: 'other.example' }), 'p1234-other-host');
  assert.equal(match({ path: '/svc/19', host: 'elsewhere.example' }), 'p1');
  assert.equal(match({ path: '/svc/19/x', host: 'elsewhere.example' }), 'regex');
  assert.equal(match({ path: '/svc/2', host: 'elsewhere.example' }), undefined);
});

test("a route Kong splits by path length ties under the id Kong derives for each part (uuid v5 of 'id#group')", () => {
  // Route a's /b part gets uuidv5(7f145bf9-…, '<a's id>#2') = 63536896-…: b's ids sit on either side of it, both
  // above a's own id.
  const a = '11111111-1111-4111-8111-111111111111';
  for (const [bId, winner] of [['22222222-0000-4000-8000-000000000000', 'a'], ['77777777-0000-4000-8000-000000000000', 'b']] as const) {
    const match = routerFor(`
  - { name: a, id: ${a}, paths: [/aa, /b] }
  - { name: b, id: ${bId}, paths: [/b] }
`);
    assert.equal(match({ path: '/b' }), winner, `b's id ${bId}`);
    assert.equal(match({ path: '/aa' }), 'a');
  }
});

// The matching examples of Kong's proxy reference, as a table: each request → the route Kong picks (or none).
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

type Row = readonly [request: Partial<RequestFacts>, expected: string | undefined];

function table(routes: string, rows: readonly Row[]): void {
  const match = routerFor(routes);
  for (const [req, expected] of rows) assert.equal(match(req), expected, JSON.stringify(req));
}

test('a route matches when every configured field matches one of its values', () => {
  table(`
  - { name: foo, hosts: [example.com, foo-service.com], paths: [/foo, /bar], methods: [GET] }
`, [
    [{ path: '/foo', host: 'example.com' }, 'foo'],
    [{ path: '/bar', host: 'foo-service.com' }, 'foo'],
    [{ path: '/foo/hello/world', host: 'example.com' }, 'foo'],
    [{ path: '/', host: 'example.com' }, undefined],
    [{ path: '/foo', host: 'example.com', method: 'POST' }, undefined],
    [{ path: '/foo', host: 'foo.com' }, undefined],
  ]);
});

test('host wildcards: leftmost or rightmost label', () => {
  table(`
  - { name: any-sub, hosts: ["*.example.com"] }
  - { name: any-tld, hosts: ["example.*"] }
`, [
    [{ host: 'a.example.com' }, 'any-sub'],
    [{ host: 'x.y.example.com' }, 'any-sub'],
    [{ host: 'example.com' }, 'any-tld'],
    [{ host: 'example.org' }, 'any-tld'],
    [{ host: 'example.co.uk' }, 'any-tld'],
  ]);
});

test('path prefixes; regex paths', () => {
  table(`
  - { name: prefix, paths: [/service, /hello/world] }
  - { name: regex, paths: ["~/users/\\\\d+/profile", "~/following/users/\\\\d+"] }
`, [
    [{ path: '/service' }, 'prefix'],
    [{ path: '/service/resource' }, 'prefix'],
    [{ path: '/hello/world/resource' }, 'prefix'],
    [{ path: '/hello' }, undefined],
    [{ path: '/users/123/profile' }, 'regex'],
    [{ path: '/following/users/123' }, 'regex'],
    [{ path: '/users/abc/profile' }, undefined],
  ]);
});

test('evaluation order: regexes by regex_priority, then prefixes longest first', () => {
  table(`
  - { name: status, paths: ["~/status/\\\\d+"], regex_priority: 0 }
  - { name: version-status, paths: ["~/version/\\\\d+/status/\\\\d+"], regex_priority: 6 }
  - { name: version, paths: [/version] }
  - { name: version-any, paths: [/version/any/] }
`, [
    [{ path: '/version/1/status/2' }, 'version-status'],
    [{ path: '/status/42' }, 'status'],
    [{ path: '/version/any/thing' }, 'version-any'],
    [{ path: '/version/any' }, 'version'],
    [{ path: '/version' }, 'version'],
  ]);
});

test('more matched fields win: a route with hosts and methods beats one with hosts only', () => {
  table(`
  - { name: any-method, hosts: [example.com] }
  - { name: post-only, hosts: [example.com], methods: [POST] }
`, [
    [{ method: 'GET' }, 'any-method'],
    [{ method: 'POST' }, 'post-only'],
  ]);
});

test('headers: any listed value, names case-insensitive', () => {
  table(`
  - { name: v1, headers: { version: [v1, v2] } }
  - { name: by-host, hosts: [example.com], headers: { version: [v3] } }
`, [
    [{ headers: { version: 'v1' } }, 'v1'],
    [{ headers: { version: 'v2' } }, 'v1'],
    [{ headers: { version: 'v3' } }, 'by-host'],
    [{ headers: { version: 'v4' } }, undefined],
    [{ headers: {} }, undefined],
  ]);
});

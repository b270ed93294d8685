// Kong's joining table for strip_path (computed examples from Kong's router). Kong's default router flavour joins
// every route the v0 way (path_handling v1 is deprecated and ignored there): see test/kong/router-path-handling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { upstreamPath, stripMatched } from '../../src/router/upstream-path.ts';

// service.path, route prefix path, request path, strip_path → upstream path
const TABLE: [string, string, string, boolean, string][] = [
  ['/', '/r', '/r/x', true, '/x'],
  ['/s', '/r', '/r', true, '/s'],
  ['/s', '/r', '/r/', true, '/s/'],
  ['/s', '/r', '/r/x', true, '/s/x'],
  ['/s', '/r', '/rx', true, '/s/x'],
  ['/s', '/r', '/r/x', false, '/s/r/x'],
  ['/s', '/r/', '/r/', true, '/s/'],
  ['/s', '/r/', '/r/x', true, '/s/x'],
  ['/s/', '/r', '/r', true, '/s'],
  ['/s/', '/r', '/r/x', false, '/s/r/x'],
];

for (const [servicePath, routePath, requestPath, stripPath, expected] of TABLE) {
  test(`service ${servicePath}, route ${routePath}, request ${requestPath}, strip ${stripPath} → ${expected}`, () => {
    assert.equal(upstreamPath({ servicePath, requestPath, matched: routePath, stripPath }), expected);
  });
}

test('no service path: the request path, stripped or not', () => {
  assert.equal(upstreamPath({ servicePath: null, requestPath: '/api/users', matched: '/api', stripPath: true }), '/users');
  assert.equal(upstreamPath({ servicePath: null, requestPath: '/api/users', matched: '/api', stripPath: false }), '/api/users');
  assert.equal(upstreamPath({ servicePath: null, requestPath: '/api', matched: '/api', stripPath: true }), '/');
  assert.equal(upstreamPath({ servicePath: null, requestPath: '/any', matched: null, stripPath: true }), '/any', 'nothing to strip when no path matched (a hosts-only route)');
});

test('strip_path drops leftover dot segments', () => {
  assert.equal(stripMatched('/r/../x', '/r/'), 'x');
  assert.equal(stripMatched('/r./x', '/r'), 'x');
  assert.equal(stripMatched('/r..', '/r'), '');
});

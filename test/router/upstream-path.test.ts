// Kong's joining table for strip_path and path_handling (computed examples from Kong's router).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { upstreamPath, stripMatched } from '../../src/router/upstream-path.ts';

// service.path, route prefix path, request path, strip_path → v0 | v1
const TABLE: [string, string, string, boolean, string, string][] = [
  ['/', '/r', '/r/x', true, '/x', '/x'],
  ['/s', '/r', '/r', true, '/s', '/s'],
  ['/s', '/r', '/r/', true, '/s/', '/s/'],
  ['/s', '/r', '/r/x', true, '/s/x', '/s/x'],
  ['/s', '/r', '/rx', true, '/s/x', '/sx'],
  ['/s', '/r', '/r/x', false, '/s/r/x', '/sr/x'],
  ['/s', '/r/', '/r/', true, '/s/', '/s'],
  ['/s', '/r/', '/r/x', true, '/s/x', '/sx'],
  ['/s/', '/r', '/r', true, '/s', '/s/'],
  ['/s/', '/r', '/r/x', false, '/s/r/x', '/s/r/x'],
];

for (const [servicePath, routePath, requestPath, stripPath, v0, v1] of TABLE) {
  test(`service ${servicePath}, route ${routePath}, request ${requestPath}, strip ${stripPath} → v0 ${v0}, v1 ${v1}`, () => {
    const input = { servicePath, requestPath, matched: routePath, stripPath };
    assert.equal(upstreamPath({ ...input, pathHandling: 'v0' }), v0);
    assert.equal(upstreamPath({ ...input, pathHandling: 'v1' }), v1);
  });
}

test('no service path: the request path, stripped or not', () => {
  assert.equal(upstreamPath({ servicePath: null, requestPath: '/api/users', matched: '/api', stripPath: true, pathHandling: 'v0' }), '/users');
  assert.equal(upstreamPath({ servicePath: null, requestPath: '/api/users', matched: '/api', stripPath: false, pathHandling: 'v0' }), '/api/users');
  assert.equal(upstreamPath({ servicePath: null, requestPath: '/api', matched: '/api', stripPath: true, pathHandling: 'v0' }), '/');
  assert.equal(upstreamPath({ servicePath: null, requestPath: '/any', matched: null, stripPath: true, pathHandling: 'v0' }), '/any', 'nothing to strip when no path matched (a hosts-only route)');
});

test('strip_path drops leftover dot segments', () => {
  assert.equal(stripMatched('/r/../x', '/r/'), 'x');
  assert.equal(stripMatched('/r./x', '/r'), 'x');
  assert.equal(stripMatched('/r..', '/r'), '');
});

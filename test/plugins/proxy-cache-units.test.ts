// proxy-cache's pure parts: Kong's cache key (spec/03-plugins/31-proxy-cache/05-cache_key_spec.lua), its
// Cache-Control reading (kong/tools/http.lua), media types (kong/tools/mime_type.lua), and the size setting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headersKey, paramsKey, prefixUuid } from '../../src/plugins/bundled/proxy-cache/cache-key.ts';
import { luaNumber, parseDirectives, parseHttpTime, resourceTtl } from '../../src/plugins/bundled/proxy-cache/cache-control.ts';
import { contentTypeMatches, parseMediaType } from '../../src/plugins/bundled/proxy-cache/content-type.ts';
import { resolveSettings } from '../../src/settings/settings.ts';

const C1 = '0f6d4a3c-1111-4e2b-9c1d-000000000001';
const C2 = '0f6d4a3c-1111-4e2b-9c1d-000000000002';
const R1 = '0f6d4a3c-2222-4e2b-9c1d-000000000001';
const R2 = '0f6d4a3c-2222-4e2b-9c1d-000000000002';

test('prefix_uuid (05-cache_key_spec.lua:6-60)', () => {
  assert.notEqual(prefixUuid(C1, R1), prefixUuid(C1, R2));
  assert.notEqual(prefixUuid(C1, R1), prefixUuid(C2, R1));
  assert.equal(prefixUuid(undefined, R1), R1);
  assert.notEqual(prefixUuid(undefined, R1), prefixUuid(C1, R1));
  assert.equal(prefixUuid(C1, R1), `${C1}:${R1}`);
  assert.equal(prefixUuid(undefined, undefined), 'default');
  assert.equal(prefixUuid(C1, undefined), 'default');
});

test('params_key (05-cache_key_spec.lua:62-101)', () => {
  const cases: readonly [Record<string, string | true | string[]>, readonly string[] | null, string][] = [
    [{ a: '1', b: '2' }, null, 'a=1:b=2'],
    [{}, null, ''],
    [{}, ['a'], ''],
    [{ bz: '2', az: '1' }, [], 'az=1:bz=2'],
    [{ a: '1', b: '2' }, ['a'], 'a=1'],
    [{ a: ['1', '2'] }, ['a'], 'a=1,2'],
    [{ a: ['2', '1'] }, ['a'], 'a=1,2'],
    [{ a: ['1', '2'], b: '2' }, ['a', 'b', 'c'], 'a=1,2:b=2'],
    [{ flag: true, x: '' }, null, 'flag:x='],
  ];
  for (const [args, vary, want] of cases) assert.equal(paramsKey(args, vary), want, JSON.stringify([args, vary]));
});

test('headers_key (05-cache_key_spec.lua:103-135): none by default, names case-insensitive', () => {
  assert.equal(headersKey({ a: '1', b: '2' }, null), '');
  assert.equal(headersKey({ a: '1', b: '2' }, ['a']), 'a=1');
  assert.equal(headersKey({ a: ['2', '1'] }, ['a']), 'a=1,2');
  assert.equal(headersKey({ a: ['1', '2'], b: '2' }, ['a', 'b', 'c']), 'a=1,2:b=2');
  assert.equal(headersKey({ 'x-foo': 'v' }, ['X_Foo']), 'X_Foo=v');
});

test('parse_directive_header: lower-cased names, numbers as numbers, bare names true', () => {
  assert.deepEqual({ ...parseDirectives('Public, Max-Age=60, no-cache, x=abc') }, { public: true, 'max-age': 60, 'no-cache': true, x: 'abc' });
  assert.deepEqual({ ...parseDirectives(['max-age=1', 's-maxage=0x10']) }, { 'max-age': 1, 's-maxage': 16 });
  assert.deepEqual({ ...parseDirectives(undefined) }, {});
  assert.equal(luaNumber(' 10 '), 10);
  assert.equal(luaNumber('1e2'), 100);
  assert.equal(luaNumber('ten'), undefined);
});

test('calculate_resource_ttl: s-maxage, max-age, Expires, never negative', () => {
  const now = 1_700_000_000;
  assert.equal(resourceTtl(parseDirectives('max-age=60, s-maxage=30'), undefined, now), 30);
  assert.equal(resourceTtl(parseDirectives('max-age=60'), undefined, now), 60);
  assert.equal(resourceTtl(parseDirectives('max-age=-5'), undefined, now), 0);
  assert.equal(resourceTtl(parseDirectives('public'), new Date((now + 90) * 1000).toUTCString(), now), 90);
  assert.equal(resourceTtl(parseDirectives('public'), 'not a date', now), 0);
  assert.equal(resourceTtl(parseDirectives('public'), undefined, now), 0);
  assert.equal(parseHttpTime('Sun, 06 Nov 1994 08:49:37 GMT'), 784111777);
  assert.equal(parseHttpTime('Sunday, 06-Nov-94 08:49:37 GMT'), 784111777);
  assert.equal(parseHttpTime('Sun Nov  6 08:49:37 1994'), 784111777);
  assert.equal(parseHttpTime('1994-11-06'), undefined);
});

test('parse_mime_type and Kong\'s content type matching', () => {
  assert.deepEqual(parseMediaType('Application/JSON; Charset=utf-8; q=1'), { type: 'application', subtype: 'json', params: Object.assign(Object.create(null), { charset: 'utf-8', q: '1' }), paramCount: 2 });
  assert.equal(parseMediaType('*')?.type, '*');
  assert.equal(parseMediaType('application/xml;'), undefined);
  assert.equal(parseMediaType('application/json '), undefined);
  assert.equal(parseMediaType('text/plain; a="x y"')?.params.a, 'x y');
  const types = (...t: string[]) => t.map((x) => parseMediaType(x)!);
  const cases: readonly [readonly string[], string, boolean][] = [
    [['text/plain', 'application/json'], 'application/json', true],
    [['text/plain', 'application/json'], 'application/json; charset=utf-8', false],
    [['application/json; charset=utf-8'], 'application/json; CHARSET=utf-8', true],
    [['application/json; charset=utf-8'], 'application/json; charset=UTF-8', false],
    [['*/*'], 'application/xml', true],
    [['*/*'], 'application/xml;', true],
    [['application/*'], 'application/xml', true],
    [['application/*'], 'text/xml', false],
    [['text/plain'], 'application/xml;', false],
  ];
  for (const [expected, got, want] of cases) assert.equal(contentTypeMatches(types(...expected), got), want, `${expected} vs ${got}`);
});

test('--mem-cache-size: nginx sizes, GATEWAY_MEM_CACHE_SIZE, then KONG_MEM_CACHE_SIZE, default 128m', () => {
  assert.equal(resolveSettings({}, {}).memCacheSizeBytes, 128 * 1024 * 1024);
  assert.equal(resolveSettings({}, { KONG_MEM_CACHE_SIZE: '2m' }).memCacheSizeBytes, 2 * 1024 * 1024);
  assert.equal(resolveSettings({}, { KONG_MEM_CACHE_SIZE: '2m', GATEWAY_MEM_CACHE_SIZE: '512k' }).memCacheSizeBytes, 512 * 1024);
  assert.equal(resolveSettings({ memCacheSize: '1000' }, { GATEWAY_MEM_CACHE_SIZE: '512k' }).memCacheSizeBytes, 1000);
  assert.throws(() => resolveSettings({ memCacheSize: '12mb' }, {}), /--mem-cache-size: expected a size/);
  assert.throws(() => resolveSettings({ memCacheSize: '0' }, {}), /--mem-cache-size/);
});

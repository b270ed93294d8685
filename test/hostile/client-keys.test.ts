// What the client names becomes keys of records plugins read (query arguments, headers, JSON and form bodies):
// `__proto__` and `constructor` must stay data, never reach a prototype. 'null' below: Object.prototype is not in
// the record's prototype chain.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { writePlugins } from '../helpers/plugins.ts';
import { startTestGateway } from '../helpers/servers.ts';

const dir = writePlugins([{
  name: 'keys-echo',
  handler: `export default { version: '1', priority: 1, async access(kong) {
  const query = kong.request.getQuery();
  const headers = kong.request.getHeaders();
  const { body } = await kong.request.getBody();
  const describe = (r) => ({ prototype: r === undefined ? 'none' : Object.prototype.isPrototypeOf(r) ? 'object' : 'null', keys: r === undefined ? [] : Object.keys(r).sort(), proto: r?.['__proto__'] ?? null, ctor: typeof r?.constructor === 'function' ? 'function' : (r?.constructor ?? null) });
  kong.response.exit(200, { query: describe(query), headers: describe(headers), body: describe(body), inner: describe(body?.['__proto__']), polluted: ({}).polluted ?? null });
} };
`,
}]);
const gw = await startTestGateway(`_format_version: "3.0"\nroutes:\n- name: r\n  paths: [/]\n  plugins: [{ name: keys-echo }]\n`, { plugins: ['bundled', 'keys-echo'], pluginsPath: [dir] });
after(() => gw.stop());

async function call(path: string, body?: string, type?: string) {
  const res = await request(`${gw.url}${path}`, { method: body ? 'POST' : 'GET', body, headers: { ...(type ? { 'content-type': type } : {}), constructor: 'header-value' } });
  return (await res.body.json()) as Record<string, { prototype: string; keys: string[]; proto: unknown; ctor: unknown } | null>;
}

test('?__proto__=z&constructor=x are arguments like any other', async () => {
  const r = await call('/?__proto__=z&constructor=x&a=1');
  assert.deepEqual(r.query, { prototype: 'null', keys: ['__proto__', 'a', 'constructor'], proto: 'z', ctor: 'x' });
  assert.equal(r.headers!.prototype, 'null');
  assert.equal(r.headers!.ctor, 'header-value');
  assert.equal(r.polluted, null);
});

test('JSON and form bodies with __proto__ and constructor keys: own data, no prototype touched', async () => {
  const json = await call('/', '{"__proto__":{"polluted":true},"constructor":"x","a":1}', 'application/json');
  assert.deepEqual(json.body, { prototype: 'null', keys: ['__proto__', 'a', 'constructor'], proto: { polluted: true }, ctor: 'x' });
  assert.equal(json.inner!.prototype, 'null');
  assert.equal(json.polluted, null);
  const form = await call('/', '__proto__=z&constructor=y', 'application/x-www-form-urlencoded');
  assert.deepEqual(form.body, { prototype: 'null', keys: ['__proto__', 'constructor'], proto: 'z', ctor: 'y' });
});

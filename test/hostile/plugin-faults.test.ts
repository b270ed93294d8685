// Plugins that misbehave in every way a plugin can: each fault costs its own request only (Kong's 500 and a log
// line naming the plugin, the phase and the request), never the process and never another request.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { writePlugins } from '../helpers/plugins.ts';
import { raw, recordingUpstream, statuses } from '../helpers/raw.ts';
import { recordingLogger, startTestGateway } from '../helpers/servers.ts';

const phaseThrows = (phase: string, value: string) => `export default { version: '1', priority: 100, ${phase}() { throw ${value}; } };\n`;

const dir = writePlugins([
  { name: 'throws-null-proto', handler: phaseThrows('access', 'Object.create(null)') },
  { name: 'throws-string', handler: phaseThrows('access', "'plain string'") },
  { name: 'throws-in-rewrite', handler: phaseThrows('rewrite', "new Error('rewrite broke')") },
  { name: 'throws-in-log', handler: phaseThrows('log', "new Error('log broke')") },
  { name: 'never-settles', handler: "export default { version: '1', priority: 100, access() { return new Promise(() => {}); } };\n" },
  {
    name: 'header-filter-throws',
    handler: "export default { version: '1', priority: 100, headerFilter() { throw new Error('header filter broke'); } };\n",
  },
  {
    name: 'later-filter',
    handler: "export default { version: '1', priority: 50, headerFilter(kong) { kong.response.setHeader('x-later-filter', 'ran'); } };\n",
  },
  {
    name: 'bad-header-values',
    handler: `export default { version: '1', priority: 100,
  access(kong) { kong.service.request.setHeader('x-up', 'a\\r\\nInjected: yes'); kong.response.setHeader('x-answer', 'b\\nSet-Cookie: evil=1'); },
  headerFilter(kong) { kong.response.setHeader('x-emoji', 'ok \\u{1F600}'); },
};
`,
  },
  { name: 'header-of-wrong-type', handler: "export default { version: '1', priority: 100, headerFilter(kong) { kong.response.setHeader('x-obj', { no: 'pe' }); } };\n" },
  { name: 'wrong-phase-call', handler: "export default { version: '1', priority: 100, headerFilter(kong) { kong.service.request.setHeader('x-too-late', '1'); } };\n" },
  { name: 'body-filter-throws', handler: "export default { version: '1', priority: 100, bodyFilter(kong) { if (kong.response.isLastChunk()) throw new Error('body filter broke'); } };\n" },
  { name: 'response-throws', handler: "export default { version: '1', priority: 100, response() { throw new Error('response broke'); } };\n" },
]);

const upstream = await recordingUpstream();
const { log, lines } = recordingLogger();
const route = (name: string, plugins: string[]) => `  - { name: ${name}, paths: [/${name}], plugins: [${plugins.map((p) => `{ name: ${p} }`).join(', ')}] }`;
const gw = await startTestGateway(`_format_version: "3.0"
services:
- name: s
  url: http://127.0.0.1:${upstream.port}
  routes:
  - { name: ok, paths: [/ok] }
${route('null-proto', ['throws-null-proto'])}
${route('string', ['throws-string'])}
${route('log', ['throws-in-log'])}
${route('never', ['never-settles'])}
${route('header-filter', ['header-filter-throws', 'later-filter'])}
${route('bad-headers', ['bad-header-values'])}
${route('header-type', ['header-of-wrong-type'])}
${route('wrong-phase', ['wrong-phase-call'])}
${route('body-filter', ['body-filter-throws'])}
${route('response', ['response-throws'])}
`, {
  plugins: ['bundled', 'throws-null-proto', 'throws-string', 'throws-in-rewrite', 'throws-in-log', 'never-settles', 'header-filter-throws', 'later-filter', 'bad-header-values', 'header-of-wrong-type', 'wrong-phase-call', 'body-filter-throws', 'response-throws'],
  pluginsPath: [dir],
  pluginTimeout: '300ms',
}, log);
after(async () => {
  await gw.stop();
  await upstream.close();
});

async function get(path: string) {
  const res = await request(`${gw.url}${path}`);
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

/** The log line a failed plugin left, for this request. */
function failureLine(requestId: unknown, plugin: string) {
  return lines.find((l) => l.request_id === requestId && l.plugin === plugin);
}

async function stillServing() {
  assert.equal((await get('/ok')).status, 200, 'the gateway keeps serving other requests');
}

test('a plugin that throws a value with no prototype, or a string: 500 for that request, a log line naming it', async () => {
  for (const [path, plugin] of [['/null-proto', 'throws-null-proto'], ['/string', 'throws-string']] as const) {
    const r = await get(path);
    assert.equal(r.status, 500);
    assert.equal(JSON.parse(r.text).message, 'An unexpected error occurred');
    const line = failureLine(r.headers['x-kong-request-id'], plugin);
    assert.ok(line, `a log line for ${plugin}`);
    assert.equal(line.phase, 'access');
  }
  assert.equal(failureLine(undefined, 'x'), undefined);
  await stillServing();
});

test('a phase that never settles gets its request a 500 after --plugin-timeout', async () => {
  const started = performance.now();
  const r = await get('/never');
  assert.equal(r.status, 500);
  assert.ok(performance.now() - started >= 250, 'not before the time limit');
  assert.match(String(failureLine(r.headers['x-kong-request-id'], 'never-settles')?.err), /did not settle within 300 ms/);
});

test("a header filter that throws turns the answer into Kong's 500; the filters after it still run", async () => {
  const r = await get('/header-filter');
  assert.equal(r.status, 500);
  assert.equal(JSON.parse(r.text).message, 'An unexpected error occurred');
  assert.equal(r.headers['x-later-filter'], 'ran');
  assert.equal(failureLine(r.headers['x-kong-request-id'], 'header-filter-throws')?.phase, 'headerFilter');
  await stillServing();
});

test('header values with CR, LF and text beyond latin1 are escaped as ngx_lua escapes them: no injected header', async () => {
  const r = await get('/bad-headers');
  assert.equal(r.status, 200);
  assert.equal(r.headers['x-answer'], 'b%0ASet-Cookie: evil=1');
  assert.equal(r.headers['set-cookie'], undefined);
  assert.equal(Buffer.from(String(r.headers['x-emoji']), 'latin1').toString('utf8'), 'ok 😀');
  const up = upstream.seen.at(-1)!;
  assert.equal(up.headers['x-up'], 'a%0D%0AInjected: yes');
  assert.equal(up.headers.injected, undefined);
});

test("a header value of the wrong type is Kong's error in the plugin: 500, logged", async () => {
  const r = await get('/header-type');
  assert.equal(r.status, 500);
  assert.match(String(failureLine(r.headers['x-kong-request-id'], 'header-of-wrong-type')?.err), /invalid header value for "x-obj": got object/);
});

test("a PDK call in a phase where it can no longer take effect fails with Kong's phase message", async () => {
  const r = await get('/wrong-phase');
  assert.equal(r.status, 500);
  assert.equal(
    failureLine(r.headers['x-kong-request-id'], 'wrong-phase-call')?.err,
    'kong.service.request.setHeader: function cannot be called in headerFilter phase (only in: rewrite, access)',
  );
});

test('a log phase that throws changes nothing about the answer; a body filter that throws cuts that answer only', async () => {
  assert.equal((await get('/log')).status, 200);
  const cut = await raw(gw.port, 'GET /body-filter HTTP/1.1\r\nHost: a\r\n\r\n', { waitMs: 2000 });
  assert.deepEqual(statuses(cut.text), [200]);
  assert.ok(cut.closed, 'the connection is cut');
  assert.ok(!/0\r\n\r\n$/.test(cut.text), 'no final chunk: the client can tell the body is incomplete');
  await stillServing();
});

test('a response phase that throws: 500', async () => {
  const r = await get('/response');
  assert.equal(r.status, 500);
  assert.equal(failureLine(r.headers['x-kong-request-id'], 'response-throws')?.phase, 'response');
});

test('a global rewrite plugin that throws: 500 for every request, the gateway keeps running', async () => {
  const g = await startTestGateway(`_format_version: "3.0"\nplugins: [{ name: throws-in-rewrite }]\nservices:\n- name: s\n  url: http://127.0.0.1:${upstream.port}\n  routes: [{ name: r, paths: [/] }]\n`, { plugins: ['bundled', 'throws-in-rewrite'], pluginsPath: [dir] });
  try {
    const res = await request(`${g.url}/x`);
    await res.body.text();
    assert.equal(res.statusCode, 500);
  } finally {
    await g.stop();
  }
});

// The phases end to end: priority order in every phase, dynamic `ordering` of the access phase, the global-only
// rewrite phase, buffered `response`, `bodyFilter` over a streamed body, trailers passing through.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startTestGateway, startUpstream, type Echo } from '../helpers/servers.ts';
import { writePlugins } from '../helpers/plugins.ts';

// Each tracer appends "<name>:<phase>" to a per-request trail, which the last header filter puts on the answer.
const tracer = (name: string, priority: number) => ({
  name,
  handler: `
const mark = (kong, phase) => { (kong.ctx.shared.trail ??= []).push('${name}:' + phase); };
export default {
  version: '1.0.0',
  priority: ${priority},
  access(kong) { mark(kong, 'access'); kong.service.request.addHeader('x-order', '${name}'); },
  headerFilter(kong) { mark(kong, 'header'); kong.response.setHeader('x-trail', kong.ctx.shared.trail.join(',')); },
  log(kong) { mark(kong, 'log'); (globalThis.__trails ??= []).push(kong.ctx.shared.trail.join(',')); },
};
`,
});

const dir = writePlugins([
  tracer('t-high', 800),
  tracer('t-mid', 700),
  tracer('t-low', 600),
  {
    name: 'rewriter',
    handler: `export default {
  version: '1.0.0',
  priority: 3000,
  rewrite(kong) { kong.ctx.plugin.routeInRewrite = kong.router.getRoute(); kong.service.request.setHeader('x-rewritten', 'yes'); },
  access(kong) { kong.service.request.setHeader('x-route-in-rewrite', String(kong.ctx.plugin.routeInRewrite)); },
  headerFilter(kong) { kong.response.setHeader('x-global-filter', 'ran'); },
};
`,
  },
  {
    name: 'responder',
    handler: `export default {
  version: '1.0.0',
  priority: 100,
  async response(kong) {
    const body = kong.service.response.getRawBody().toString();
    await new Promise((r) => setTimeout(r, 5));
    kong.response.setRawBody(body.toUpperCase());
    kong.response.setHeader('x-upstream-status', String(kong.service.response.getStatus()));
    kong.response.setStatus(201);
  },
};
`,
  },
  {
    name: 'gatekeeper',
    handler: `export default {
  version: '1.0.0',
  priority: 100,
  response(kong) {
    if (kong.service.response.getStatus() === 200) kong.response.exit(409, { message: 'refused after seeing the answer' }, { 'X-Why': 'response phase' });
  },
};
`,
  },
  {
    name: 'broken-filter',
    handler: `export default { version: '1.0.0', priority: 100, bodyFilter(kong) { if (!kong.response.isLastChunk()) throw new Error('filter failed'); } };
`,
  },
  {
    name: 'chunker',
    handler: `export default {
  version: '1.0.0',
  priority: 100,
  bodyFilter(kong) {
    if (kong.response.isLastChunk()) { kong.response.setBodyChunk('<end>'); return; }
    kong.response.setBodyChunk(kong.response.getBodyChunk().toString().replace(/a/g, 'A'));
  },
};
`,
  },
]);

const upstream = await startUpstream();
// A streaming upstream: three chunks apart in time, then trailers announced in the head.
const streaming = await startUpstream((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-checksum' });
  res.write('aaa|');
  setTimeout(() => res.write('bab|'), 20);
  setTimeout(() => {
    res.addTrailers({ 'x-checksum': 'c0ffee' });
    res.end('cab');
  }, 40);
}, 'streaming');

const gw = await startTestGateway(`_format_version: "3.0"
services:
- name: echo
  url: http://127.0.0.1:${upstream.port}
  routes:
  - name: order
    paths: [/order]
    plugins: [{ name: t-high }, { name: t-mid }, { name: t-low }]
  - name: reordered
    paths: [/reordered]
    plugins:
    - { name: t-high }
    - { name: t-mid, ordering: { after: { access: [t-low] } } }
    - { name: t-low, ordering: { before: { access: [t-high] } } }
  - { name: respond, paths: [/respond], plugins: [{ name: responder }] }
  - { name: by-protocol, paths: [/by-protocol], plugins: [{ name: t-high, protocols: [https] }, { name: t-mid, protocols: [http] }] }
- name: streaming
  url: http://127.0.0.1:${streaming.port}
  routes:
  - { name: chunks, paths: [/chunks], plugins: [{ name: chunker }] }
  - { name: trailers, paths: [/trailers] }
  - { name: gate, paths: [/gate], plugins: [{ name: gatekeeper }] }
  - { name: broken, paths: [/broken], plugins: [{ name: broken-filter }] }
plugins:
- name: rewriter
`, { plugins: ['bundled', 't-high', 't-mid', 't-low', 'rewriter', 'responder', 'chunker', 'gatekeeper', 'broken-filter'], pluginsPath: [dir] });

after(async () => {
  await gw.stop();
  await upstream.close();
  await streaming.close();
});

test('every phase runs its plugins by descending priority', async () => {
  const res = await request(`${gw.url}/order`);
  const echo = (await res.body.json()) as Echo;
  assert.equal(echo.headers['x-order'], 't-high, t-mid, t-low');
  assert.equal(res.headers['x-trail'], 't-high:access,t-mid:access,t-low:access,t-high:header,t-mid:header,t-low:header');
  await new Promise((r) => setTimeout(r, 30));
  const trails = (globalThis as { __trails?: string[] }).__trails ?? [];
  assert.ok(trails.some((t) => t.endsWith('t-high:log,t-mid:log,t-low:log')), trails.join(' / '));
});

test('ordering.before/after rearrange the access phase only', async () => {
  const res = await request(`${gw.url}/reordered`);
  const echo = (await res.body.json()) as Echo;
  // t-low before t-high; t-mid after t-low (already so): t-low, t-high, t-mid.
  assert.equal(echo.headers['x-order'], 't-low, t-high, t-mid');
  assert.match(String(res.headers['x-trail']), /t-high:header,t-mid:header,t-low:header$/, 'header filters keep priority order');
});

test("an instance's protocols choose the subsystem only, as in Kong: [https] still runs on an http request", async () => {
  const res = await request(`${gw.url}/by-protocol`);
  const echo = (await res.body.json()) as Echo;
  assert.equal(echo.headers['x-order'], 't-high, t-mid');
});

test('rewrite runs for global plugins before routing (no route yet); their filters also see a 404', async () => {
  const res = await request(`${gw.url}/order`);
  const echo = (await res.body.json()) as Echo;
  assert.equal(echo.headers['x-rewritten'], 'yes');
  assert.equal(echo.headers['x-route-in-rewrite'], 'null');
  const missing = await request(`${gw.url}/nowhere`);
  await missing.body.text();
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.headers['x-global-filter'], 'ran');
});

test('response phase: the whole upstream answer, then a new body, status and header, with a correct length', async () => {
  const res = await request(`${gw.url}/respond`);
  const text = await res.body.text();
  assert.equal(res.statusCode, 201);
  assert.equal(res.headers['x-upstream-status'], '200');
  assert.equal(res.headers['content-length'], String(Buffer.byteLength(text)));
  assert.equal((JSON.parse(text.toLowerCase()) as Echo).method, 'get');
  assert.equal(text, text.toUpperCase());
});

test('bodyFilter rewrites a streamed body chunk by chunk and is told the last one', async () => {
  const res = await request(`${gw.url}/chunks`);
  assert.equal(res.headers['content-length'], undefined);
  assert.equal(await res.body.text(), 'AAA|bAb|cAb<end>');
});

test('trailers from the upstream reach the client', async () => {
  const res = await request(`${gw.url}/trailers`);
  assert.equal(await res.body.text(), 'aaa|bab|cab');
  assert.equal(res.trailers['x-checksum'], 'c0ffee');
});

test('the response phase may answer instead of the upstream (kong.response.exit), headers included', async () => {
  const res = await request(`${gw.url}/gate`);
  assert.equal(res.statusCode, 409);
  assert.equal(res.headers['x-why'], 'response phase');
  assert.deepEqual(await res.body.json(), { message: 'refused after seeing the answer' });
});

test('a body filter that throws cuts that response; the gateway keeps serving', async () => {
  await assert.rejects(request(`${gw.url}/broken`).then((r) => r.body.text()));
  const next = await request(`${gw.url}/order`);
  assert.equal(next.statusCode, 200);
  await next.body.text();
});

// request-termination through the plugin runtime's access phase, and Kong's precedence between scopes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startTestGateway, startUpstream } from '../helpers/servers.ts';

const upstream = await startUpstream();
const gw = await startTestGateway(`_format_version: "3.0"
services:
- name: api
  url: http://127.0.0.1:${upstream.port}
  plugins:
  - name: request-termination
    config: { status_code: 418, message: from the service }
  routes:
  - name: service-scoped
    paths: [/service]
  - name: route-scoped
    paths: [/route]
    plugins:
    - name: request-termination
      config: { status_code: 403, body: "<p>no</p>", content_type: text/html }
  - name: echo
    paths: [/echo]
    plugins:
    - name: request-termination
      config: { status_code: 200, echo: true }
  - name: triggered
    paths: [/trigger]
    plugins:
    - name: request-termination
      config: { status_code: 410, trigger: x-debug }
  - name: disabled
    paths: [/disabled]
    plugins:
    - name: request-termination
      enabled: false
      config: { status_code: 500 }
- name: open
  url: http://127.0.0.1:${upstream.port}
  routes:
  - { name: open, paths: [/open] }
routes:
- name: no-service
  paths: [/maintenance]
  plugins:
  - name: request-termination
    config: { status_code: 503, message: down for maintenance }
`);

after(async () => {
  await gw.stop();
  await upstream.close();
});

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await request(`${gw.url}${path}`, { headers });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

test('message: Kong\'s JSON body ({"message": ...}, no request id) with the configured status and message', async () => {
  const r = await get('/service');
  assert.equal(r.status, 418);
  assert.equal(r.text, '{"message":"from the service"}');
  assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(upstream.requests.length, 0, 'the upstream is never contacted');
});

test('the route-scoped instance wins over the service-scoped one; body and content_type as given', async () => {
  const r = await get('/route');
  assert.equal(r.status, 403);
  assert.equal(r.text, '<p>no</p>');
  assert.equal(r.headers['content-type'], 'text/html');
});

test('echo describes the request and the matched route and service', async () => {
  const r = await get('/echo/x?a=1&a=2&flag', { 'x-test': 'yes' });
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
  const echo = JSON.parse(r.text) as { request: Record<string, unknown>; matched_route: { name: string }; matched_service: { name: string } };
  assert.equal(echo.request.path, '/echo/x');
  assert.equal(echo.request.method, 'GET');
  assert.deepEqual(echo.request.query, { a: ['1', '2'], flag: true });
  assert.equal((echo.request.headers as Record<string, string>)['x-test'], 'yes');
  assert.equal(echo.matched_route.name, 'echo');
  assert.equal(echo.matched_service.name, 'api');
});

test('trigger: only requests carrying the header or query argument are terminated', async () => {
  assert.equal((await get('/trigger')).status, 200, 'no trigger: proxied');
  assert.equal((await get('/trigger', { 'x-debug': '1' })).status, 410);
  assert.equal((await get('/trigger?x-debug')).status, 410);
});

test('a disabled instance does not run: the service-scoped one applies', async () => {
  assert.equal((await get('/disabled')).status, 418);
});

test('a route without a service is answered by its plugin rather than with 503', async () => {
  const r = await get('/maintenance');
  assert.equal(r.status, 503);
  assert.equal(JSON.parse(r.text).message, 'down for maintenance');
});

test('routes without plugins are proxied', async () => {
  assert.equal((await get('/open')).status, 200);
});

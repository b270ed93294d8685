// cors: preflights answered by the gateway (or passed on), origins exact or by regex, credentials, exposed
// headers, private network access, as Kong's cors plugin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startRoutes } from '../helpers/servers.ts';

const { upstream, gw } = await startRoutes(`  - name: any
    paths: [/any]
    plugins: [{ name: cors }]
  - name: listed
    paths: [/listed]
    plugins:
    - name: cors
      config:
        origins: ["https://app.example.com", "https://(.+)\\\\.partner\\\\.org"]
        methods: [GET, POST]
        headers: [X-Custom, Content-Type]
        exposed_headers: [X-Total]
        credentials: true
        max_age: 600
        private_network: true
  - name: star-credentials
    paths: [/star-credentials]
    plugins: [{ name: cors, config: { credentials: true } }]
  - name: continue
    paths: [/continue]
    plugins: [{ name: cors, config: { preflight_continue: true } }]
`);

async function call(path: string, method: string, headers: Record<string, string>) {
  const res = await request(`${gw.url}${path}`, { method: method as 'GET', headers });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text };
}

const preflight = (origin: string, extra: Record<string, string> = {}) => ({ origin, 'access-control-request-method': 'POST', ...extra });

test('default config: a preflight is answered 200 with every method and the requested headers', async () => {
  const r = await call('/any', 'OPTIONS', preflight('https://site.test', { 'access-control-request-headers': 'X-A, X-B' }));
  assert.equal(r.status, 200);
  assert.equal(r.headers['access-control-allow-origin'], '*');
  assert.equal(r.headers['access-control-allow-methods'], 'GET,HEAD,PUT,PATCH,POST,DELETE,OPTIONS,TRACE,CONNECT');
  assert.equal(r.headers['access-control-allow-headers'], 'X-A, X-B');
  assert.equal(upstream.requests.filter((q) => q.method === 'OPTIONS').length, 0, 'the preflight never reached the upstream');
});

test('a simple request gets Access-Control-Allow-Origin on the proxied answer', async () => {
  const r = await call('/any', 'GET', { origin: 'https://site.test' });
  assert.equal(r.status, 200);
  assert.equal(r.headers['access-control-allow-origin'], '*');
});

test('listed origins: exact and regex, normalized; others get no Allow-Origin; Vary: Origin', async () => {
  const exact = await call('/listed', 'OPTIONS', preflight('https://app.example.com:443', { 'access-control-request-private-network': 'true' }));
  assert.equal(exact.status, 200);
  assert.equal(exact.headers['access-control-allow-origin'], 'https://app.example.com');
  assert.equal(exact.headers['access-control-allow-credentials'], 'true');
  assert.equal(exact.headers['access-control-allow-methods'], 'GET,POST');
  assert.equal(exact.headers['access-control-allow-headers'], 'X-Custom,Content-Type');
  assert.equal(exact.headers['access-control-max-age'], '600');
  assert.equal(exact.headers['access-control-allow-private-network'], 'true');
  assert.match(String(exact.headers.vary), /Origin/);
  const regex = await call('/listed', 'GET', { origin: 'https://shop.partner.org' });
  assert.equal(regex.headers['access-control-allow-origin'], 'https://shop.partner.org');
  assert.equal(regex.headers['access-control-expose-headers'], 'X-Total');
  const stranger = await call('/listed', 'GET', { origin: 'https://evil.test' });
  assert.equal(stranger.headers['access-control-allow-origin'], undefined);
  const suffix = await call('/listed', 'GET', { origin: 'https://shop.partner.org.evil.test' });
  assert.equal(suffix.headers['access-control-allow-origin'], undefined, 'a regex origin matches the whole origin');
});

test('credentials with origin *: the request origin is echoed (browsers refuse * with credentials)', async () => {
  const r = await call('/star-credentials', 'GET', { origin: 'https://site.test' });
  assert.equal(r.headers['access-control-allow-origin'], 'https://site.test');
  assert.equal(r.headers['access-control-allow-credentials'], 'true');
});

test('preflight_continue: the preflight goes upstream, and the plugin adds nothing to it', async () => {
  const before = upstream.requests.length;
  const r = await call('/continue', 'OPTIONS', preflight('https://site.test'));
  assert.equal(r.status, 200);
  assert.equal(upstream.requests.length, before + 1);
  assert.equal(r.headers['access-control-allow-origin'], undefined);
});

// hmac-auth end to end. Signatures are computed here from the scheme's definition (HMAC over "name: value"
// lines and the request line, base64), with node:crypto directly, never with the plugin's code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { request } from 'undici';
import { startRoutes, type Echo } from '../helpers/servers.ts';

const SECRET = 'hmac-secret-of-alice';
const { gw } = await startRoutes(`  - { name: hmac, paths: [/hmac], plugins: [{ name: hmac-auth }] }
  - name: strict
    paths: [/strict]
    plugins: [{ name: hmac-auth, config: { enforce_headers: [date, request-line], algorithms: [hmac-sha256, hmac-sha512], validate_request_body: true, hide_credentials: true, realm: api } }]
  - { name: anon, paths: [/anon], plugins: [{ name: hmac-auth, config: { anonymous: guest } }] }
consumers:
- username: alice
  hmacauth_credentials: [{ username: alice-hmac, secret: ${SECRET} }]
- username: guest
`);

interface Signed { headers: Record<string, string> }

/** The Authorization header for a request: HMAC over the listed headers' lines (and the request line). */
function signRequest(method: string, pathWithQuery: string, headers: Record<string, string>, signed: string[], algorithm = 'hmac-sha256', secret = SECRET): Signed {
  const lines = signed.map((h) => (h === 'request-line' ? `${method} ${pathWithQuery} HTTP/1.1`
    : h === '@request-target' ? `@request-target: ${method.toLowerCase()} ${pathWithQuery}` : `${h}: ${headers[h]}`));
  const hash = algorithm.replace('hmac-', '');
  const signature = createHmac(hash, secret).update(lines.join('\n')).digest('base64');
  return { headers: { ...headers, authorization: `hmac username="alice-hmac", algorithm="${algorithm}", headers="${signed.join(' ')}", signature="${signature}"` } };
}

async function call(method: string, path: string, headers: Record<string, string>, body?: string) {
  const res = await request(`${gw.url}${path}`, { method: method as 'GET', headers, body });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

const now = () => new Date().toUTCString();

test('@request-target signs the lower-case method and the path with its query', async () => {
  const { headers } = signRequest('GET', '/hmac?x=1', { 'x-date': now() }, ['x-date', '@request-target']);
  assert.equal((await call('GET', '/hmac?x=1', headers)).status, 200);
});

test('a valid signature over date and the request line, with every algorithm', async () => {
  for (const algorithm of ['hmac-sha1', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512']) {
    const { headers } = signRequest('GET', '/hmac?a=1', { date: now() }, ['date', 'request-line'], algorithm);
    const r = await call('GET', '/hmac?a=1', headers);
    assert.equal(r.status, 200, `${algorithm}: ${r.text}`);
    const h = (JSON.parse(r.text) as Echo).headers;
    assert.equal(h['x-consumer-username'], 'alice');
    assert.equal(h['x-credential-identifier'], 'alice-hmac');
  }
});

test("Kong's 401s: no header, no valid date, a bad signature, an unknown user", async () => {
  const message = async (headers: Record<string, string>) => {
    const r = await call('GET', '/hmac', headers);
    assert.equal(r.status, 401);
    assert.equal(r.headers['www-authenticate'], 'hmac');
    return JSON.parse(r.text).message as string;
  };
  assert.equal(await message({}), 'Unauthorized');
  const stale = signRequest('GET', '/hmac', { date: new Date(Date.now() - 3_600_000).toUTCString() }, ['date']);
  assert.equal(await message(stale.headers), 'HMAC signature cannot be verified, a valid date or x-date header is required for HMAC Authentication');
  const wrong = signRequest('GET', '/hmac', { date: now() }, ['date'], 'hmac-sha256', 'not-the-secret');
  assert.equal(await message(wrong.headers), 'HMAC signature does not match');
  const bogus = signRequest('GET', '/hmac', { date: now() }, ['date']);
  bogus.headers.authorization = bogus.headers.authorization!.replace('alice-hmac', 'mallory');
  assert.equal(await message(bogus.headers), 'HMAC signature cannot be verified');
});

test('enforce_headers, algorithms, Digest of the body, hide_credentials, realm', async () => {
  const body = '{"amount":42}';
  const digest = `SHA-256=${createHash('sha256').update(body).digest('base64')}`;
  const ok = signRequest('POST', '/strict', { date: now(), digest }, ['date', 'request-line', 'digest']);
  const r = await call('POST', '/strict', ok.headers, body);
  assert.equal(r.status, 200, r.text);
  const echo = JSON.parse(r.text) as Echo;
  assert.equal(echo.headers.authorization, undefined, 'hide_credentials');
  assert.equal(echo.bodyBytes, body.length, 'the body still reaches the upstream');
  const tampered = await call('POST', '/strict', ok.headers, '{"amount":4200}');
  assert.equal(JSON.parse(tampered.text).message, 'HMAC signature does not match');
  const notEnforced = signRequest('POST', '/strict', { date: now(), digest }, ['date', 'digest']);
  assert.equal(JSON.parse((await call('POST', '/strict', notEnforced.headers, body)).text).message, 'HMAC signature cannot be verified');
  const sha1 = signRequest('POST', '/strict', { date: now(), digest }, ['date', 'request-line', 'digest'], 'hmac-sha1');
  const refused = await call('POST', '/strict', sha1.headers, body);
  assert.equal(JSON.parse(refused.text).message, 'HMAC signature cannot be verified');
  assert.equal(refused.headers['www-authenticate'], 'hmac realm="api"');
});

test('anonymous: no signature falls back to the guest consumer', async () => {
  const h = (JSON.parse((await call('GET', '/anon', {})).text) as Echo).headers;
  assert.equal(h['x-consumer-username'], 'guest');
  assert.equal(h['x-anonymous-consumer'], 'true');
});

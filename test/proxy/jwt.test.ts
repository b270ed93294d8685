// jwt end to end, with tokens made by `jose` (an independent, well-kept implementation): every algorithm family,
// where tokens are looked for, Kong's 401 bodies, exp/nbf and maximum_expiration, anonymous.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, exportSPKI } from 'jose';
import { request } from 'undici';
import { startRoutes, type Echo } from '../helpers/servers.ts';

const HS_SECRET = 'a-long-enough-hmac-secret-for-hs256-and-more';
const pairs = {
  RS256: generateKeyPairSync('rsa', { modulusLength: 2048 }),
  PS384: generateKeyPairSync('rsa', { modulusLength: 2048 }),
  ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  ES384: generateKeyPairSync('ec', { namedCurve: 'P-384' }),
  EdDSA: generateKeyPairSync('ed25519'),
};
const pem = async (alg: keyof typeof pairs) => JSON.stringify(await exportSPKI(pairs[alg].publicKey));

const { gw } = await startRoutes(`  - { name: jwt, paths: [/jwt], plugins: [{ name: jwt, config: { cookie_names: [token] } }] }
  - { name: claims, paths: [/claims], plugins: [{ name: jwt, config: { claims_to_verify: [exp, nbf], maximum_expiration: 600 } }] }
  - { name: realm, paths: [/realm], plugins: [{ name: jwt, config: { realm: api, key_claim_name: kid } }] }
  - { name: anon, paths: [/anon], plugins: [{ name: jwt, config: { anonymous: guest } }] }
  - { name: b64, paths: [/b64], plugins: [{ name: jwt, config: { secret_is_base64: true } }] }
consumers:
- username: alice
  jwt_secrets:
  - { key: hs-issuer, secret: ${HS_SECRET} }
  - { key: hs512-issuer, algorithm: HS512, secret: ${HS_SECRET} }
  - { key: rs-issuer, algorithm: RS256, rsa_public_key: ${await pem('RS256')} }
  - { key: ps-issuer, algorithm: PS384, rsa_public_key: ${await pem('PS384')} }
  - { key: es-issuer, algorithm: ES256, rsa_public_key: ${await pem('ES256')} }
  - { key: es384-issuer, algorithm: ES384, rsa_public_key: ${await pem('ES384')} }
  - { key: ed-issuer, algorithm: EdDSA, rsa_public_key: ${await pem('EdDSA')} }
  - { key: b64-issuer, secret: ${Buffer.from('raw-secret-bytes').toString('base64')} }
- username: guest
`);

async function sign(alg: string, iss: string, claims: Record<string, unknown> = {}, key?: Parameters<SignJWT['sign']>[0]): Promise<string> {
  const signing = key ?? (alg.startsWith('HS') ? new TextEncoder().encode(HS_SECRET) : pairs[alg as keyof typeof pairs].privateKey);
  return new SignJWT({ iss, ...claims }).setProtectedHeader({ alg, typ: 'JWT' }).sign(signing);
}

async function call(path: string, headers: Record<string, string> = {}) {
  const res = await request(`${gw.url}${path}`, { headers });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

test('valid tokens of every algorithm family pass, with the consumer headers and the key as identifier', async () => {
  for (const [alg, iss] of [['HS256', 'hs-issuer'], ['HS512', 'hs512-issuer'], ['RS256', 'rs-issuer'], ['PS384', 'ps-issuer'], ['ES256', 'es-issuer'], ['ES384', 'es384-issuer'], ['EdDSA', 'ed-issuer']] as const) {
    const r = await call('/jwt', bearer(await sign(alg, iss)));
    assert.equal(r.status, 200, `${alg}: ${r.text}`);
    const h = (JSON.parse(r.text) as Echo).headers;
    assert.equal(h['x-consumer-username'], 'alice');
    assert.equal(h['x-credential-identifier'], iss);
  }
});

test('the token may come from the jwt query argument or a configured cookie', async () => {
  const token = await sign('HS256', 'hs-issuer');
  assert.equal((await call(`/jwt?jwt=${token}`)).status, 200);
  assert.equal((await call('/jwt', { cookie: `other=1; token=${token}` })).status, 200);
});

test("Kong's 401 bodies and WWW-Authenticate for each failure", async () => {
  const none = await call('/jwt');
  assert.equal(none.status, 401);
  assert.deepEqual(JSON.parse(none.text), { message: 'Unauthorized' });
  assert.equal(none.headers['www-authenticate'], 'Bearer');
  const cases: [Record<string, string>, string][] = [
    [bearer('not.a.token'), 'Bad token; invalid JSON'],
    [bearer(await sign('HS256', '')), "Invalid 'iss' in claims"],
    [bearer(await sign('HS256', 'nobody')), "No credentials found for given 'iss'"],
    [bearer(await sign('HS384', 'hs-issuer')), 'Invalid algorithm'],
    [bearer(await sign('HS256', 'hs-issuer', {}, new TextEncoder().encode('another-secret-of-enough-length-123'))), 'Invalid signature'],
    [bearer(await sign('RS256', 'rs-issuer', {}, pairs.PS384.privateKey)), 'Invalid signature'],
  ];
  for (const [headers, message] of cases) {
    const r = await call('/jwt', headers);
    assert.equal(r.status, 401, message);
    assert.deepEqual(JSON.parse(r.text), { message });
    assert.equal(r.headers['www-authenticate'], 'Bearer error="invalid_token"');
  }
  const noIss = await new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(HS_SECRET));
  assert.deepEqual(JSON.parse((await call('/jwt', bearer(noIss))).text), { message: "No mandatory 'iss' in claims" });
  const two = await call(`/jwt?jwt=${await sign('HS256', 'hs-issuer')}`, bearer(await sign('HS256', 'hs-issuer', { n: 1 })));
  assert.deepEqual(JSON.parse(two.text), { message: 'Multiple tokens provided' });
});

test('claims_to_verify: exp and nbf, Kong\'s error bodies; maximum_expiration', async () => {
  const now = Math.floor(Date.now() / 1000);
  const body = async (claims: Record<string, unknown>) => {
    const r = await call('/claims', bearer(await sign('HS256', 'hs-issuer', claims)));
    return { status: r.status, body: JSON.parse(r.text) as unknown };
  };
  assert.equal((await body({ exp: now + 60, nbf: now - 60 })).status, 200);
  assert.deepEqual(await body({ exp: now - 10, nbf: now - 60 }), { status: 401, body: { exp: 'token expired' } });
  assert.deepEqual(await body({ exp: now + 60, nbf: now + 60 }), { status: 401, body: { nbf: 'token not valid yet' } });
  assert.deepEqual(await body({}), { status: 401, body: { exp: 'must be a number', nbf: 'must be a number' } });
  assert.deepEqual(await body({ exp: now + 3600, nbf: now }), { status: 401, body: { exp: 'exceeds maximum allowed expiration' } });
});

test('realm and key_claim_name; secret_is_base64', async () => {
  const r = await call('/realm');
  assert.equal(r.headers['www-authenticate'], 'Bearer realm="api"');
  const byKid = await new SignJWT({}).setProtectedHeader({ alg: 'HS256', kid: 'hs-issuer' }).sign(new TextEncoder().encode(HS_SECRET));
  assert.equal((await call('/realm', bearer(byKid))).status, 200, 'the key claim may be in the header');
  const raw = await sign('HS256', 'b64-issuer', {}, new TextEncoder().encode('raw-secret-bytes'));
  assert.equal((await call('/b64', bearer(raw))).status, 200);
});

test('anonymous: a bad token falls back to the guest consumer', async () => {
  const h = (JSON.parse((await call('/anon', bearer('bad'))).text) as Echo).headers;
  assert.equal(h['x-consumer-username'], 'guest');
  assert.equal(h['x-anonymous-consumer'], 'true');
});

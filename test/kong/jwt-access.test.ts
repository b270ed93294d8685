// Kong's spec/03-plugins/16-jwt/03-access_spec.lua, ported to a declarative config (Kong 3.10). Tokens are signed
// here as Kong's jwt_parser encodes them, with the spec's fixture keys (test/kong/fixtures/jwt-keys.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writePlugins } from '../helpers/plugins.ts';
import { send, startSpecGateway, type SpecRequest, type SpecResponse } from './auth-helpers.ts';
import * as keys from './fixtures/jwt-keys.ts';
import { encode } from './jwt-encode.ts';

const SPEC = 'spec/03-plugins/16-jwt/03-access_spec.lua';
const NONEXISTING = 'e0000000-0000-4000-8000-0000000000ff';
const NO_BODY = 'e0000000-0000-4000-8000-000000000001';
const ANONYMOUS = 'e1000000-0000-4000-8000-000000000001';
const MICKEY = 'e1000000-0000-4000-8000-000000000002';
const ALADDIN = 'e1000000-0000-4000-8000-000000000003';
const MOUSE_CRED = 'e1000000-0000-4000-8000-000000000004';

const now = () => Math.floor(Date.now() / 1000);
const payload = (extra: Record<string, unknown>) => ({ nbf: now(), iat: now(), exp: now() + 3600, ...extra });

interface Secret { readonly consumer: string; readonly key: string; readonly secret?: string; readonly algorithm?: string; readonly publicKey?: string }
const S = {
  jwt: { consumer: 'jwt_tests_consumer', key: 'jwt-key-1', secret: 'jwt-secret-1' },
  jwt2: { consumer: 'jwt_tests_consumer_6', key: 'jwt-key-2', secret: 'jwt-secret-2' },
  base64: { consumer: 'jwt_tests_base64_consumer', key: 'jwt-key-b64', secret: Buffer.from('jwt-secret-b64-original').toString('base64') },
  rsa1: { consumer: 'jwt_tests_rsa_consumer_1', key: 'rsa-1', algorithm: 'RS256', publicKey: keys.rs256PublicKey },
  rsa2: { consumer: 'jwt_tests_rsa_consumer_2', key: 'rsa-2', algorithm: 'RS256', publicKey: keys.rs256PublicKey },
  rsa3: { consumer: 'jwt_tests_rsa_consumer_5', key: 'rsa-3', algorithm: 'RS512', publicKey: keys.rs512PublicKey },
  rsa4: { consumer: 'jwt_tests_rsa_consumer_9', key: 'rsa-4', algorithm: 'RS384', publicKey: keys.rs384PublicKey },
  rsa5: { consumer: 'jwt_tests_rsa_consumer_10', key: 'rsa-5', algorithm: 'ES384', publicKey: keys.es384PublicKey },
  rsa6: { consumer: 'jwt_tests_rsa_consumer_11', key: 'rsa-6', algorithm: 'ES512', publicKey: keys.es512PublicKey },
  rsa7: { consumer: 'jwt_tests_rsa_consumer_12', key: 'rsa-7', algorithm: 'PS256', publicKey: keys.ps256PublicKey },
  rsa8: { consumer: 'jwt_tests_rsa_consumer_13', key: 'rsa-8', algorithm: 'PS384', publicKey: keys.ps384PublicKey },
  rsa9: { consumer: 'jwt_tests_rsa_consumer_14', key: 'rsa-9', algorithm: 'PS512', publicKey: keys.ps512PublicKey },
  rsa10: { consumer: 'jwt_tests_rsa_consumer_15', key: 'rsa-10', algorithm: 'EdDSA', publicKey: keys.ed25519PublicKey },
  rsa11: { consumer: 'jwt_tests_rsa_consumer_16', key: 'rsa-11', algorithm: 'EdDSA', publicKey: keys.ed448PublicKey },
  hs1: { consumer: 'jwt_tests_hs_consumer_7', key: 'hs-1', algorithm: 'HS384', secret: keys.hs384Secret },
  hs2: { consumer: 'jwt_tests_hs_consumer_8', key: 'hs-2', algorithm: 'HS512', secret: keys.hs512Secret },
} satisfies Record<string, Secret>;

const quote = (s: string) => JSON.stringify(s);
const consumerYaml = (s: Secret) => `- username: ${s.consumer}
  jwt_secrets:
  - key: ${s.key}
    algorithm: ${s.algorithm ?? 'HS256'}
${s.secret ? `    secret: ${quote(s.secret)}\n` : ''}${s.publicKey ? `    rsa_public_key: ${quote(s.publicKey)}\n` : ''}`;

const ROUTE_CONFIGS = [
  '{}', '{ uri_param_names: [token, jwt] }', '{ claims_to_verify: [nbf, exp] }', '{ key_claim_name: aud }', '{ secret_is_base64: true }',
  `{ anonymous: ${NO_BODY} }`, `{ anonymous: ${NONEXISTING} }`, '{ run_on_preflight: false }', '{ cookie_names: [silly, crumble], realm: test-jwt }',
  '{ key_claim_name: kid }', '{ claims_to_verify: [nbf, exp], maximum_expiration: 300 }', '{ header_names: [CustomAuthorization] }', '{ anonymous: no-body }',
];

// Kong's ctx-checker test plugin: echoes kong.ctx.shared's field as a response header.
const pluginsPath = writePlugins([{
  name: 'ctx-checker',
  handler: `export default { version: '1', priority: 1000, headerFilter(kong) {
  const v = kong.ctx.shared.authenticated_jwt_token;
  if (typeof v === 'string') kong.response.setHeader('ctx-checker-authenticated-jwt-token', v);
} };
`,
}]);

const gw = await startSpecGateway((port) => `_format_version: "3.0"
consumers:
${Object.values(S).map(consumerYaml).join('')}- { id: ${NO_BODY}, username: no-body }
- { id: ${ANONYMOUS}, username: Anonymous }
- id: ${MICKEY}
  username: Mickey
  keyauth_credentials: [{ id: ${MOUSE_CRED}, key: Mouse }]
- id: ${ALADDIN}
  username: Aladdin
  jwt_secrets: [{ key: aladdin-key, secret: aladdin-secret }]
services:
- name: mock
  url: http://127.0.0.1:${port}
  routes:
${ROUTE_CONFIGS.map((c, i) => `  - hosts: [jwt${i + 1}.test]\n    plugins: [{ name: jwt, config: ${c} }${i === 0 ? ', { name: ctx-checker }' : ''}]\n`).join('')}
- name: request
  url: http://127.0.0.1:${port}/request
  routes:
  - hosts: [logical-and.test]
    plugins: [{ name: jwt }, { name: key-auth }]
  - hosts: [logical-or.test]
    plugins: [{ name: jwt, config: { anonymous: ${ANONYMOUS} } }, { name: key-auth, config: { anonymous: ${ANONYMOUS} } }]
`, { plugins: ['bundled', 'ctx-checker'], pluginsPath: [pluginsPath] });

interface Row {
  readonly line: number;
  readonly name: string;
  readonly req: () => SpecRequest;
  readonly status: number;
  /** The exact JSON body. */
  readonly body?: unknown;
  readonly www?: string;
  readonly check?: (res: SpecResponse, req: SpecRequest) => void;
  readonly skip?: string;
}

const host = (n: number | string, headers: Record<string, string | string[]> = {}) => ({ host: typeof n === 'number' ? `jwt${n}.test` : n, ...headers });
const bearer = (n: number, token: string, path = '/request'): SpecRequest => ({ path, headers: host(n, { authorization: `Bearer ${token}` }) });
const INVALID = 'Bearer error="invalid_token"';

/** The upstream got the token and Kong's consumer headers. */
const verified = (secret: Secret) => (res: SpecResponse, req: SpecRequest) => {
  assert.equal(res.echo?.headers.authorization, req.headers?.authorization);
  assert.equal(res.echo?.headers['x-consumer-username'], secret.consumer);
  assert.equal(res.echo?.headers['x-credential-identifier'], secret.key);
  assert.equal(res.echo?.headers['x-credential-username'], undefined);
  assert.equal(res.echo?.headers['x-anonymous-consumer'], undefined);
};

const rows: Row[] = [
  { line: 296, name: 'returns 401 Unauthorized if no JWT is found in the request', req: () => ({ headers: host(1) }), status: 401, www: 'Bearer' },
  { line: 307, name: 'returns 401 if the claims do not contain the key to identify a secret', req: () => bearer(1, encode(payload({}), 'foo')), status: 401, body: { message: "No mandatory 'iss' in claims" }, www: INVALID },
  { line: 324, name: 'returns 401 if the claims do not contain a valid key to identify a secret', req: () => bearer(1, encode(payload({ iss: '' }), 'foo')), status: 401, body: { message: "Invalid 'iss' in claims" }, www: INVALID },
  { line: 341, name: 'returns 401 Unauthorized if the iss does not match a credential', req: () => bearer(1, encode(payload({ iss: '123456789' }), S.jwt.secret)), status: 401, body: { message: "No credentials found for given 'iss'" }, www: INVALID },
  { line: 358, name: 'returns 401 Unauthorized if the signature is invalid', req: () => bearer(1, encode(payload({ iss: S.jwt.key }), 'foo')), status: 401, body: { message: 'Invalid signature' }, www: INVALID },
  { line: 375, name: 'returns 401 Unauthorized if the alg does not match the credential', req: () => bearer(1, encode(payload({ iss: S.jwt.key }), S.jwt.secret, 'HS256', { typ: 'JWT', alg: 'RS256' })), status: 401, body: { message: 'Invalid algorithm' }, www: INVALID },
  { line: 392, name: 'returns 200 on OPTIONS requests if run_on_preflight is false', req: () => ({ method: 'OPTIONS', headers: host(8) }), status: 200 },
  {
    line: 402, name: 'returns Unauthorized on OPTIONS requests if run_on_preflight is true', req: () => ({ method: 'OPTIONS', headers: host(1) }), status: 401, www: 'Bearer',
    check: (res) => assert.equal(res.text, '{"message":"Unauthorized"}'),
  },
  {
    line: 414, name: 'returns 401 if the token exceeds the maximum allowed expiration limit', req: () => ({ path: `/request/?jwt=${encode({ iss: S.jwt.key, exp: now() + 3600, nbf: now() - 30 }, S.jwt.secret)}`, headers: host(11) }), status: 401, www: INVALID,
    check: (res) => assert.equal(res.text, '{"exp":"exceeds maximum allowed expiration"}'),
  },
  { line: 432, name: 'accepts a JWT token within the maximum allowed expiration limit', req: () => ({ path: `/request/?jwt=${encode({ iss: S.jwt.key, exp: now() + 270, nbf: now() - 30 }, S.jwt.secret)}`, headers: host(11) }), status: 200 },
  { line: 449, name: 'rejects gRPC call without credentials', req: () => ({}), status: 0, skip: 'needs gRPC' },
  {
    line: 458, name: 'reject if multiple different tokens found', req: () => ({ path: `/request?jwt=${encode(payload({ iss: S.jwt.key }), S.jwt.secret)}`, headers: host(1, { authorization: 'Bearer invalid.jwt.token' }) }),
    status: 401, body: { message: 'Multiple tokens provided' }, www: INVALID,
  },
  { line: 476, name: 'HS256: proxies the request with token and consumer headers if it was verified', req: () => bearer(1, encode(payload({ iss: S.jwt.key }), S.jwt.secret)), status: 200, check: verified(S.jwt) },
  { line: 495, name: 'HS256: accepts gRPC call with credentials', req: () => ({}), status: 0, skip: 'needs gRPC' },
  { line: 509, name: 'HS256: proxies the request if the key is found in headers', req: () => bearer(10, encode(payload({ iss: S.jwt.key }), S.jwt2.secret, 'HS256', { typ: 'JWT', alg: 'HS256', kid: S.jwt2.key })), status: 200 },
  { line: 523, name: 'HS256: proxies the request if secret key is stored in a field other than iss', req: () => bearer(4, encode(payload({ iss: S.jwt.key, aud: S.jwt.key }), S.jwt.secret)), status: 200, check: verified(S.jwt) },
  // Kong's spec PATCHes the secret to its base64 form through the admin API; here the file holds that form.
  { line: 540, name: 'HS256: proxies the request if secret is base64', req: () => bearer(5, encode(payload({ iss: S.base64.key }), 'jwt-secret-b64-original')), status: 200, check: verified(S.base64) },
  { line: 571, name: 'HS256: returns 200 the JWT is found in the cookie crumble', req: () => ({ headers: host(9, { cookie: `crumble=${encode(payload({ iss: S.jwt.key }), S.jwt.secret)}; path=/;domain=.jwt9.test` }) }), status: 200 },
  { line: 584, name: 'HS256: returns 200 if the JWT is found in the cookie silly', req: () => ({ headers: host(9, { cookie: `silly=${encode(payload({ iss: S.jwt.key }), S.jwt.secret)}; path=/;domain=.jwt9.test` }) }), status: 200 },
  {
    line: 597, name: 'HS256: returns 401 if the JWT found in the cookie does not match a credential', req: () => ({ headers: host(9, { cookie: `silly=${encode(payload({ iss: 'incorrect-issuer' }), S.jwt.secret)}; path=/;domain=.jwt9.test` }) }),
    status: 401, body: { message: "No credentials found for given 'iss'" }, www: 'Bearer realm="test-jwt", error="invalid_token"',
  },
  {
    line: 613, name: 'HS256: returns a 401 if the JWT in the cookie is corrupted', req: () => ({ headers: host(9, { cookie: `silly=no-way-this-works${encode(payload({ iss: S.jwt.key }), S.jwt.secret)}; path=/;domain=.jwt9.test` }) }),
    status: 401, www: 'Bearer realm="test-jwt", error="invalid_token"', check: (res) => assert.equal(res.text, '{"message":"Bad token; invalid JSON"}'),
  },
  { line: 628, name: 'HS256: reports a 200 without cookies but with a JWT token in the Authorization header', req: () => bearer(9, encode(payload({ iss: S.jwt.key }), S.jwt.secret)), status: 200 },
  { line: 641, name: 'HS256: returns 401 if no JWT tokens are found in cookies or Authorization header', req: () => ({ headers: host(9) }), status: 401, www: 'Bearer realm="test-jwt"' },
  { line: 652, name: 'HS256: returns 200 without cookies but with a JWT token in the CustomAuthorization header', req: () => ({ headers: host(12, { CustomAuthorization: `Bearer ${encode(payload({ iss: S.jwt.key }), S.jwt.secret)}` }) }), status: 200 },
  {
    line: 665, name: 'HS256: finds the JWT in the first header occurrence of a duplicated custom authorization header',
    req: () => ({ headers: host(12, { CustomAuthorization: [`Bearer ${encode(payload({ iss: S.jwt.key }), S.jwt.secret)}`, 'Bearer other-token'] }) }), status: 200,
  },
  { line: 678, name: 'HS256: finds the JWT if given in URL parameters', req: () => ({ path: `/request/?jwt=${encode(payload({ iss: S.jwt.key }), S.jwt.secret)}`, headers: host(1) }), status: 200 },
  { line: 690, name: 'HS256: finds the JWT if given in a custom URL parameter', req: () => ({ path: `/request/?token=${encode(payload({ iss: S.jwt.key }), S.jwt.secret)}`, headers: host(2) }), status: 200 },
];

const ASYMMETRIC: readonly (readonly [string, number, number, Secret, string])[] = [
  ['RS256', 705, 722, S.rsa1, keys.rs256PrivateKey],
  ['RS512', 759, 776, S.rsa3, keys.rs512PrivateKey],
  ['RS384', 796, 813, S.rsa4, keys.rs384PrivateKey],
  ['ES512', 833, 851, S.rsa6, keys.es512PrivateKey],
  ['ES384', 872, 889, S.rsa5, keys.es384PrivateKey],
  ['PS256', 909, 927, S.rsa7, keys.ps256PrivateKey],
  ['PS384', 948, 966, S.rsa8, keys.ps384PrivateKey],
  ['PS512', 987, 1005, S.rsa9, keys.ps512PrivateKey],
];
for (const [alg, verifies, identifies, secret, privateKey] of ASYMMETRIC) {
  // RS256's "identifies Consumer" uses a second credential with the same key.
  const identified = alg === 'RS256' ? S.rsa2 : secret;
  rows.push(
    { line: verifies, name: `${alg}: verifies JWT`, req: () => bearer(1, encode(payload({ iss: secret.key }), privateKey, alg)), status: 200, check: verified(secret) },
    { line: identifies, name: `${alg}: identifies Consumer`, req: () => bearer(1, encode(payload({ iss: identified.key }), privateKey, alg)), status: 200, check: verified(identified) },
  );
}
rows.push(
  { line: 739, name: 'RS256: proxies the request if conf.secret is base64', req: () => bearer(5, encode(payload({ iss: S.rsa2.key }), keys.rs256PrivateKey, 'RS256')), status: 200, check: verified(S.rsa2) },
  { line: 1026, name: 'EdDSA: verifies JWT with Ed25519 key', req: () => bearer(1, encode(payload({ iss: S.rsa10.key }), keys.ed25519PrivateKey, 'EdDSA')), status: 200, check: verified(S.rsa10) },
  { line: 1043, name: 'EdDSA: verifies JWT with Ed448 key', req: () => bearer(1, encode(payload({ iss: S.rsa11.key }), keys.ed448PrivateKey, 'EdDSA')), status: 200, check: verified(S.rsa11) },
  { line: 1060, name: 'EdDSA: identifies Consumer', req: () => bearer(1, encode(payload({ iss: S.rsa10.key }), keys.ed25519PrivateKey, 'EdDSA')), status: 200, check: verified(S.rsa10) },
  { line: 1080, name: 'HS384: proxies the request with token and consumer headers if it was verified', req: () => bearer(1, encode(payload({ iss: S.hs1.key }), S.hs1.secret, 'HS384')), status: 200, check: verified(S.hs1) },
  { line: 1101, name: 'HS512: proxies the request with token and consumer headers if it was verified', req: () => bearer(1, encode(payload({ iss: S.hs2.key }), S.hs2.secret, 'HS512')), status: 200, check: verified(S.hs2) },
  { line: 1122, name: 'requires the checked fields to be in the claims', req: () => ({ path: `/request/?jwt=${encode({ iss: S.jwt.key }, S.jwt.secret)}`, headers: host(3) }), status: 401, body: { nbf: 'must be a number', exp: 'must be a number' }, www: INVALID },
  {
    line: 1138, name: 'checks if the fields are valid: `exp` claim', req: () => ({ path: `/request/?jwt=${encode({ iss: S.jwt.key, exp: now() - 10, nbf: now() - 10 }, S.jwt.secret)}`, headers: host(3) }), status: 401, www: INVALID,
    check: (res) => assert.equal(res.text, '{"exp":"token expired"}'),
  },
  {
    line: 1156, name: 'checks if the fields are valid: `nbf` claim', req: () => ({ path: `/request/?jwt=${encode({ iss: S.jwt.key, exp: now() + 10, nbf: now() + 5 }, S.jwt.secret)}`, headers: host(3) }), status: 401, www: INVALID,
    check: (res) => assert.equal(res.text, '{"nbf":"token not valid yet"}'),
  },
  {
    line: 1177, name: 'ctx.authenticated_jwt_token: is added to kong.ctx.shared when authenticated', req: () => bearer(1, encode(payload({ iss: S.jwt.key }), S.jwt.secret)), status: 200,
    check: (res, req) => assert.equal(`Bearer ${String(res.headers['ctx-checker-authenticated-jwt-token'])}`, req.headers?.authorization),
  },
  {
    line: 1196, name: 'works with right credentials and anonymous', req: () => bearer(6, encode(payload({ iss: S.jwt.key }), S.jwt.secret)), status: 200,
    check: ({ echo }) => {
      assert.equal(echo?.headers['x-consumer-username'], 'jwt_tests_consumer');
      assert.equal(echo?.headers['x-credential-identifier'], S.jwt.key);
      assert.equal(echo?.headers['x-anonymous-consumer'], undefined);
    },
  },
  ...([[1213, 6, 'works with wrong credentials and anonymous'], [1226, 13, 'works with wrong credentials and username in anonymous']] as const).map(([line, n, name]): Row => ({
    line, name, req: () => ({ headers: host(n) }), status: 200,
    check: ({ echo }) => {
      assert.equal(echo?.headers['x-anonymous-consumer'], 'true');
      assert.equal(echo?.headers['x-consumer-username'], 'no-body');
      assert.equal(echo?.headers['x-credential-identifier'], undefined);
    },
  })),
  { line: 1239, name: "errors when anonymous user doesn't exist", req: () => ({ headers: host(7) }), status: 500, check: (res) => assert.equal(res.json?.message, `anonymous consumer ${NONEXISTING} is configured but doesn't exist`) },
);

const ALADDIN_TOKEN = `Bearer ${encode(payload({ iss: 'aladdin-key' }), 'aladdin-secret')}`;
const noAnonymous = (res: SpecResponse) => {
  assert.equal(res.echo?.headers['x-anonymous-consumer'], undefined);
  assert.notEqual(res.echo?.headers['x-consumer-id'], ANONYMOUS);
};
rows.push(
  {
    line: 1359, name: 'logical AND: passes with all credentials provided', req: () => ({ headers: host('logical-and.test', { apikey: 'Mouse', authorization: ALADDIN_TOKEN }) }), status: 200,
    check: (res) => {
      noAnonymous(res);
      assert.ok([MICKEY, ALADDIN].includes(String(res.echo?.headers['x-consumer-id'])));
      assert.equal(res.echo?.headers['x-credential-identifier'], MOUSE_CRED, 'key-auth ran last');
    },
  },
  { line: 1378, name: 'logical AND: fails 401, with only the first credential provided', req: () => ({ headers: host('logical-and.test', { apikey: 'Mouse' }) }), status: 401, www: 'Bearer' },
  { line: 1391, name: 'logical AND: fails 401, with only the second credential provided', req: () => ({ headers: host('logical-and.test', { authorization: ALADDIN_TOKEN }) }), status: 401, www: 'Key' },
  { line: 1404, name: 'logical AND: fails 401, with no credential provided', req: () => ({ headers: host('logical-and.test') }), status: 401, www: 'Bearer' },
  {
    line: 1420, name: 'logical OR: passes with all credentials provided', req: () => ({ headers: host('logical-or.test', { apikey: 'Mouse', authorization: ALADDIN_TOKEN }) }), status: 200,
    check: (res) => {
      noAnonymous(res);
      assert.ok([MICKEY, ALADDIN].includes(String(res.echo?.headers['x-consumer-id'])));
      assert.equal(res.echo?.headers['x-credential-identifier'], 'aladdin-key', 'jwt ran first; key-auth saw a credential');
    },
  },
  {
    line: 1439, name: 'logical OR: passes with only the first credential provided', req: () => ({ headers: host('logical-or.test', { apikey: 'Mouse' }) }), status: 200,
    check: (res) => {
      noAnonymous(res);
      assert.equal(res.echo?.headers['x-consumer-id'], MICKEY);
      assert.notEqual(res.echo?.headers['x-credential-identifier'], 'aladdin-key');
    },
  },
  {
    line: 1456, name: 'logical OR: passes with only the second credential provided', req: () => ({ headers: host('logical-or.test', { authorization: ALADDIN_TOKEN }) }), status: 200,
    check: (res) => {
      noAnonymous(res);
      assert.equal(res.echo?.headers['x-consumer-id'], ALADDIN);
      assert.equal(res.echo?.headers['x-credential-identifier'], 'aladdin-key');
    },
  },
  {
    line: 1474, name: 'logical OR: passes with no credential provided', req: () => ({ headers: host('logical-or.test') }), status: 200,
    check: (res) => {
      assert.equal(res.echo?.headers['x-anonymous-consumer'], 'true');
      assert.equal(res.echo?.headers['x-consumer-id'], ANONYMOUS);
      assert.notEqual(res.echo?.headers['x-credential-identifier'], 'aladdin-key');
    },
  },
);

for (const row of rows) {
  test(`${SPEC}:${row.line} ${row.name}`, row.skip ? { skip: row.skip } : {}, async () => {
    const req = row.req();
    const res = await send(gw, req);
    assert.equal(res.status, row.status, res.text);
    if (row.body !== undefined) assert.deepEqual(res.json, row.body);
    if (row.www !== undefined) assert.equal(res.headers['www-authenticate'], row.www);
    row.check?.(res, req);
  });
}

// Kong's spec/03-plugins/16-jwt/01-jwt_parser_spec.lua and 06-schema_spec.lua: the parser's cases through the
// plugin (a token the spec's parser would accept or refuse reaches the gateway, which answers as Kong's handler does
// with that parser's result), and the schema's rules through the config loader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { problems } from '../helpers/config.ts';
import { send, startSpecGateway, type SpecResponse } from './auth-helpers.ts';
import * as keys from './fixtures/jwt-keys.ts';
import { encode } from './jwt-encode.ts';

const PARSER = 'spec/03-plugins/16-jwt/01-jwt_parser_spec.lua';
const SCHEMA = 'spec/03-plugins/16-jwt/06-schema_spec.lua';

/** alg → [private key or secret, the matching verification material, a wrong one (as the spec pairs them)]. */
const ALGS: Record<string, readonly [string, string, string]> = {
  HS256: ['secret', 'secret', 'invalid'],
  HS384: ['secret', 'secret', 'invalid'],
  HS512: ['secret', 'secret', 'invalid'],
  RS256: [keys.rs256PrivateKey, keys.rs256PublicKey, keys.rs384PublicKey],
  RS384: [keys.rs384PrivateKey, keys.rs384PublicKey, keys.rs512PublicKey],
  RS512: [keys.rs512PrivateKey, keys.rs512PublicKey, keys.rs256PublicKey],
  ES256: [keys.es256PrivateKey, keys.es256PublicKey, keys.rs256PublicKey],
  ES384: [keys.es384PrivateKey, keys.es384PublicKey, keys.rs256PublicKey],
  ES512: [keys.es512PrivateKey, keys.es512PublicKey, keys.rs256PublicKey],
  PS256: [keys.ps256PrivateKey, keys.ps256PublicKey, keys.es256PublicKey],
  PS384: [keys.ps384PrivateKey, keys.ps384PublicKey, keys.es256PublicKey],
  PS512: [keys.ps512PrivateKey, keys.ps512PublicKey, keys.es256PublicKey],
};

const secretYaml = (key: string, alg: string, material: string) => `  - key: ${key}
    algorithm: ${alg}
    ${alg.startsWith('HS') ? 'secret' : 'rsa_public_key'}: ${JSON.stringify(material)}
`;
const gw = await startSpecGateway((port) => `_format_version: "3.0"
consumers:
- username: parser
  jwt_secrets:
${Object.entries(ALGS).map(([alg, [, right, wrong]]) => secretYaml(`${alg}-right`, alg, right) + secretYaml(`${alg}-wrong`, alg, wrong)).join('')}${secretYaml('Ed25519-right', 'EdDSA', keys.ed25519PublicKey)}${secretYaml('Ed448-right', 'EdDSA', keys.ed448PublicKey)}
services:
- url: http://127.0.0.1:${port}
  routes:
  - hosts: [parser.test]
    plugins: [{ name: jwt }]
  - hosts: [claims.test]
    plugins: [{ name: jwt, config: { claims_to_verify: [exp, nbf] } }]
  - hosts: [nbf.test]
    plugins: [{ name: jwt, config: { claims_to_verify: [nbf] } }]
  - hosts: [exp.test]
    plugins: [{ name: jwt, config: { claims_to_verify: [exp] } }]
`);

const call = (token: string, host = 'parser.test') => send(gw, { headers: { host, authorization: `Bearer ${token}` } });
const refused = (res: SpecResponse, body: unknown) => {
  assert.equal(res.status, 401, res.text);
  assert.deepEqual(res.json, body);
};

const ENCODING_LINES: Record<string, number> = { HS256: 7, HS384: 18, HS512: 29, RS256: 40, RS384: 51, RS512: 62, ES256: 74, ES384: 86, ES512: 98, PS256: 109, PS384: 121, PS512: 133 };
const VERIFY_LINES: Record<string, number> = { HS256: 204, HS384: 210, HS512: 216, RS256: 222, RS384: 228, RS512: 234, ES256: 240, ES384: 248, ES512: 256, PS256: 264, PS384: 272, PS512: 280 };

for (const [alg, [signingKey]] of Object.entries(ALGS)) {
  test(`${PARSER}:${ENCODING_LINES[alg]} should properly encode using ${alg} (a token so encoded verifies)`, async () => {
    const res = await call(encode({ iss: `${alg}-right`, name: 'John Doe', admin: true }, signingKey, alg));
    assert.equal(res.status, 200, res.text);
  });
  // Kong's spec loops 500 times over the randomized signatures (ES, PS); fewer here, each a full request.
  const rounds = /^(ES|PS)/.test(alg) ? 25 : 1;
  test(`${PARSER}:${VERIFY_LINES[alg]} verify signature using ${alg}`, async () => {
    for (let i = 0; i < rounds; i++) {
      assert.equal((await call(encode({ iss: `${alg}-right`, sub: 'foo' }, signingKey, alg))).status, 200);
      refused(await call(encode({ iss: `${alg}-wrong`, sub: 'foo' }, signingKey, alg)), { message: 'Invalid signature' });
    }
  });
}
for (const [line, curve, privateKey] of [[145, 'Ed25519', keys.ed25519PrivateKey], [157, 'Ed448', keys.ed448PrivateKey]] as const) {
  test(`${PARSER}:${line} should encode using EdDSA with ${curve} key (a token so encoded verifies)`, async () => {
    assert.equal((await call(encode({ iss: `${curve}-right`, name: 'John Doe' }, privateKey, 'EdDSA'))).status, 200);
  });
}

test(`${PARSER}:171 throws an error if not given a string`, { skip: 'the parser API itself (a Lua argument check): no request can pass it a non-string' }, () => {});

test(`${PARSER}:176 refuses invalid alg`, async () => {
  refused(await call(encode({ sub: '1234' }, 'secret', 'HS256', { typ: 'JWT', alg: 'foo' })), { message: 'Bad token; invalid alg' });
});

// A token that decodes goes on to the key claim: with none, Kong's handler says so (rather than "Bad token").
for (const [line, name, header] of [
  [184, 'accepts a valid encoding request', { typ: 'JWT', alg: 'RS256' }],
  [191, 'accepts a valid encoding request with lowercase TYP', { typ: 'jwt', alg: 'RS256' }],
  [198, 'accepts a valid encoding request with missing TYP', { alg: 'RS256' }],
] as const) {
  test(`${PARSER}:${line} ${name}`, async () => {
    refused(await call(encode({ sub: '1234' }, 'secret', 'HS256', header)), { message: "No mandatory 'iss' in claims" });
  });
}

const now = () => Math.floor(Date.now() / 1000);
test(`${PARSER}:290 verify registered claims: requires claims passed as arguments`, async () => {
  const token = encode({ iss: 'HS256-right', sub: 'foo' }, 'secret');
  refused(await call(token, 'claims.test'), { exp: 'must be a number', nbf: 'must be a number' });
  refused(await call(token, 'nbf.test'), { nbf: 'must be a number' });
});
test(`${PARSER}:302 verify registered claims: checks the type of given registered claims`, async () => {
  refused(await call(encode({ iss: 'HS256-right', exp: 'bar', nbf: 'foo' }, 'secret'), 'claims.test'), { exp: 'must be a number', nbf: 'must be a number' });
});
test(`${PARSER}:310 verify registered claims: checks the exp claim`, async () => {
  refused(await call(encode({ iss: 'HS256-right', exp: now() - 10 }, 'secret'), 'exp.test'), { exp: 'token expired' });
});
test(`${PARSER}:319 verify registered claims: checks the nbf claim`, async () => {
  refused(await call(encode({ iss: 'HS256-right', nbf: now() + 10 }, 'secret'), 'nbf.test'), { nbf: 'token not valid yet' });
});

const plugin = (config: string) => `_format_version: "3.0"\nplugins:\n- name: jwt\n  config: ${config}\n`;
test(`${SCHEMA}:6 validates 'maximum_expiration'`, () => {
  assert.deepEqual(problems(plugin('{ maximum_expiration: 60, claims_to_verify: [exp, nbf] }')), []);
});
test(`${SCHEMA}:17 errors when 'maximum_expiration' is negative`, () => {
  for (const claims of ['[exp, nbf]', '[nbf]']) {
    const found = problems(plugin(`{ maximum_expiration: -1, claims_to_verify: ${claims} }`));
    assert.ok(found.some((p) => /config\.maximum_expiration: /.test(p)), found.join('\n'));
  }
});
test(`${SCHEMA}:40 errors when 'maximum_expiration' is specified without 'exp' in 'claims_to_verify'`, () => {
  const found = problems(plugin('{ maximum_expiration: 60, claims_to_verify: [nbf] }'));
  // Kong's message, with the reason appended.
  assert.ok(found.some((p) => /config\.claims_to_verify: expected to contain: exp/.test(p)), found.join('\n'));
});

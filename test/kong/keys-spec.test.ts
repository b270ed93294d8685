// Kong's spec/02-integration/03-db/18-keys_spec.lua, the cases a declarative file can express: keys and key sets
// through the real loader (Kong runs them against each DB strategy, `off` included). Table-driven, one test a row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { loadConfigText } from '../../src/declarative/load-config.ts';
import type { Config } from '../../src/declarative/config.ts';
import { formatIssue } from '../../src/errors.ts';
import { bundledCatalog } from '../helpers/config.ts';

const SPEC = 'spec/02-integration/03-db/18-keys_spec.lua';
// helpers.generate_keys("JWK") and ("PEM"): an RSA pair each.
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = JSON.stringify({ ...rsa.privateKey.export({ format: 'jwk' }), kid: 'jwk-kid' });
const pemPub = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const pemPriv = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const q = (s: string) => JSON.stringify(s);

interface Row {
  readonly name: string;
  readonly keys: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly errors?: readonly string[];
  readonly check?: (config: Config) => void;
  readonly skip?: string;
}

const ROWS: readonly Row[] = [
  {
    name: `${SPEC}:39 :select returns an item [jwk]`,
    keys: `- { name: k, set: testset, kid: jwk-kid, jwk: ${q(jwk)} }`,
    check: (c) => assert.equal(typeof c.keys[0]!.jwk, 'string'),
  },
  {
    name: `${SPEC}:53 :select returns an item [pem]`,
    keys: `- { name: k, set: testset, kid: "456", pem: { private_key: ${q(pemPriv)}, public_key: ${q(pemPub)} } }`,
    check: (c) => {
      assert.equal(c.keys[0]!.kid, '456');
      assert.deepEqual(c.keys[0]!.pem, { private_key: pemPriv, public_key: pemPub });
    },
  },
  {
    name: `${SPEC}:94 :insert handles field vault references (jwk; the variable holds a JWK here, see the next row)`,
    keys: '- { name: vault references, set: testset, kid: jwk-kid, jwk: "{vault://env/jwk_secret}" }',
    env: { JWK_SECRET: jwk },
    check: (c) => assert.equal(c.keys[0]!.jwk, jwk),
  },
  {
    // Deliberate difference (README): Kong skips the checks of a referenced field, so its "wowsuchsecret" loads.
    name: `${SPEC}:94 a referenced jwk that is not a JWK is refused here (Kong stores "wowsuchsecret" unchecked)`,
    keys: '- { name: vault references, set: testset, kid: "1", jwk: "{vault://env/jwk_secret}" }',
    env: { JWK_SECRET: 'wowsuchsecret' },
    errors: ['keys[0].jwk: could not json decode jwk string'],
  },
  {
    name: `${SPEC}:107 :insert handles field private_key when passing a vault reference`,
    keys: '- { name: vault references, set: testset, kid: "1", pem: { private_key: "{vault://env/pem_priv}" } }',
    env: { PEM_PRIV: pemPriv },
    check: (c) => assert.equal(c.keys[0]!.pem?.private_key, pemPriv),
  },
  {
    name: `${SPEC}:120 :insert handles field public_key when passing a vault reference`,
    keys: '- { name: vault references, set: testset, kid: "1", pem: { public_key: "{vault://env/pem_pub}" } }',
    env: { PEM_PUB: pemPub },
    check: (c) => assert.equal(c.keys[0]!.pem?.public_key, pemPub),
  },
  {
    name: `${SPEC}:133 kid is unique accross sets`,
    keys: [
      `- { name: each_test, set: testset, kid: "999", pem: { private_key: ${q(pemPriv)}, public_key: ${q(pemPub)} } }`,
      `- { name: each_test_1, set: test2, kid: "999", pem: { private_key: ${q(pemPriv)}, public_key: ${q(pemPub)} } }`,
    ].join('\n'),
    check: (c) => assert.notEqual(c.keys[0]!.id, c.keys[1]!.id),
  },
  ...[':70 :cache_key', ':76 :cache_key no set present', ':82 :cache_key invalid set type', ':88 :cache_key must handle missing id field'].map((at) => ({
    name: `${SPEC}${at}`, keys: '', skip: "needs the DAO's cache_key method (derived ids use the same key: kid and set; the :133 row sees two sets give two ids)",
  })),
  { name: `${SPEC}:160 :get_pubkey and :get_privkey [pem]`, keys: '', skip: 'needs the keys DAO: no bundled plugin reads keys yet' },
  { name: `${SPEC}:179 :get_pubkey and :get_privkey [jwk]`, keys: '', skip: 'needs the keys DAO: no bundled plugin reads keys yet' },
  { name: `${SPEC}:211 :get_privkey errors if only got pubkey [pem]`, keys: '', skip: 'needs the keys DAO: no bundled plugin reads keys yet' },
  { name: `${SPEC}:230 :get_privkey errors if only got pubkey [jwk]`, keys: '', skip: 'needs the keys DAO: no bundled plugin reads keys yet' },
];

for (const row of ROWS) {
  test(row.name, row.skip ? { skip: row.skip } : {}, () => {
    const text = `_format_version: "3.0"\nkey_sets:\n- name: testset\n- name: test2\nkeys:\n${row.keys}\n`;
    const r = loadConfigText(text, 'kong.yaml', { plugins: bundledCatalog, env: row.env ?? {} });
    const errors = r.issues.filter((i) => i.severity === 'error').map((i) => formatIssue(i).replace(/^kong\.yaml:\d+:\d+ /, ''));
    assert.deepEqual(errors, row.errors ?? []);
    if (r.config) row.check?.(r.config);
  });
}

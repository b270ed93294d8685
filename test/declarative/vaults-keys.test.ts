// keys, key_sets, vaults and vault references through the real loader (Kong: kong/db/schema/entities/keys.lua,
// key_sets.lua, vaults.lua, kong/vaults/env, kong/pdk/vault.lua), and the message for Kong plugins not bundled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadConfigText } from '../../src/declarative/load-config.ts';
import { formatIssue } from '../../src/errors.ts';
import { redactSecrets } from '../../src/declarative/vaults.ts';
import { bundledCatalog, problems, yaml } from '../helpers/config.ts';

const cert = readFileSync(new URL('../fixtures/tls/rsa.crt', import.meta.url), 'utf8');
const key = readFileSync(new URL('../fixtures/tls/rsa.key', import.meta.url), 'utf8');

function withEnv(text: string, env: Record<string, string>) {
  const r = loadConfigText(text, 'kong.yaml', { plugins: bundledCatalog, env });
  return { config: r.config, problems: r.issues.filter((i) => i.severity === 'error').map((i) => formatIssue(i).replace(/^kong\.yaml:/, '')) };
}

const certificate = (certRef: string, keyRef: string) => yaml`
  _format_version: "3.0"
  vaults:
  - { name: env, prefix: my-vault, config: { prefix: SECRETS_ } }
  certificates:
  - cert: "${certRef}"
    key: "${keyRef}"
`;

test('{vault://env/NAME} and {vault://<prefix>/NAME} read the environment (upper case, - as _, the vault\'s prefix first)', () => {
  const r = withEnv(certificate('{vault://env/my-cert}', '{vault://my-vault/tls-key}'), { MY_CERT: cert, SECRETS_TLS_KEY: key });
  assert.deepEqual(r.problems, []);
  assert.equal(r.config!.certificates[0]!.cert, cert);
  assert.equal(r.config!.certificates[0]!.key, key);
});

test('a reference with a key reads that field of the JSON the variable holds; #2 reads NAME_PREVIOUS', () => {
  const r = withEnv(certificate('{vault://env/tls/cert}', '{vault://env/tls-key#2}'), { TLS: JSON.stringify({ cert }), TLS_KEY_PREVIOUS: key });
  assert.deepEqual(r.problems, []);
  assert.equal(r.config!.certificates[0]!.cert, cert);
});

test('a variable that is not set is an error at the field, naming the variable', () => {
  const r = withEnv(certificate('{vault://env/my-cert}', '{vault://nope/key}'), { MY_CERT: cert });
  assert.deepEqual(r.problems, [
    "6:8 certificates[0].key: could not find vault (nope) for {vault://nope/key}: Kong 3.10's 'env' vault, or a 'vaults' entity with that prefix",
  ]);
  const missing = withEnv(certificate('{vault://env/my-cert}', '{vault://env/my-key}'), { MY_CERT: cert });
  assert.deepEqual(missing.problems, ["6:8 certificates[0].key: could not resolve {vault://env/my-key}: environment variable 'MY_KEY' is not set"]);
});

test('a message about a resolved value never repeats the secret', () => {
  const r = withEnv(yaml`
    _format_version: "3.0"
    plugins:
    - name: http-log
      enabled: false
      config: { http_endpoint: "{vault://env/log-url}" }
  `, { LOG_URL: 'not a url with s3cr3t' });
  assert.equal(r.problems.length, 1, r.problems.join('\n'));
  assert.match(r.problems[0]!, /config\.http_endpoint/);
  assert.doesNotMatch(r.problems[0]!, /s3cr3t/);
  // The loader passes every message through this, whatever check wrote it.
  assert.equal(redactSecrets("invalid value 'a s3cr3t b'", ['s3cr3t']), "invalid value 'a <secret> b'");
});

test('http-log headers and rate-limiting redis credentials are referenceable; other fields keep the text as written', () => {
  const r = withEnv(yaml`
    _format_version: "3.0"
    plugins:
    - name: http-log
      enabled: false
      config: { http_endpoint: "http://127.0.0.1:9/", headers: { Authorization: "{vault://env/log-token}" } }
    - name: rate-limiting
      config: { minute: 1, policy: redis, redis: { host: 127.0.0.1, password: "{vault://env/redis-password}" } }
    - name: request-termination
      config: { message: "{vault://env/log-token}" }
  `, { LOG_TOKEN: 'Bearer t', REDIS_PASSWORD: 'pw' });
  assert.deepEqual(r.problems, []);
  const byName = new Map(r.config!.plugins.map((p) => [p.name, p.config as Record<string, Record<string, unknown>>]));
  assert.equal(byName.get('http-log')!.headers!.Authorization, 'Bearer t');
  assert.equal(byName.get('rate-limiting')!.redis!.password, 'pw');
  assert.equal(byName.get('request-termination')!.message, '{vault://env/log-token}');
});

test("vaults: Kong 3.10 OSS bundles the env vault only; its config has `prefix` alone; a vault's prefix cannot be 'env'", () => {
  assert.deepEqual(problems(yaml`
    _format_version: "3.0"
    vaults:
    - { name: aws, prefix: my-aws, config: { region: us-east-1 } }
    - { name: env, prefix: env }
    - { name: env, prefix: ok-env, config: { prefix: "1X", region: x } }
    - { name: env, prefix: Bad_Prefix }
  `), [
    "3:11 vaults[0].name: vault 'aws' is not installed (Kong 3.10's open-source vault is 'env'; aws, gcp, hcv, azure and conjur are Kong Enterprise's)",
    '4:24 vaults[1].prefix: expected none of: env',
    '5:50 vaults[2].config.prefix: invalid value: must be letters, digits, `_` and `-`, not starting with a digit',
    '5:56 vaults[2].config.region: unknown field',
    '6:24 vaults[3].prefix: invalid value: must be lower case letters, digits and dashes, starting with a letter',
  ]);
});

test('keys: jwk or pem (not both, not neither), the jwk parses and its kid agrees, the PEM pair matches', () => {
  const a = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const b = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pub = (k: typeof a) => JSON.stringify(k.publicKey.export({ type: 'spki', format: 'pem' }));
  const priv = JSON.stringify(a.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const jwk = JSON.stringify(JSON.stringify({ ...a.publicKey.export({ format: 'jwk' }), kid: 'k1' }));
  assert.deepEqual(problems(yaml`
    _format_version: "3.0"
    key_sets: [{ name: s }]
    keys:
    - { name: ok-jwk, kid: k1, set: s, jwk: ${jwk} }
    - { name: ok-pem, kid: k2, set: { name: s }, pem: { public_key: ${pub(a)}, private_key: ${priv} } }
    - { name: both, kid: k3, jwk: ${jwk}, pem: { public_key: ${pub(a)} } }
    - { name: neither, kid: k4 }
    - { name: wrong-kid, kid: k5, jwk: ${jwk} }
    - { name: not-json, kid: k6, jwk: "{" }
    - { name: mismatch, kid: k7, pem: { public_key: ${pub(b)}, private_key: ${priv} } }
    - { name: no-set, kid: k8, set: nope, jwk: ${JSON.stringify(JSON.stringify({ ...a.publicKey.export({ format: 'jwk' }), kid: 'k8' }))} }
  `).map((p) => p.replace(/^(\d+):\d+/, '$1')), [
    "6 keys[2]: only one of these fields must be non-empty: 'jwk', 'pem'",
    "7 keys[3]: at least one of these fields must be non-empty: 'jwk', 'pem'",
    '8 keys[4].jwk: kid in jwk.kid must be equal to keys.kid',
    '9 keys[5].jwk: could not json decode jwk string',
    '10 keys[6].pem: public key does not match private key',
    "11 keys[7].set: invalid reference 'set: nope' (no such entry in 'key_sets')",
  ]);
});

test('a plugin Kong bundles that this gateway does not is refused saying so, not as an unknown plugin', () => {
  assert.deepEqual(problems(yaml`
    _format_version: "3.0"
    plugins:
    - name: aws-lambda
    - name: no-such-plugin
  `).map((p) => p.replace(/ \(available: .*\)$/, '')), [
    "3:9 plugins[0].name: plugin 'aws-lambda' is one Kong 3.10 bundles, but this gateway does not bundle it (see the README's list of Kong plugins not bundled); remove it, or load a custom plugin of that name with --plugins-path",
    "4:9 plugins[1].name: plugin 'no-such-plugin' not enabled; add it to the 'plugins' configuration property",
  ]);
});

test('prometheus may be scoped to a consumer, as in Kong (its schema has no no_consumer)', () => {
  assert.deepEqual(problems(yaml`
    _format_version: "3.0"
    consumers:
    - username: c
      plugins: [{ name: prometheus }]
  `), []);
});

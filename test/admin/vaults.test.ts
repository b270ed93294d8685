// Vault references (Kong's env vault) end to end: resolved at load, the secret never shown by the admin API; keys
// and key_sets listed as Kong lists them.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { request } from 'undici';
import { startTestGateway } from '../helpers/servers.ts';
import { problems } from '../helpers/config.ts';

const cert = readFileSync(new URL('../fixtures/tls/rsa.crt', import.meta.url), 'utf8');
const key = readFileSync(new URL('../fixtures/tls/rsa.key', import.meta.url), 'utf8');
const jwkRecord = { ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }), kid: 'k1' };
const jwk = JSON.stringify(jwkRecord);
// Names no other test uses; the gateway runs in this process, so it reads this environment.
process.env.GW_TEST_VAULT_CERT = cert;
process.env.GW_TEST_VAULT_KEY = key;
process.env.GW_TEST_VAULT_JWK = jwk;

const YAML = `_format_version: "3.0"
vaults:
- name: env
  prefix: my-env
  config: { prefix: GW_TEST_VAULT_ }
certificates:
- id: 8f6a8c5e-6c7a-4d5e-9a0b-1c2d3e4f5a6b
  cert: "{vault://my-env/cert}"
  key: "{vault://env/gw-test-vault-key}"
  snis: [vault.test]
key_sets:
- name: set-1
  keys:
  - name: key-1
    kid: k1
    jwk: "{vault://my-env/jwk}"
`;
// A config the gateway refused would end this file with no test run (its start would throw): this one says why.
test('the config loads', () => assert.deepEqual(problems(YAML), []));
const gw = await startTestGateway(YAML, { proxyListen: ['127.0.0.1:0', '127.0.0.1:0 ssl'] });
after(() => gw.stop());

async function admin(path: string): Promise<{ status: number; text: string; json: Record<string, unknown> }> {
  const res = await request(`${gw.admin}${path}`);
  const text = await res.body.text();
  return { status: res.statusCode, text, json: JSON.parse(text) as Record<string, unknown> };
}

test('a certificate whose PEM comes from {vault://...} is served: the resolved value is what TLS uses', async () => {
  const port = gw.gateway.listeners[1]!.port;
  const peer = await new Promise<string>((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'vault.test', rejectUnauthorized: false }, () => {
      resolve(socket.getPeerX509Certificate()?.fingerprint256 ?? '');
      socket.end();
    });
    socket.on('error', reject);
  });
  assert.equal(peer, new X509Certificate(cert).fingerprint256);
});

test('GET /certificates and GET /config show the reference, never the secret', async () => {
  const listed = await admin('/certificates');
  const [c] = (listed.json.data as Record<string, unknown>[]);
  assert.equal(c!.cert, '{vault://my-env/cert}');
  assert.equal(c!.key, '{vault://env/gw-test-vault-key}');
  const one = await admin('/certificates/8f6a8c5e-6c7a-4d5e-9a0b-1c2d3e4f5a6b');
  assert.equal(one.json.key, '{vault://env/gw-test-vault-key}');
  const exported = String((await admin('/config')).json.config);
  assert.ok(exported.includes('{vault://my-env/cert}'));
  for (const secret of [key.split('\n')[1]!, cert.split('\n')[1]!, String(jwkRecord.d)]) {
    assert.ok(!exported.includes(secret), 'GET /config must not hold a resolved secret');
    assert.ok(!listed.text.includes(secret));
  }
});

test('keys and key_sets are listed (/keys, /key-sets as Kong names it), by name, and under their set; the jwk shows as its reference', async () => {
  const keys = await admin('/keys');
  const [k] = keys.json.data as Record<string, unknown>[];
  assert.equal(k!.kid, 'k1');
  assert.equal(k!.jwk, '{vault://my-env/jwk}');
  assert.ok(!keys.text.includes(String(jwkRecord.d)));
  const set = await admin('/key-sets/set-1');
  assert.equal(set.json.name, 'set-1');
  assert.deepEqual(k!.set, { id: set.json.id });
  const nested = await admin('/key-sets/set-1/keys');
  assert.deepEqual((nested.json.data as { name: string }[]).map((x) => x.name), ['key-1']);
  assert.equal((await request(`${gw.admin}/key_sets`)).statusCode, 404, "Kong's endpoint is /key-sets");
  const vault = await admin('/vaults/my-env');
  assert.equal(vault.json.name, 'env');
  assert.deepEqual(vault.json.config, { prefix: 'GW_TEST_VAULT_' });
});

// PEM checks: certificates with their keys, alternative certificates, CA certificates, JWT public keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadValid, problems } from '../helpers/config.ts';

const pem = (name: string) => JSON.stringify(readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url), 'utf8'));

test('a certificate with its key, and an alternative of another type, loads', () => {
  const config = loadValid(`_format_version: "3.0"
certificates:
- cert: ${pem('rsa.crt')}
  key: ${pem('rsa.key')}
  cert_alt: ${pem('ec.crt')}
  key_alt: ${pem('ec.key')}
  snis: [orders.example.com, "*.orders.example.com"]
`);
  assert.equal(config.snis.length, 2);
  assert.deepEqual(config.snis.map((s) => s.certificate), [{ id: config.certificates[0]!.id }, { id: config.certificates[0]!.id }]);
});

test('a key that does not match, alternatives of the same type, one half of a pair', () => {
  assert.deepEqual(problems(`_format_version: "3.0"
certificates:
- cert: ${pem('rsa.crt')}
  key: ${pem('ec.key')}
- cert: ${pem('rsa.crt')}
  key: ${pem('rsa.key')}
  cert_alt: ${pem('rsa.crt')}
  key_alt: ${pem('rsa.key')}
- cert: ${pem('rsa.crt')}
  key: ${pem('rsa.key')}
  cert_alt: ${pem('ec.crt')}
`), [
    '4:8 certificates[0].key: certificate does not match key',
    '7:13 certificates[1].cert_alt: certificate and alternative certificate need to have different type (e.g. RSA and ECDSA), the provided certificates were both of the same type',
    "9:3 certificates[2].key_alt: all or none of these fields must be set: 'cert_alt', 'key_alt'",
  ]);
});

test('CA certificates: the digest is computed; a leaf certificate is refused', () => {
  const config = loadValid(`_format_version: "3.0"\nca_certificates:\n- cert: ${pem('ca.crt')}\n`);
  assert.match(config.ca_certificates[0]!.cert_digest, /^[0-9a-f]{64}$/);
  assert.deepEqual(problems(`_format_version: "3.0"\nca_certificates:\n- cert: ${pem('rsa.crt')}\n`), [
    '3:9 ca_certificates[0].cert: certificate does not appear to be a CA because it is missing the "CA" basic constraint',
  ]);
});

test('jwt secrets: RS256 needs a public key that parses', () => {
  assert.deepEqual(problems(`_format_version: "3.0"
consumers:
- username: alice
  jwt_secrets:
  - key: iss-1
    algorithm: RS256
  - key: iss-2
    algorithm: ES256
    rsa_public_key: "not a key"
`), [
    '5:5 consumers[0].jwt_secrets[0].rsa_public_key: required field missing (algorithm RS256 verifies with a public key)',
    '9:21 consumers[0].jwt_secrets[1].rsa_public_key: invalid key: unsupported',
  ]);
});

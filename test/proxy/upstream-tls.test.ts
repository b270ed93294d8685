// Upstream TLS: verification against the service's ca_certificates, and the client certificate it presents.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { startTestGateway } from '../helpers/servers.ts';
import { problems } from '../helpers/config.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url), 'utf8');

// An upstream that asks for a client certificate and answers with what it saw.
const upstream = createServer({ cert: fixture('upstream.crt'), key: fixture('upstream.key'), ca: fixture('signer-ca.crt'), requestCert: true, rejectUnauthorized: false }, (req, res) => {
  const socket = req.socket as TLSSocket;
  const peer = socket.getPeerCertificate();
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ client: peer?.subject?.CN ?? null, authorized: socket.authorized }));
});
await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
const port = (upstream.address() as AddressInfo).port;

// An upstream whose chain has an intermediate: leaf (level 0), intermediate (1), Test Signing CA (2, the anchor).
const deep = createServer({ cert: fixture('deep.crt') + fixture('intermediate-ca.crt'), key: fixture('deep.key') }, (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end('{"deep":true}');
});
await new Promise<void>((resolve) => deep.listen(0, '127.0.0.1', resolve));
const deepPort = (deep.address() as AddressInfo).port;

const CA_ID = '2b3c6a3e-7a52-4bde-9f0e-6d7a0c9d1a01';
const CLIENT_ID = '8e1f7d0c-3b2a-4c5d-9e8f-1a2b3c4d5e6f';
const gw = await startTestGateway(`_format_version: "3.0"
ca_certificates:
- id: ${CA_ID}
  cert: ${JSON.stringify(fixture('signer-ca.crt'))}
certificates:
- id: ${CLIENT_ID}
  cert: ${JSON.stringify(fixture('client.crt'))}
  key: ${JSON.stringify(fixture('client.key'))}
services:
- name: verified-mtls
  url: https://127.0.0.1:${port}
  tls_verify: true
  ca_certificates: [${CA_ID}]
  client_certificate: { id: ${CLIENT_ID} }
  routes: [{ name: verified-mtls, paths: [/mtls] }]
- name: verified-unknown-ca
  url: https://127.0.0.1:${port}
  tls_verify: true
  retries: 0
  routes: [{ name: verified-unknown-ca, paths: [/unknown-ca] }]
- name: unverified
  url: https://127.0.0.1:${port}
  routes: [{ name: unverified, paths: [/plain] }]
- name: depth-1
  url: https://127.0.0.1:${deepPort}
  tls_verify: true
  tls_verify_depth: 1
  ca_certificates: [${CA_ID}]
  routes: [{ name: depth-1, paths: [/depth-1] }]
- name: depth-0
  url: https://127.0.0.1:${deepPort}
  tls_verify: true
  tls_verify_depth: 0
  retries: 0
  ca_certificates: [${CA_ID}]
  routes: [{ name: depth-0, paths: [/depth-0] }]
`);

after(async () => {
  await gw.stop();
  upstream.closeAllConnections();
  upstream.close();
  deep.closeAllConnections();
  deep.close();
});

async function get(path: string) {
  const res = await request(`${gw.url}${path}`);
  return { status: res.statusCode, text: await res.body.text() };
}

test('tls_verify with the service\'s CA, and its client certificate presented', async () => {
  const r = await get('/mtls');
  assert.equal(r.status, 200);
  assert.deepEqual(JSON.parse(r.text), { client: 'gateway-client', authorized: true });
});

test('tls_verify against a CA the service does not trust: 502', async () => {
  const r = await get('/unknown-ca');
  assert.equal(r.status, 502);
});

test('without tls_verify (Kong\'s default) the upstream certificate is not checked; no client certificate', async () => {
  const r = await get('/plain');
  assert.equal(r.status, 200);
  assert.deepEqual(JSON.parse(r.text), { client: null, authorized: false });
});

test('tls_verify_depth: a chain with one intermediate passes depth 1 and is refused at depth 0 (502)', async () => {
  const ok = await get('/depth-1');
  assert.equal(ok.status, 200);
  assert.deepEqual(JSON.parse(ok.text), { deep: true });
  assert.equal((await get('/depth-0')).status, 502);
});

test('validation: ca_certificates must name CA certificates of the file', () => {
  assert.deepEqual(problems(`_format_version: "3.0"\nservices:\n- name: s\n  url: https://example.com\n  ca_certificates: [${CA_ID}]\n`), [
    `5:21 services[0].ca_certificates[0]: invalid reference 'ca_certificates: ${CA_ID}' (no such entry in 'ca_certificates')`,
  ]);
});

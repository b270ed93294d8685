// TLS listeners: the certificate is chosen by SNI (exact, wildcard, default), and https requests route as https.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { Agent, request } from 'undici';
import { startTestGateway, startUpstream, type Echo } from '../helpers/servers.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url), 'utf8');
const rsa = new X509Certificate(fixture('rsa.crt')).fingerprint256;
const ec = new X509Certificate(fixture('ec.crt')).fingerprint256;

const upstream = await startUpstream();
const gw = await startTestGateway(`_format_version: "3.0"
certificates:
- cert: ${JSON.stringify(fixture('rsa.crt'))}
  key: ${JSON.stringify(fixture('rsa.key'))}
  snis: [a.example.com]
- cert: ${JSON.stringify(fixture('ec.crt'))}
  key: ${JSON.stringify(fixture('ec.key'))}
  snis: ["*.b.example.com"]
services:
- name: s
  url: http://127.0.0.1:${upstream.port}
  routes:
  - { name: secure-only, paths: [/secure], protocols: [https] }
  - { name: by-sni, snis: [x.b.example.com], paths: [/sni], protocols: [https] }
`, { proxyListen: ['127.0.0.1:0 ssl'] });

after(async () => {
  await gw.stop();
  await upstream.close();
});

function servedX509(servername: string | undefined): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: gw.port, rejectUnauthorized: false, ...(servername ? { servername } : {}) }, () => {
      resolve(socket.getPeerX509Certificate()!);
      socket.end();
    });
    socket.on('error', reject);
  });
}
const servedCertificate = async (servername: string | undefined) => (await servedX509(servername)).fingerprint256;

test("the certificate follows the SNI: exact, wildcard, and Kong's default certificate (made for localhost) otherwise", async () => {
  assert.equal(await servedCertificate('a.example.com'), rsa);
  assert.equal(await servedCertificate('x.b.example.com'), ec);
  const fallback = await servedX509(undefined);
  assert.equal(fallback.subject, 'CN=localhost', 'no SNI: the default certificate, made at start as Kong makes its own');
  const made = fallback.fingerprint256;
  // As Kong's produce_wild_snis: `*.b.example.com` stands for one label, not two.
  assert.equal(await servedCertificate('deep.x.b.example.com'), made);
  assert.equal(await servedCertificate('unknown.example.org'), made, 'no SNI matches: the default certificate');
});

test('https requests: https-only routes serve, snis match, X-Forwarded-Proto is https', async () => {
  const agent = (servername: string) => new Agent({ connect: { rejectUnauthorized: false, servername } });
  const secure = await request(`https://127.0.0.1:${gw.port}/secure/x`, { dispatcher: agent('a.example.com') });
  assert.equal(secure.statusCode, 200);
  const echo = JSON.parse(await secure.body.text()) as Echo;
  assert.equal(echo.headers['x-forwarded-proto'], 'https');
  const bySni = await request(`https://127.0.0.1:${gw.port}/sni`, { dispatcher: agent('x.b.example.com') });
  assert.equal(bySni.statusCode, 200);
  await bySni.body.text();
  const otherSni = await request(`https://127.0.0.1:${gw.port}/sni`, { dispatcher: agent('a.example.com') });
  assert.equal(otherSni.statusCode, 404, 'the route wants another SNI');
  await otherSni.body.text();
});

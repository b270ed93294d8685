// Kong's spec/02-integration/05-proxy/06-ssl_spec.lua: certificates by SNI (exact, wildcards, the `*` default),
// https-only routes over http (426 and redirects, X-Forwarded-Proto from trusted peers), the SNI sent upstream.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { connect, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { Agent, request } from 'undici';
import { recordingLogger, startTestGateway, startUpstream, type TestGateway } from '../helpers/servers.ts';

const SPEC = 'spec/02-integration/05-proxy/06-ssl_spec.lua';
const kongFixture = (name: string) => JSON.stringify(readFileSync(new URL(`fixtures/tls/${name}`, import.meta.url), 'utf8'));
const tlsFixture = (name: string) => readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url), 'utf8');

const upstream = await startUpstream();
// Kong's mock_upstream_ssl: answers with the SNI it was sent (`vars.ssl_server_name`).
const sslUpstream = createServer({ cert: tlsFixture('upstream.crt'), key: tlsFixture('upstream.key') }, (req, res) => {
  const name = (req.socket as TLSSocket).servername;
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ vars: { ssl_server_name: name || 'no SNI' } }));
});
await new Promise<void>((resolve) => sslUpstream.listen(0, '127.0.0.1', resolve));
const sslPort = (sslUpstream.address() as AddressInfo).port;
after(async () => {
  await upstream.close();
  await new Promise((resolve) => sslUpstream.close(resolve));
});

const plain = `http://127.0.0.1:${upstream.port}`;
const mockSsl = `https://localhost:${sslPort}`;
const certificates = `certificates:
- cert: ${kongFixture('ssl-example.com.crt')}
  key: ${kongFixture('ssl-example.com.key')}
  cert_alt: ${kongFixture('ssl-example.com-ecdsa.crt')}
  key_alt: ${kongFixture('ssl-example.com-ecdsa.key')}
  snis: [example.com, ssl1.com]
- cert: ${kongFixture('ssl-alt.com.crt')}
  key: ${kongFixture('ssl-alt.com.key')}
  snis: ["*.wildcard.com", "wildcard.*"]
- cert: ${kongFixture('ssl-alt-alt.com.crt')}
  key: ${kongFixture('ssl-alt-alt.com.key')}
  cert_alt: ${kongFixture('ssl-alt-alt.com-ecdsa.crt')}
  key_alt: ${kongFixture('ssl-alt-alt.com-ecdsa.key')}
  snis: [wildcard.org, "test.wildcard.*", "*.www.wildcard.com"]
`;
const config = `_format_version: "3.0"
${certificates}services:
- name: global-cert
  url: ${plain}
  routes: [{ protocols: [https], hosts: [global.com] }]
- name: api-1
  url: ${plain}
  routes:
  - { protocols: [https], hosts: [example.com, ssl1.com] }
  - { protocols: [https], hosts: [sni.example.com], snis: [sni.example.com] }
- name: api-3
  url: ${mockSsl}
  routes: [{ protocols: [https], hosts: [ssl3.com], preserve_host: true }]
- name: api-4
  url: ${mockSsl}
  routes: [{ protocols: [https], hosts: [no-sni.com], preserve_host: false }]
- name: api-5
  url: https://127.0.0.1:${sslPort}
  routes: [{ protocols: [https], hosts: [nil-sni.com], preserve_host: false }]
- name: service-7
  url: ${plain}
  routes: [{ protocols: [https], hosts: [example.com], paths: [/redirect-301], https_redirect_status_code: 301 }]
- name: service-8
  url: ${plain}
  routes: [{ protocols: [https], hosts: [example.com], paths: [/redirect-302], https_redirect_status_code: 302 }]
`;

async function gateway(yaml: string, trustedIps?: string): Promise<{ gw: TestGateway; https: number; lines: Record<string, unknown>[] }> {
  const { log, lines } = recordingLogger('debug');
  const gw = await startTestGateway(yaml, { proxyListen: ['127.0.0.1:0', '127.0.0.1:0 ssl'], ...(trustedIps ? { trustedIps: [trustedIps] } : {}) }, log);
  after(() => gw.stop());
  return { gw, https: gw.gateway.listeners[1]!.port, lines };
}

const main = await gateway(config, '127.0.0.1');
const untrusted = await gateway(config);
const otherTrusted = await gateway(config, '1.2.3.4');

/** The common name of the certificate served for a handshake with this SNI (openssl s_client -servername). */
function servedCn(port: number, servername: string | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...(servername !== undefined ? { servername } : {}) }, () => {
      const subject = new X509Certificate(socket.getPeerX509Certificate()!.raw).subject;
      socket.end();
      resolve(/CN=(.*)/.exec(subject)?.[1] ?? subject);
    });
    socket.on('error', reject);
  });
}

async function send(gw: TestGateway, path: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const res = await request(`${gw.url}${path}`, { headers });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}

async function sendTls(port: number, path: string, host: string, servername?: string): Promise<{ status: number; body: string }> {
  const dispatcher = new Agent({ connect: { rejectUnauthorized: false, ...(servername ? { servername } : {}) } });
  try {
    const res = await request(`https://127.0.0.1:${port}${path}`, { headers: { host }, dispatcher });
    return { status: res.statusCode, body: await res.body.text() };
  } finally {
    await dispatcher.close();
  }
}

test(`${SPEC}:279 proxy ssl verify: prevents requests to upstream that does not possess a trusted certificate`, {
  skip: "needs nginx_http_proxy_ssl_verify (a global proxy_ssl_verify); the per-service tls_verify rows are in upstream-tls-spec",
}, () => {});
test(`${SPEC}:293 proxy ssl verify: trusted certificate, request goes through`, { skip: 'needs nginx_http_proxy_ssl_trusted_certificate (see upstream-tls-spec)' }, () => {});

test(`${SPEC}:307 global SSL: falls back on the default certificate when the client sends no SNI`, async () => {
  const res = await sendTls(main.https, '/status/200', 'global.com');
  assert.equal(res.status, 200);
});

test(`${SPEC}:321 handshake: sets the default fallback certificate if no SNI matches`, async () => {
  // Kong's default certificate: the one it made for localhost (here, made at start).
  assert.equal(await servedCn(main.https, 'test.com'), 'localhost');
});

test(`${SPEC}:326 handshake: sets the configured certificate if the SNI matches`, async () => {
  assert.equal(await servedCn(main.https, 'ssl1.com'), 'ssl-example.com');
  assert.equal(await servedCn(main.https, 'example.com'), 'ssl-example.com');
});

const wildcards: [line: number, name: string, sni: string, cn: string][] = [
  [335, 'matches *.wildcard.com (prefix)', 'test.wildcard.com', 'ssl-alt.com'],
  [340, 'matches wildcard.* (suffix)', 'wildcard.eu', 'ssl-alt.com'],
  [345, 'respects matching priorities (exact first)', 'wildcard.org', 'ssl-alt-alt.com'],
  [350, 'respects matching priorities (prefix second)', 'test.wildcard.com', 'ssl-alt.com'],
  [355, 'respects matching priorities (suffix third)', 'test.wildcard.org', 'ssl-alt-alt.com'],
  [360, 'matches *.www.wildcard.com', 'test.www.wildcard.com', 'ssl-alt-alt.com'],
];
for (const [line, name, sni, cn] of wildcards) {
  test(`${SPEC}:${line} wildcard sni: ${name}`, async () => {
    assert.equal(await servedCn(main.https, sni), cn);
  });
}

test('kong/runloop/certificate.lua produce_wild_snis: a prefix wildcard stands for one label only', async () => {
  // deep.test.wildcard.com → *.test.wildcard.com (none), deep.test.wildcard.* (none), `*` (none): the default.
  assert.equal(await servedCn(main.https, 'deep.test.wildcard.com'), 'localhost');
});

test(`${SPEC}:368 SSL termination: blocks a request without HTTPS if protocols = { https }`, async () => {
  for (const host of ['example.com', 'sni.example.com']) {
    const res = await send(main.gw, '/', { host });
    assert.equal(res.status, 426, host);
    assert.match((JSON.parse(res.body) as { message: string }).message, /Please use HTTPS protocol/);
    assert.match(String(res.headers.connection), /Upgrade/);
    assert.equal(res.headers.upgrade, 'TLS/1.2, HTTP/1.1');
  }
});

test(`${SPEC}:398 SSL termination: returns 301 when the route has https_redirect_status_code 301`, async () => {
  const res = await send(main.gw, '/redirect-301', { host: 'example.com' });
  assert.equal(res.status, 301);
  assert.equal(res.headers.location, 'https://example.com/redirect-301');
});

test(`${SPEC}:410 SSL termination: returns 302 when the route has https_redirect_status_code 302`, async () => {
  const res = await send(main.gw, '/redirect-302?foo=bar', { host: 'example.com' });
  assert.equal(res.status, 302);
  assert.equal(res.headers.location, 'https://example.com/redirect-302?foo=bar');
});

test(`${SPEC}:433 from not trusted_ip: blocks an HTTP request with https in X-Forwarded-Proto`, async () => {
  const res = await send(untrusted.gw, '/status/200', { host: 'ssl1.com', 'x-forwarded-proto': 'https' });
  assert.equal(res.status, 426);
});

test(`${SPEC}:458 from trusted_ip: allows HTTP requests with X-Forwarded-Proto https`, async () => {
  const res = await send(main.gw, '/status/200', { host: 'example.com', 'x-forwarded-proto': 'https' });
  assert.equal(res.status, 200);
});

test(`${SPEC}:470 from trusted_ip: blocks HTTP requests with an invalid X-Forwarded-Proto`, async () => {
  const res = await send(main.gw, '/status/200', { host: 'example.com', 'x-forwarded-proto': 'httpsa' });
  assert.equal(res.status, 426);
});

test(`${SPEC}:499 blocks https X-Forwarded-Proto from an untrusted client (trusted_ips = 1.2.3.4)`, async () => {
  const res = await send(otherTrusted.gw, '/status/200', { host: 'example.com', 'x-forwarded-proto': 'https' });
  assert.equal(res.status, 426);
});

const upstreamSni: [line: number, name: string, host: string, expected: string][] = [
  [532, 'true', 'ssl3.com', 'ssl3.com'],
  [544, 'false', 'no-sni.com', 'localhost'],
  [556, 'false and IP-based upstream_url', 'nil-sni.com', 'no SNI'],
];
for (const [line, name, host, expected] of upstreamSni) {
  test(`${SPEC}:${line} proxy_ssl_name: properly sets the upstream SNI with preserve_host ${name}`, async () => {
    const res = await sendTls(main.https, '/', host);
    assert.equal(res.status, 200, res.body);
    assert.equal((JSON.parse(res.body) as { vars: { ssl_server_name: string } }).vars.ssl_server_name, expected);
  });
}

test(`${SPEC}:637 TLS proxy: sets the default certificate of '*' SNI (stream routes)`, { skip: 'needs the stream subsystem (tls routes)' }, () => {});
test(`${SPEC}:655 TLS proxy: using FQDN (regression for issue 7550)`, { skip: 'needs the stream subsystem (tls routes)' }, () => {});

const star = await gateway(`_format_version: "3.0"
certificates:
- cert: ${kongFixture('ssl-alt.com.crt')}
  key: ${kongFixture('ssl-alt.com.key')}
  snis: [other.test]
- cert: ${kongFixture('ssl-example.com.crt')}
  key: ${kongFixture('ssl-example.com.key')}
  cert_alt: ${kongFixture('ssl-example.com-ecdsa.crt')}
  key_alt: ${kongFixture('ssl-example.com-ecdsa.key')}
  snis: ["*"]
services:
- name: default-cert
  url: ${plain}
  routes: [{ protocols: [https], hosts: [example.com] }]
`);

test(`${SPEC}:712 handshake: sets the default certificate of '*' SNI`, async () => {
  assert.equal(await servedCn(star.https, 'example.com'), 'ssl-example.com');
  assert.equal(await servedCn(star.https, 'other.test'), 'ssl-alt.com', 'an exact SNI still wins');
  // As Kong: a client that sends no SNI gets the default certificate, not the `*` SNI's.
  assert.equal(await servedCn(star.https, undefined), 'localhost');
  assert.equal((await sendTls(star.https, '/', 'example.com', 'example.com')).status, 200);
});

// Kong logs these at debug level ("invalid SNI '…', must not …") and serves the default certificate; this gateway
// serves the default certificate as well, and logs nothing at error level either.
const invalidSnis: [line: number, name: string, sni: string][] = [
  [739, 'normal sni', 'a.example.com'],
  [745, 'must not have a port', 'a.example.com:600'],
  [751, 'must not have a port (invalid port)', 'a.example.com:88888'],
  [757, 'must not be an IP', '127.0.0.1'],
  [763, 'must not be an IP (with port)', '127.0.0.1:443'],
  [769, 'invalid value', '256.256.256.256'],
  [775, 'only one wildcard must be specified', '*.exam*le.com'],
  [781, 'wildcard must be leftmost or rightmost character', 'a.exam*le.com'],
];
for (const [line, name, sni] of invalidSnis) {
  test(`${SPEC}:${line} kong.runloop.certificate invalid SNI: ${name} (the default certificate, no error logged)`, async () => {
    const before = star.lines.length;
    assert.equal(await servedCn(star.https, sni), 'ssl-example.com');
    const errors = star.lines.slice(before).filter((l) => typeof l.level === 'number' && l.level >= 50);
    assert.deepEqual(errors, []);
  });
}

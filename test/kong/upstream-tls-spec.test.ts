// Kong's spec/02-integration/05-proxy/18-upstream_tls_spec.lua (http subsystem): the client certificate a service
// or an upstream presents (mutual TLS), tls_verify, ca_certificates and tls_verify_depth. Kong's Admin API PATCHes
// are config reloads here; its buffered-proxying variants use a plugin that calls enableBuffering (Kong's
// pre-function there is Lua).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { writePlugins } from '../helpers/plugins.ts';
import { startTestGateway } from '../helpers/servers.ts';

const SPEC = 'spec/02-integration/05-proxy/18-upstream_tls_spec.lua';
const kong = (name: string) => readFileSync(new URL(`fixtures/tls/${name}`, import.meta.url), 'utf8');
const ours = (name: string) => readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url), 'utf8');

// Kong's upstream_mtls mock: nginx with ssl_verify_client on (its 400 page without a trusted client certificate),
// the client certificate echoed in X-Cert, no keepalive.
const mtls = createServer({ cert: ours('upstream.crt'), key: ours('upstream.key'), ca: ours('signer-ca.crt'), requestCert: true, rejectUnauthorized: false }, (req, res) => {
  const socket = req.socket as TLSSocket;
  res.setHeader('connection', 'close');
  if (!socket.authorized) {
    const sent = socket.getPeerCertificate()?.raw !== undefined;
    const reason = sent ? 'The SSL certificate error' : 'No required SSL certificate was sent';
    res.writeHead(400, { 'content-type': 'text/html' }).end(`<html>\n<head><title>400 ${reason}</title></head>\n<body>\n<center><h1>400 Bad Request</h1></center>\n<center>${reason}</center>\n</body>\n</html>\n`);
    return;
  }
  res.writeHead(200, { 'x-cert': socket.getPeerX509Certificate()!.fingerprint256 }).end('it works\n');
});
// Kong's upstream_tls mock, and one whose chain has an intermediate (for tls_verify_depth).
const tls = createServer({ cert: ours('upstream.crt'), key: ours('upstream.key') }, (_req, res) => void res.writeHead(200, { connection: 'close' }).end('it works\n'));
const deep = createServer({ cert: ours('deep.crt') + ours('intermediate-ca.crt'), key: ours('deep.key') }, (_req, res) => void res.writeHead(200, { connection: 'close' }).end('it works\n'));
for (const s of [mtls, tls, deep]) await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
const portOf = (s: typeof mtls) => (s.address() as AddressInfo).port;

const GOOD = '0b0c0d0e-0000-4000-8000-000000000001';
const BAD = '0b0c0d0e-0000-4000-8000-000000000002';
const CA = '0b0c0d0e-0000-4000-8000-000000000003';

interface Setup {
  /** The certificate behind id GOOD: Kong's cert_client, or cert_client2 after its PATCH. */
  good?: 'client' | 'client2';
  serviceCert?: string;
  upstreamCert?: string;
  /** protected-service-mtls-upstream's own client_certificate. */
  upstreamServiceCert?: string;
  /** The CA certificate behind id CA: the upstream's signer, or another one. */
  ca?: 'signer' | 'other';
  /** protected-service's tls_verify and tls_verify_depth. */
  verify?: boolean;
  depth?: number;
}

function config(s: Setup): string {
  const cert = (id: string, c: string, k: string) => `- id: ${id}\n  cert: ${JSON.stringify(c)}\n  key: ${JSON.stringify(k)}\n`;
  const buffered = '[{ name: buffers }]';
  const ref = (id: string | undefined) => (id ? `{ id: ${id} }` : 'null');
  return `_format_version: "3.0"
certificates:
${cert(GOOD, s.good === 'client2' ? kong('client2.crt') : ours('client.crt'), s.good === 'client2' ? kong('client2.key') : ours('client.key'))}${cert(BAD, kong('ssl-example.com.crt'), kong('ssl-example.com.key'))}ca_certificates:
- id: ${CA}
  cert: ${JSON.stringify(s.ca === 'other' ? ours('ca.crt') : ours('signer-ca.crt'))}
upstreams:
- name: backend-mtls
  client_certificate: ${ref(s.upstreamCert)}
  targets: [{ target: "127.0.0.1:${portOf(mtls)}" }]
services:
- name: protected-service-mtls
  url: https://127.0.0.1:${portOf(mtls)}/
  client_certificate: ${ref(s.serviceCert)}
  routes:
  - { paths: [/mtls] }
  - { paths: [/mtls-buffered-proxying], plugins: ${buffered} }
- name: protected-service
  url: https://localhost:${portOf(tls)}/
  retries: 0
  tls_verify: ${s.verify ?? 'null'}
  ca_certificates: ${s.verify ? `[${CA}]` : 'null'}
  routes:
  - { paths: [/tls] }
  - { paths: [/tls-buffered-proxying], plugins: ${buffered} }
- name: protected-service-deep
  url: https://localhost:${portOf(deep)}/
  retries: 0
  tls_verify: true
  tls_verify_depth: ${s.depth ?? 'null'}
  ca_certificates: [${CA}]
  routes: [{ paths: [/deep] }]
- name: protected-service-mtls-upstream
  url: https://backend-mtls/
  client_certificate: ${ref(s.upstreamServiceCert)}
  routes:
  - { paths: [/mtls-upstream] }
  - { paths: [/mtls-upstream-buffered-proxying], plugins: ${buffered} }
`;
}

const plugins = writePlugins([{ name: 'buffers', handler: "export default { version: '1', priority: 1, access(kong) { kong.service.request.enableBuffering(); } };\n" }]);
const gw = await startTestGateway(config({}), { plugins: ['bundled', 'buffers'], pluginsPath: [plugins] });
after(async () => {
  await gw.stop();
  for (const s of [mtls, tls, deep]) {
    s.closeAllConnections();
    s.close();
  }
});

async function apply(s: Setup): Promise<void> {
  writeFileSync(gw.file, config(s));
  const record = await gw.gateway.reload('test');
  assert.notEqual(record.result, 'failed', JSON.stringify(record.errors));
}

async function get(path: string): Promise<{ status: number; body: string; cert: string | undefined }> {
  const res = await request(`${gw.url}${path}`, { headers: { host: 'example.com' } });
  return { status: res.statusCode, body: await res.body.text(), cert: res.headers['x-cert'] as string | undefined };
}

async function expectNoCertificate(path: string): Promise<void> {
  const res = await get(path);
  assert.equal(res.status, 400, res.body);
  assert.ok(res.body.includes('400 No required SSL certificate was sent'), res.body);
}

async function expectWorks(path: string): Promise<string | undefined> {
  const res = await get(path);
  assert.equal(res.status, 200, res.body);
  assert.equal(res.body, 'it works\n');
  return res.cert;
}

async function expectInvalid(path: string): Promise<void> {
  const res = await get(path);
  assert.equal(res.status, 502, res.body);
  assert.match(res.body, /An invalid response was received from the upstream server/);
}

// The rows run in order, as Kong's do: each sets up the config it needs.
const rows: [line: number, name: string, run: () => Promise<void>][] = [
  [324, 'Service object: no client certificate supplied: accessing protected upstream', async () => {
    await apply({});
    await expectNoCertificate('/mtls');
  }],
  [340, 'Service object: no client certificate supplied, buffered_proxying = true', () => expectNoCertificate('/mtls-buffered-proxying')],
  [368, 'Service object: client certificate supplied via service.client_certificate', async () => {
    await apply({ serviceCert: GOOD });
    await expectWorks('/mtls');
  }],
  [394, 'Service object: client certificate supplied, buffered_proxying = true', async () => void (await expectWorks('/mtls-buffered-proxying'))],
  [414, 'Service object: send updated client certificate', async () => {
    const before = await expectWorks('/mtls');
    const beforeBuffered = await expectWorks('/mtls-buffered-proxying');
    await apply({ serviceCert: GOOD, good: 'client2' });
    assert.notEqual(await expectWorks('/mtls'), before);
    assert.notEqual(await expectWorks('/mtls-buffered-proxying'), beforeBuffered);
  }],
  [500, 'Service object: remove client_certificate removes access', async () => {
    await apply({});
    await expectNoCertificate('/mtls');
    await expectNoCertificate('/mtls-buffered-proxying');
  }],
  [554, 'Upstream object: no client certificate supplied: accessing protected upstream', () => expectNoCertificate('/mtls-upstream')],
  [570, 'Upstream object: no client certificate supplied, buffered_proxying = true', () => expectNoCertificate('/mtls-upstream-buffered-proxying')],
  [604, 'Upstream object: client certificate supplied via upstream.client_certificate', async () => {
    await apply({ upstreamCert: GOOD });
    await expectWorks('/mtls-upstream');
  }],
  [630, 'Upstream object: client certificate supplied, buffered_proxying = true', async () => void (await expectWorks('/mtls-upstream-buffered-proxying'))],
  [650, 'Upstream object: remove client_certificate removes access', async () => {
    await apply({});
    await expectNoCertificate('/mtls-upstream');
    await expectNoCertificate('/mtls-upstream-buffered-proxying');
  }],
  [740, 'Service.client_certificate overrides Upstream.client_certificate', async () => {
    await apply({ upstreamCert: BAD, upstreamServiceCert: GOOD });
    await expectWorks('/mtls-upstream');
  }],
  [766, 'Service.client_certificate overrides Upstream.client_certificate, buffered_proxying = true', async () => void (await expectWorks('/mtls-upstream-buffered-proxying'))],
  [790, 'tls_verify: default is off', async () => {
    await apply({});
    await expectWorks('/tls');
  }],
  [811, 'tls_verify: default is off, buffered_proxying = true', async () => void (await expectWorks('/tls-buffered-proxying'))],
  [826, 'tls_verify: turn it on, request is blocked', async () => {
    await apply({ verify: true, ca: 'other' });
    await expectInvalid('/tls');
    await expectInvalid('/tls-buffered-proxying');
  }],
  [893, 'ca_certificates: request is allowed through once the correct CA certificate is set', async () => {
    await apply({ verify: true });
    await expectWorks('/tls');
    await expectWorks('/tls-buffered-proxying');
  }],
  [956, 'ca_certificates: request is not allowed through once the CA certificate is updated to another CA', async () => {
    await apply({ verify: true, ca: 'other' });
    await expectInvalid('/tls');
    await expectInvalid('/tls-buffered-proxying');
  }],
  [1022, 'ca_certificates: request is allowed through once the CA certificate is updated back to the correct CA', async () => {
    await apply({ verify: true });
    await expectWorks('/tls');
    await expectWorks('/tls-buffered-proxying');
  }],
  [1102, 'tls_verify_depth: request is not allowed through if the depth limit is too low', async () => {
    await apply({ depth: 0 });
    await expectInvalid('/deep');
  }],
  [1166, 'tls_verify_depth: request is allowed through if the depth limit is sufficient', async () => {
    await apply({ depth: 1 });
    await expectWorks('/deep');
  }],
];
for (const [line, name, run] of rows) test(`${SPEC}:${line} http ${name}`, run);

test(`${SPEC}:322 stream mutual TLS, TLS verification (tls services and routes)`, { skip: 'needs the stream subsystem' }, () => {});
test(`${SPEC}:1321 nginx_proxy_proxy_ssl_verify on: tls_verify default is on, request is blocked`, {
  skip: 'needs nginx_proxy_proxy_ssl_verify (a global default for tls_verify); not a setting here',
}, () => {});
test(`${SPEC}:1363 nginx_proxy_proxy_ssl_verify on: turn tls_verify off, request is allowed`, {
  skip: 'needs nginx_proxy_proxy_ssl_verify (a global default for tls_verify); not a setting here',
}, () => {});

// http-log and TLS: a request over https has `request.tls` in its record; an https log server is sent to without
// verifying its certificate, as Kong sends (ssl_verify = false).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { startTestGateway, startUpstream } from '../helpers/servers.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url), 'utf8');

const bodies: string[] = [];
const receiver = createServer({ cert: fixture('rsa.crt'), key: fixture('rsa.key') }, (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    bodies.push(Buffer.concat(chunks).toString());
    res.end('ok');
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const rxPort = (receiver.address() as AddressInfo).port;

const upstream = await startUpstream();
const gw = await startTestGateway(`_format_version: "3.0"
certificates:
- cert: ${JSON.stringify(fixture('rsa.crt'))}
  key: ${JSON.stringify(fixture('rsa.key'))}
  snis: [a.example.com]
services:
- name: s
  url: http://127.0.0.1:${upstream.port}
  routes:
  - name: r
    paths: [/]
    plugins: [{ name: http-log, config: { http_endpoint: "https://127.0.0.1:${rxPort}/post_log/https" } }]
`, { proxyListen: ['127.0.0.1:0 ssl'] });

after(async () => {
  await gw.stop();
  await upstream.close();
  receiver.closeAllConnections();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

test('spec/03-plugins/03-http-log/01-log_spec.lua:506 logs to HTTPS; the record of an https request has request.tls', async () => {
  const dispatcher = new Agent({ connect: { rejectUnauthorized: false, servername: 'a.example.com' } });
  const res = await request(`https://127.0.0.1:${gw.port}/secure?x=1`, { dispatcher });
  await res.body.dump();
  assert.equal(res.statusCode, 200);
  const deadline = Date.now() + 10_000;
  while (bodies.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  const e = JSON.parse(bodies[0]!) as { client_ip: string; request: { url: string; tls: { version: string; cipher: string; client_verify: string } } };
  assert.equal(e.client_ip, '127.0.0.1');
  assert.equal(e.request.url, `https://127.0.0.1:${gw.port}/secure?x=1`);
  assert.match(e.request.tls.version, /^TLSv1\.[23]$/);
  assert.ok(e.request.tls.cipher.length > 0);
  assert.equal(e.request.tls.client_verify, 'NONE');
  await dispatcher.close();
});

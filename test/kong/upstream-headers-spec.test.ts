// Ported from Kong 3.10's spec/02-integration/05-proxy/03-upstream_headers_spec.lua: the headers the upstream
// gets (hop-by-hop removed, X-Forwarded-*, X-Real-IP, Host) under each trusted_ips / real_ip_* setting.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { startTestGateway, type Echo, type TestGateway } from '../helpers/servers.ts';
import { raw } from '../helpers/raw.ts';
import { resolveSettings, type FlagValues } from '../../src/settings/settings.ts';
import { mockUpstream, send, upstreamHeaders } from './kong-client.ts';

const SPEC = 'spec/02-integration/05-proxy/03-upstream_headers_spec.lua';
const upstream = await mockUpstream();

// The routes of the spec's start_kong, each with its own service.
const yaml = `_format_version: "3.0"
services:
${[
  '{ protocols: [http], hosts: [headers-inspect.test] }',
  '{ protocols: [http], hosts: [preserved.test], preserve_host: true }',
  '{ protocols: [http], paths: [/foo], strip_path: true }',
  '{ protocols: [http], paths: [/status/200], strip_path: false }',
  '{ protocols: [http], paths: [/], strip_path: true }',
].map((route, i) => `- name: s${i}\n  url: http://127.0.0.1:${upstream.port}\n  routes:\n  - ${route}\n`).join('')}- name: proxy-auth
  url: http://127.0.0.1:${upstream.port}
  routes:
  - paths: [/proxy-authorization]
    strip_path: true
    plugins:
    - name: request-transformer
      config:
        add: { headers: ["Proxy-Authorization:Basic ZGVtbzp0ZXN0"] }
        replace: { headers: ["Proxy-Authorization:Basic ZGVtbzp0ZXN0"] }
`;

const SETUPS = {
  default: {},
  trusted: { trustedIps: '127.0.0.1' },
  untrusted: { trustedIps: '10.0.0.1' },
  recursiveTrusted: { realIpHeader: 'X-Forwarded-For', realIpRecursive: 'on', trustedIps: '127.0.0.1,172.16.0.1,192.168.0.1' },
  recursiveUntrusted: { realIpHeader: 'X-Forwarded-For', realIpRecursive: 'on', trustedIps: '10.0.0.1,172.16.0.1,192.168.0.1' },
} satisfies Record<string, FlagValues>;
type Setup = keyof typeof SETUPS;

const gateways = new Map<Setup, Promise<TestGateway>>();
function gateway(setup: Setup): Promise<TestGateway> {
  let gw = gateways.get(setup);
  if (!gw) gateways.set(setup, (gw = startTestGateway(yaml, SETUPS[setup])));
  return gw;
}
after(async () => {
  for (const gw of gateways.values()) await (await gw).stop();
});

/** Stands for the port the gateway listens on. */
const PROXY_PORT = Symbol('proxy port');
/** Stands for the upstream's address, host:port. */
const UPSTREAM_HOST = Symbol('upstream host');
type Want = string | undefined | typeof PROXY_PORT | typeof UPSTREAM_HOST;

interface Row {
  readonly line: number;
  readonly name: string;
  readonly setup: Setup;
  readonly path?: string;
  readonly headers: Record<string, string>;
  readonly want: Record<string, Want>;
  readonly todo?: string;
}

const inspect = { Host: 'headers-inspect.test' };
const XRI = 'x-real-ip';
const XFF = 'x-forwarded-for';

/** The rows every setup of the spec repeats, with what differs between trusted and untrusted peers. */
function forwardedRows(setup: Setup, base: number, trusted: boolean): Row[] {
  const pick = (mine: Want, given: Want) => (trusted ? given : mine);
  return [
    { line: base, name: 'X-Real-IP should be added if not present in request', setup, headers: inspect, want: { [XRI]: '127.0.0.1' } },
    { line: base + 8, name: `X-Real-IP should be ${trusted ? 'forwarded' : 'replaced'} if present in request`, setup, headers: { ...inspect, 'X-Real-IP': '10.0.0.1' }, want: { [XRI]: pick('127.0.0.1', '10.0.0.1') } },
    { line: base + 19, name: 'X-Forwarded-For should be added if not present in request', setup, headers: inspect, want: { [XFF]: '127.0.0.1' } },
    { line: base + 27, name: 'X-Forwarded-For should be appended if present in request', setup, headers: { ...inspect, 'X-Forwarded-For': '10.0.0.1' }, want: { [XFF]: '10.0.0.1, 127.0.0.1' } },
    { line: base + 38, name: 'X-Forwarded-Proto should be added if not present in request', setup, headers: inspect, want: { 'x-forwarded-proto': 'http' } },
    { line: base + 46, name: 'X-Forwarded-Proto present in request', setup, headers: { ...inspect, 'X-Forwarded-Proto': 'https' }, want: { 'x-forwarded-proto': pick('http', 'https') } },
    { line: base + 57, name: 'X-Forwarded-Host should be added if not present in request', setup, headers: inspect, want: { 'x-forwarded-host': 'headers-inspect.test' } },
    { line: base + 65, name: 'X-Forwarded-Host present in request', setup, headers: { ...inspect, 'X-Forwarded-Host': 'example.test' }, want: { 'x-forwarded-host': pick('headers-inspect.test', 'example.test') } },
    { line: base + 76, name: 'X-Forwarded-Port should be added if not present in request', setup, headers: inspect, want: { 'x-forwarded-port': PROXY_PORT } },
    { line: base + 84, name: 'X-Forwarded-Port present in request', setup, headers: { ...inspect, 'X-Forwarded-Port': '80' }, want: { 'x-forwarded-port': pick(PROXY_PORT, '80') } },
    { line: base + 95, name: 'X-Forwarded-Path should be added if not present in request', setup, headers: inspect, want: { 'x-forwarded-path': '/' } },
    { line: base + 103, name: 'X-Forwarded-Path present in request', setup, headers: { ...inspect, 'X-Forwarded-Path': trusted ? '/original-path' : '/replaced' }, want: { 'x-forwarded-path': pick('/', '/original-path') } },
  ];
}

function prefixRows(setup: Setup, base: number): Row[] {
  return [
    { line: base, name: 'X-Forwarded-Prefix should be added if path was stripped', setup, path: '/foo/status/200', headers: {}, want: { 'x-forwarded-prefix': '/foo' } },
    { line: base + 6, name: 'X-Forwarded-Prefix should be replaced if present in request and path was stripped', setup, path: '/foo', headers: { 'X-Forwarded-Prefix': '/replaced' }, want: { 'x-forwarded-prefix': '/foo' } },
    { line: base + 14, name: 'X-Forwarded-Prefix should not be added if path was not stripped', setup, path: '/status/200', headers: {}, want: { 'x-forwarded-prefix': undefined } },
    { line: base + 20, name: 'X-Forwarded-Prefix should not be added if / was stripped', setup, path: '/', headers: {}, want: { 'x-forwarded-prefix': undefined } },
  ];
}

const spoofed = { 'X-Real-IP': '10.0.0.1', 'X-Forwarded-For': '10.0.0.1', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'example.test', 'X-Forwarded-Port': '80' };
const recursiveXff = '127.0.0.1, 10.0.0.1, 192.168.0.1, 127.0.0.1, 172.16.0.1';
const portedXff = '127.0.0.1:14, 10.0.0.1:15, 192.168.0.1:16, 127.0.0.1:17, 172.16.0.1:18';
const untrustedXff = '10.0.0.1, 127.0.0.2, 10.0.0.1, 192.168.0.1, 172.16.0.1';

const rows: Row[] = [
  ...forwardedRows('default', 334, false),
  ...prefixRows('default', 448),
  {
    line: 476, name: 'with the downstream host preserved: added if not present in request', setup: 'default', headers: { Host: 'preserved.test' },
    want: { host: 'preserved.test', [XRI]: '127.0.0.1', [XFF]: '127.0.0.1', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'preserved.test', 'x-forwarded-path': '/', 'x-forwarded-port': PROXY_PORT },
  },
  {
    line: 490, name: 'with the downstream host preserved: replaced if present in request', setup: 'default', headers: { Host: 'preserved.test', ...spoofed },
    want: { host: 'preserved.test', [XRI]: '127.0.0.1', [XFF]: '10.0.0.1, 127.0.0.1', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'preserved.test', 'x-forwarded-port': PROXY_PORT, 'x-forwarded-path': '/' },
  },
  {
    line: 511, name: 'with the downstream host discarded: added if not present in request', setup: 'default', headers: inspect,
    want: { host: UPSTREAM_HOST, [XRI]: '127.0.0.1', [XFF]: '127.0.0.1', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'headers-inspect.test', 'x-forwarded-port': PROXY_PORT, 'x-forwarded-path': '/' },
  },
  {
    line: 527, name: 'with the downstream host discarded: replaced if present in request', setup: 'default', headers: { ...inspect, ...spoofed },
    want: { host: UPSTREAM_HOST, [XRI]: '127.0.0.1', [XFF]: '10.0.0.1, 127.0.0.1', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'headers-inspect.test', 'x-forwarded-port': PROXY_PORT, 'x-forwarded-path': '/' },
  },
  ...forwardedRows('trusted', 562, true),
  { line: 678, name: 'trusted: X-Forwarded-Prefix should be preserved even if path was stripped', setup: 'trusted', path: '/foo/status/200', headers: { 'x-forwarded-prefix': '/preserved' }, want: { 'x-forwarded-prefix': '/preserved' } },
  { line: 686, name: 'trusted: X-Forwarded-Prefix should be preserved even if path was not stripped', setup: 'trusted', path: '/status/200', headers: { 'x-forwarded-prefix': '/preserved' }, want: { 'x-forwarded-prefix': '/preserved' } },
  ...forwardedRows('untrusted', 707, false),
  ...prefixRows('untrusted', 823),
  { line: 864, name: 'recursive trusted: X-Real-IP and X-Forwarded-For added if not present', setup: 'recursiveTrusted', headers: inspect, want: { [XRI]: '127.0.0.1', [XFF]: '127.0.0.1' } },
  {
    line: 873, name: 'recursive trusted: X-Real-IP is the last untrusted address of X-Forwarded-For', setup: 'recursiveTrusted', headers: { ...inspect, 'X-Forwarded-For': recursiveXff, 'X-Real-IP': '10.0.0.2' },
    want: { [XRI]: '10.0.0.1', [XFF]: `${recursiveXff}, 127.0.0.1` },
  },
  {
    line: 886, name: 'recursive trusted: X-Forwarded-Port forwarded even if X-Forwarded-For has ports', setup: 'recursiveTrusted', headers: { ...inspect, 'X-Forwarded-For': portedXff, 'X-Real-IP': '10.0.0.2', 'X-Forwarded-Port': '14' },
    want: { [XRI]: '10.0.0.1', [XFF]: `${portedXff}, 127.0.0.1`, 'x-forwarded-port': '14' },
  },
  { line: 926, name: 'recursive untrusted: X-Real-IP and X-Forwarded-For added if not present', setup: 'recursiveUntrusted', headers: inspect, want: { [XRI]: '127.0.0.1', [XFF]: '127.0.0.1' } },
  {
    line: 935, name: 'recursive untrusted: the peer is the client', setup: 'recursiveUntrusted', headers: { ...inspect, 'X-Forwarded-For': untrustedXff, 'X-Real-IP': '10.0.0.2' },
    want: { [XRI]: '127.0.0.1', [XFF]: `${untrustedXff}, 127.0.0.1` },
  },
  {
    line: 948, name: 'recursive untrusted: X-Forwarded-Port replaced even if given, and with ports in X-Forwarded-For', setup: 'recursiveUntrusted', headers: { ...inspect, 'X-Forwarded-For': portedXff, 'X-Real-IP': '10.0.0.2', 'X-Forwarded-Port': '14' },
    want: { [XRI]: '127.0.0.1', [XFF]: `${portedXff}, 127.0.0.1`, 'x-forwarded-port': PROXY_PORT },
  },
  {
    line: 961, name: 'recursive untrusted: no port taken from X-Forwarded-For', setup: 'recursiveUntrusted', headers: { ...inspect, 'X-Forwarded-For': portedXff, 'X-Real-IP': '10.0.0.2' },
    want: { [XRI]: '127.0.0.1', [XFF]: `${portedXff}, 127.0.0.1`, 'x-forwarded-port': PROXY_PORT },
  },
];

for (const row of rows) {
  test(`${SPEC}:${row.line} ${row.name} (${row.setup})`, { todo: row.todo }, async () => {
    const gw = await gateway(row.setup);
    const headers = await upstreamHeaders(gw.port, row.path ?? '/', row.headers);
    for (const [name, want] of Object.entries(row.want)) {
      const expected = want === PROXY_PORT ? String(gw.port) : want === UPSTREAM_HOST ? `127.0.0.1:${upstream.port}` : want;
      assert.equal(headers[name], expected, name);
    }
  });
}

// Hop-by-hop headers (:118).
test(`${SPEC}:127 hop-by-hop headers are removed from request`, async () => {
  const gw = await gateway('default');
  const h = await upstreamHeaders(gw.port, '/', {
    Connection: 'X-Foo, X-Bar', Host: 'headers-inspect.test', 'Keep-Alive': 'timeout=5, max=1000', Proxy: 'Remove-Me', 'Proxy-Connection': 'close',
    'Proxy-Authenticate': 'Basic', 'Proxy-Authorization': 'Basic YWxhZGRpbjpvcGVuc2VzYW1l', TE: 'trailers, deflate;q=0.5', Upgrade: 'example/1, foo/2',
    'X-Foo': 'Remove-Me', 'X-Bar': 'Remove-Me', 'X-Foo-Bar': 'Keep-Me', Close: 'Keep-Me',
  });
  for (const name of ['keep-alive', 'proxy', 'proxy-connection', 'upgrade', 'x-foo', 'x-bar']) assert.equal(h[name], undefined, name);
  assert.equal(h['proxy-authenticate'], 'Basic');
  assert.equal(h['proxy-authorization'], 'Basic YWxhZGRpbjpvcGVuc2VzYW1l');
  assert.equal(h.te, 'trailers');
  assert.equal(h['x-foo-bar'], 'Keep-Me');
  assert.equal(h.close, 'Keep-Me');
});

test(`${SPEC}:163 hop-by-hop headers are removed from response`, async () => {
  const gw = await gateway('default');
  const r = await send(gw.port, '/hop-by-hop', inspect);
  assert.equal(r.status, 200);
  assert.equal(r.headers['keep-alive'], undefined);
  assert.equal(r.headers.trailer, undefined);
  assert.equal(r.headers.upgrade, undefined);
  assert.equal(r.headers['transfer-encoding'], 'chunked');
});

test(`${SPEC}:192 keeps trailer when requested`, async () => {
  const gw = await gateway('default');
  const r = await send(gw.port, '/hop-by-hop', { ...inspect, TE: 'trailers' });
  assert.equal(r.status, 200);
  assert.equal(r.headers.trailer, 'Expires');
});

test(`${SPEC}:209 keeps upgrade when upgrading`, async () => {
  const gw = await gateway('default');
  const h = await upstreamHeaders(gw.port, '/get', { ...inspect, Connection: 'keep-alive, Upgrade', Upgrade: 'websocket' });
  assert.equal(h.connection, 'keep-alive, Upgrade');
  assert.equal(h.upgrade, 'websocket');
});

test(`${SPEC}:225 keeps proxy-authorization header when a plugin specifies it`, async () => {
  const gw = await gateway('default');
  assert.equal((await upstreamHeaders(gw.port, '/proxy-authorization', { 'Proxy-Authorization': 'Basic YWxhZGRpbjpvcGVuc2VzYW1l' }))['proxy-authorization'], 'Basic ZGVtbzp0ZXN0');
  assert.equal((await upstreamHeaders(gw.port, '/proxy-authorization'))['proxy-authorization'], 'Basic ZGVtbzp0ZXN0');
});

test(`${SPEC}:237 keeps proxy-authorization header if plugin specifies same value as in requests`, async () => {
  const gw = await gateway('default');
  assert.equal((await upstreamHeaders(gw.port, '/proxy-authorization', { 'Proxy-Authorization': 'Basic ZGVtbzp0ZXN0' }))['proxy-authorization'], 'Basic ZGVtbzp0ZXN0');
});

test(`${SPEC}:296 does not add charset if the response from upstream contains no charset`, { skip: 'the gateway never adds a charset (nginx_http_charset is an nginx directive); covered by the echo rows' }, () => {});

// (using [non-]trusted proxy protocol configuration values): a listener that reads a PROXY header first.
const PP = {
  trusted: { proxyListen: ['127.0.0.1:0 proxy_protocol'], realIpHeader: 'proxy_protocol', realIpRecursive: 'on', trustedIps: '127.0.0.1,172.16.0.1,192.168.0.1' },
  untrusted: { proxyListen: ['127.0.0.1:0 proxy_protocol'], realIpHeader: 'proxy_protocol', realIpRecursive: 'on', trustedIps: '10.0.0.1,172.16.0.1,192.168.0.1' },
} satisfies Record<string, FlagValues>;
const ppGateways = new Map<keyof typeof PP, Promise<TestGateway>>();
function ppGateway(setup: keyof typeof PP): Promise<TestGateway> {
  let gw = ppGateways.get(setup);
  if (!gw) ppGateways.set(setup, (gw = startTestGateway(yaml, PP[setup])));
  return gw;
}
after(async () => {
  for (const gw of ppGateways.values()) await (await gw).stop();
});
async function viaProxyProtocol(gw: TestGateway, extra: string): Promise<Record<string, string | undefined>> {
  const r = await raw(gw.port, `PROXY TCP4 192.168.0.1 127.0.0.1 56324 ${gw.port}\r\nGET / HTTP/1.1\r\nHost: headers-inspect.test\r\nConnection: close\r\n${extra}\r\n`);
  const json = /\{.*\}/s.exec(r.text);
  assert.ok(json, r.text);
  return (JSON.parse(json[0]) as Echo).headers as Record<string, string | undefined>;
}
const ppRows: { line: number; setup: keyof typeof PP; name: string; extra: string; want: Record<string, string | typeof PROXY_PORT> }[] = [
  { line: 993, setup: 'trusted', name: 'added if not present in request', extra: '', want: { [XRI]: '192.168.0.1', [XFF]: '192.168.0.1', 'x-forwarded-port': PROXY_PORT } },
  { line: 1020, setup: 'trusted', name: 'changed according to rules if present in request', extra: `X-Real-IP: 10.0.0.2\r\nX-Forwarded-For: ${untrustedXff}\r\n`, want: { [XRI]: '192.168.0.1', [XFF]: `${untrustedXff}, 127.0.0.1` } },
  { line: 1050, setup: 'trusted', name: 'X-Forwarded-Port forwarded even with ports in proxy protocol and X-Forwarded-For', extra: `X-Real-IP: 10.0.0.2\r\nX-Forwarded-For: ${portedXff}\r\nX-Forwarded-Port: 14\r\n`, want: { [XRI]: '192.168.0.1', [XFF]: `${portedXff}, 127.0.0.1`, 'x-forwarded-port': '14' } },
  { line: 1099, setup: 'untrusted', name: 'added if not present in request', extra: '', want: { [XRI]: '127.0.0.1', [XFF]: '127.0.0.1', 'x-forwarded-port': PROXY_PORT } },
  { line: 1126, setup: 'untrusted', name: 'changed according to rules if present in request', extra: `X-Real-IP: 10.0.0.2\r\nX-Forwarded-For: ${untrustedXff}\r\n`, want: { [XRI]: '127.0.0.1', [XFF]: `${untrustedXff}, 127.0.0.1` } },
  { line: 1156, setup: 'untrusted', name: 'X-Forwarded-Port replaced even with ports in proxy protocol, X-Forwarded-Port and X-Forwarded-For', extra: `X-Real-IP: 10.0.0.2\r\nX-Forwarded-For: ${portedXff}\r\nX-Forwarded-Port: 14\r\n`, want: { [XRI]: '127.0.0.1', [XFF]: `${portedXff}, 127.0.0.1`, 'x-forwarded-port': PROXY_PORT } },
];
for (const row of ppRows) {
  test(`${SPEC}:${row.line} proxy protocol (${row.setup}): ${row.name}`, async () => {
    const gw = await ppGateway(row.setup);
    const headers = await viaProxyProtocol(gw, row.extra);
    for (const [name, want] of Object.entries(row.want)) assert.equal(headers[name], want === PROXY_PORT ? String(gw.port) : want, name);
  });
}

test('nginx proxy_protocol: a connection without a PROXY header is closed without an answer', async () => {
  const gw = await ppGateway('trusted');
  const r = await raw(gw.port, 'GET / HTTP/1.1\r\nHost: headers-inspect.test\r\n\r\n');
  assert.equal(r.text, '');
  assert.equal(r.closed, true);
});

test('PROXY protocol v2 (binary) is read too', async () => {
  const gw = await ppGateway('trusted');
  const header = Buffer.concat([
    Buffer.from('0d0a0d0a000d0a515549540a', 'hex'), Buffer.from([0x21, 0x11, 0x00, 12]),
    Buffer.from([192, 168, 0, 1, 127, 0, 0, 1]), Buffer.from([0xdc, 0x04, gw.port >> 8, gw.port & 0xff]),
  ]);
  const r = await raw(gw.port, Buffer.concat([header, Buffer.from('GET / HTTP/1.1\r\nHost: headers-inspect.test\r\nConnection: close\r\n\r\n')]));
  const json = /\{.*\}/s.exec(r.text);
  assert.ok(json, r.text);
  assert.equal((JSON.parse(json[0]) as Echo).headers['x-real-ip'], '192.168.0.1');
});
// (using port maps configuration): the port is known before the gateway listens, so that it can be mapped.
async function portMapped(): Promise<TestGateway> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const gw = await startTestGateway(yaml, { proxyListen: [`127.0.0.1:${port}`], portMaps: `80:${port}` });
  after(() => gw.stop());
  return gw;
}
const mapped = portMapped();
test(`${SPEC}:1201 port_maps: X-Forwarded-Port should be added if not present in request`, async () => {
  assert.equal((await upstreamHeaders((await mapped).port, '/', inspect))['x-forwarded-port'], '80');
});
test(`${SPEC}:1209 port_maps: X-Forwarded-Port should be replaced if present in request`, async () => {
  assert.equal((await upstreamHeaders((await mapped).port, '/', { ...inspect, 'X-Forwarded-Port': '81' }))['x-forwarded-port'], '80');
});

test('kong/runloop/handler.lua: X-Forwarded-Path is the path as sent ($request_uri), not normalized', async () => {
  const gw = await gateway('default');
  const h = await upstreamHeaders(gw.port, '/foo//a/./b%7e?q=1');
  assert.equal(h['x-forwarded-path'], '/foo//a/./b%7e');
});

test('nginx proxy_protocol on a TLS listener', { todo: 'refused at start for now: the handshake after the PROXY header does not go through yet' }, () => {
  assert.throws(() => resolveSettings({ proxyListen: '127.0.0.1:0 ssl proxy_protocol' }, {}), /not supported with ssl/);
  assert.fail('TLS after a PROXY header');
});

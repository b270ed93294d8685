// Kong's stream router (traditional_compatible): spec/01-unit/08-router_spec.lua's #stream cases, ported, and
// the checks of stream routes (kong/db/schema/entities/routes.lua).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileStreamRouter, streamPriority, type StreamFacts } from '../../src/router/stream-router.ts';
import { loadValid, problems } from '../helpers/config.ts';

const facts = (over: Partial<StreamFacts>): StreamFacts => ({ srcIp: '192.0.2.200', srcPort: 40000, dstIp: '192.0.2.201', dstPort: 9000, sni: undefined, ...over });

/** Routes (YAML list items, each with an `id`), of one tcp service; the matcher by route id. */
function routerWith(routes: string) {
  const config = loadValid(`_format_version: "3.0"\nservices:\n- name: s\n  protocol: tcp\n  host: upstream.example\n  port: 9000\n  routes:\n${routes}`);
  const router = compileStreamRouter(config);
  return (over: Partial<StreamFacts>) => router.match(facts(over))?.route.id;
}

const id = (n: number) => `e8fb37f1-102d-461e-9c51-6608a6bb810${n}`;

const sources = routerWith(`
  - { id: ${id(1)}, protocols: [tcp], sources: [{ ip: 127.0.0.1 }, { ip: 127.0.0.2 }] }
  - { id: ${id(2)}, protocols: [tcp], sources: [{ port: 65001 }, { port: 65002 }] }
  - { id: ${id(3)}, protocols: [tcp], sources: [{ ip: 127.168.0.0/8 }] }
  - { id: ${id(4)}, protocols: [tcp], sources: [{ ip: 127.0.0.1, port: 65001 }] }
  - { id: ${id(5)}, protocols: [tcp], sources: [{ ip: 127.0.0.2, port: 65300 }, { ip: 127.168.0.0/16, port: 65301 }] }
`);

test('spec/01-unit/08-router_spec.lua:4482 [sources] [src_ip]', () => {
  assert.equal(sources({ srcIp: '127.0.0.1' }), id(1));
  // A dual-stack listener's IPv4-mapped address is the IPv4 one.
  assert.equal(sources({ srcIp: '::ffff:127.0.0.1' }), id(1));
});

test('spec/01-unit/08-router_spec.lua:4492 [sources] [src_port]', () => {
  assert.equal(sources({ srcIp: '127.0.0.3', srcPort: 65001 }), id(2));
});

test('spec/01-unit/08-router_spec.lua:4498 [sources] [src_ip] range match', () => {
  assert.equal(sources({ srcIp: '127.168.0.1' }), id(3));
});

test('spec/01-unit/08-router_spec.lua:4504 [sources] [src_ip] + [src_port]', () => {
  assert.equal(sources({ srcIp: '127.0.0.1', srcPort: 65001 }), id(4));
});

test('spec/01-unit/08-router_spec.lua:4510 [sources] [src_ip] range match + [src_port]', () => {
  assert.equal(sources({ srcIp: '127.168.10.1', srcPort: 65301 }), id(5));
});

test('spec/01-unit/08-router_spec.lua:4516 [sources] [src_ip] no match', () => {
  assert.equal(sources({ srcIp: '10.0.0.1' }), undefined);
  assert.equal(sources({ srcIp: '10.0.0.2', srcPort: 65301 }), undefined);
});

const destinations = routerWith(`
  - { id: ${id(1)}, protocols: [tcp], destinations: [{ ip: 127.0.0.1 }, { ip: 127.0.0.2 }] }
  - { id: ${id(2)}, protocols: [tcp], destinations: [{ port: 65001 }, { port: 65002 }] }
  - { id: ${id(3)}, protocols: [tcp], destinations: [{ ip: 127.168.0.0/8 }] }
  - { id: ${id(4)}, protocols: [tcp], destinations: [{ ip: 127.0.0.1, port: 65001 }] }
  - { id: ${id(5)}, protocols: [tcp], destinations: [{ ip: 127.0.0.2, port: 65300 }, { ip: 127.168.0.0/16, port: 65301 }] }
`);

test('spec/01-unit/08-router_spec.lua:4592 [destinations] [dst_ip]', () => {
  assert.equal(destinations({ dstIp: '127.0.0.1' }), id(1));
});

test('spec/01-unit/08-router_spec.lua:4604 [destinations] [dst_port]', () => {
  assert.equal(destinations({ dstIp: '127.0.0.3', dstPort: 65001 }), id(2));
});

test('spec/01-unit/08-router_spec.lua:4611 [destinations] [dst_ip] range match', () => {
  assert.equal(destinations({ dstIp: '127.168.0.1' }), id(3));
});

test('spec/01-unit/08-router_spec.lua:4618 [destinations] [dst_ip] + [dst_port]', () => {
  assert.equal(destinations({ dstIp: '127.0.0.1', dstPort: 65001 }), id(4));
});

test('spec/01-unit/08-router_spec.lua:4625 [destinations] [dst_ip] range match + [dst_port]', () => {
  assert.equal(destinations({ dstIp: '127.168.10.1', dstPort: 65301 }), id(5));
});

test('spec/01-unit/08-router_spec.lua:4632 [destinations] [dst_ip] no match', () => {
  assert.equal(destinations({ dstIp: '10.0.0.1' }), undefined);
  assert.equal(destinations({ dstIp: '10.0.0.2', dstPort: 65301 }), undefined);
});

test('spec/01-unit/08-router_spec.lua:4709 [sni]', () => {
  const match = routerWith(`  - { id: ${id(1)}, protocols: [tls], snis: [www.example.org] }\n`);
  assert.equal(match({ sni: 'www.example.org' }), id(1));
  assert.equal(match({ sni: 'WWW.example.org.' }), id(1));
  assert.equal(match({ sni: 'www.example.com' }), undefined);
  // transform.lua: `(net.protocol != "tls" || tls.sni == ...)`: without an SNI the connection is "tcp".
  assert.equal(match({ sni: undefined }), id(1));
});

test('snis with wildcards: `*.x` matches names ending in .x, `x.*` names starting with x.', () => {
  const match = routerWith(`
  - { id: ${id(1)}, protocols: [tls], snis: ["*.example.org"] }
  - { id: ${id(2)}, protocols: [tls], snis: ["api.*"] }
`);
  assert.equal(match({ sni: 'a.example.org' }), id(1));
  assert.equal(match({ sni: 'api.example.net' }), id(2));
  assert.equal(match({ sni: 'example.org' }), undefined);
});

test('spec/01-unit/08-router_spec.lua:4732 [sni] has higher priority than [src] or [dst]', () => {
  const match = routerWith(`
  - { id: ${id(1)}, protocols: [tls], snis: [www.example.org] }
  - { id: ${id(2)}, protocols: [tls], sources: [{ ip: 127.0.0.1 }] }
  - { id: ${id(3)}, protocols: [tls], destinations: [{ ip: 172.168.0.1 }] }
`);
  assert.equal(match({ srcIp: '127.0.0.1', sni: 'www.example.org' }), id(1));
  assert.equal(match({ dstIp: '172.168.0.1', sni: 'www.example.org' }), id(1));
});

test('spec/01-unit/08-router_spec.lua:4777 [src] + [dst] has higher priority than [sni]', () => {
  const match = routerWith(`
  - { id: ${id(1)}, protocols: [tls], snis: [www.example.org] }
  - { id: ${id(2)}, protocols: [tls], sources: [{ ip: 127.0.0.1 }], destinations: [{ ip: 172.168.0.1 }] }
`);
  assert.equal(match({ srcIp: '127.0.0.1', dstIp: '172.168.0.1', sni: 'www.example.org' }), id(2));
});

test('spec/01-unit/08-router_spec.lua:5166 [#stream SNI-based routing does work using tls_passthrough]', () => {
  const match = routerWith(`
  - { id: ${id(1)}, protocols: [tls_passthrough], snis: [www.example.com], preserve_host: true }
  - { id: ${id(2)}, protocols: [tls_passthrough], snis: [www.example.org], preserve_host: true }
`);
  assert.equal(match({ sni: 'www.example.com' }), id(1));
  assert.equal(match({ sni: 'www.example.org' }), id(2));
});

test("kong/router/transform.lua stream_get_priority: IP > PORT > CIDR, sources above destinations, the SNI bit on top", () => {
  const p = (r: Record<string, unknown>) => streamPriority({ snis: null, sources: null, destinations: null, ...r });
  assert.equal(p({ destinations: [{ ip: '10.0.0.0/8' }] }), 1n);
  assert.equal(p({ destinations: [{ port: 80 }] }), 4n);
  assert.equal(p({ destinations: [{ ip: '10.0.0.1', port: 80 }] }), 12n);
  assert.equal(p({ sources: [{ ip: '10.0.0.1' }] }), 128n);
  assert.equal(p({ snis: ['a.example'] }), 1n << 61n);
  assert.equal(p({ sources: [{ port: 1 }], destinations: [{ port: 2 }] }), (1n << 61n) | 64n | 4n);
});

test('equal priorities: the higher route id wins (the ATC router\'s order); http routes and disabled services are not stream routes', () => {
  const match = routerWith(`
  - { id: ${id(1)}, protocols: [tcp], destinations: [{ port: 9000 }] }
  - { id: ${id(2)}, protocols: [tcp], destinations: [{ port: 9000 }] }
  - { id: ${id(3)}, protocols: [http], paths: [/] }
`);
  assert.equal(match({}), id(2));
  const disabled = compileStreamRouter(loadValid(`_format_version: "3.0"
services:
- { name: s, protocol: tcp, host: h, port: 1, enabled: false, routes: [{ protocols: [tcp], destinations: [{ port: 9000 }] }] }
`));
  assert.equal(disabled.match(facts({})), undefined);
});

test("stream routes' checks (kong/db/schema/entities/routes.lua)", () => {
  const route = (r: string) => problems(`_format_version: "3.0"\nservices:\n- name: s\n  protocol: tcp\n  host: h\n  port: 1\n  routes:\n  - ${r}\n`).map((p) => p.replace(/^\d+:\d+ /, ''));
  assert.deepEqual(route('{ protocols: [tcp] }'), ["services[0].routes[0]: must set one of 'sources', 'destinations', 'snis' when 'protocols' is 'tcp', 'tls' or 'udp'"]);
  assert.deepEqual(route('{ protocols: [tls_passthrough], destinations: [{ port: 1 }] }'), ["services[0].routes[0]: must set snis when 'protocols' is 'tls_passthrough'"]);
  assert.deepEqual(route('{ protocols: [tls], snis: [a.example] }'), []);
  assert.deepEqual(route('{ protocols: [tcp], snis: [a.example] }'), ["services[0].routes[0].snis: 'snis' can only be set when 'protocols' is 'grpcs', 'https', 'tls', 'tls_passthrough' or 'wss'"]);
  assert.match(route('{ protocols: [tcp], paths: [/a], destinations: [{ port: 1 }] }').join('\n'), /cannot set 'paths' when 'protocols' is 'tcp'/);
  // Kong's stream schema has no http.* fields.
  assert.match(route('{ protocols: [tcp], expression: "http.path == \\"/a\\"" }').join('\n'), /Unknown LHS field 'http.path'/);
});

test("kong/router/expressions.lua on streams: expression routes first, net.protocol added unless the one protocol is tls or tls_passthrough", () => {
  const match = routerWith(`
  - { id: ${id(1)}, protocols: [tcp], expression: "net.dst.port == 9000", priority: 1 }
  - { id: ${id(2)}, protocols: [tls], expression: "tls.sni =^ \\".example.org\\"", priority: 2 }
  - { id: ${id(3)}, protocols: [tcp], destinations: [{ port: 9000 }] }
  - { id: ${id(4)}, protocols: [tcp, tls], expression: "net.src.ip in 10.0.0.0/8 && net.protocol == \\"tls\\"", priority: 3 }
`);
  assert.equal(match({}), id(1));
  assert.equal(match({ sni: 'a.example.org' }), id(2));
  // A tcp route's added `net.protocol == "tcp"` fails a connection with an SNI (Kong's scheme "tls").
  assert.equal(match({ sni: 'other.example.net' }), id(3));
  assert.equal(match({ srcIp: '10.1.2.3', sni: 'a.example.org' }), id(4));
});

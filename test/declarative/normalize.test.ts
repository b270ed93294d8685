// The normalized Config: nesting resolved, defaults filled, ids derived as Kong derives them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { load, loadValid, yaml } from '../helpers/config.ts';
import type { Config } from '../../src/declarative/config.ts';

function entitiesOf(config: Config) {
  return { ...config };
}

test('nested and flat forms give the same Config', () => {
  const nested = loadValid(yaml`
    _format_version: "3.0"
    services:
    - name: orders
      url: https://orders.internal:8443/v1
      routes:
      - name: orders-api
        paths: [/orders]
        plugins:
        - name: request-size-limiting
          config: { allowed_payload_size: 10 }
      plugins:
      - name: cors
    consumers:
    - username: alice
      keyauth_credentials:
      - key: alice-key
      acls:
      - group: admins
      plugins:
      - name: request-size-limiting
        config: { allowed_payload_size: 5 }
    upstreams:
    - name: orders.internal
      targets:
      - target: 10.0.0.1:8443
    certificates:
    - id: 3e5c6f0a-8b0e-4c55-9a4b-0d8f6a7e2b11
      cert: ${JSON.stringify(CERT)}
      key: ${JSON.stringify(KEY)}
      snis: [orders.example.com]
  `);
  const flat = loadValid(yaml`
    _format_version: "3.0"
    services:
    - name: orders
      protocol: https
      host: orders.internal
      port: 8443
      path: /v1
    routes:
    - name: orders-api
      paths: [/orders]
      service: orders
    plugins:
    - name: request-size-limiting
      route: orders-api
      config: { allowed_payload_size: 10 }
    - name: cors
      service: orders
    - name: request-size-limiting
      consumer: alice
      config: { allowed_payload_size: 5 }
    consumers:
    - username: alice
    keyauth_credentials:
    - key: alice-key
      consumer: alice
    acls:
    - group: admins
      consumer: alice
    upstreams:
    - name: orders.internal
    targets:
    - target: 10.0.0.1:8443
      upstream: orders.internal
    certificates:
    - id: 3e5c6f0a-8b0e-4c55-9a4b-0d8f6a7e2b11
      cert: ${JSON.stringify(CERT)}
      key: ${JSON.stringify(KEY)}
    snis:
    - name: orders.example.com
      certificate: 3e5c6f0a-8b0e-4c55-9a4b-0d8f6a7e2b11
  `);
  // Identical, derived ids included: references enter ids as the referenced entity's id in both forms.
  const byId = <T extends { id: string }>(xs: readonly T[]) => [...xs].sort((a, b) => a.id.localeCompare(b.id));
  const sorted = (c: Config) => ({ ...entitiesOf(c), plugins: byId(c.plugins) });
  assert.deepEqual(sorted(nested), sorted(flat));
  assert.equal(nested.routes[0]!.service!.id, nested.services[0]!.id);
  assert.equal(nested.targets[0]!.upstream!.id, nested.upstreams[0]!.id);
});

test('Kong defaults are filled for entities and plugin configs', () => {
  const config = loadValid(yaml`
    _format_version: "3.0"
    services:
    - name: s
      host: example.com
      routes:
      - name: r
        paths: [/]
        plugins:
        - name: key-auth
  `);
  const { id: _sid, ...service } = config.services[0]!;
  assert.deepEqual(service, {
    name: 's', protocol: 'http', host: 'example.com', port: 80, path: null, retries: 5, connect_timeout: 60000,
    write_timeout: 60000, read_timeout: 60000, tls_verify: null, tls_verify_depth: null, ca_certificates: null,
    client_certificate: null, enabled: true, tags: null, created_at: null, updated_at: null,
  });
  const route = config.routes[0]!;
  assert.deepEqual(
    [route.protocols, route.strip_path, route.preserve_host, route.regex_priority, route.path_handling, route.https_redirect_status_code, route.request_buffering, route.response_buffering],
    [['http', 'https'], true, false, 0, 'v0', 426, true, true],
  );
  const plugin = config.plugins[0]!;
  assert.deepEqual(plugin.protocols, ['grpc', 'grpcs', 'http', 'https']);
  assert.equal(plugin.enabled, true);
  assert.deepEqual(plugin.config, {
    key_names: ['apikey'], hide_credentials: false, key_in_header: true, key_in_query: true, key_in_body: false, run_on_preflight: true,
  });
  assert.deepEqual(plugin.route, { id: route.id });
  assert.equal(plugin.service, null, 'a plugin nested in a route nested in a service gets only the route, as in Kong');
});

test('null means "use the default", as in files Kong exports', () => {
  const config = loadValid(yaml`
    _format_version: "3.0"
    services:
    - name: s
      host: example.com
      retries: null
      path: null
  `);
  assert.equal(config.services[0]!.retries, 5);
  assert.equal(config.services[0]!.path, null);
});

test('url shorthand: scheme, default ports, path', () => {
  const config = loadValid(yaml`
    _format_version: "3.0"
    services:
    - { name: a, url: "https://api.example.com" }
    - { name: b, url: "http://api.example.com:8080/base/path" }
    - { name: c, url: "grpcs://grpc.example.com" }
  `);
  const pick = (i: number) => {
    const s = config.services[i]!;
    return [s.protocol, s.host, s.port, s.path];
  };
  assert.deepEqual(pick(0), ['https', 'api.example.com', 443, null]);
  assert.deepEqual(pick(1), ['http', 'api.example.com', 8080, '/base/path']);
  assert.deepEqual(pick(2), ['grpcs', 'grpc.example.com', 80, null], "Kong gives port 80 to schemes other than https");
});

test('deterministic ids: Kong DB-less values, stable across loads', () => {
  const text = yaml`
    _format_version: "3.0"
    services:
    - name: bar-namespace.foo-svc.80
      host: example.com
      routes:
      - paths: [/unnamed]
    consumers:
    - username: consumer
    plugins:
    - name: key-auth
    upstreams:
    - name: up
      targets:
      - target: 10.0.0.1:80
  `;
  const a = loadValid(text);
  const b = loadValid(text);
  assert.deepEqual(entitiesOf(a), entitiesOf(b));
  // Values Kong itself assigns (seen in Kong's ingress controller golden files).
  assert.equal(a.services[0]!.id, 'edc1d53e-73b4-5932-9455-0e01f0d53e3f');
  assert.equal(a.consumers[0]!.id, '7deb6e70-60be-5dd2-b374-06551479ea5e');
  // Cache-key ids: `<collection>:*:<fields>`, the parent's id for a nested child.
  assert.equal(a.plugins[0]!.id, uuidv5Reference('plugins', 'plugins:*:key-auth:::'));
  assert.equal(a.targets[0]!.id, uuidv5Reference('targets', `targets:*:${a.upstreams[0]!.id}:10.0.0.1:80`));
  assert.match(a.routes[0]!.id, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test('format 1.1 and 2.1: regex-looking paths get "~", with a warning', () => {
  const result = load(yaml`
    _format_version: "1.1"
    services:
    - name: s
      host: example.com
      routes:
      - name: r
        paths: [/plain, '/users/\\d+', "/a//b"]
  `);
  assert.ok(result.config, JSON.stringify(result.issues));
  assert.deepEqual(result.config.routes[0]!.paths, ['/plain', '~/users/\\d+', '/a/b']);
  assert.deepEqual(result.issues.map((i) => [i.severity, i.message]), [
    ['warning', "format 1.1: path '/users/\\d+' read as '~/users/\\d+' (Kong 3.0 format)"],
    ['warning', "format 1.1: path '/a//b' read as '/a/b' (Kong 3.0 format)"],
  ]);
});

test('consumer group membership: Kong join entities and both decK forms', () => {
  const config = loadValid(yaml`
    _format_version: "3.0"
    consumer_groups:
    - name: gold
      consumers:
      - username: alice
      plugins:
      - name: request-size-limiting
        config: { allowed_payload_size: 100 }
    - name: silver
    consumers:
    - username: alice
      groups:
      - name: silver
    - username: bob
    consumer_group_consumers:
    - consumer: bob
      consumer_group: gold
    - consumer: alice
      consumer_group: gold
  `);
  const id = (name: string) => config.consumers.find((c) => c.username === name)!.id;
  const gid = (name: string) => config.consumer_groups.find((g) => g.name === name)!.id;
  const pairs = config.consumer_group_consumers.map((m) => `${m.consumer.id}>${m.consumer_group.id}`).sort();
  assert.deepEqual(pairs, [`${id('alice')}>${gid('gold')}`, `${id('alice')}>${gid('silver')}`, `${id('bob')}>${gid('gold')}`].sort());
  assert.deepEqual(config.plugins[0]!.consumer_group, { id: gid('gold') });
});

test('basic-auth passwords are stored hashed as Kong stores them, unless _transform is false', () => {
  const text = (transform: boolean) => yaml`
    _format_version: "3.0"
    _transform: ${transform}
    consumers:
    - username: alice
      basicauth_credentials:
      - username: alice
        password: s3cret
  `;
  const hashed = loadValid(text(true));
  const consumerId = hashed.consumers[0]!.id;
  assert.equal(hashed.basicauth_credentials[0]!.password, createHash('sha1').update(`s3cret${consumerId}`).digest('hex'));
  assert.equal(loadValid(text(false)).basicauth_credentials[0]!.password, 's3cret');
});

test('the Config is frozen', () => {
  const config = loadValid('_format_version: "3.0"\nservices: [{ name: s, host: example.com }]\n');
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.services) && Object.isFrozen(config.services[0]));
});

test('JSON files load with positions too', () => {
  const result = load('{\n  "_format_version": "3.0",\n  "services": [\n    { "name": "s", "port": -1, "host": "x.example" }\n  ]\n}\n', 'kong.json');
  assert.deepEqual(result.issues.map((i) => `${i.file}:${i.line}:${i.column} ${i.path}: ${i.message}`), [
    'kong.json:4:28 services[0].port: value should be between 0 and 65535',
  ]);
});

import { uuidv5 } from '../../src/declarative/ids.ts';
/** An independent spelling of Kong's scheme: namespace = uuidv5(root, collection), id = uuidv5(namespace, key). */
function uuidv5Reference(collection: string, key: string): string {
  return uuidv5(uuidv5('fd02801f-0957-4a15-a55a-c8d9606f30b5', collection), key);
}

const CERT = readFileSync(new URL('../fixtures/tls/rsa.crt', import.meta.url), 'utf8');
const KEY = readFileSync(new URL('../fixtures/tls/rsa.key', import.meta.url), 'utf8');

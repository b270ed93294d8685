// Each invalid file yields exactly these problems, at these positions, in this order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { problems, yaml } from '../helpers/config.ts';

const cases: { name: string; file: string; expect: string[] }[] = [
  {
    name: "empty strings: Kong refuses them unless a field allows it",
    file: yaml`
      _format_version: "3.0"
      consumers:
      - username: alice
        custom_id: ""
      plugins:
      - name: request-termination
        config:
          message: ""
    `,
    expect: [
      '4:14 consumers[0].custom_id: length must be at least 1',
      '8:14 plugins[0].config.message: length must be at least 1',
    ],
  },
  {
    name: 'route path without a leading slash (the README example)',
    file: yaml`
      _format_version: "3.0"
      services:
      - name: s
        host: example.com
        routes:
        - name: a
          paths: [/a]
        - name: b
          paths:
          - /ok
          - api
    `,
    expect: ['11:7 services[0].routes[1].paths[1]: must start with "/" or "~/"'],
  },
  {
    name: 'missing and unknown fields, wrong types, ranges',
    file: yaml`
      _format_version: "3.0"
      services:
      - name: s
        port: "80"
        retries: 40000
        colour: blue
      consumers:
      - tags: [a]
    `,
    expect: [
      "3:3 services[0].host: required field missing",
      '4:9 services[0].port: expected an integer',
      '5:12 services[0].retries: value should be between 0 and 32767',
      '6:3 services[0].colour: unknown field',
      "8:3 consumers[0]: at least one of these fields must be non-empty: 'custom_id', 'username'",
    ],
  },
  {
    name: 'format version',
    file: yaml`
      _format_version: "4.0"
      services: []
    `,
    expect: ['1:18 _format_version: expected one of: 3.0, 2.1, 1.1'],
  },
  {
    name: 'format version missing',
    file: yaml`
      services: []
    `,
    expect: ['1:1 _format_version: required field missing'],
  },
  {
    name: 'unknown top-level key, and decK metadata as warnings',
    file: yaml`
      _format_version: "3.0"
      _workspace: team-a
      _info:
        select_tags: [x]
      vaults_of_gold: []
    `,
    expect: [
      "2:1 _workspace: warning: '_workspace' is decK metadata; accepted and ignored",
      "3:1 _info: warning: '_info' is decK metadata; accepted and ignored",
      '5:1 vaults_of_gold: unknown field',
    ],
  },
  {
    name: 'references that do not resolve',
    file: yaml`
      _format_version: "3.0"
      routes:
      - name: r
        paths: [/r]
        service: nope
      plugins:
      - name: key-auth
        route: { id: 4f0e7a44-0000-4000-8000-000000000000 }
    `,
    expect: [
      "5:12 routes[0].service: invalid reference 'service: nope' (no such entry in 'services')",
      `8:10 plugins[0].route: invalid reference 'route: {"id":"4f0e7a44-0000-4000-8000-000000000000"}' (no such entry in 'routes')`,
    ],
  },
  {
    name: 'duplicate names, ids and unique fields',
    file: yaml`
      _format_version: "3.0"
      services:
      - name: s
        host: a.example
      - name: s
        host: b.example
      consumers:
      - username: u1
        custom_id: c
      - username: u2
        custom_id: c
      upstreams:
      - id: 0b2f1e30-5f0c-4a8e-9a38-2f4c9c1f5f01
        name: up1
      - id: 0b2f1e30-5f0c-4a8e-9a38-2f4c9c1f5f01
        name: up2
    `,
    expect: [
      "5:9 services[1].name: uniqueness violation: 'services' entity with name set to 's' already declared",
      "11:14 consumers[1].custom_id: uniqueness violation: 'consumers' entity with custom_id set to 'c' already declared",
      "15:3 upstreams[1]: uniqueness violation: 'upstreams' entity with primary key set to '0b2f1e30-5f0c-4a8e-9a38-2f4c9c1f5f01' already declared",
    ],
  },
  {
    name: 'routes: matchers, regexes, hosts, headers, normalization',
    file: yaml`
      _format_version: "3.0"
      routes:
      - name: no-matcher
        protocols: [http]
      - name: bad
        paths: ["~/(unclosed", "/a/./b", "/ok/%7Euser", "/a//b", "~/x//y"]
        hosts: ["*.example.*", "ex ample.com", "example.com:99999"]
        headers:
          Host: [x]
          x-version: ["~*(", "v2"]
      - name: stream-with-paths
        protocols: [tcp]
        paths: [/p]
    `,
    expect: [
      "3:3 routes[0]: must set one of 'methods', 'hosts', 'headers', 'paths' when 'protocols' is 'http'",
      "6:11 routes[1].paths[0]: invalid regex: '/(unclosed' (missing closing ): `/(unclosed`)",
      "6:26 routes[1].paths[1]: non-normalized path, consider use '/a/b' instead",
      "6:36 routes[1].paths[2]: non-normalized path, consider use '/ok/~user' instead",
      '6:51 routes[1].paths[3]: must not have empty segments',
      '6:60 routes[1].paths[4]: must not have empty segments',
      '7:11 routes[1].hosts[0]: invalid wildcard: must have at most one wildcard',
      '7:26 routes[1].hosts[1]: invalid hostname: ex ample.com',
      '7:42 routes[1].hosts[2]: invalid port number',
      "9:5 routes[1].headers.Host: cannot contain 'host' header, which must be specified in the 'hosts' attribute",
      '10:17 routes[1].headers.x-version[0]: a regex header value (~*) must be the only value of its header',
      "10:17 routes[1].headers.x-version[0]: invalid regex: '(' (missing closing ): `(`)",
      "11:3 routes[2]: must set one of 'sources', 'destinations', 'snis' when 'protocols' is 'tcp', 'tls' or 'udp'",
      "13:3 routes[2].paths: cannot set 'paths' when 'protocols' is 'tcp'",
    ],
  },
  {
    name: 'services: url shorthand conflicts, protocol-dependent fields',
    file: yaml`
      _format_version: "3.0"
      services:
      - name: a
        url: http://example.com/api
        host: other.example
      - name: b
        protocol: tcp
        host: example.com
        path: /x
      - name: c
        host: example.com
        tls_verify: true
      - name: d
        host: example.com:8080
    `,
    expect: [
      '5:9 services[0].host: conflicts with \'url\' (http://example.com/api), which sets host to "example.com"',
      "9:9 services[1].path: value must be null when 'protocol' is 'tcp'",
      "12:15 services[2].tls_verify: value must be null when 'protocol' is 'http' (only https, tls and wss use it)",
      '14:9 services[3].host: invalid hostname: must be a hostname or an IP address, without a port',
    ],
  },
  {
    name: 'plugins: unknown name, forbidden scope, protocols, config, same scope twice',
    file: yaml`
      _format_version: "3.0"
      consumers:
      - username: alice
        plugins:
        - name: key-auth
      plugins:
      - name: key-auth
        config:
          key_names: []
          hide_credentials: "yes"
          extra: 1
      - name: key-auth
      - name: no-such-plugin
      - name: key-auth
        service: s
        protocols: [tcp]
      services:
      - name: s
        host: example.com
    `,
    expect: [
      "5:5 consumers[0].plugins[0]: value must be null: plugin 'key-auth' cannot be scoped to a consumer",
      '9:16 plugins[0].config.key_names: length must be at least 1',
      '10:23 plugins[0].config.hide_credentials: expected a boolean',
      '11:5 plugins[0].config.extra: unknown field',
      "12:3 plugins[1]: plugin 'key-auth' is already configured on this scope (global) at plugins[0]",
      `13:9 plugins[2].name: plugin 'no-such-plugin' not enabled; add it to the 'plugins' configuration property (available: acl, basic-auth, bot-detection, correlation-id, cors, file-log, hmac-auth, http-log, ip-restriction, jwt, key-auth, prometheus, proxy-cache, rate-limiting, request-size-limiting, request-termination, request-transformer, response-ratelimiting, response-transformer, syslog, tcp-log, udp-log)`,
      '16:15 plugins[3].protocols[0]: expected one of: grpc, grpcs, http, https, ws, wss',
    ],
  },
  {
    name: 'nested entities must not point elsewhere',
    file: yaml`
      _format_version: "3.0"
      consumers:
      - username: alice
      - username: bob
        keyauth_credentials:
        - key: k1
          consumer: alice
    `,
    expect: ['7:5 consumers[1].keyauth_credentials[0].consumer: value must be null (nested under a consumer, which it belongs to)'],
  },
  {
    name: 'upstreams and targets',
    file: yaml`
      _format_version: "3.0"
      upstreams:
      - name: up
        hash_on: header
        hash_fallback: header
        hash_on_header: x-a
        hash_fallback_header: x-a
        targets:
        - target: "not a host"
        - target: 10.0.0.1:99999
      - name: "10.0.0.1:80"
    `,
    expect: [
      "7:25 upstreams[0].hash_fallback_header: values of these fields must be distinct: 'hash_on_header', 'hash_fallback_header'",
      "9:13 upstreams[0].targets[0].target: Invalid target ('not a host'); not a valid hostname or ip address",
      "10:13 upstreams[0].targets[1].target: Invalid target ('10.0.0.1:99999'); not a valid hostname or ip address",
      '11:9 upstreams[1].name: invalid hostname: an upstream name must be a hostname (no port, no IP address)',
    ],
  },
  {
    name: 'certificates and snis',
    file: yaml`
      _format_version: "3.0"
      certificates:
      - cert: not a pem
        key: not a key either
        snis: ["*.example.*", "10.0.0.1"]
    `,
    expect: [
      '3:9 certificates[0].cert: invalid certificate: not a PEM certificate',
      '4:8 certificates[0].key: invalid key: unsupported',
      '5:10 certificates[0].snis[0].name: invalid wildcard: must have at most one wildcard',
      '5:25 certificates[0].snis[1].name: must not be an IP',
    ],
  },
  {
    name: 'YAML syntax error',
    file: 'services:\n  - name: a\n   host: b\n',
    expect: ['3:4 failed parsing declarative configuration: bad indentation of a sequence entry'],
  },
  {
    name: 'duplicate YAML key',
    file: '_format_version: "3.0"\nservices: []\nservices: []\n',
    expect: ['3:1 failed parsing declarative configuration: duplicated mapping key'],
  },
  {
    name: 'not an object',
    file: '- a\n- b\n',
    expect: ['1:1 failed parsing declarative configuration: expected an object'],
  },
];

for (const c of cases) {
  test(`invalid: ${c.name}`, () => {
    assert.deepEqual(problems(c.file), c.expect);
  });
}

test('a duplicated secret is reported without its value (messages reach logs)', () => {
  assert.deepEqual(problems(yaml`
    _format_version: "3.0"
    consumers:
    - username: a
      keyauth_credentials: [{ key: s3cret-value }]
    - username: b
      keyauth_credentials: [{ key: s3cret-value }]
  `), ["6:32 consumers[1].keyauth_credentials[0].key: uniqueness violation: 'keyauth_credentials' entity with key set to '[redacted]' already declared"]);
});

// Each bundled plugin's schema module: Kong's defaults for a minimal config, required fields, ranges, and its
// cross-field rules in Kong's words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validatePluginConfig } from '../../src/declarative/plugin-config.ts';
import { BUNDLED_PLUGIN_SCHEMAS } from '../../src/plugins/registry.ts';
import { formatPath } from '../../src/errors.ts';

const plugin = (name: string) => {
  const found = BUNDLED_PLUGIN_SCHEMAS.find((p) => p.name === name);
  assert.ok(found, name);
  return found;
};
const check = (name: string, config: unknown) => validatePluginConfig(plugin(name), config);
const problems = (name: string, config: unknown) => check(name, config).problems.map((p) => `${formatPath(p.path) || '(config)'}: ${p.message}`);

const REDIS = { port: 6379, timeout: 2000, database: 0, ssl: false, ssl_verify: false };

const DEFAULTS: Record<string, [input: Record<string, unknown>, filled: Record<string, unknown>]> = {
  'key-auth': [{}, { key_names: ['apikey'], hide_credentials: false, key_in_header: true, key_in_query: true, key_in_body: false, run_on_preflight: true }],
  'basic-auth': [{}, { hide_credentials: false, realm: 'service' }],
  jwt: [{}, { uri_param_names: ['jwt'], cookie_names: [], key_claim_name: 'iss', secret_is_base64: false, run_on_preflight: true, maximum_expiration: 0, header_names: ['authorization'] }],
  'hmac-auth': [{}, { hide_credentials: false, clock_skew: 300, validate_request_body: false, enforce_headers: [], algorithms: ['hmac-sha1', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512'] }],
  acl: [{ allow: ['admins'] }, { allow: ['admins'], hide_groups_header: false, always_use_authenticated_groups: false, include_consumer_groups: false }],
  'ip-restriction': [{ deny: ['10.0.0.0/8'] }, { deny: ['10.0.0.0/8'] }],
  cors: [{}, { methods: ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'], credentials: false, private_network: false, preflight_continue: false, allow_origin_absent: true }],
  'bot-detection': [{}, { allow: [], deny: [] }],
  'request-size-limiting': [{}, { allowed_payload_size: 128, size_unit: 'megabytes', require_content_length: false }],
  'rate-limiting': [{ minute: 5 }, { minute: 5, limit_by: 'consumer', policy: 'local', fault_tolerant: true, redis: REDIS, hide_client_headers: false, error_code: 429, error_message: 'API rate limit exceeded', sync_rate: -1 }],
  'response-ratelimiting': [{ limits: { videos: { minute: 10 } } }, { limits: { videos: { minute: 10 } }, header_name: 'x-kong-limit', limit_by: 'consumer', policy: 'local', fault_tolerant: true, redis: REDIS, block_on_first_violation: false, hide_client_headers: false }],
  'request-transformer': [{}, {
    remove: { body: [], headers: [], querystring: [] }, rename: { body: [], headers: [], querystring: [] },
    replace: { body: [], headers: [], querystring: [] }, add: { body: [], headers: [], querystring: [] }, append: { body: [], headers: [], querystring: [] },
  }],
  'response-transformer': [{}, {
    remove: { json: [], headers: [] }, rename: { json: [], headers: [] }, replace: { json: [], json_types: [], headers: [] },
    add: { json: [], json_types: [], headers: [] }, append: { json: [], json_types: [], headers: [] },
  }],
  'correlation-id': [{}, { header_name: 'Kong-Request-ID', generator: 'uuid#counter', echo_downstream: false }],
  'request-termination': [{}, { status_code: 503, echo: false }],
  'proxy-cache': [{ strategy: 'memory' }, {
    strategy: 'memory', response_code: [200, 301, 404], request_method: ['GET', 'HEAD'], content_type: ['text/plain', 'application/json'],
    cache_ttl: 300, cache_control: false, ignore_uri_case: false, memory: { dictionary_name: 'kong_db_cache' },
    response_headers: { age: true, 'X-Cache-Status': true, 'X-Cache-Key': true },
  }],
  prometheus: [{}, { per_consumer: false, status_code_metrics: false, ai_metrics: false, latency_metrics: false, bandwidth_metrics: false, upstream_health_metrics: false, wasm_metrics: false }],
  'file-log': [{ path: '/tmp/kong.log' }, { path: '/tmp/kong.log', reopen: false }],
  'http-log': [{ http_endpoint: 'http://logs.example.com/in' }, {
    http_endpoint: 'http://logs.example.com/in', method: 'POST', content_type: 'application/json', timeout: 10000, keepalive: 60000,
    queue: { max_batch_size: 1, max_coalescing_delay: 1, max_entries: 10000, max_retry_time: 60, initial_retry_delay: 0.01, max_retry_delay: 60, concurrency_limit: 1 },
  }],
  'tcp-log': [{ host: 'logs.example.com', port: 5000 }, { host: 'logs.example.com', port: 5000, timeout: 10000, keepalive: 60000, tls: false }],
  'udp-log': [{ host: 'logs.example.com', port: 5000 }, { host: 'logs.example.com', port: 5000, timeout: 10000 }],
  syslog: [{}, { log_level: 'info', successful_severity: 'info', client_errors_severity: 'info', server_errors_severity: 'info', facility: 'user' }],
};

test('every bundled plugin has a defaults case', () => {
  assert.deepEqual(Object.keys(DEFAULTS).sort(), BUNDLED_PLUGIN_SCHEMAS.map((p) => p.name).sort());
});

for (const [name, [input, filled]] of Object.entries(DEFAULTS)) {
  test(`${name}: Kong's defaults`, () => {
    const result = check(name, input);
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.config, filled);
  });
}

test('required fields', () => {
  assert.deepEqual(problems('file-log', {}), ['path: required field missing']);
  // Kong's file name rule (spec/03-plugins/04-file-log/02-schema_spec.lua): no *, &, %, backslash or backtick,
  // no white space at either end.
  for (const path of ['/tmp/a*.log', 'C:\\logs\\kong.log', '/tmp/`x`.log', 'test&thing', 'test%thing', ' /ovo', '/ovo  ', 'x']) {
    assert.deepEqual(problems('file-log', { path }), ['path: not a valid filename'], path);
  }
  for (const path of ['/o vo.loga', '/tmp/log.txt']) assert.deepEqual(problems('file-log', { path }), [], path);
  assert.deepEqual(problems('syslog', { log_level: 'warn' }), ['log_level: expected one of: debug, info, notice, warning, err, crit, alert, emerg']);
  assert.deepEqual(problems('syslog', { facility: 'local8' }), ['facility: expected one of: auth, authpriv, cron, daemon, ftp, kern, lpr, mail, news, syslog, user, uucp, local0, local1, local2, local3, local4, local5, local6, local7']);
  assert.deepEqual(problems('http-log', {}), ['http_endpoint: required field missing']);
  assert.deepEqual(problems('tcp-log', { host: 'x.example' }), ['port: required field missing']);
  assert.deepEqual(problems('proxy-cache', {}), ['strategy: required field missing']);
  assert.deepEqual(problems('response-ratelimiting', {}), ['limits: required field missing']);
});

test('ranges, one-of values and element types', () => {
  assert.deepEqual(problems('request-termination', { status_code: 600 }), ['status_code: value should be between 100 and 599']);
  assert.deepEqual(problems('rate-limiting', { minute: 5, policy: 'memcached' }), ['policy: expected one of: local, redis']);
  assert.deepEqual(problems('rate-limiting', { minute: 0 }), ['minute: value must be greater than 0']);
  assert.deepEqual(problems('correlation-id', { generator: 'uuid4' }), ['generator: expected one of: uuid, uuid#counter, tracker']);
  assert.deepEqual(problems('cors', { methods: ['GET', 'FETCH'] }), ['methods[1]: expected one of: GET, HEAD, PUT, PATCH, POST, DELETE, OPTIONS, TRACE, CONNECT']);
  assert.deepEqual(problems('ip-restriction', { allow: ['10.0.0.1', 'not-an-ip'] }), ['allow[1]: invalid ip or cidr range']);
  assert.deepEqual(problems('request-transformer', { add: { headers: ['no-colon'] } }), ['add.headers[0]: invalid value: expected "header-name:value"']);
  assert.deepEqual(problems('hmac-auth', { algorithms: ['hmac-md5'] }), ['algorithms[0]: expected one of: hmac-sha1, hmac-sha256, hmac-sha384, hmac-sha512']);
  assert.deepEqual(problems('jwt', { maximum_expiration: 31536001, claims_to_verify: ['exp'] }), ['maximum_expiration: value should be between 0 and 31536000']);
  assert.deepEqual(problems('request-size-limiting', { size_unit: 'gigabytes' }), ['size_unit: expected one of: megabytes, kilobytes, bytes']);
  assert.deepEqual(problems('http-log', { http_endpoint: 'http://x.example', method: 'GET' }), ['method: expected one of: POST, PUT, PATCH']);
});

test('rate-limiting: at least one period, periods in order, redis host, limit_by fields', () => {
  assert.deepEqual(problems('rate-limiting', {}), ["(config): at least one of these fields must be non-empty: 'config.second', 'config.minute', 'config.hour', 'config.day', 'config.month', 'config.year'"]);
  assert.deepEqual(problems('rate-limiting', { second: 30, minute: 20 }), ['minute: The limit for minute(20.0) cannot be lower than the limit for second(30.0)']);
  // Kong compares every pair, shorter period first, and reports the first at fault.
  assert.deepEqual(problems('rate-limiting', { second: 30, minute: 40, hour: 20, day: 10 }), ['hour: The limit for hour(20.0) cannot be lower than the limit for second(30.0)']);
  assert.deepEqual(problems('rate-limiting', { minute: 5, sync_rate: 1 }), ['sync_rate: sync_rate can only be used with the redis policy']);
  assert.deepEqual(problems('rate-limiting', { minute: 5, policy: 'redis', redis: { host: 'h' }, sync_rate: 0.01 }), ['sync_rate: sync_rate must be greater than 0.02, or -1 to disable']);
  assert.deepEqual(problems('rate-limiting', { minute: 5, limit_by: 'consumer-group' }), ['limit_by: expected one of: consumer, credential, ip, service, header, path']);
  assert.deepEqual(problems('rate-limiting', { minute: 5, redis: { connect_timeout: 5 } }), ['redis.connect_timeout: unknown field'], "not in Kong 3.10's redis record");
  assert.deepEqual(problems('rate-limiting', { minute: 5, policy: 'redis' }), ['redis.host: required field missing']);
  assert.deepEqual(problems('rate-limiting', { minute: 5, policy: 'redis', redis: { host: 'redis.local' } }), []);
  assert.deepEqual(problems('rate-limiting', { minute: 5, policy: 'redis', redis_host: 'redis.local' }), [], 'the deprecated flat redis_* fields still count');
  assert.deepEqual(problems('rate-limiting', { minute: 5, limit_by: 'header' }), ['header_name: required field missing']);
  assert.deepEqual(problems('rate-limiting', { minute: 5, limit_by: 'path' }), ['path: required field missing']);
});

test('response-ratelimiting: each named limit needs a period, in order', () => {
  assert.deepEqual(problems('response-ratelimiting', { limits: { videos: {} } }), ['limits.videos: length must be at least 1']);
  assert.deepEqual(problems('response-ratelimiting', { limits: { videos: { minute: 10, second: 20 } } }), ['limits.videos.minute: the limit for minute(10.0) cannot be lower than the limit for second(20.0)']);
});

test('acl and ip-restriction: allow or deny', () => {
  assert.deepEqual(problems('acl', {}), ["(config): at least one of these fields must be non-empty: 'config.allow', 'config.deny'"]);
  assert.deepEqual(problems('acl', { allow: ['a'], deny: ['b'] }), ["(config): only one of these fields must be non-empty: 'config.allow', 'config.deny'"]);
  assert.deepEqual(problems('ip-restriction', { status: 403 }), ["(config): at least one of these fields must be non-empty: 'config.allow', 'config.deny'"]);
});

test('request-termination: message, body, content_type and echo', () => {
  assert.deepEqual(problems('request-termination', { message: 'gone', body: '<p>gone</p>' }), ['message: message cannot be used with content_type or body']);
  assert.deepEqual(problems('request-termination', { content_type: 'text/html' }), ['content_type: content_type requires a body']);
  assert.deepEqual(problems('request-termination', { echo: true, body: 'x', content_type: 'text/plain' }), ['echo: echo cannot be used with content_type and body']);
  assert.deepEqual(problems('request-termination', { status_code: 403, body: '<p>no</p>', content_type: 'text/html' }), []);
});

test('jwt: maximum_expiration needs exp to be verified', () => {
  assert.deepEqual(problems('jwt', { maximum_expiration: 60 }), ["claims_to_verify: expected to contain: exp (required when 'maximum_expiration' is set)"]);
  assert.deepEqual(problems('jwt', { maximum_expiration: 60, claims_to_verify: ['exp'] }), []);
});

test('regexes in cors origins and bot-detection lists must compile', () => {
  assert.deepEqual(problems('cors', { origins: ['*', 'https://a.example.com', 'https://(.*\\.example\\.com'] }), ["origins[2]: 'https://(.*\\.example\\.com' is not a valid regex"]);
  // kong/db/schema/init.lua's IS_REGEX message, which bot-detection's schema uses (is_regex = true).
  assert.deepEqual(problems('bot-detection', { deny: ['curl/[0-9'] }), ['deny[0]: not a valid regex: curl/[0-9']);
  // Look-around is PCRE, which Kong takes here; this gateway matches in linear time and refuses it, saying why.
  assert.match(problems('cors', { origins: ['https://(?!evil).*'] })[0]!, /is not a valid regex \(look-around, including look-ahead and look-behind, is not supported: this gateway matches regexes in linear time/);
});

test('http-log: endpoint url and forbidden headers', () => {
  assert.deepEqual(problems('http-log', { http_endpoint: 'not a url' }), ['http_endpoint: missing host in url']);
  assert.deepEqual(problems('http-log', { http_endpoint: 'http://x.example', headers: { Host: 'y' } }), ["headers.Host: cannot contain 'Host' header"]);
  assert.deepEqual(problems('http-log', { http_endpoint: 'http://x.example', headers: { 'content-TYPE': 'y', 'x y': 'z' } }), [
    "headers.content-TYPE: cannot contain 'Content-Type' header",
    `headers["x y"]: bad header name, allowed characters are A-Z, a-z, 0-9, '_', and '-'`,
  ]);
  assert.deepEqual(problems('http-log', { http_endpoint: 'https://user:pw@x.example/in', headers: { Authorization: 'Basic eA==' } }), [
    "headers.Authorization: specifying both an 'Authorization' header and user info in 'http_endpoint' is not allowed",
  ]);
  assert.deepEqual(problems('http-log', { http_endpoint: 'https://user:pw@x.example/in', headers: { 'X-Token': 'a' } }), []);
});

test('allowed protocols and forbidden scopes are part of the schema', () => {
  assert.deepEqual(plugin('key-auth').forbiddenScopes, ['consumer']);
  for (const name of ['basic-auth', 'jwt', 'hmac-auth', 'acl', 'cors', 'bot-detection']) {
    assert.ok(plugin(name).forbiddenScopes?.includes('consumer'), name);
  }
  // Kong's prometheus schema has no `no_consumer` (decK's sync/xxx-plugins-on-entities scopes it to one).
  assert.deepEqual(plugin('prometheus').forbiddenScopes, ['consumer_group']);
  assert.ok(plugin('file-log').protocols?.allowed.includes('tcp'));
  assert.ok(!plugin('cors').protocols?.allowed.includes('tcp'));
});

test("Kong's looser rules: repeated set values, any string where Kong takes any, statuses and sizes without bounds", () => {
  assert.deepEqual(problems('jwt', { header_names: ['X Token', 'X Token'], uri_param_names: ['jwt', 'jwt'] }), []);
  assert.deepEqual(problems('acl', { allow: ['a', 'a'] }), []);
  assert.deepEqual(problems('hmac-auth', { algorithms: ['hmac-sha256', 'hmac-sha256'] }), []);
  assert.deepEqual(problems('correlation-id', { header_name: 'X Req' }), []);
  assert.deepEqual(problems('proxy-cache', { strategy: 'memory', vary_headers: ['a b'] }), []);
  assert.deepEqual(problems('ip-restriction', { deny: ['10.0.0.1'], status: 1000 }), []);
  assert.deepEqual(problems('request-size-limiting', { allowed_payload_size: -1 }), []);
});

test("Kong's header-name rule where Kong applies it: letters, digits, '_' and '-'", () => {
  assert.deepEqual(problems('key-auth', { key_names: ['x.key'] }), [
    "key_names[0]: bad header name, allowed characters are A-Z, a-z, 0-9, '_', and '-'",
  ]);
  assert.deepEqual(problems('key-auth', { key_names: ['x-api_key'] }), []);
});

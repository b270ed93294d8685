// The schema specs of cors, request-termination, ip-restriction and correlation-id (and bot-detection's API spec)
// as one table: a plugin config,
// through the real loader, and the problems it reports (none for a valid one). Kong's messages where ours are
// the same; where ours differ in wording, ours, with the same meaning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { problems } from '../helpers/config.ts';

const CORS = 'spec/03-plugins/13-cors/02-schema_spec.lua';
const TERMINATION = 'spec/03-plugins/14-request-termination/01-schema_spec.lua';
const IP = 'spec/03-plugins/17-ip-restriction/01-schema_spec.lua';
const CORRELATION = 'spec/03-plugins/11-correlation-id/02-schema_spec.lua';
const BOT_API = 'spec/03-plugins/21-bot-detection/03-api_spec.lua';
const BAD_REGEX = String.raw`(https?:\/\/.*`;

interface Row {
  readonly source: string;
  readonly name: string;
  readonly plugin: string;
  readonly config: Readonly<Record<string, unknown>>;
  /** `path: message` of each problem, in order; [] for a valid config. */
  readonly problems: readonly string[];
}

const at = (path: string, message: string) => `plugins[0].config${path}: ${message}`;
const EITHER = "at least one of these fields must be non-empty: 'config.allow', 'config.deny'";
const METHODS = ['HEAD', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'];

const ROWS: readonly Row[] = [
  { source: `${CORS}:5`, name: "validates '*'", plugin: 'cors', config: { origins: ['*'] }, problems: [] },
  { source: `${CORS}:12`, name: 'validates what looks like a domain', plugin: 'cors', config: { origins: ['example.com'] }, problems: [] },
  { source: `${CORS}:19`, name: 'validates what looks like a regex', plugin: 'cors', config: { origins: ['.*\\.example(?:-foo)?\\.com'] }, problems: [] },
  { source: `${CORS}:27`, name: 'errors with invalid regex in origins', plugin: 'cors', config: { origins: ['.*.example.com', 'invalid_**regex'] }, problems: [at('.origins[1]', "'invalid_**regex' is not a valid regex")] },
  ...METHODS.map((method): Row => ({ source: `${CORS}:41`, name: `methods should allow ${method}`, plugin: 'cors', config: { methods: [method] }, problems: [] })),
  { source: `${CORS}:50`, name: 'methods errors with invalid method', plugin: 'cors', config: { methods: ['FAKE'] }, problems: [at('.methods[0]', 'expected one of: GET, HEAD, PUT, PATCH, POST, DELETE, OPTIONS, TRACE, CONNECT')] },
  { source: `${TERMINATION}:6`, name: 'should accept a valid status_code', plugin: 'request-termination', config: { status_code: 404 }, problems: [] },
  { source: `${TERMINATION}:9`, name: 'should accept a valid message', plugin: 'request-termination', config: { message: 'Not found' }, problems: [] },
  { source: `${TERMINATION}:12`, name: 'should accept a valid content_type', plugin: 'request-termination', config: { content_type: 'text/html', body: '<body><h1>Not found</h1>' }, problems: [] },
  { source: `${TERMINATION}:15`, name: 'should accept a valid body', plugin: 'request-termination', config: { body: '<body><h1>Not found</h1>' }, problems: [] },
  { source: `${TERMINATION}:18`, name: 'should accept trigger', plugin: 'request-termination', config: { echo: true, trigger: 'header_name' }, problems: [] },
  { source: `${TERMINATION}:23`, name: 'status_code should only accept numbers', plugin: 'request-termination', config: { status_code: 'abcd' }, problems: [at('.status_code', 'expected an integer')] },
  // Kong: "required field missing". Here an explicit null is the default, as in files Kong exports (README).
  { source: `${TERMINATION}:28`, name: 'status_code can not be set as null (here: null is the default)', plugin: 'request-termination', config: { status_code: null }, problems: [] },
  { source: `${TERMINATION}:33`, name: 'status_code < 100', plugin: 'request-termination', config: { status_code: 99 }, problems: [at('.status_code', 'value should be between 100 and 599')] },
  { source: `${TERMINATION}:38`, name: 'status_code > 599', plugin: 'request-termination', config: { status_code: 600 }, problems: [at('.status_code', 'value should be between 100 and 599')] },
  { source: `${TERMINATION}:43`, name: '#message with body', plugin: 'request-termination', config: { message: 'error', body: 'test' }, problems: [at('.message', 'message cannot be used with content_type or body')] },
  { source: `${TERMINATION}:48`, name: 'message with body and content_type', plugin: 'request-termination', config: { message: 'error', content_type: 'text/html', body: 'test' }, problems: [at('.message', 'message cannot be used with content_type or body')] },
  { source: `${TERMINATION}:53`, name: 'message with content_type', plugin: 'request-termination', config: { message: 'error', content_type: 'text/html' }, problems: [at('.message', 'message cannot be used with content_type or body'), at('.content_type', 'content_type requires a body')] },
  { source: `${TERMINATION}:58`, name: 'content_type without body', plugin: 'request-termination', config: { content_type: 'text/html' }, problems: [at('.content_type', 'content_type requires a body')] },
  { source: `${TERMINATION}:63`, name: 'echo with body & content_type', plugin: 'request-termination', config: { echo: true, content_type: 'text/html', body: '<body><h1>Not found</h1>' }, problems: [at('.echo', 'echo cannot be used with content_type and body')] },
  { source: `${IP}:6`, name: 'should accept a valid allow', plugin: 'ip-restriction', config: { allow: ['127.0.0.1/32', '127.0.0.2/32'] }, problems: [] },
  { source: `${IP}:9`, name: 'should accept a valid allow and status/message', plugin: 'ip-restriction', config: { allow: ['127.0.0.1/32', '127.0.0.2/32'], status: 403, message: 'Forbidden' }, problems: [] },
  { source: `${IP}:12`, name: 'should accept a valid cidr range', plugin: 'ip-restriction', config: { allow: ['127.0.0.1/8'] }, problems: [] },
  { source: `${IP}:15`, name: 'should accept a valid deny', plugin: 'ip-restriction', config: { deny: ['127.0.0.1/32', '127.0.0.2/32'] }, problems: [] },
  { source: `${IP}:18`, name: 'should accept both non-empty allow and deny', plugin: 'ip-restriction', config: { deny: ['127.0.0.2/32'], allow: ['127.0.0.1/32'] }, problems: [] },
  { source: `${IP}:31`, name: 'allow should not accept invalid types', plugin: 'ip-restriction', config: { allow: 12 }, problems: [at('.allow', 'expected an array')] },
  // Kong's message names the value ("invalid ip or cidr range: 'hello'"); ours is positioned at it.
  { source: `${IP}:36`, name: 'allow should not accept invalid IPs', plugin: 'ip-restriction', config: { allow: ['hello'] }, problems: [at('.allow[0]', 'invalid ip or cidr range')] },
  { source: `${IP}:36`, name: 'allow should not accept invalid IPs (the third)', plugin: 'ip-restriction', config: { allow: ['127.0.0.1/32', '127.0.0.2/32', 'hello'] }, problems: [at('.allow[2]', 'invalid ip or cidr range')] },
  { source: `${IP}:49`, name: 'deny should not accept invalid types', plugin: 'ip-restriction', config: { deny: 12 }, problems: [at('.deny', 'expected an array')] },
  { source: `${IP}:54`, name: 'deny should not accept invalid IPs', plugin: 'ip-restriction', config: { deny: ['127.0.0.1/32', '127.0.0.2/32', 'hello'] }, problems: [at('.deny[2]', 'invalid ip or cidr range')] },
  { source: `${IP}:67`, name: 'should not accept both empty allow and deny', plugin: 'ip-restriction', config: { deny: [], allow: [] }, problems: [`plugins[0].config: ${EITHER}`] },
  // Out-of-range prefixes pass the pattern and are refused by the address parser, once the rest is valid.
  { source: `${IP}:77`, name: 'should not accept invalid cidr ranges', plugin: 'ip-restriction', config: { allow: ['0.0.0.0/a', '0.0.0.0/-1'] }, problems: [at('.allow[0]', 'invalid ip or cidr range'), at('.allow[1]', 'invalid ip or cidr range')] },
  { source: `${IP}:77`, name: 'should not accept invalid cidr ranges (/33)', plugin: 'ip-restriction', config: { allow: ['0.0.0.0/33'] }, problems: ["plugins[0].config: '0.0.0.0/33' is not an IP address or CIDR range"] },
  { source: `${IP}:88`, name: 'should not accept invalid ipv6 cidr ranges', plugin: 'ip-restriction', config: { allow: ['::/a', '::/-1', '::1/a', '::1/-1'] }, problems: [0, 1, 2, 3].map((i) => at(`.allow[${i}]`, 'invalid ip or cidr range')) },
  { source: `${IP}:88`, name: 'should not accept invalid ipv6 cidr ranges (/129)', plugin: 'ip-restriction', config: { allow: ['::1/129'] }, problems: ["plugins[0].config: '::1/129' is not an IP address or CIDR range"] },
  { source: `${IP}:103`, name: 'should accept valid ipv6 cidr ranges', plugin: 'ip-restriction', config: { allow: ['::/0', '::/1', '::/128'] }, problems: [] },
  // Kong refuses an explicit null (required) but fills one read from its database with the default; here the
  // default, as for every explicit null.
  { source: `${CORRELATION}:9`, name: 'required field must be included (here: null is the default, as Kong auto-completes it)', plugin: 'correlation-id', config: { generator: null }, problems: [] },
  // Kong's Admin API answers these 400 with the same message; here validation refuses the file.
  { source: `${BOT_API}:49`, name: 'fails when using a bad regex in allow', plugin: 'bot-detection', config: { allow: [BAD_REGEX] }, problems: [at('.allow[0]', `not a valid regex: ${BAD_REGEX}`)] },
  { source: `${BOT_API}:68`, name: 'fails when using a bad regex in deny', plugin: 'bot-detection', config: { deny: [BAD_REGEX] }, problems: [at('.deny[0]', `not a valid regex: ${BAD_REGEX}`)] },
  { source: `${CORRELATION}:9`, name: 'generator: one of Kong\'s', plugin: 'correlation-id', config: { generator: 'foo' }, problems: [at('.generator', 'expected one of: uuid, uuid#counter, tracker')] },
];

for (const row of ROWS) {
  test(`${row.source} ${row.plugin}: ${row.name}`, () => {
    const found = problems(`_format_version: "3.0"\nplugins:\n- name: ${row.plugin}\n  config: ${JSON.stringify(row.config)}\n`);
    assert.deepEqual(found.map((p) => p.replace(/^\d+:\d+ /, '')), row.problems);
  });
}

// Kong's spec/03-plugins/19-hmac-auth/03-access_spec.lua, ported to a declarative config (Kong 3.10).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { raw, statuses } from '../helpers/raw.ts';
import { send, startSpecGateway, type SpecRequest, type SpecResponse } from './auth-helpers.ts';

const SPEC = 'spec/03-plugins/19-hmac-auth/03-access_spec.lua';
const BOB = 'f0000000-0000-4000-8000-000000000001';
const NO_BODY = 'f0000000-0000-4000-8000-000000000002';
const NONEXISTING = 'f0000000-0000-4000-8000-0000000000ff';
const ANONYMOUS = 'f1000000-0000-4000-8000-000000000001';
const MICKEY = 'f1000000-0000-4000-8000-000000000002';
const ALADDIN = 'f1000000-0000-4000-8000-000000000003';
const NOT_VALID = 'HMAC signature cannot be verified';
const NOT_SAME = 'HMAC signature does not match';
const NO_DATE = 'HMAC signature cannot be verified, a valid date or x-date header is required for HMAC Authentication';

const ROUTES = [
  '{ clock_skew: 3000, realm: test-realm }',
  `{ anonymous: ${NO_BODY}, clock_skew: 3000 }`,
  `{ anonymous: ${NONEXISTING}, clock_skew: 3000 }`,
  '{ clock_skew: 3000, validate_request_body: true }',
  '{ clock_skew: 3000, enforce_headers: [date, request-line], validate_request_body: true }',
  '{ clock_skew: 3000, enforce_headers: [date, request-line], algorithms: [hmac-sha1, hmac-sha256], validate_request_body: true }',
  '{ anonymous: no-body, clock_skew: 3000 }',
];

const gw = await startSpecGateway((port) => `_format_version: "3.0"
consumers:
- id: ${BOB}
  username: bob
  custom_id: "1234"
  hmacauth_credentials: [{ username: bob, secret: secret }]
- { id: ${NO_BODY}, username: no-body }
- { id: ${ANONYMOUS}, username: Anonymous }
- id: ${MICKEY}
  username: Mickey
  keyauth_credentials: [{ key: Mouse }]
- id: ${ALADDIN}
  username: Aladdin
  hmacauth_credentials: [{ username: Aladdin, secret: OpenSesame }]
services:
- name: mock
  url: http://127.0.0.1:${port}
  routes:
${ROUTES.map((c, i) => `  - hosts: [hmacauth${i === 0 ? '' : i + 1}.test]\n    plugins: [{ name: hmac-auth, config: ${c} }]\n`).join('')}
- name: request
  url: http://127.0.0.1:${port}/request
  routes:
  - hosts: [logical-and.test]
    plugins: [{ name: hmac-auth }, { name: key-auth }]
  - hosts: [logical-or.test]
    plugins: [{ name: hmac-auth, config: { anonymous: ${ANONYMOUS} } }, { name: key-auth, config: { anonymous: ${ANONYMOUS} } }]
`);

const httpDate = () => new Date().toUTCString();
const sig = (data: string, alg = 'sha1', secret = 'secret') => createHmac(alg, secret).update(data).digest('base64');
const sha256 = (body: string) => `SHA-256=${createHash('sha256').update(body).digest('base64')}`;
/** Kong's spec header: `hmac username="bob",algorithm="hmac-sha1",headers="date",signature="…"` for a signed date. */
const dateAuth = (date: string) => `hmac username="bob",algorithm="hmac-sha1",headers="date",signature="${sig(`date: ${date}`)}"`;
/** The spec's most common signature: date, content-md5 and the request line. */
const lineAuth = (date: string, line = 'GET /request HTTP/1.1', prefix = 'hmac username="bob",  algorithm="hmac-sha1", headers="date content-md5 request-line", signature="', alg = 'sha1') =>
  `${prefix}${sig(`date: ${date}\ncontent-md5: md5\n${line}`, alg)}"`;

interface Row {
  readonly line: number;
  readonly name: string;
  /** Built per run, with the current date. */
  readonly req: (date: string) => SpecRequest;
  readonly status: number;
  readonly message?: string;
  readonly www?: string;
  readonly check?: (res: SpecResponse, req: SpecRequest) => void;
  readonly skip?: string;
}

type H = Record<string, string>;
const on = (n: number | string, headers: H, more: Partial<SpecRequest> = {}): SpecRequest => ({
  method: 'GET', path: '/request', ...more, headers: { host: typeof n === 'string' ? n : `hmacauth${n === 1 ? '' : n}.test`, ...headers },
});
const TEST_REALM = 'hmac realm="test-realm"';
const query = (res: SpecResponse) => new URLSearchParams(res.echo!.uri.split('?')[1] ?? '');
const md5Proxy = (date: string, auth: string): H => ({ date, 'proxy-authorization': auth, authorization: 'hello', 'content-md5': 'md5' });

const rows: Row[] = [
  { line: 181, name: 'when realm is set: should not be authorized when the hmac credentials are missing', req: (date) => on(1, { date }, { method: 'POST', body: '' }), status: 401, message: 'Unauthorized', www: TEST_REALM },
  { line: 199, name: 'when realm is not set: should return a 401 with an invalid authorization header', req: (date) => on(6, { date, 'proxy-authorization': 'this is no hmac token at all is it?' }), status: 401, www: 'hmac' },
  { line: 216, name: 'rejects gRPC call without credentials', req: () => ({}), status: 0, skip: 'needs gRPC' },
  { line: 225, name: 'should not be authorized when the HMAC signature is wrong', req: (date) => on(1, { date, authorization: 'asd' }, { method: 'POST' }), status: 401, message: NOT_VALID, www: TEST_REALM },
  {
    line: 242, name: 'should not be authorized when the HMAC signature is not properly base64 encoded',
    req: (date) => on(1, { date, authorization: '"hmac username="bob",algorithm="hmac-sha1",headers="date",signature="not really a base64 encoded value!!!"' }, { method: 'POST' }),
    status: 401, message: NOT_SAME, www: TEST_REALM,
  },
  { line: 260, name: 'should not be authorized when date header is missing', req: () => on(1, { authorization: 'asd' }, { method: 'POST' }), status: 401, message: NO_DATE, www: TEST_REALM },
  { line: 277, name: 'should not be authorized with signature is wrong in proxy-authorization', req: (date) => on(1, { date, 'proxy-authorization': 'asd' }, { method: 'POST' }), status: 401, message: NOT_VALID, www: TEST_REALM },
  { line: 294, name: 'should not pass when passing only the digest', req: (date) => on(1, { date, 'proxy-authorization': 'hmac :dXNlcm5hbWU6cGFzc3dvcmQ=' }, { method: 'POST' }), status: 401, message: NOT_VALID, www: TEST_REALM },
  { line: 311, name: 'should not pass when passing wrong hmac parameters (proxy-authorization)', req: (date) => on(1, { date, 'proxy-authorization': 'hmac username=,algorithm,headers,dXNlcm5hbWU6cGFzc3dvcmQ=' }, { method: 'POST' }), status: 401, message: NOT_VALID, www: TEST_REALM },
  { line: 329, name: 'should not pass when passing wrong hmac parameters (authorization)', req: (date) => on(1, { date, authorization: 'hmac username=,algorithm,headers,dXNlcm5hbWU6cGFzc3dvcmQ=' }, { method: 'POST' }), status: 401, message: NOT_VALID, www: TEST_REALM },
  { line: 347, name: 'should not be authorized when passing only the username', req: (date) => on(1, { date, authorization: 'hmac username' }, { method: 'POST' }), status: 401, message: NOT_VALID, www: TEST_REALM },
  { line: 364, name: 'should not be authorized when authorization header is missing', req: (date) => on(1, { date }, { method: 'POST' }), status: 401, message: 'Unauthorized', www: TEST_REALM },
  { line: 380, name: 'should not pass with username missing', req: (date) => on(1, { date, authorization: `hmac algorithm="hmac-sha1",headers="date",signature="${sig(`date: ${date}`)}"` }), status: 401, message: NOT_VALID, www: TEST_REALM },
  { line: 402, name: 'should not pass with signature missing', req: (date) => on(1, { date, authorization: 'hmac username="bob",algorithm="hmac-sha1",headers="date"' }), status: 401, message: NOT_VALID, www: TEST_REALM },
  { line: 423, name: 'should pass with GET', req: (date) => on(1, { date, authorization: dateAuth(date) }), status: 200, check: (res, req) => assert.equal(res.echo?.headers.authorization, req.headers?.authorization) },
  { line: 443, name: 'accepts authorized gRPC calls', req: () => ({}), status: 0, skip: 'needs gRPC' },
  { line: 459, name: 'accepts authorized gRPC calls with @request-target (HTTP/2 test), bug #3789', req: () => ({}), status: 0, skip: 'needs gRPC' },
  { line: 477, name: 'should pass with GET and proxy-authorization', req: (date) => on(1, { date, 'proxy-authorization': dateAuth(date) }), status: 200 },
  { line: 495, name: 'should pass with POST', req: (date) => on(1, { date, authorization: dateAuth(date) }, { method: 'POST' }), status: 200, check: (res, req) => assert.equal(res.echo?.headers.authorization, req.headers?.authorization) },
  {
    line: 515, name: 'should pass with GET and valid authorization and wrong proxy-authorization', req: (date) => on(1, { date, 'proxy-authorization': 'hmac username', authorization: dateAuth(date) }, { method: 'POST' }), status: 200,
    check: (res, req) => assert.equal(res.echo?.headers.authorization, req.headers?.authorization),
  },
  { line: 536, name: 'should pass with GET and invalid authorization and valid proxy-authorization', req: (date) => on(1, { date, 'proxy-authorization': dateAuth(date), authorization: 'hello' }, { method: 'POST' }), status: 200 },
  {
    line: 556, name: 'should pass with GET with content-md5 header',
    req: (date) => on(1, md5Proxy(date, `hmac username="bob",algorithm="hmac-sha1",headers="date content-md5",signature="${sig(`date: ${date}\ncontent-md5: md5`)}"`)), status: 200,
  },
  { line: 577, name: 'should pass with GET with request-line', req: (date) => on(1, md5Proxy(date, lineAuth(date))), status: 200 },
  {
    line: 600, name: 'should pass with GET with @request-target',
    req: (date) => on(1, md5Proxy(date, `hmac username="bob",  algorithm="hmac-sha1", headers="date content-md5 @request-target", signature="${sig(`date: ${date}\ncontent-md5: md5\n@request-target: get /request`)}"`)), status: 200,
  },
  { line: 648, name: 'should not pass with GET with wrong username in signature', req: (date) => on(1, md5Proxy(date, lineAuth(date, undefined, 'hmac username="bobb",  algorithm="hmac-sha1", headers="date content-md5 request-line", signature="'))), status: 401, message: NOT_VALID, www: TEST_REALM },
  { line: 675, name: 'should not pass with GET with username blank in signature', req: (date) => on(1, md5Proxy(date, lineAuth(date, undefined, 'hmac username="",  algorithm="hmac-sha1", headers="date content-md5 request-line", signature="'))), status: 401, message: NOT_VALID, www: TEST_REALM },
  { line: 702, name: 'should not pass with GET with username missing in signature', req: (date) => on(1, md5Proxy(date, lineAuth(date, undefined, 'hmac algorithm="hmac-sha1", headers="date content-md5 request-line", signature="'))), status: 401, message: NOT_VALID, www: TEST_REALM },
  { line: 730, name: 'should not pass with GET with wrong hmac headers field name', req: (date) => on(1, md5Proxy(date, lineAuth(date, undefined, 'hmac username="bob",  algorithm="hmac-sha1",   wrong_header="date content-md5 request-line", signature="'))), status: 401, message: NOT_VALID, www: TEST_REALM },
  { line: 756, name: 'should not pass with GET with wrong hmac signature field name', req: (date) => on(1, md5Proxy(date, lineAuth(date, undefined, 'hmac username="bob",  algorithm="hmac-sha1",   headers="date content-md5 request-line", wrong_signature="'))), status: 401, message: NOT_VALID, www: TEST_REALM },
  { line: 782, name: 'should not pass with GET with malformed hmac signature field', req: (date) => on(1, md5Proxy(date, lineAuth(date, undefined, 'hmac username="bob",  algorithm="hmac-sha1" headers="date content-md5 request-line", signature="'))), status: 401, message: NOT_VALID, www: TEST_REALM },
  { line: 808, name: 'should not pass with GET with malformed hmac headers field', req: (date) => on(1, md5Proxy(date, lineAuth(date, 'GET /request? HTTP/1.1', 'hmac username="bob",  algorithm="hmac-sha1" headers="  date content-md5 request-line",signature="'))), status: 401, message: NOT_VALID, www: TEST_REALM },
  { line: 834, name: 'should pass with GET with no space or space between hmac signatures fields', req: (date) => on(1, md5Proxy(date, lineAuth(date, undefined, 'hmac username="bob",algorithm="hmac-sha1",  headers="date content-md5 request-line",signature="'))), status: 200 },
  { line: 857, name: 'should not pass with GET with wrong algorithm', req: (date) => on(1, md5Proxy(date, lineAuth(date, undefined, 'hmac username="bob",algorithm="hmac-sha",  headers="date content-md5 request-line",signature="', 'sha256'))), status: 401, www: TEST_REALM },
  {
    line: 881, name: 'should pass the right headers to the upstream server', req: (date) => on(1, md5Proxy(date, lineAuth(date, undefined, 'hmac username="bob",algorithm="hmac-sha256",  headers="date content-md5 request-line",signature="', 'sha256'))), status: 200,
    check: ({ echo }) => {
      assert.equal(echo?.headers['x-consumer-id'], BOB);
      assert.equal(echo?.headers['x-consumer-username'], 'bob');
      assert.equal(echo?.headers['x-credential-identifier'], 'bob');
      assert.equal(echo?.headers['x-anonymous-consumer'], undefined);
    },
  },
  {
    line: 909, name: 'should pass with GET with x-date header',
    req: (date) => on(1, { 'x-date': date, authorization: `hmac username="bob",algorithm="hmac-sha1",  headers="x-date content-md5 request-line",signature="${sig(`x-date: ${date}\ncontent-md5: md5\nGET /request HTTP/1.1`)}"`, 'content-md5': 'md5' }), status: 200,
  },
  {
    line: 931, name: 'should not pass with GET with both date and x-date missing',
    req: () => on(1, { 'proxy-authorization': `hmac username="bob",  algorithm="hmac-sha1", headers="content-md5 request-line",signature="${sig('content-md5: md5\nGET /request? HTTP/1.1')}"`, authorization: 'hello', 'content-md5': 'md5' }),
    status: 401, message: NO_DATE, www: TEST_REALM,
  },
  {
    line: 956, name: 'should not pass with GET with x-date malformed',
    req: (date) => on(1, { 'x-date': 'wrong date', authorization: `hmac username="bob",algorithm="hmac-sha1",  headers="x-date content-md5 request-line",signature="${sig(`x-date: ${date}\ncontent-md5: md5\nGET /request? HTTP/1.1`)}"`, 'content-md5': 'md5' }),
    status: 401, message: NO_DATE, www: TEST_REALM,
  },
  {
    line: 982, name: 'should pass with GET with x-date malformed but date correct',
    req: (date) => on(1, { date, 'x-date': 'wrong date', authorization: `hmac username="bob",algorithm="hmac-sha1",  headers="content-md5 request-line",signature="${sig('content-md5: md5\nGET /request HTTP/1.1')}"`, 'content-md5': 'md5' }), status: 200,
  },
  {
    line: 1005, name: 'should pass with x-date malformed but date correct and used for signature',
    req: (date) => on(1, { date, 'x-date': 'wrong date', authorization: lineAuth(date, undefined, 'hmac username="bob",algorithm="hmac-sha1",  headers="date content-md5 request-line",signature="'), 'content-md5': 'md5' }), status: 200,
  },
  {
    line: 1028, name: 'should with x-date malformed and used for signature but skew test pass',
    req: (date) => on(1, { date, 'x-date': 'wrong date', authorization: `hmac username="bob",algorithm="hmac-sha1",  headers="x-date content-md5 request-line",signature="${sig('x-date: wrong date\ncontent-md5: md5\nGET /request HTTP/1.1')}"`, 'content-md5': 'md5' }), status: 200,
  },
  {
    line: 1051, name: 'should pass with date malformed and used for signature but skew test pass',
    req: (date) => on(1, { 'x-date': date, date: 'wrong date', authorization: `hmac username="bob",algorithm="hmac-sha1",  headers="date content-md5 request-line",signature="${sig('date: wrong date\ncontent-md5: md5\nGET /request HTTP/1.1')}"`, 'content-md5': 'md5' }), status: 200,
  },
  {
    line: 1074, name: 'should pass with valid credentials and anonymous', req: (date) => on(2, { date, authorization: dateAuth(date) }), status: 200,
    check: (res, req) => {
      assert.equal(res.echo?.headers.authorization, req.headers?.authorization);
      assert.equal(res.echo?.headers['x-consumer-username'], 'bob');
      assert.equal(res.echo?.headers['x-credential-identifier'], 'bob');
      assert.equal(res.echo?.headers['x-anonymous-consumer'], undefined);
    },
  },
];

const POST_BODY = '{"a":"apple","b":"ball"}';
const digestAuth = (date: string, digest: string) => `"hmac username="bob",algorithm="hmac-sha1",headers="date digest",signature="${sig(`date: ${date}\ndigest: ${digest}`)}"`;
const quotedDateAuth = (date: string) => `"hmac username="bob",algorithm="hmac-sha1",headers="date",signature="${sig(`date: ${date}`)}"`;
rows.push(
  { line: 1097, name: 'should return 401 when body validation enabled and no digest header is present', req: (date) => on(4, { date, authorization: quotedDateAuth(date) }, { method: 'POST', body: POST_BODY }), status: 401, message: NOT_SAME, www: 'hmac' },
  { line: 1123, name: 'should return 200 when body validation enabled and no body and no digest header is present', req: (date) => on(4, { date, authorization: quotedDateAuth(date) }), status: 200 },
  { line: 1142, name: 'should return 200 when body validation enabled and no body and an digest header is present', req: (date) => on(4, { date, digest: sha256(''), authorization: digestAuth(date, sha256('')) }), status: 200 },
  {
    line: 1165, name: 'should pass with invalid credentials and anonymous', req: (date) => on(2, { date }), status: 200,
    check: ({ echo }) => {
      assert.equal(echo?.headers['x-anonymous-consumer'], 'true');
      assert.equal(echo?.headers['x-consumer-username'], 'no-body');
      assert.equal(echo?.headers['x-credential-identifier'], undefined);
    },
  },
  {
    line: 1181, name: 'should pass with invalid credentials and username in anonymous', req: (date) => on(7, { date }), status: 200,
    check: ({ echo }) => {
      assert.equal(echo?.headers['x-anonymous-consumer'], 'true');
      assert.equal(echo?.headers['x-consumer-username'], 'no-body');
    },
  },
  { line: 1196, name: "errors when anonymous user doesn't exist", req: () => on(3, {}), status: 500, message: `anonymous consumer ${NONEXISTING} is configured but doesn't exist` },
  { line: 1212, name: 'should pass with GET when body validation enabled', req: (date) => on(4, { date, authorization: quotedDateAuth(date) }), status: 200 },
  { line: 1230, name: 'should pass with POST when body validation enabled and digest header present', req: (date) => on(4, { date, digest: sha256(POST_BODY), authorization: digestAuth(date, sha256(POST_BODY)) }, { method: 'POST', body: POST_BODY }), status: 200 },
  { line: 1255, name: 'should pass with POST when body validation enabled but digest header not used', req: (date) => on(4, { date, digest: sha256(POST_BODY), authorization: digestAuth(date, sha256(POST_BODY)) }, { method: 'POST', body: POST_BODY }), status: 200 },
  { line: 1280, name: 'should not pass with POST when body validation enabled and digest header missing', req: (date) => on(4, { date, authorization: digestAuth(date, sha256(POST_BODY)) }, { method: 'POST', body: POST_BODY }), status: 401, message: NOT_SAME, www: 'hmac' },
  { line: 1307, name: 'should not pass with POST when body validation enabled and postBody is tampered', req: (date) => on(4, { date, digest: sha256(POST_BODY), authorization: digestAuth(date, sha256(POST_BODY)) }, { method: 'POST', body: 'abc' }), status: 401, message: NOT_SAME, www: 'hmac' },
  { line: 1335, name: 'should not pass with POST when body validation enabled and digest header is tampered', req: (date) => on(4, { date, digest: `${sha256(POST_BODY)}spoofed`, authorization: digestAuth(date, sha256(POST_BODY)) }, { method: 'POST', body: POST_BODY }), status: 401, message: NOT_SAME, www: 'hmac' },
  { line: 1363, name: 'should pass with GET with request-line (enforce_headers)', req: (date) => on(5, { date, 'proxy-authorization': lineAuth(date), 'content-md5': 'md5' }), status: 200 },
  { line: 1385, name: 'should fail with GET with request-line having query param but signed without query param', req: (date) => on(5, { date, 'proxy-authorization': lineAuth(date), 'content-md5': 'md5' }, { path: '/request?name=foo' }), status: 401, www: 'hmac' },
  { line: 1385, name: 'should fail with GET with request-line having query param but signed without query param (trailing slash)', req: (date) => on(5, { date, 'proxy-authorization': lineAuth(date, 'GET /request/ HTTP/1.1'), 'content-md5': 'md5' }, { path: '/request/?name=foo' }), status: 401, www: 'hmac' },
  { line: 1429, name: 'should pass with GET with request-line having query param', req: (date) => on(5, { date, 'proxy-authorization': lineAuth(date, 'GET /request?name=foo HTTP/1.1'), 'content-md5': 'md5' }, { path: '/request?name=foo' }), status: 200 },
  { line: 1429, name: 'should pass with GET with request-line having query param (trailing slash)', req: (date) => on(5, { date, 'proxy-authorization': lineAuth(date, 'GET /request/?name=foo HTTP/1.1'), 'content-md5': 'md5' }, { path: '/request/?name=foo' }), status: 200 },
);
for (const [value, label] of [['foo bar', ''], ['foo bár', ' (utf-8)']] as const) {
  const uri = `/request?name=${encodeURIComponent(value)}`;
  rows.push({
    line: 1470, name: `should pass with GET with request-line having encoded query param${label}`, req: (date) => on(5, { date, 'proxy-authorization': lineAuth(date, `GET ${uri} HTTP/1.1`), 'content-md5': 'md5' }, { path: uri }), status: 200,
    check: (res) => assert.equal(query(res).get('name'), value),
  });
}
const multi = `/request?name=${encodeURIComponent('foo bar')}&address=${encodeURIComponent('san francisco')}`;
const encodedPath = `/request/${encodeURIComponent('some value')}/?name=foo&name=bar`;
rows.push(
  {
    line: 1519, name: 'should pass with GET with request-line having multiple query params', req: (date) => on(5, { date, 'proxy-authorization': lineAuth(date, `GET ${multi} HTTP/1.1`), 'content-md5': 'md5' }, { path: multi }), status: 200,
    check: (res) => assert.deepEqual([query(res).get('name'), query(res).get('address')], ['foo bar', 'san francisco']),
  },
  {
    line: 1547, name: 'should pass with GET with request-line having multiple same query param', req: (date) => on(5, { date, 'proxy-authorization': lineAuth(date, 'GET /request?name=foo&name=bar HTTP/1.1'), 'content-md5': 'md5' }, { path: '/request?name=foo&name=bar' }), status: 200,
    check: (res) => assert.deepEqual(query(res).getAll('name'), ['foo', 'bar']),
  },
  { line: 1572, name: 'should pass with GET with request-line having no uri', req: (date) => on(5, { date, 'proxy-authorization': lineAuth(date, 'GET / HTTP/1.1'), 'content-md5': 'md5' }, { path: '/' }), status: 200 },
  {
    line: 1593, name: 'should pass with GET with request-line having encoded path param', req: (date) => on(5, { date, 'proxy-authorization': lineAuth(date, `GET ${encodedPath} HTTP/1.1`), 'content-md5': 'md5' }, { path: encodedPath }), status: 200,
    check: (res) => {
      assert.deepEqual(query(res).getAll('name'), ['foo', 'bar']);
      assert.equal(decodeURIComponent(res.echo!.uri.split('?')[0]!), '/request/some value/');
    },
  },
  {
    line: 1621, name: 'should fail with GET when enforced header request-line missing',
    req: (date) => on(5, { date, 'proxy-authorization': `hmac username="bob",  algorithm="hmac-sha1", headers="date content-md5", signature="${sig(`date: ${date}\ncontent-md5: md5`)}"`, 'content-md5': 'md5' }), status: 401, www: 'hmac',
  },
  { line: 1644, name: 'should pass with GET with hmac-sha384', req: (date) => on(5, { date, 'proxy-authorization': lineAuth(date, undefined, 'hmac username="bob",  algorithm="hmac-sha384", headers="date content-md5 request-line", signature="', 'sha384'), 'content-md5': 'md5' }), status: 200 },
  { line: 1666, name: 'should pass with GET with hmac-sha512', req: (date) => on(5, { date, 'proxy-authorization': lineAuth(date, undefined, 'hmac username="bob",  algorithm="hmac-sha512", headers="date content-md5 request-line", signature="', 'sha512'), 'content-md5': 'md5' }), status: 200 },
  { line: 1688, name: 'should not pass with hmac-sha512', req: (date) => on(6, { date, 'proxy-authorization': lineAuth(date, undefined, 'hmac username="bob",  algorithm="hmac-sha512", headers="date content-md5 request-line", signature="', 'sha512'), 'content-md5': 'md5' }), status: 401, www: 'hmac' },
  { line: 1711, name: 'should return a 401 with an invalid authorization header', req: (date) => on(6, { date, 'proxy-authorization': 'this is no hmac token at all is it?' }), status: 401, www: 'hmac' },
  { line: 1727, name: 'should pass with hmac-sha1', req: (date) => on(6, { date, 'proxy-authorization': lineAuth(date), 'content-md5': 'md5' }), status: 200 },
);

const aladdinAuth = (date: string) => `hmac username="Aladdin",algorithm="hmac-sha1",headers="date",signature="${sig(`date: ${date}`, 'sha1', 'OpenSesame')}"`;
const consumerIs = (...ids: string[]) => ({ echo }: SpecResponse) => {
  assert.equal(echo?.headers['x-anonymous-consumer'], undefined);
  assert.ok(ids.includes(String(echo?.headers['x-consumer-id'])), `x-consumer-id ${String(echo?.headers['x-consumer-id'])}`);
};
rows.push(
  { line: 1859, name: 'logical AND: passes with all credentials provided', req: (date) => on('logical-and.test', { apikey: 'Mouse', authorization: aladdinAuth(date), date }), status: 200, check: consumerIs(MICKEY, ALADDIN) },
  { line: 1878, name: 'logical AND: fails 401, with only the first credential provided', req: () => on('logical-and.test', { apikey: 'Mouse' }), status: 401, www: 'hmac' },
  { line: 1891, name: 'logical AND: fails 401, with only the second credential provided', req: (date) => on('logical-and.test', { authorization: aladdinAuth(date), date }), status: 401, www: 'Key' },
  { line: 1905, name: 'logical AND: fails 401, with no credential provided', req: () => on('logical-and.test', {}), status: 401, www: 'Key' },
  { line: 1921, name: 'logical OR: passes with all credentials provided', req: (date) => on('logical-or.test', { apikey: 'Mouse', authorization: aladdinAuth(date), date }), status: 200, check: consumerIs(MICKEY, ALADDIN) },
  { line: 1940, name: 'logical OR: passes with only the first credential provided', req: () => on('logical-or.test', { apikey: 'Mouse' }), status: 200, check: consumerIs(MICKEY) },
  { line: 1956, name: 'logical OR: passes with only the second credential provided', req: (date) => on('logical-or.test', { authorization: aladdinAuth(date), date }), status: 200, check: consumerIs(ALADDIN) },
  {
    line: 1973, name: 'logical OR: passes with no credential provided', req: () => on('logical-or.test', {}), status: 200,
    check: ({ echo }) => {
      assert.equal(echo?.headers['x-anonymous-consumer'], 'true');
      assert.equal(echo?.headers['x-consumer-id'], ANONYMOUS);
    },
  },
);

for (const row of rows) {
  test(`${SPEC}:${row.line} ${row.name}`, row.skip ? { skip: row.skip } : {}, async () => {
    const req = row.req(httpDate());
    const res = await send(gw, req);
    assert.equal(res.status, row.status, res.text);
    if (row.message !== undefined) assert.equal(res.json?.message, row.message);
    if (row.www !== undefined) assert.equal(res.headers['www-authenticate'], row.www);
    row.check?.(res, req);
  });
}

test(`${SPEC}:623 should encode http-1 requests as http/1.0`, async () => {
  const date = httpDate();
  const auth = lineAuth(date, 'GET /request HTTP/1.0');
  const text = (await raw(gw.port, `GET /request HTTP/1.0\r\nHost: hmacauth.test\r\ndate: ${date}\r\nproxy-authorization: ${auth}\r\nauthorization: hello\r\ncontent-md5: md5\r\n\r\n`)).text;
  assert.deepEqual(statuses(text.replace('HTTP/1.0', 'HTTP/1.1')), [200], text.slice(0, 300));
});

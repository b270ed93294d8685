// What Kong 3.10's authentication plugins do that their specs do not pin down, read from their source: how
// credentials are parsed (nginx's base64 and HTTP date parsers, Kong's unanchored patterns), and where tokens are
// looked for. Each row cites the line of Kong's source it follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { send, startSpecGateway, type SpecRequest, type SpecResponse } from './auth-helpers.ts';
import { parseHttpDate } from '../../src/plugins/bundled/hmac-auth/http-date.ts';
import { decodeBase64 } from '../../src/plugins/bundled/authentication.ts';
import { encode } from './jwt-encode.ts';

const gw = await startSpecGateway((port) => `_format_version: "3.0"
consumers:
- username: bob
  keyauth_credentials: [{ key: kong }]
  basicauth_credentials: [{ username: bob, password: kong }]
  jwt_secrets: [{ key: jwt-key, secret: jwt-secret }]
  hmacauth_credentials: [{ username: bob, secret: secret }]
services:
- url: http://127.0.0.1:${port}
  routes:
  - { hosts: [basic.test], plugins: [{ name: basic-auth }] }
  - { hosts: [jwt.test], plugins: [{ name: jwt, config: { cookie_names: [Session], header_names: [x_token] } }] }
  - { hosts: [hmac.test], plugins: [{ name: hmac-auth }] }
  - { hosts: [key.test], plugins: [{ name: key-auth, config: { key_names: [api_key], hide_credentials: true } }] }
`);

const hmacAt = (dateHeader: string, date: string): SpecRequest => ({
  headers: { host: 'hmac.test', [dateHeader]: date, authorization: `hmac username="bob",algorithm="hmac-sha256",headers="${dateHeader}",signature="${createHmac('sha256', 'secret').update(`${dateHeader}: ${date}`).digest('base64')}"` },
});
const now = new Date();
const pad = (n: number) => String(n).padStart(2, '0');
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const clock = `${pad(now.getUTCHours())}:${pad(now.getUTCMinutes())}:${pad(now.getUTCSeconds())}`;
const rfc850 = `${DAYS[now.getUTCDay()]}, ${pad(now.getUTCDate())}-${MONTHS[now.getUTCMonth()]}-${pad(now.getUTCFullYear() % 100)} ${clock} GMT`;
const asctime = `${DAYS[now.getUTCDay()]!.slice(0, 3)} ${MONTHS[now.getUTCMonth()]} ${String(now.getUTCDate()).padStart(2, ' ')} ${clock} ${now.getUTCFullYear()}`;
const jwt = () => encode({ iss: 'jwt-key' }, 'jwt-secret');

interface Row {
  readonly source: string;
  readonly name: string;
  readonly req: () => SpecRequest;
  readonly status: number;
  readonly message?: string;
  readonly check?: (res: SpecResponse) => void;
}

const rows: Row[] = [
  { source: 'kong/plugins/hmac-auth/access.lua:208', name: 'an RFC 850 date is an HTTP date (ngx.parse_http_time)', req: () => hmacAt('date', rfc850), status: 200 },
  { source: 'kong/plugins/hmac-auth/access.lua:208', name: 'an asctime date is an HTTP date', req: () => hmacAt('x-date', asctime), status: 200 },
  {
    source: 'kong/plugins/hmac-auth/access.lua:208', name: 'an ISO 8601 date is not an HTTP date: no valid date', req: () => hmacAt('date', now.toISOString()), status: 401,
    message: 'HMAC signature cannot be verified, a valid date or x-date header is required for HMAC Authentication',
  },
  {
    source: 'kong/plugins/hmac-auth/access.lua:171', name: 'a signature that does not decode (ngx.decode_base64) does not match',
    req: () => {
      const r = hmacAt('date', now.toUTCString());
      return { headers: { ...r.headers, authorization: String(r.headers?.authorization).replace(/signature="(.)/, 'signature="$1*') } };
    },
    status: 401, message: 'HMAC signature does not match',
  },
  {
    source: 'kong/plugins/key-auth/handler.lua:147', name: 'hide_credentials removes a key sent under its `_` spelling', req: () => ({ headers: { host: 'key.test', api_key: 'kong' } }), status: 200,
    check: (res) => assert.equal(res.echo?.headers.api_key, undefined),
  },
  {
    source: 'kong/plugins/key-auth/handler.lua:147', name: 'hide_credentials removes a key sent under its `-` spelling', req: () => ({ headers: { host: 'key.test', 'api-key': 'kong' } }), status: 200,
    check: (res) => assert.equal(res.echo?.headers['api-key'], undefined),
  },
  { source: 'kong/plugins/basic-auth/access.lua:49', name: 'base64 with a character out of the alphabet does not decode (ngx.decode_base64)', req: () => ({ headers: { host: 'basic.test', authorization: 'Basic Ym9i*Omtvbmc=' } }), status: 401, message: 'Unauthorized' },
  { source: 'kong/plugins/basic-auth/access.lua:49', name: 'base64 without its padding decodes', req: () => ({ headers: { host: 'basic.test', authorization: 'Basic Ym9iOmtvbmc' } }), status: 200 },
  { source: 'kong/plugins/basic-auth/access.lua:36', name: 'the Basic pattern is unanchored', req: () => ({ headers: { host: 'basic.test', authorization: 'xBasic Ym9iOmtvbmc=' } }), status: 200 },
  { source: 'kong/plugins/jwt/jwt_parser.lua:256', name: 'a token with a third dot: the rest is the signature, which does not decode', req: () => ({ headers: { host: 'jwt.test', 'x-token': `Bearer ${jwt()}.more` } }), status: 401, message: 'Bad token; invalid signature' },
  { source: 'kong/plugins/jwt/jwt_parser.lua:218', name: 'a header part out of the base64url alphabet is invalid JSON', req: () => ({ headers: { host: 'jwt.test', 'x-token': `Bearer +${jwt()}` } }), status: 401, message: 'Bad token; invalid JSON' },
  // Deliberate differences (README): Kong answers these with a 500.
  { source: 'kong/plugins/jwt/handler.lua:198', name: 'a key claim that is not a string: 401 (Kong: 500)', req: () => ({ headers: { host: 'jwt.test', 'x-token': `Bearer ${encode({ iss: 123 }, 'jwt-secret')}` } }), status: 401, message: "Invalid 'iss' in claims" },
  {
    source: 'kong/plugins/jwt/jwt_parser.lua:268', name: 'a header that is JSON but not an object: 401 (Kong: 500)',
    req: () => ({ headers: { host: 'jwt.test', 'x-token': `Bearer ${Buffer.from('123').toString('base64url')}.${jwt().split('.').slice(1).join('.')}` } }), status: 401, message: 'Bad token; invalid JSON',
  },
  { source: 'kong/plugins/jwt/handler.lua:177', name: 'a bare ?jwt argument is a token Kong cannot read', req: () => ({ path: '/request?jwt', headers: { host: 'jwt.test' } }), status: 401, message: 'Unrecognizable token' },
  { source: 'kong/plugins/jwt/handler.lua:175', name: 'a bare ?jwt argument and a token are two tokens', req: () => ({ path: '/request?jwt', headers: { host: 'jwt.test', 'x-token': `Bearer ${jwt()}` } }), status: 401, message: 'Multiple tokens provided' },
  { source: 'kong/plugins/jwt/handler.lua:49', name: 'cookie names compare case-insensitively, as nginx $cookie_NAME', req: () => ({ headers: { host: 'jwt.test', cookie: `a=1; session=${jwt()}` } }), status: 200 },
  { source: 'kong/plugins/jwt/handler.lua:49', name: 'the first cookie of a name is the one read', req: () => ({ headers: { host: 'jwt.test', cookie: `Session=${jwt()}; Session=other` } }), status: 200 },
  { source: 'kong/plugins/jwt/handler.lua:57', name: 'a header name with `_` finds the header with `-`', req: () => ({ headers: { host: 'jwt.test', 'x-token': `Bearer ${jwt()}` } }), status: 200 },
  { source: 'kong/plugins/jwt/handler.lua:62', name: 'the Bearer pattern is unanchored', req: () => ({ headers: { host: 'jwt.test', 'x-token': `Token Bearer ${jwt()}` } }), status: 200 },
];

for (const row of rows) {
  test(`${row.source} ${row.name}`, async () => {
    const res = await send(gw, row.req());
    assert.equal(res.status, row.status, res.text);
    if (row.message !== undefined) assert.equal(res.json?.message, row.message);
    row.check?.(res);
  });
}

test('kong/plugins/hmac-auth/access.lua:208 HTTP dates: the three forms, as UTC, and what is not one', () => {
  const at = Date.UTC(1994, 10, 6, 8, 49, 37);
  assert.equal(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT'), at);
  assert.equal(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT'), at);
  assert.equal(parseHttpDate('Sun Nov  6 08:49:37 1994'), at);
  for (const bad of ['1994-11-06T08:49:37Z', '784111777', 'Sun, 30 Feb 1994 08:49:37 GMT', 'Sun, 06 Nov 1994 24:00:00 GMT', 'wrong date', '']) assert.equal(parseHttpDate(bad), undefined, bad);
});

test('kong/plugins/basic-auth/access.lua:49 base64 as nginx decodes it', () => {
  assert.equal(decodeBase64('Ym9iOmtvbmc=')?.toString(), 'bob:kong');
  assert.equal(decodeBase64('Ym9iOmtvbmc=ignored')?.toString(), 'bob:kong', 'what follows the first = is not read');
  assert.equal(decodeBase64('Ym9iO'), undefined, 'one character past a whole group');
  assert.equal(decodeBase64('Ym9i_w', true)?.length, 4);
  assert.equal(decodeBase64('Ym9i_w'), undefined, 'base64url characters are not base64');
});

// Kong's expression routes: parsed at validation (with positions), matched by priority ahead of traditional routes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExpression, type ExpressionError } from '../../src/router/expression-parser.ts';
import { compileRouter, type ExpressionFacts } from '../../src/router/router.ts';
import { loadValid, problems } from '../helpers/config.ts';

const req = (over: Partial<ExpressionFacts>): ExpressionFacts => ({
  method: 'GET', host: 'example.com', port: 80, path: '/', headers: {}, sni: undefined, scheme: 'http', ...over,
});

function routerWith(routes: string) {
  const router = compileRouter(loadValid(`_format_version: "3.0"\nservices:\n- name: s\n  host: upstream.example\n  routes:\n${routes}`));
  return (over: Partial<ExpressionFacts>) => router.match(req(over));
}

test('parse errors name what is wrong and where', () => {
  const error = (src: string) => {
    try {
      parseExpression(src);
      return 'parsed';
    } catch (err) {
      return `${(err as ExpressionError).offset}: ${(err as Error).message}`;
    }
  };
  assert.equal(error('http.path == "/a" &&'), '20: expected a field, e.g. http.path');
  // Kong's (atc-router's) words for a predicate that does not check.
  assert.equal(error('http.pathx == "/a"'), '0: Unknown LHS field');
  assert.equal(error('http.path > "/a"'), '0: Greater/GreaterOrEqual/Less/LessOrEqual operators only supports integer operands');
  assert.equal(error('http.path > 1'), '0: Type mismatch between the LHS and RHS values of predicate');
  assert.equal(error('net.dst.port ^= 1'), '0: Prefix/Postfix operators only supports string operands');
  assert.equal(error('net.dst.port == "80"'), '0: Type mismatch between the LHS and RHS values of predicate');
  assert.equal(error('net.src.ip in 10.0.0.1'), '0: In/NotIn operators only supports IP in CIDR');
  assert.equal(error('lower(net.src.port) == 1'), '0: lower-case transformation function only supported with String type fields');
  assert.equal(error('upper(http.path) == "/a"'), '0: unknown transformation function: upper');
  assert.equal(error('http.path.segments.2_1 == "a"'), '0: illformed http.path.segments.* field');
  assert.equal(error('http.path ~ "("'), '12: regex parse error: missing closing ): `(`');
  // Rust's regex crate (Kong's router) has no look-around or backreferences.
  assert.equal(error('http.path ~ "^/(?=a)"'), '12: regex parse error: look-around, including look-ahead and look-behind, is not supported');
  assert.equal(error('(http.path == "/a"'), "18: expected ')'");
  assert.equal(error('http.path == "/a\\q"'), "16: invalid escape '\\q'");
  assert.equal(error('lower(http.path) == r#"/A"b"# && !(http.method == "GET")'), 'parsed');
});

test('validation reports a bad expression at the route, in Kong\'s words', () => {
  assert.deepEqual(problems('_format_version: "3.0"\nroutes:\n- name: r\n  expression: http.path === "/x"\n'), [
    "4:15 routes[0].expression: Router Expression failed validation: expected a value: \"string\", r#\"raw\"#, an integer or an IP (at character 13)",
  ]);
});

test("KIC's prefix-or-exact expression; strip_path strips what the path predicate matched", () => {
  const match = routerWith(`
  - name: echo
    expression: (http.path == "/echo") || (http.path ^= "/echo/")
`);
  assert.equal(match({ path: '/echo' })?.matchedPath, '/echo');
  assert.equal(match({ path: '/echo/a/b' })?.matchedPath, '/echo/');
  assert.equal(match({ path: '/echoes' }), undefined);
});

test('operators: headers (names with _), queries, lower(), regex captures, not, IPs, ports', () => {
  const match = routerWith(`
  - { name: header, priority: 9, expression: 'http.headers.x_api_version == "2" && http.path ^= "/h"' }
  - { name: query, priority: 8, expression: 'http.queries.debug == "1" && http.path ^= "/q"' }
  - { name: lower, priority: 7, expression: 'lower(http.host) =^ ".example.org"' }
  - { name: regex, priority: 6, expression: 'http.path ~ r#"^/users/(?<id>\\d+)"#' }
  - { name: not-get, priority: 5, expression: '!(http.method == "GET") && http.path ^= "/n"' }
  - { name: private, priority: 4, expression: 'net.src.ip in 10.0.0.0/8 && http.path ^= "/ip"' }
  - { name: port, priority: 3, expression: 'net.dst.port >= 9000 && http.path ^= "/port"' }
`);
  assert.equal(match({ path: '/h', headers: { 'x-api-version': '2' } })?.route.name, 'header');
  assert.equal(match({ path: '/h', headers: { 'x-api-version': '1' } }), undefined);
  assert.equal(match({ path: '/q', rawQuery: 'a=b&debug=1' })?.route.name, 'query');
  assert.equal(match({ host: 'API.Example.ORG' })?.route.name, 'lower');
  const users = match({ path: '/users/42/x' });
  assert.deepEqual([users?.route.name, users?.matchedPath, users?.captures?.named], ['regex', '/users/42', { id: '42' }]);
  assert.equal(match({ path: '/n', method: 'POST' })?.route.name, 'not-get');
  assert.equal(match({ path: '/n', method: 'GET' }), undefined);
  assert.equal(match({ path: '/ip', srcIp: '10.1.2.3' })?.route.name, 'private');
  assert.equal(match({ path: '/ip', srcIp: '192.168.1.1' }), undefined);
  // Kong's net.dst.port: the Host header's port, else the port the request came in on.
  assert.equal(match({ path: '/port', port: 9443 })?.route.name, 'port');
  assert.equal(match({ path: '/port', port: 8000 }), undefined);
});

test('higher priority wins; expression routes come before traditional ones', () => {
  const match = routerWith(`
  - { name: low, priority: 1, expression: 'http.path ^= "/api"' }
  - { name: high, priority: 10, expression: 'http.path ^= "/api/v2"' }
  - { name: traditional, paths: [/api/v2/exact] }
`);
  assert.equal(match({ path: '/api/v2/users' })?.route.name, 'high');
  assert.equal(match({ path: '/api/v1' })?.route.name, 'low');
  assert.equal(match({ path: '/api/v2/exact' })?.route.name, 'high');
});

test("atc-router's grammar: || binds tighter than &&, transformations nest, integers in three bases", () => {
  // atc-router src/ast.rs: "a == 1 && b != 2 || c >= 3" is "((a == 1) && ((b != 2) || (c >= 3)))".
  assert.deepEqual(parseExpression('net.src.port == 1 && net.dst.port != 2 || net.dst.port >= 3'), {
    type: 'and',
    left: { type: 'predicate', field: 'net.src.port', lower: false, any: false, op: '==', value: { kind: 'int', value: 1 } },
    right: {
      type: 'or',
      left: { type: 'predicate', field: 'net.dst.port', lower: false, any: false, op: '!=', value: { kind: 'int', value: 2 } },
      right: { type: 'predicate', field: 'net.dst.port', lower: false, any: false, op: '>=', value: { kind: 'int', value: 3 } },
    },
  });
  const match = routerWith(`
  - { name: precedence, expression: 'http.method == "POST" && http.path == "/a" || http.path == "/b"' }
  - { name: numbers, priority: 1, expression: '(net.dst.port == 0x1F90 && http.path ^= "/hex") || (net.dst.port == 017 && http.path ^= "/oct")' }
`);
  assert.equal(match({ method: 'GET', path: '/b' }), undefined, 'POST && (/a || /b)');
  assert.equal(match({ method: 'POST', path: '/b' })?.route.name, 'precedence');
  assert.equal(match({ port: 8080, path: '/hex' })?.route.name, 'numbers');
  assert.equal(match({ port: 15, path: '/oct' })?.route.name, 'numbers');
  assert.equal(parseExpression('any(lower(http.headers.x)) == "a"').type, 'predicate');
  assert.deepEqual(parseExpression('lower(any(http.headers.x)) == "a"'), parseExpression('any(lower(http.headers.x)) == "a"'));
});

test('a field with several values: every value must match, unless any()', () => {
  const match = routerWith(`
  - { name: all, priority: 2, expression: 'http.headers.x_tag == "a"' }
  - { name: any, priority: 1, expression: 'any(lower(http.headers.x_tag)) == "b"' }
`);
  assert.equal(match({ headers: { 'x-tag': 'a' } })?.route.name, 'all');
  assert.equal(match({ headers: { 'x-tag': 'a' }, headerValues: { 'x-tag': ['a', 'a'] } })?.route.name, 'all');
  assert.equal(match({ headers: { 'x-tag': 'a, B' }, headerValues: { 'x-tag': ['a', 'B'] } })?.route.name, 'any', 'not every value is "a"');
  assert.equal(match({ headers: { x_tag: 'a' } })?.route.name, 'all', 'the header spelled with an underscore');
  assert.equal(match({ headers: {} }), undefined, 'an absent field matches nothing');
});

// request-transformer and response-transformer configs: templates this gateway cannot evaluate are refused at load, at the entry and the
// character; Kong's schema rules (kong/plugins/request-transformer/schema.lua) with its messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { problems } from '../helpers/config.ts';
import { evaluate, parseTemplate, type Source } from '../../src/plugins/bundled/request-transformer/template.ts';

const doc = (config: string) => `_format_version: "3.0"
plugins:
- name: request-transformer
  config: ${config}
`;

// [config, expected problem (a regex over "LINE:COL path: message")]
const REFUSED: readonly [string, RegExp][] = [
  // spec/03-plugins/36-request-transformer/02-access_spec.lua:282 (a 500 on every request in Kong)
  ['{ replace: { uri: "/requests/user2/$(10 * uri_captures.user1)" } }', /plugins\[0\]\.config\.replace\.uri: unsupported template \$\(10 \* uri_captures\.user1\) \(character 19: expected a name/],
  // spec/03-plugins/36-request-transformer/02-access_spec.lua:359
  ['{ add: { querystring: ["q1:$(ERROR())"] } }', /config\.add\.querystring\[0\]: unsupported template \$\(ERROR\(\)\) \(character 6: 'ERROR' is not one of/],
  // spec/03-plugins/36-request-transformer/02-access_spec.lua:428 (a Lua function call)
  ['{ add: { headers: ["x-user-agent:$(foo(headers[\\"User-Agent\\"]))"] } }', /config\.add\.headers\[0\]: unsupported template .* \(character 16: 'foo' is not one of/],
  // spec/03-plugins/36-request-transformer/02-access_spec.lua:438 (`type`, `and`, `..`)
  ['{ add: { headers: ["X-Foo-Transformed:$(type(headers[\\"X-Foo\\"]) == \\"table\\")"] } }', /config\.add\.headers\[0\]: .*character 21: 'type' is not one of/],
  // spec/03-plugins/36-request-transformer/02-access_spec.lua:479
  ['{ add: { headers: ["X-Write-Attempt:$(shared.written = true)"] } }', /config\.add\.headers\[0\]: .*character 34: expected "or" or the end/],
  // spec/03-plugins/36-request-transformer/02-access_spec.lua:2651 (string library)
  ['{ append: { body: ["p:$(string.sub(query_params.user, 1, 3))"] } }', /config\.append\.body\[0\]: .*character 5: 'string' is not one of/],
  // Nested lookups, and a lambda (Kong documents them as Lua).
  ['{ rename: { querystring: ["a:$(headers.x.y)"] } }', /config\.rename\.querystring\[0\]: .*character 14: only one level of lookup/],
  ['{ replace: { body: ["a:$((function() return 1 end)())"] } }', /config\.replace\.body\[0\]: .*character 5: expected a name or a quoted string/],
  ['{ add: { body: ["a:ok", "b:$(headers.x and \'y\')"] } }', /config\.add\.body\[1\]: .*character 15: expected "or"/],
  ['{ add: { body: ["b:$(headers[x])"] } }', /config\.add\.body\[0\]: .*character 13: expected a quoted name or a number/],
  ['{ add: { body: ["b:$(\'unfinished)"] } }', /config\.add\.body\[0\]: .*unfinished string/],
  // Kong's set_path fails every request with these.
  ['{ replace: { uri: "requests" } }', /config\.replace\.uri: path must start with \//],
  ['{ replace: { uri: "x$(uri_captures[1])" } }', /config\.replace\.uri: path must start with \//],
  // Kong sets $upstream_host to a list, and fails every request.
  ['{ append: { headers: ["host:x"] } }', /config\.append\.headers\[0\]: cannot append to the Host header/],
  // Kong's schema rules.
  ['{ add: { body: ["a:"] } }', /config\.add\.body\[0\]: key 'a' has no value/],
  ['{ rename: { headers: ["a:b c"] } }', /config\.rename\.headers\[0\]: 'b c' is not a valid header/],
  ['{ remove: { headers: ["x.y"] } }', /config\.remove\.headers\[0\]: bad header name/],
];

for (const [config, expected] of REFUSED) {
  test(`refused: ${config}`, () => {
    const found = problems(doc(config));
    assert.equal(found.length, 1, found.join('\n'));
    assert.match(found[0]!, expected);
  });
}

const ACCEPTED = [
  '{ replace: { uri: "/new-prefix$(uri_captures[1])" } }',
  `{ add: { headers: ["x:$(headers['x-y'] or query_params[\\"q\\"] or uri_captures.id or shared.v or 'd')"] } }`,
  `{ add: { querystring: ["q1:$('$(uri_captures.user1)')"] } }`,
  // penlight leaves a `$(` without its closing parenthesis as text, and so does this gateway.
  '{ add: { headers: ["x:cost $(5"] } }',
  '{ add: { headers: ["x:"] } }',
];

for (const config of ACCEPTED) {
  test(`accepted: ${config}`, () => assert.deepEqual(problems(doc(config)), []));
}

// Rendering, as penlight renders `tostring(expr or '')` in Kong's sandbox.
const tables: Record<Source, Record<string | number, unknown>> = {
  headers: { 'x-y': 'hv', empty: '', list: ['a', 'b'] },
  query_params: { q: 'qv', flag: true },
  uri_captures: { 1: 'c1', id: 'cid' },
  shared: { n: 1.5, f: false },
};
const env = { lookup: (s: Source, k: string | number) => tables[s][k] };

const RENDERED: readonly [string, string][] = [
  ['$(headers["x-y"])', 'hv'],
  ['a $(query_params.q) b', 'a qv b'],
  ['$(query_params.flag)', 'true'],
  ['$(uri_captures[1])/$(uri_captures.id)', 'c1/cid'],
  ['$(headers.missing or query_params.q)', 'qv'],
  // Lua: an empty string is a true value; false is not.
  ['$(headers.empty or "d")', ''],
  ['$(shared.f or "d")', 'd'],
  ['$(shared.n)', '1.5'],
  ['$(headers.missing)', ''],
  ['$(headers.list)', 'a'],
  ['$("a\\"b\\65")', 'a"bA'],
  ['x$(y', 'x$(y'],
];

for (const [template, out] of RENDERED) {
  test(`renders ${template}`, () => assert.equal(evaluate(parseTemplate(template), env), out));
}

// response-transformer: an append without a value fails every answer in Kong (add_header gets nil); rename.headers
// takes header names on both sides (kong/plugins/response-transformer/schema.lua).
const responseDoc = (config: string) => `_format_version: "3.0"
plugins:
- name: response-transformer
  config: ${config}
`;
for (const [config, expected] of [
  ['{ append: { headers: ["x-a:v", "x-b:"] } }', /plugins\[0\]\.config\.append\.headers\[1\]: 'x-b:' has no value to append/],
  ['{ rename: { headers: ["x-a:b c"] } }', /plugins\[0\]\.config\.rename\.headers\[0\]: 'b c' is not a valid header/],
] as const) {
  test(`response-transformer refused: ${config}`, () => {
    const found = problems(responseDoc(config));
    assert.equal(found.length, 1, found.join('\n'));
    assert.match(found[0]!, expected);
  });
}

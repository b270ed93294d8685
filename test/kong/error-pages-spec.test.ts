// Ported from Kong 3.10's spec/02-integration/05-proxy/12-error_default_type_spec.lua (the type of Kong's error
// pages: Accept, error_default_type, custom templates, q-values) and 13-error_handlers_spec.lua (what nginx
// refuses before Kong runs, with Kong's bodies and Server header).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestGateway, startUpstream, tryStartTestGateway, type TestGateway } from '../helpers/servers.ts';
import { raw } from '../helpers/raw.ts';
import { tempDir } from '../helpers/temp.ts';
import type { FlagValues } from '../../src/settings/settings.ts';
import { send } from './kong-client.ts';

const SPEC12 = 'spec/02-integration/05-proxy/12-error_default_type_spec.lua';
const SPEC13 = 'spec/02-integration/05-proxy/13-error_handlers_spec.lua';

const HTML = (m: string, id: string) => `<!doctype html>\n<html>\n  <head>\n    <meta charset="utf-8">\n    <title>Error</title>\n  </head>\n  <body>\n    <h1>Error</h1>\n    <p>${m}.</p>\n    <p>request_id: ${id}</p>\n  </body>\n</html>\n`;
const XML = (m: string, id: string) => `<?xml version="1.0" encoding="UTF-8"?>\n<error>\n  <message>${m}</message>\n  <requestid>${id}</requestid>\n</error>\n`;
const PLAIN = (m: string, id: string) => `${m}\nrequest_id: ${id}\n`;
const MESSAGE = 'The upstream server is timing out';

// spec/fixtures/error_templates/*, byte for byte.
const TEMPLATES = {
  html: '<!doctype html>\n<html>\n  <head>\n    <meta charset="utf-8">\n    <title>Custom template</title>\n  </head>\n  <body>\n    <h1>Not the default</h1>\n    <p>%s.</p>\n    <p>request_id: %s</p>\n  </body>\n</html>',
  plain: 'custom plain template: %s\\n\nrequest_id: %s\\n',
  json: '{\n  "custom_template_message":"%s",\n  "request_id":"%s"\n}',
  xml: '<?xml version="1.0" encoding="UTF-8"?>\n<error>\n  <message>custom template</message>\n  <message>%s</message>\n  <message>%s</message>\n</error>',
};
const dir = tempDir('error-templates');
for (const [kind, text] of Object.entries(TEMPLATES)) writeFileSync(join(dir, `error_template.${kind}`), text);
const format = (template: string, ...values: string[]) => template.replace(/%s/g, () => values.shift() ?? '');

// Kong's spec waits on a blackhole with connect_timeout 1; an upstream that never answers, with a short
// read_timeout, gets the same 504 from nginx (and the same error page); no retries, so that each row takes one.
const silent = await startUpstream(() => undefined, 'silent');
const yaml = `_format_version: "3.0"
services:
- name: api-1
  url: http://127.0.0.1:${silent.port}
  read_timeout: 50
  retries: 0
  routes:
  - { methods: [GET, HEAD], paths: [/] }
`;

const SETUPS = {
  htmlDefault: { errorDefaultType: 'text/html' },
  unset: {},
  custom: {
    errorTemplateHtml: join(dir, 'error_template.html'), errorTemplatePlain: join(dir, 'error_template.plain'),
    errorTemplateJson: join(dir, 'error_template.json'), errorTemplateXml: join(dir, 'error_template.xml'),
  },
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
  await silent.close();
});

interface Row {
  readonly line: number;
  readonly name: string;
  readonly setup: Setup;
  readonly accept?: string;
  readonly method?: string;
  /** The whole body, given the request id; or a check of it. */
  readonly body: (id: string) => string;
  readonly type?: string;
}

const json = (key: string) => (id: string) => `{"${key}":"${MESSAGE}","id":"${id}"}`;
const rows: Row[] = [
  { line: 84, name: 'no Accept header uses error_default_type', setup: 'htmlDefault', body: (id) => HTML(MESSAGE, id), type: 'text/html; charset=utf-8' },
  { line: 99, name: 'HEAD request does not return a body', setup: 'htmlDefault', method: 'HEAD', body: () => '' },
  { line: 152, name: 'default error_default_type = text/plain', setup: 'unset', body: (id) => PLAIN(MESSAGE, id), type: 'text/plain; charset=utf-8' },
  { line: 172, name: 'Accept: text/html', setup: 'unset', accept: 'text/html', body: (id) => HTML(MESSAGE, id), type: 'text/html; charset=utf-8' },
  { line: 187, name: 'Accept: application/json', setup: 'unset', accept: 'application/json', body: json('message'), type: 'application/json; charset=utf-8' },
  { line: 201, name: 'Accept: application/xml', setup: 'unset', accept: 'application/xml', body: (id) => XML(MESSAGE, id), type: 'application/xml; charset=utf-8' },
  { line: 274, name: 'custom template: text/html', setup: 'custom', accept: 'text/html', body: (id) => format(TEMPLATES.html, MESSAGE, id) },
  { line: 290, name: 'custom template: text/plain', setup: 'custom', accept: 'text/plain', body: (id) => format(TEMPLATES.plain, MESSAGE, id) },
  { line: 306, name: 'custom template: application/json', setup: 'custom', accept: 'application/json', body: json('custom_template_message') },
  { line: 320, name: 'custom template: application/xml', setup: 'custom', accept: 'application/xml', body: (id) => format(TEMPLATES.xml, MESSAGE, id) },
  { line: 337, name: 'q-value defaults to 1 when not specified', setup: 'custom', accept: 'application/json;q=0.9,text/html,text/plain;q=0.9', body: (id) => format(TEMPLATES.html, MESSAGE, id) },
  { line: 353, name: 'picks highest q-value (json)', setup: 'custom', accept: 'text/plain;q=0.7,application/json;q=0.8,text/html;q=0.5', body: json('custom_template_message') },
];

for (const row of rows) {
  test(`${SPEC12}:${row.line} ${row.name}`, async () => {
    const gw = await gateway(row.setup);
    const r = await send(gw.port, '/', row.accept ? { accept: row.accept } : {}, row.method ?? 'GET');
    assert.equal(r.status, 504);
    const id = String(r.headers['x-kong-request-id']);
    assert.match(id, /^[0-9a-f]{32}$/);
    if (row.body(id).startsWith('{"')) {
      // The JSON rows decode the body (as the spec does), keys named by the row.
      const want = JSON.parse(row.body(id)) as Record<string, string>;
      const [key] = Object.keys(want);
      assert.equal((JSON.parse(r.body) as Record<string, string>)[key!], MESSAGE);
    } else {
      assert.equal(r.body, row.body(id));
    }
    if (row.type) assert.equal(r.headers['content-type'], row.type);
  });
}

test(`${SPEC13}:28 HTTP 400: a header over 8 KiB`, async () => {
  const gw = await gateway('unset');
  const r = await raw(gw.port, `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Large: ${'a'.repeat(10 * 1024)}\r\n\r\n`, { until: (t) => t.includes('request_id') });
  assert.match(r.text, /^HTTP\/1\.1 400 /);
  assert.match(r.text, /\r\nserver: gateway\//i);
  assert.match(r.text, /Request header or cookie too large/);
});

test(`${SPEC13}:42 Request For Routers With Trace Method Not Allowed`, async () => {
  const gw = await gateway('unset');
  const r = await send(gw.port, '/', {}, 'TRACE');
  assert.equal(r.status, 405);
  assert.match(String(r.headers.server), /gateway\//);
  assert.match(r.body, /^Method not allowed\nrequest_id: [0-9a-f]+\n$/);
});

test(`kong/error_handlers.lua: nginx's 400 for HTTP/1.1 without Host, with Kong's page`, async () => {
  const gw = await gateway('unset');
  const r = await raw(gw.port, 'GET / HTTP/1.1\r\n\r\n', { until: (t) => t.includes('request_id') });
  assert.match(r.text, /^HTTP\/1\.1 400 /);
  assert.match(r.text, /\r\nserver: gateway\//i);
  assert.match(r.text, /\r\n\r\nBad request\nrequest_id: [0-9a-f]{32}\n$/);
});

test("kong/tools/http.lua: a custom template Lua's string.format would fail on is refused at start", async () => {
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{"message":"%d"}');
  await assert.rejects(tryStartTestGateway(yaml, { errorTemplateJson: bad }), /--error-template-json: .*'%d' is not a conversion/);
  await assert.rejects(tryStartTestGateway(yaml, { errorTemplateHtml: join(dir, 'missing.html') }), /--error-template-html: cannot read/);
});

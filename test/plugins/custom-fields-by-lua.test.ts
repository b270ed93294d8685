// custom_fields_by_lua (Kong's typedefs.lua_code) in the four logging plugins: this gateway runs no Lua, so a
// config that sets any is refused at validation, at the entry, with a message that says why. Kong's specs
// configure it in spec/03-plugins/04-file-log/01-log_spec.lua:172, spec/03-plugins/01-tcp-log/01-tcp-log_spec.lua:180,
// spec/03-plugins/02-udp-log/01-udp-log_spec.lua:37 and spec/03-plugins/05-syslog/01-log_spec.lua:72.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { problems, yaml } from '../helpers/config.ts';
import { tempDir } from '../helpers/temp.ts';

const MESSAGE = 'Lua code is not run by this gateway: custom_fields_by_lua cannot be honoured; remove it (or set the field in the upstream or a custom plugin)';

const CONFIGS: Record<string, string> = {
  'file-log': 'path: /tmp/kong-file.log',
  'tcp-log': 'host: 127.0.0.1, port: 35001',
  'udp-log': 'host: 127.0.0.1, port: 35001',
  syslog: 'log_level: warning',
};

for (const [name, fields] of Object.entries(CONFIGS)) {
  test(`${name}: custom_fields_by_lua is refused where it is written`, () => {
    const text = yaml`
      _format_version: "3.0"
      plugins:
      - name: ${name}
        config: { ${fields}, custom_fields_by_lua: { new_field: "return 123" } }
    `;
    const column = text.split('\n')[3]!.indexOf('"return 123"') + 1;
    assert.deepEqual(problems(text), [`4:${column} plugins[0].config.custom_fields_by_lua.new_field: ${MESSAGE}`]);
  });

  test(`${name}: an empty or null custom_fields_by_lua runs nothing (as in Kong) and is accepted`, () => {
    for (const value of ['{}', 'null']) {
      assert.deepEqual(problems(`_format_version: "3.0"\nplugins:\n- name: ${name}\n  config: { ${fields}, custom_fields_by_lua: ${value} }\n`), []);
    }
  });
}

test('gateway validate prints the refusal with its position and exits 1', async () => {
  const dir = tempDir('lua-fields');
  const file = join(dir, 'kong.yaml');
  writeFileSync(file, [
    '_format_version: "3.0"',
    'plugins:',
    '- name: tcp-log',
    '  config:',
    '    host: 127.0.0.1',
    '    port: 35001',
    '    custom_fields_by_lua:',
    '      route: return nil',
    '',
  ].join('\n'));
  const bin = new URL('../../bin/gateway.js', import.meta.url).pathname;
  const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(process.execPath, [bin, 'validate', file], { env: { ...process.env, GATEWAY_PLUGINS: '' } }, (err, _stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr });
    });
  });
  assert.equal(r.code, 1);
  assert.equal(r.stderr.split('\n')[0], `${file}:8:14 plugins[0].config.custom_fields_by_lua.route: ${MESSAGE}`);
});

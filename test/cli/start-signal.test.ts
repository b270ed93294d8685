// A SIGTERM that comes while the gateway starts (a pod deleted as it starts) stops it once it is up, exit 0,
// instead of killing it midway. A custom plugin holds the start in its initWorker until the test lets it go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/temp.ts';

const src = new URL('../../src/', import.meta.url).href;
const bin = new URL('../../bin/gateway.js', import.meta.url).pathname;

test('SIGTERM during the start: the gateway comes up, drains and exits 0', { timeout: 60_000 }, async () => {
  const dir = tempDir('start-signal');
  const plugin = join(dir, 'plugins', 'slow-start');
  mkdirSync(plugin, { recursive: true });
  const release = join(dir, 'release');
  writeFileSync(join(plugin, 'schema.ts'), `import { definePluginSchema } from '${src}plugins/schema-types.ts';\nimport { Rec } from '${src}schema/kit.ts';\nexport default definePluginSchema({ name: 'slow-start', config: Rec({}) });\n`);
  writeFileSync(join(plugin, 'handler.ts'), `import { existsSync } from 'node:fs';
import { definePluginHandler } from '${src}plugins/types.ts';
export default definePluginHandler({
  version: '1.0.0',
  priority: 1,
  async initWorker() {
    process.stdout.write('{"msg":"slow-start waiting"}\\n');
    while (!existsSync(${JSON.stringify(release)})) await new Promise((r) => setTimeout(r, 20));
  },
});
`);
  const file = join(dir, 'kong.yaml');
  writeFileSync(file, '_format_version: "3.0"\nroutes:\n- { name: r, paths: [/] }\n');
  const child = spawn(process.execPath, [bin, 'start', '-c', file, '--proxy-listen', '127.0.0.1:0', '--admin-listen', 'off', '--status-listen', 'off', '--plugins', 'bundled,slow-start', '--plugins-path', join(dir, 'plugins')], { cwd: dir });
  const orphaned = () => child.kill('SIGKILL');
  process.once('exit', orphaned);
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    out += chunk;
  });
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('slow-start waiting')) resolve();
    });
  });
  child.kill('SIGTERM');
  // The signal is in; now the start may finish.
  writeFileSync(release, '');
  const [code] = (await once(child, 'exit')) as [number | null];
  process.off('exit', orphaned);
  assert.equal(code, 0, out);
  assert.match(out, /"msg":"gateway ready"/);
  assert.match(out, /"signal":"SIGTERM".*"msg":"stopping: draining in-flight requests"/);
  assert.match(out, /"msg":"stopped"/);
});

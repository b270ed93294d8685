// A production install: what `npm pack` ships (package.json "files") plus the lockfile's runtime dependencies
// alone (`npm ci --omit=dev`, the image's build stage) runs the gateway: validate, start, serve, stop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { execFileSync } from 'node:child_process';
import { request } from 'undici';
import { tempDir } from '../helpers/temp.ts';
import { run, spawnLogged } from '../helpers/deploy.ts';
import { parseDockerfile } from '../helpers/dockerfile.ts';

const root = new URL('../../', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  scripts: { start: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
// npm is the one next to the Node that runs the tests when there is one, else the one on PATH.
const npm = existsSync(join(dirname(process.execPath), 'npm')) ? join(dirname(process.execPath), 'npm') : 'npm';
const npmEnv = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' } as Record<string, string>;

function packedFiles(): string[] {
  const out = execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, env: npmEnv, encoding: 'utf8' });
  const [info] = JSON.parse(out) as { files: { path: string }[] }[];
  return info!.files.map((f) => f.path).sort();
}

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)|new URL\(\s*['"](\.{1,2}\/[^'"]+)['"],\s*import\.meta\.url\)/g;

const BARE = /(?:^|[\s;])(?:import|export)\s+(type\s)?[^'"]*?from\s*['"]([^./'"][^'"]*)['"]|import\(\s*['"]([^./'"][^'"]*)['"]\s*\)/g;

test('package.json "files" ships every file the runtime imports, and nothing of test/, bench/ or the dev tools', () => {
  const files = packedFiles();
  const shipped = new Set(files);
  assert.ok(shipped.has('bin/gateway.js') && shipped.has('package.json') && shipped.has('README.md'));
  for (const folder of ['test/', 'bench/', 'scripts/', '.tmp/', 'node_modules/', 'deploy/', '.ci/']) {
    assert.deepEqual(files.filter((f) => f.startsWith(folder)), [], `${folder} is not shipped`);
  }
  // Every relative import (and file read by URL) of a shipped module is shipped too.
  const missing: string[] = [];
  for (const file of files.filter((f) => /\.(ts|js)$/.test(f))) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const target = normalize(join(dirname(file), (m[1] ?? m[2] ?? m[3])!));
      if (target.endsWith('/')) continue;
      if (!shipped.has(target)) missing.push(`${file} -> ${target}`);
    }
  }
  assert.deepEqual(missing, []);
  // Every package a shipped module imports at run time is a dependency (a devDependency is not installed);
  // `import type` is erased by type stripping.
  const undeclared: string[] = [];
  for (const file of files.filter((f) => /\.(ts|js)$/.test(f))) {
    for (const m of readFileSync(join(root, file), 'utf8').matchAll(BARE)) {
      if (m[1] === 'type') continue;
      const spec = (m[2] ?? m[3])!;
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
      if (!name.startsWith('node:') && !(name in pkg.dependencies)) undeclared.push(`${file}: ${name}`);
    }
  }
  assert.deepEqual(undeclared, []);
  // Each source and schema file in the repository is shipped (a new folder can't be left out by accident).
  const tracked = execFileSync('git', ['ls-files', 'src', 'schemas'], { cwd: root, encoding: 'utf8' }).split('\n').filter((f) => f !== '');
  assert.deepEqual(tracked.filter((f) => !shipped.has(f)), []);
});

/** The Dockerfile's `npm ci ...` (its build stage's install), as words. */
const imageInstall = (() => {
  const runs = parseDockerfile(readFileSync(join(root, 'Dockerfile'), 'utf8')).filter((i) => i.keyword === 'RUN');
  const words = runs.flatMap((i) => i.args.split('&&')).map((c) => c.trim().split(/\s+/)).find((w) => w[0] === 'npm' && w[1] === 'ci');
  assert.ok(words, 'the Dockerfile runs npm ci');
  return words.slice(1);
})();

test("a production install (npm pack, then the image's npm ci --omit=dev) validates, serves and stops", async () => {
  const dir = tempDir('production');
  execFileSync(npm, ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: root, env: npmEnv, stdio: 'ignore' });
  const app = join(dir, 'app');
  mkdirSync(app);
  execFileSync('tar', ['-xzf', join(dir, `${pkg.name}-${pkg.version}.tgz`), '-C', app, '--strip-components=1']);
  copyFileSync(join(root, 'package-lock.json'), join(app, 'package-lock.json'));
  // Nothing above the install may lend it modules: what runs below is what was installed.
  for (let up = dirname(app); up !== dirname(up); up = dirname(up)) assert.ok(!existsSync(join(up, 'node_modules')), `${up}/node_modules`);
  // The image's build stage's install, word for word; --offline: from npm's cache (filled by the `npm ci` before
  // the tests), never the network.
  const install = await run([npm, ...imageInstall, '--offline'], { cwd: app, env: npmEnv });
  assert.equal(install.code, 0, install.stderr);
  const installed = readdirSync(join(app, 'node_modules'));
  for (const dep of Object.keys(pkg.dependencies)) assert.ok(installed.includes(dep.split('/')[0]!), `${dep} installed`);
  for (const dev of Object.keys(pkg.devDependencies)) assert.ok(!installed.includes(dev.split('/')[0]!), `${dev} (a devDependency) left out`);

  writeFileSync(join(app, 'kong.yaml'), readFileSync(join(root, 'kong.yaml')));
  // Node 24 itself is not among the runtime dependencies: the image's base has it, a plain install needs it.
  const nodeFlags = /^(?:exec )?node (.*) bin\/gateway\.js start$/.exec(pkg.scripts.start)![1]!.split(' ');
  const env = { PATH: process.env.PATH ?? '', HOME: dir };
  const validate = await run([process.execPath, 'bin/gateway.js', 'validate', 'kong.yaml'], { cwd: app, env });
  assert.equal(validate.code, 0, validate.stderr);
  assert.equal(validate.stdout, 'kong.yaml: valid (1 services, 1 routes, 1 plugins)\n');

  const gw = spawnLogged([process.execPath, ...nodeFlags, 'bin/gateway.js', 'start', '--proxy-listen', '127.0.0.1:0', '--admin-listen', 'off'], env, app);
  try {
    const ready = await gw.waitFor((l) => l.msg === 'gateway ready');
    const [address] = ready.proxy_listen as string[];
    const res = await request(`http://${address}/echo/hello?name=world`);
    assert.equal(res.statusCode, 200);
    const echo = (await res.body.json()) as { request: { path: string; query: Record<string, string> } };
    assert.equal(echo.request.path, '/echo/hello');
    assert.deepEqual(echo.request.query, { name: 'world' });
  } finally {
    assert.equal(await gw.stop(), 0, gw.stderr());
  }
});

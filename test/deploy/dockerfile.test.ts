// The container image, checked without Docker: its Dockerfile read instruction by instruction, and its
// ENTRYPOINT + CMD run here with its ENV (the /app it copies is this repository), its EXPOSEd ports and its
// HEALTHCHECK probed for real.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { resolveSettings } from '../../src/settings/settings.ts';
import { envPairs, execForm, healthcheck, parseDockerfile, stages, type Instruction } from '../helpers/dockerfile.ts';
import { freePort, isLoopback, KONG_DATABASE, listeners, onFreePorts, pendingUntilRead, readsEnv, run, spawnLogged } from '../helpers/deploy.ts';
import { tempDir } from '../helpers/temp.ts';

const root = new URL('../../', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string; engines: { node: string }; scripts: { start: string } };
const instructions = parseDockerfile(readFileSync(join(root, 'Dockerfile'), 'utf8'));
const all = stages(instructions);
const runtime = all.at(-1)!;
const one = (keyword: string): Instruction => {
  const found = runtime.instructions.filter((i) => i.keyword === keyword);
  assert.equal(found.length, 1, `one ${keyword} in the runtime stage`);
  return found[0]!;
};
const env = Object.fromEntries(runtime.instructions.filter((i) => i.keyword === 'ENV').flatMap((i) => envPairs(i.args)));
const argDefaults = Object.fromEntries(instructions.filter((i) => i.keyword === 'ARG').map((i) => i.args.split('=') as [string, string]));
const image = (from: string) => from.replace(/^\$\{?(\w+)\}?$/, (_, name: string) => argDefaults[name] ?? '');
/** The image's paths are this repository's: the build stage copies the packed project to /app. */
const local = (arg: string) => arg.replace(/^\/app\//, root);
const entrypoint = execForm(one('ENTRYPOINT').args);
const cmd = execForm(one('CMD').args);
const probe = healthcheck(one('HEALTHCHECK').args);
const kongNames = Object.keys(env).filter((k) => k.startsWith('KONG_'));
const pendingSettings = pendingUntilRead(kongNames);

test('two stages: the build stage packs the project and installs the runtime dependencies alone; the runtime is an official Node image of the major the package needs', () => {
  assert.ok(all.length >= 2);
  const build = all.find((s) => s.name !== undefined && runtime.instructions.some((i) => i.keyword === 'COPY' && i.args.includes(`--from=${s.name}`)));
  assert.ok(build, 'the runtime stage copies from a named build stage');
  const runs = build.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args).join('\n');
  assert.match(runs, /npm pack\b/);
  assert.match(runs, /npm ci\b[^\n&]*--omit=dev/);
  assert.ok(!runtime.instructions.some((i) => i.keyword === 'RUN' && /npm (ci|install)/.test(i.args)), 'nothing is installed in the runtime stage');
  const major = /^>=(\d+)/.exec(pkg.engines.node)![1];
  for (const stage of all) assert.match(image(stage.from), new RegExp(`^node:${major}(\\.\\d+)*-(slim|alpine)`), stage.from);
});

test('runs as a non-root user, the files it runs owned by root', () => {
  const user = one('USER').args;
  assert.ok(!['root', '0', '0:0'].includes(user), user);
  const copies = runtime.instructions.filter((i) => i.keyword === 'COPY');
  assert.ok(copies.length > 0);
  for (const c of copies) assert.doesNotMatch(c.args, /--chown|--chmod/, 'the gateway cannot rewrite its own code');
  assert.ok(runtime.instructions.indexOf(one('USER')) > runtime.instructions.lastIndexOf(copies.at(-1)!), 'USER after the files are in place');
});

test("its ENV: Kong's KONG_* names, each one the gateway reads, with Kong's values (database off)", { todo: pendingSettings }, () => {
  assert.equal(env[KONG_DATABASE], 'off');
  assert.equal(env.KONG_DECLARATIVE_CONFIG, '/kong/declarative/kong.yml', "the path Kong's docker docs mount the declarative file at");
  for (const name of Object.keys(env)) if (name !== 'NODE_ENV' && name !== KONG_DATABASE) assert.ok(readsEnv(name), `${name} is a setting`);
  assert.ok(kongNames.includes('KONG_STATUS_LISTEN'));
});

test('EXPOSE: the ports its listeners take, loopback ones (the admin API, as in Kong) not among them', { todo: pendingSettings }, () => {
  const settings = resolveSettings({}, env);
  const open = (['proxyListen', 'adminListen', 'statusListen'] as const).flatMap((key) => listeners(settings, key)).filter((l) => !isLoopback(l.host)).map((l) => l.port);
  const exposed = one('EXPOSE').args.split(/\s+/).map((p) => Number(p.replace(/\/tcp$/, '')));
  assert.deepEqual([...exposed].sort(), [...new Set(open)].sort());
  assert.equal(listeners(settings, 'statusListen').length, 1, 'a status listener, for the health check');
});

test("ENTRYPOINT: Node with npm start's flags running bin/gateway.js; CMD: start; STOPSIGNAL: the one the gateway drains on", () => {
  assert.equal(entrypoint[0], 'node');
  const nodeFlags = /^(?:exec )?node (.*) bin\/gateway\.js start$/.exec(pkg.scripts.start)![1]!.split(' ');
  assert.deepEqual(entrypoint.slice(1, -1), nodeFlags);
  assert.equal(local(entrypoint.at(-1)!), join(root, 'bin/gateway.js'));
  assert.deepEqual(cmd, ['start']);
  assert.equal(one('STOPSIGNAL').args, 'SIGTERM');
  assert.equal(one('WORKDIR').args, '/app');
});

test('HEALTHCHECK: the node script the image copies, on the status listener', () => {
  assert.equal(probe.command[0], 'node');
  const script = probe.command[1]!;
  const copy = runtime.instructions.find((i) => i.keyword === 'COPY' && i.args.split(/\s+/).at(-1) === script);
  assert.ok(copy, `${script} is copied into the image`);
  assert.equal(copy.args.split(/\s+/)[0], 'deploy/healthcheck.js');
  assert.equal(local(script), join(root, 'deploy/healthcheck.js'));
  assert.ok(Number.parseInt(probe.options.timeout ?? '30', 10) < Number.parseInt(probe.options.interval ?? '30', 10));
});

test('.dockerignore leaves out the dependencies, git and the tests, and keeps what the build needs', () => {
  const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  for (const out of ['node_modules', '.git', 'test', '.tmp']) assert.ok(ignored.includes(out), out);
  const files = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { files: string[] }).files;
  for (const needed of [...files, 'package.json', 'package-lock.json', 'deploy', 'deploy/healthcheck.js']) {
    assert.ok(!ignored.some((p) => p === needed || needed.startsWith(`${p}/`)), `${needed} is sent to the build`);
  }
});

test('the health check fails while nothing answers on the status port', async () => {
  const port = await freePort();
  const r = await run([process.execPath, ...probe.command.slice(1).map(local)], { cwd: root, env: { PATH: process.env.PATH ?? '', KONG_STATUS_LISTEN: `0.0.0.0:${port}` } });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /healthcheck: \/status\/ready: .*ECONNREFUSED/);
  const none = await run([process.execPath, ...probe.command.slice(1).map(local)], { cwd: root, env: { PATH: process.env.PATH ?? '' } });
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no status listener to probe/);
});

test("the image's command with its ENV: serves the config at KONG_DECLARATIVE_CONFIG on the proxy port, is healthy, and drains on the STOPSIGNAL", async (t) => {
  const dir = tempDir('image');
  const config = join(dir, 'kong.yml');
  writeFileSync(config, readFileSync(join(root, 'kong.yaml')));
  const moved = await onFreePorts(env);
  const runEnv: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: dir, ...moved.env, KONG_DECLARATIVE_CONFIG: config };
  // Until the gateway reads KONG_*, their GATEWAY_* twins keep this run off the real ports.
  for (const name of kongNames) {
    const twin = `GATEWAY_${name.slice('KONG_'.length)}`;
    if (!readsEnv(name) && readsEnv(twin)) runEnv[twin] = runEnv[name]!;
  }
  const argv = [process.execPath, ...entrypoint.slice(1).map(local), ...cmd];
  const gw = spawnLogged(argv, runEnv, dir);
  try {
    const ready = await gw.waitFor((l) => l.msg === 'gateway ready');
    const proxyPort = moved.ports.get(8000)!;
    assert.ok((ready.proxy_listen as string[]).includes(`127.0.0.1:${proxyPort}`), JSON.stringify(ready.proxy_listen));
    const res = await request(`http://127.0.0.1:${proxyPort}/echo/x`);
    assert.equal(res.statusCode, 200);
    await res.body.text();
    const statusPending = pendingUntilRead(['KONG_STATUS_LISTEN']) || (!existsSync(join(root, 'src/status')) && 'the status listener (src/status/) is not merged yet');
    await t.test('/status/ready answers 200 on the status port, and the HEALTHCHECK passes', { todo: statusPending }, async () => {
      const statusPort = moved.ports.get(8100)!;
      // Ready once every worker serves the config: asked until then, a bounded number of times.
      let status = 0;
      for (let i = 0; i < 50 && status !== 200; i++) {
        const r = await request(`http://127.0.0.1:${statusPort}/status/ready`);
        status = r.statusCode;
        const body = await r.body.text();
        if (status === 200) assert.deepEqual(JSON.parse(body), { message: 'ready' });
        else await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(status, 200);
      const health = await run([process.execPath, ...probe.command.slice(1).map(local)], { cwd: dir, env: runEnv });
      assert.equal(health.code, 0, health.stderr);
    });
  } finally {
    assert.equal(await gw.stop(), 0, gw.stderr());
  }
  assert.ok(gw.lines.some((l) => l.msg === 'stopped'));
});

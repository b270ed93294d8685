// `npm start` as a service manager runs it: SIGTERM to npm must stop the gateway too. npm's script shell (sh -c)
// does not pass signals on, so the start script execs node in its place; npm forwards SIGTERM to its child.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { tempDir } from '../helpers/temp.ts';

const root = new URL('../../', import.meta.url).pathname;

/** Exited: no such process, or a zombie (an orphan's reaper may be slow to collect it, or be no reaper at all). */
function gone(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').startsWith('Z');
  } catch {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  }
}

test('SIGTERM to `npm start` drains and stops the gateway, and npm exits 0', { timeout: 60_000 }, async (t) => {
  const file = join(tempDir('npm-start'), 'kong.yaml');
  writeFileSync(file, '_format_version: "3.0"\nroutes:\n- name: r\n  paths: [/]\n');
  // Under `npm test`, the npm that runs the tests; else the one on PATH.
  const npm = process.env.npm_execpath;
  const args = ['run', 'start', '--', '-c', file, '--proxy-listen', '127.0.0.1:0', '--admin-listen', 'off', '--status-listen', 'off'];
  const child = npm && /\.[cm]?js$/.test(npm) ? spawn(process.execPath, [npm, ...args], { cwd: root }) : spawn('npm', args, { cwd: root });
  const orphaned = () => child.kill('SIGKILL');
  process.once('exit', orphaned);
  let out = '';
  child.stdout.setEncoding('utf8');
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      const line = out.split('\n').find((l) => l.includes('"gateway ready"'));
      if (line) resolve(JSON.parse(line) as Record<string, unknown>);
    });
    child.once('exit', (code) => reject(new Error(`npm exited (${code}) before the gateway was ready:\n${out}`)));
  });
  const gatewayPid = Number(ready.pid);
  assert.ok(gatewayPid > 0);
  // A gateway left behind would hold this file's output open (and the port): it goes when the test ends.
  t.after(() => {
    try {
      process.kill(gatewayPid, 'SIGKILL');
    } catch {
      // Gone, as it should be.
    }
  });
  assert.notEqual(gatewayPid, child.pid, 'the gateway is a process of its own under npm');
  const res = await request(`http://${(ready.proxy_listen as string[])[0]}/`);
  assert.equal(res.statusCode, 503, 'serving: a route without a service');
  await res.body.text();
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  process.off('exit', orphaned);
  assert.equal(code, 0);
  assert.match(out, /"msg":"stopped"/);
  // npm waits for its child: once npm is gone, so is the gateway.
  assert.ok(gone(gatewayPid));
});

test("`npx gateway start`: npm's script shell dies of the SIGTERM and leaves the gateway, which stops when it sees its parent gone", { timeout: 60_000 }, async (t) => {
  const file = join(tempDir('npx-start'), 'kong.yaml');
  writeFileSync(file, '_format_version: "3.0"\nroutes:\n- name: r\n  paths: [/]\n');
  // What `npm exec` runs: `sh -c 'gateway' start ...`, npm's environment, a shell that does not exec.
  const bin = new URL('../../bin/gateway.js', import.meta.url).pathname;
  const shell = spawn('sh', ['-c', `"${process.execPath}" "${bin}" start -c "${file}" --proxy-listen 127.0.0.1:0 --admin-listen off --status-listen off; echo shell-after`], { env: { ...process.env, npm_command: 'exec' } });
  let out = '';
  shell.stdout.setEncoding('utf8');
  const ready = await new Promise<Record<string, unknown>>((resolve) => {
    shell.stdout.on('data', (chunk: string) => {
      out += chunk;
      const line = out.split('\n').find((l) => l.includes('"gateway ready"'));
      if (line) resolve(JSON.parse(line) as Record<string, unknown>);
    });
  });
  const gatewayPid = Number(ready.pid);
  t.after(() => {
    try {
      process.kill(gatewayPid, 'SIGKILL');
    } catch {
      // Gone, as it should be.
    }
  });
  assert.notEqual(gatewayPid, shell.pid);
  // The gateway holds the pipe the shell handed it: its end is the gateway's exit.
  const ended = once(shell.stdout, 'end');
  shell.kill('SIGTERM');
  await ended;
  assert.match(out, /"signal":"parent exited".*"msg":"stopping: draining in-flight requests"/);
  assert.match(out, /"msg":"stopped"/);
  assert.doesNotMatch(out, /shell-after/, 'the shell died of the signal');
  // Its pipe closes as it exits: asked until it is gone (the test's timeout bounds it).
  while (!gone(gatewayPid)) await new Promise((r) => setTimeout(r, 20));
});

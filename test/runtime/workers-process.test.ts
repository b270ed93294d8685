// `gateway start --workers 2` as users run it (its own process): it serves, SIGHUP reloads every worker, and
// SIGTERM lets an in-flight request finish, then exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { request } from 'undici';
import { startGatewayProcess } from '../helpers/process.ts';
import { startUpstream } from '../helpers/servers.ts';

test('gateway start --workers 2: serves, reloads on SIGHUP, drains on SIGTERM and exits 0', async () => {
  let release: (() => void) | undefined;
  const upstream = await startUpstream((req, res) => {
    if (req.url === '/slow') {
      release = () => res.end('slow done');
      return;
    }
    res.end('ok');
  });
  const config = (message: string) => `_format_version: "3.0"\nservices:\n- name: s\n  url: http://127.0.0.1:${upstream.port}\n  routes: [{ name: r, paths: [/] }]\nplugins:\n- name: response-transformer\n  config: { add: { headers: ["x-message:${message}"] } }\n`;
  const gw = await startGatewayProcess(config('one'), ['--workers', '2', '--drain-timeout', '10']);
  try {
    assert.equal((await gw.waitFor((l) => l.msg === 'gateway ready')).workers, 2);
    const res = await request(`http://${gw.address}/`);
    assert.equal(await res.body.text(), 'ok');
    assert.equal(res.headers['x-message'], 'one');
    writeFileSync(gw.file, config('two'));
    gw.child.kill('SIGHUP');
    const reloaded = await gw.waitFor((l) => l.msg === 'config reloaded');
    assert.ok(reloaded.new_hash);
    for (let i = 0; i < 10; i++) {
      const r = await request(`http://${gw.address}/`, { headers: { connection: 'close' }, reset: true });
      await r.body.text();
      assert.equal(r.headers['x-message'], 'two');
    }
    // A request in flight when SIGTERM comes is answered, then the process exits 0.
    const slow = request(`http://${gw.address}/slow`);
    while (!release) await new Promise((resolve) => setTimeout(resolve, 10));
    const exited = gw.stop();
    await gw.waitFor((l) => typeof l.msg === 'string' && l.msg.startsWith('stopping'));
    release();
    const answer = await slow;
    assert.equal(await answer.body.text(), 'slow done');
    assert.equal(await exited, 0);
  } finally {
    await gw.stop();
    await upstream.close();
  }
});

// A worker that keeps ending as soon as it starts is restarted after a growing delay (no spinning), and serves
// again once it can; the other worker serves throughout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { writePlugins } from '../helpers/plugins.ts';
import { recordingLogger, startTestGateway, startUpstream } from '../helpers/servers.ts';
import { tempDir } from '../helpers/temp.ts';

test('a crash-looping worker is restarted with a growing delay, and serves again once it can', async () => {
  const marker = join(tempDir('crash-loop'), 'crash');
  const dir = writePlugins([{
    name: 'crash-loop',
    handler: `import { existsSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
export default {
  version: '1.0.0',
  priority: 1,
  initWorker() { if (existsSync(${JSON.stringify(marker)})) process.exit(9); },
  access(kong) { if (kong.request.getHeader('x-exit') === String(threadId)) process.exit(7); },
  headerFilter(kong) { kong.response.setHeader('x-worker', String(threadId)); },
};
`,
  }]);
  const upstream = await startUpstream();
  const { log, lines } = recordingLogger();
  const gw = await startTestGateway(`_format_version: "3.0"\nservices:\n- name: s\n  url: http://127.0.0.1:${upstream.port}\n  routes: [{ name: r, paths: [/] }]\nplugins:\n- name: crash-loop\n`, { workers: '2', plugins: ['bundled', 'crash-loop'], pluginsPath: [dir] }, log);
  try {
    const fresh = async (headers: Record<string, string> = {}) => {
      const res = await request(gw.url, { headers: { connection: 'close', ...headers }, reset: true });
      await res.body.text();
      return { status: res.statusCode, worker: String(res.headers['x-worker']) };
    };
    const workers = new Set<string>();
    for (let i = 0; i < 200 && workers.size < 2; i++) workers.add((await fresh()).worker);
    const [victim] = [...workers];
    writeFileSync(marker, '');
    let ended = false;
    for (let i = 0; i < 200 && !ended; i++) ended = (await fresh({ 'x-exit': victim! }).catch(() => undefined)) === undefined;
    assert.equal(ended, true);
    const restarts = () => lines.filter((l) => typeof l.msg === 'string' && /^worker \d ended; restarting it$/.test(l.msg));
    for (let i = 0; i < 1200 && restarts().length < 5; i++) await sleep(25);
    const delays = restarts().map((l) => l.restart_in_ms as number);
    assert.ok(delays.length >= 5, `restarts: ${delays.join(' ')}`);
    // The first at once (it had served), then 100 ms, doubling.
    assert.deepEqual(delays.slice(0, 5), [0, 100, 200, 400, 800]);
    assert.deepEqual(restarts().slice(1).map((l) => l.exit_code), restarts().slice(1).map(() => 9));
    // The other worker served all along.
    assert.equal((await fresh()).status, 200);
    rmSync(marker);
    let back = false;
    for (let i = 0; i < 1200 && !back; i++) {
      back = lines.some((l) => typeof l.msg === 'string' && /^worker \d restarted$/.test(l.msg));
      if (!back) await sleep(25);
    }
    assert.equal(back, true);
    const again = new Set<string>();
    for (let i = 0; i < 200 && again.size < 2; i++) again.add((await fresh()).worker);
    assert.equal(again.size, 2);
  } finally {
    await gw.stop();
    await upstream.close();
  }
});

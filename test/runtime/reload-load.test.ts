// Reloading under load: 16 clients for 5 s while the file is rewritten every 300 ms. No request fails, and each
// response comes from one snapshot: its route (router) and its message (plugin config) name the same version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { startTestGateway } from '../helpers/servers.ts';

const config = (n: number) => `_format_version: "3.0"
routes:
- name: version-${n}
  paths: [/v]
  plugins:
  - name: request-termination
    config: { status_code: 200, echo: true, message: "v${n}" }
`;

test('16 clients, a rewrite every 300 ms for 5 s: zero failures, every answer consistent', async () => {
  const gw = await startTestGateway(config(0));
  const agent = new Agent({ connections: 16 });
  let stop = false;
  let ok = 0;
  const failures: string[] = [];
  const versionsSeen = new Set<number>();
  const client = async () => {
    while (!stop) {
      try {
        const res = await request(`${gw.url}/v`, { dispatcher: agent });
        const body = JSON.parse(await res.body.text()) as { message: string; matched_route: { name: string } };
        const fromRoute = Number(body.matched_route.name.replace('version-', ''));
        const fromPlugin = Number(body.message.slice(1));
        if (res.statusCode !== 200 || fromRoute !== fromPlugin) failures.push(`${res.statusCode} route ${fromRoute} plugin ${fromPlugin}`);
        else {
          ok++;
          versionsSeen.add(fromRoute);
        }
      } catch (err) {
        failures.push((err as Error).message);
      }
    }
  };
  const clients = Array.from({ length: 16 }, client);
  let written = 0;
  const started = Date.now();
  while (Date.now() - started < 5000) {
    await sleep(300);
    writeFileSync(gw.file, config(++written));
  }
  stop = true;
  await Promise.all(clients);
  await agent.close();
  await gw.stop();
  assert.deepEqual(failures.slice(0, 5), [], `${failures.length} failed of ${ok + failures.length}`);
  assert.ok(ok > 100, `only ${ok} requests went through`);
  assert.ok(versionsSeen.size >= 5, `the clients saw ${versionsSeen.size} versions of ${written + 1}: reloads were applied`);
});

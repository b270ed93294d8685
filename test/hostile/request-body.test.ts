// A plugin reading the client's body (kong.request.getRawBody) when the client is gone or stalls: the read
// settles (rejects) instead of leaving the plugin's await, and its request, hanging.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { writePlugins } from '../helpers/plugins.ts';
import { raw, recordingUpstream } from '../helpers/raw.ts';
import { startTestGateway } from '../helpers/servers.ts';

// Each records how its read ended, by request path, in a global list (the gateway runs in this process).
const record = "(globalThis.__bodyReads ??= []).push({ path: kong.request.getPath(), outcome })";
const dir = writePlugins([
  {
    name: 'late-reader',
    handler: `export default { version: '1', priority: 100, async access(kong) {
  await new Promise((r) => setTimeout(r, 300));
  let outcome;
  try { outcome = 'read ' + (await kong.request.getRawBody())?.length; } catch (err) { outcome = 'rejected: ' + err.message; }
  ${record};
} };
`,
  },
  {
    name: 'reader',
    handler: `export default { version: '1', priority: 100, async access(kong) {
  let outcome;
  try { outcome = 'read ' + (await kong.request.getRawBody())?.length; } catch (err) { outcome = 'rejected: ' + err.code; }
  ${record};
} };
`,
  },
]);

declare global {
  var __bodyReads: { path: string; outcome: string }[] | undefined;
}

const upstream = await recordingUpstream();
const gw = await startTestGateway(`_format_version: "3.0"
services:
- name: s
  url: http://127.0.0.1:${upstream.port}
  routes:
  - { name: late, paths: [/late], plugins: [{ name: late-reader }] }
  - { name: reads, paths: [/reads], plugins: [{ name: reader }] }
`, { plugins: ['bundled', 'late-reader', 'reader'], pluginsPath: [dir], clientBodyTimeout: '300ms' });
after(async () => {
  await gw.stop();
  await upstream.close();
  globalThis.__bodyReads = undefined;
});

async function outcomeOf(path: string): Promise<string | undefined> {
  for (let i = 0; i < 150; i++) {
    const found = globalThis.__bodyReads?.find((r) => r.path === path);
    if (found) return found.outcome;
    await sleep(10);
  }
  return undefined;
}

test('a client gone before the plugin reads its body: the read rejects at once', async () => {
  // Half the body, then the client leaves (after 50 ms) while the plugin is still waiting to read.
  await raw(gw.port, 'POST /late/a HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nonly ten..', { waitMs: 50 });
  assert.equal(await outcomeOf('/late/a'), 'rejected: the client went away while sending the request body');
  assert.equal(upstream.seen.length, 0, 'nothing reached the upstream');
});

test('a body that stops coming while a plugin reads it: the read rejects with the body timeout', async () => {
  const r = await raw(gw.port, 'POST /reads/b HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nonly ten..', { waitMs: 3000 });
  assert.ok(r.closed, 'the connection is closed (nginx: client_body_timeout)');
  assert.equal(await outcomeOf('/reads/b'), 'rejected: CLIENT_BODY_TIMEOUT');
});

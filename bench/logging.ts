/**
 * Logging plugins' cost: a route with file-log (to /dev/null, the fd kept), tcp-log and udp-log (to a receiver
 * process that discards what it reads) vs a route without plugins, in the same gateway, same load. Each request
 * is serialized three times and written three ways. Target: ≥ 0.75 of the no-plugin requests/s.
 */
import { join } from 'node:path';
import { CLIENT_CPU, freePort, pin, startProcess } from './proxy.ts';
import { runScenario, type Scenario } from './plugins.ts';

const root = new URL('../', import.meta.url).pathname;

const scenario = (receiver: number): Scenario => ({
  title: 'logging: file-log (/dev/null) + tcp-log + udp-log vs none',
  target: 0.75,
  config: (port) => `_format_version: "3.0"
services:
- name: bench
  url: http://127.0.0.1:${port}
  routes:
  - { name: plain, paths: [/plain] }
  - name: plugins
    paths: [/plugins]
    plugins:
    - { name: file-log, config: { path: /dev/null } }
    - { name: tcp-log, config: { host: 127.0.0.1, port: ${receiver} } }
    - { name: udp-log, config: { host: 127.0.0.1, port: ${receiver} } }
`,
  flags: [],
  headers: [],
});

export async function runLoggingBench(): Promise<void> {
  const port = await freePort();
  const receiver = await startProcess(pin(CLIENT_CPU, [process.execPath, join(root, 'bench/log-receiver.ts')]), { PORT: String(port) }, /ready/);
  try {
    await runScenario('logging', scenario(port));
  } finally {
    receiver.kill('SIGTERM');
  }
}

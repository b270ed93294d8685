/**
 * Plugin benchmarks, each against one gateway process in one run, same load (wrk), alternating rounds:
 * - `plugins`: a route with a chain of 10 no-op plugins (access, headerFilter and log phases that do nothing)
 *   vs a route without plugins. Target: ≥ 90% of the no-plugin requests/s.
 * - `httplog`: http-log to a local receiver (the bench upstream) vs a route without plugins. Kong's default queue
 *   sends one record per request to the receiver, one at a time, so under this load most records are dropped (as
 *   in Kong); with batches of 100 every record is delivered. Target: ≥ 90% of the no-plugin requests/s.
 * - `auth`: a route with key-auth + acl, 10,000 consumers loaded (each with a key and an ACL group), requests
 *   carrying a valid key, vs a route without plugins. Target: ≥ 85% of the no-plugin requests/s.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENT_CPU, freePort, gatewayNodeFlags, has, median, pin, SERVER_CPU, startProcess, wrk, type Result } from './proxy.ts';

const root = new URL('../', import.meta.url).pathname;
const out = join(root, 'bench/out');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONNECTIONS = process.env.BENCH_CONNECTIONS ?? '32';
const DURATION = process.env.BENCH_DURATION ?? '5s';

export interface Scenario {
  readonly title: string;
  readonly target: number;
  /** The gateway's config, given the upstream's port; routes /plain (no plugins) and /plugins. */
  readonly config: (upstreamPort: number) => string;
  readonly flags: readonly string[];
  readonly headers: readonly string[];
}

function noopPlugins(): string {
  const dir = join(out, 'noop-plugins');
  rmSync(dir, { recursive: true, force: true });
  for (let i = 0; i < 10; i++) {
    mkdirSync(join(dir, `noop-${i}`), { recursive: true });
    writeFileSync(join(dir, `noop-${i}`, 'schema.mjs'), `export default { name: 'noop-${i}', config: { type: 'object', properties: {}, additionalProperties: false } };\n`);
    writeFileSync(join(dir, `noop-${i}`, 'handler.mjs'), `export default { version: '1.0.0', priority: ${1000 - i}, access() {}, headerFilter() {}, log() {} };\n`);
  }
  return dir;
}

const plugins: Scenario = {
  title: 'plugins: 10 no-op plugins (access, headerFilter, log) vs none',
  target: 0.9,
  config: (port) => `_format_version: "3.0"
services:
- name: bench
  url: http://127.0.0.1:${port}
  routes:
  - { name: plain, paths: [/plain] }
  - name: plugins
    paths: [/plugins]
    plugins: [${Array.from({ length: 10 }, (_, i) => `{ name: noop-${i} }`).join(', ')}]
`,
  get flags() {
    return ['--plugins', `bundled,${Array.from({ length: 10 }, (_, i) => `noop-${i}`).join(',')}`, '--plugins-path', noopPlugins()];
  },
  headers: [],
};

const auth: Scenario = {
  title: 'auth: key-auth + acl, 10,000 consumers, a valid key vs no plugins',
  target: 0.85,
  config: (port) => {
    const consumers = Array.from({ length: 10_000 }, (_, i) => ({
      username: `user-${i}`,
      keyauth_credentials: [{ key: `key-${i}-${'x'.repeat(24)}` }],
      acls: [{ group: i % 2 === 0 ? 'even' : 'odd' }],
    }));
    return JSON.stringify({
      _format_version: '3.0',
      services: [{
        name: 'bench',
        url: `http://127.0.0.1:${port}`,
        routes: [
          { name: 'plain', paths: ['/plain'] },
          { name: 'plugins', paths: ['/plugins'], plugins: [{ name: 'key-auth' }, { name: 'acl', config: { allow: ['odd'] } }] },
        ],
      }],
      consumers,
    });
  },
  flags: [],
  headers: [`apikey: key-4321-${'x'.repeat(24)}`],
};

/** CPU seconds a process has used (user + system), from /proc; undefined where there is none. */
export function cpuSeconds(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

export const seconds = (d: string) => Number(/^(\d+(?:\.\d+)?)s$/.exec(d)?.[1] ?? Number.NaN);

export async function runScenario(name: string, s: Scenario): Promise<void> {
  console.log(`\n${s.title}`);
  if (!has('wrk')) {
    console.log('  skipped: wrk is not installed (apt-get install wrk)');
    return;
  }
  mkdirSync(out, { recursive: true });
  const [up, gw] = [await freePort(), await freePort()];
  const config = join(out, `${name}-bench.${name === 'auth' ? 'json' : 'yaml'}`);
  writeFileSync(config, s.config(up));
  const node = process.execPath;
  const children: ChildProcess[] = [];
  try {
    children.push(await startProcess(pin(CLIENT_CPU, [node, join(root, 'bench/upstream.ts')]), { PORT: String(up) }, /ready/));
    children.push(await startProcess(pin(SERVER_CPU, [node, ...gatewayNodeFlags(), join(root, 'bin/gateway.js'), 'start', '-c', config, '--proxy-listen', `127.0.0.1:${gw}`, '--log-level', 'info', '--admin-listen', 'off', ...s.flags]), {}, /gateway ready/));
    const targets = { none: `http://127.0.0.1:${gw}/plain`, plugins: `http://127.0.0.1:${gw}/plugins` };
    // Warm-up, twice over; then each round measures both routes back to back, alternating which goes first (the
    // shared machine drifts), and the ratio is taken per round.
    for (let i = 0; i < 2; i++) for (const url of Object.values(targets)) wrk(url, s.headers);
    const runs: Record<string, Result[]> = { none: [], plugins: [] };
    const ratios: number[] = [];
    // The gateway's CPU time per request: on a machine shared with other work, a steadier figure than requests/s.
    const gatewayPid = children[1]!.pid;
    const cpuPerRequest: Record<'none' | 'plugins', number[]> = { none: [], plugins: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? (['none', 'plugins'] as const) : (['plugins', 'none'] as const);
      const measured: Partial<Record<'none' | 'plugins', Result>> = {};
      for (const k of order) {
        const before = cpuSeconds(gatewayPid);
        runs[k]!.push((measured[k] = wrk(targets[k], s.headers)));
        const after = cpuSeconds(gatewayPid);
        if (before !== undefined && after !== undefined) cpuPerRequest[k].push(((after - before) * 1e6) / (measured[k].rps * seconds(DURATION)));
      }
      ratios.push(measured.plugins!.rps / measured.none!.rps);
    }
    const summary = Object.fromEntries(Object.entries(runs).map(([k, rs]) => [k, { rps: median(rs.map((r) => r.rps)), p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)) }])) as Record<string, Result>;
    console.log(`  ${CONNECTIONS} connections, ${DURATION} per measurement, median of ${ROUNDS} rounds${has('taskset') ? `, wrk and the upstream on cpu ${CLIENT_CPU}, the gateway on cpu ${SERVER_CPU}` : ''}`);
    for (const [k, r] of Object.entries(summary)) console.log(`  ${k.padEnd(8)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50.toFixed(2)} ms   p99 ${r.p99.toFixed(2)} ms`);
    const ratio = median(ratios);
    console.log(`  per round, plugins/none: ${ratios.map((r) => r.toFixed(2)).join(' ')}`);
    console.log(`  plugins/none ${ratio.toFixed(2)}x req/s (target ≥ ${s.target}: ${ratio >= s.target ? 'met' : 'NOT met'})`);
    if (cpuPerRequest.none.length > 0 && cpuPerRequest.plugins.length > 0) {
      const [none, withPlugins] = [median(cpuPerRequest.none), median(cpuPerRequest.plugins)];
      console.log(`  gateway CPU per request: none ${none.toFixed(1)} µs, plugins ${withPlugins.toFixed(1)} µs (none/plugins ${(none / withPlugins).toFixed(2)}x)`);
    }
  } finally {
    for (const c of children) c.kill('SIGTERM');
  }
}

/** http-log to a local receiver (the bench upstream, which reads and answers every request), Kong's default queue or batches of 100. */
const httpLog = (queue: string): Scenario => ({
  title: `httplog: http-log to a local receiver (queue ${queue}) vs no plugins`,
  target: 0.9,
  config: (port) => `_format_version: "3.0"
services:
- name: bench
  url: http://127.0.0.1:${port}
  routes:
  - { name: plain, paths: [/plain] }
  - name: plugins
    paths: [/plugins]
    plugins: [{ name: http-log, config: { http_endpoint: "http://127.0.0.1:${port}/log", queue: ${queue} } }]
`,
  flags: [],
  headers: [],
});

export const runPluginsBench = () => runScenario('plugins', plugins);
export async function runHttpLogBench(): Promise<void> {
  await runScenario('httplog', httpLog('{}'));
  await runScenario('httplog', httpLog('{ max_batch_size: 100 }'));
}
export const runAuthBench = () => runScenario('auth', auth);

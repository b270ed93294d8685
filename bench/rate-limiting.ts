/**
 * `ratelimit`: (b) rate-limiting redis vs local. One gateway process, two routes of the same shape, each with a
 * rate-limiting instance (limit_by ip, a limit wrk cannot reach): `policy: local` and `policy: redis` (sync_rate
 * -1: one Redis round trip per period per request) against a redis-server this bench starts. Alternating rounds;
 * the figure is redis/local requests/s. No target: it says what the Redis round trip costs.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENT_CPU, freePort, gatewayNodeFlags, has, median, pin, SERVER_CPU, startProcess, wrk, type Result } from './proxy.ts';

const root = new URL('../', import.meta.url).pathname;
const out = join(root, 'bench/out');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONNECTIONS = process.env.BENCH_CONNECTIONS ?? '32';
const DURATION = process.env.BENCH_DURATION ?? '5s';

const config = (upstream: number, redis: number) => `_format_version: "3.0"
services:
- name: bench
  url: http://127.0.0.1:${upstream}
  routes:
  - { name: local, paths: [/local], plugins: [{ name: rate-limiting, config: { hour: 1000000000, limit_by: ip } }] }
  - { name: redis, paths: [/redis], plugins: [{ name: rate-limiting, config: { hour: 1000000000, limit_by: ip, policy: redis, redis: { host: 127.0.0.1, port: ${redis} } } }] }
`;

export async function runRateLimitingBench(): Promise<void> {
  console.log('\n(b) rate-limiting redis vs local: same route shape, limit_by ip, one hour window');
  for (const tool of ['wrk', 'redis-server']) {
    if (!has(tool)) {
      console.log(`  skipped: ${tool} is not installed`);
      return;
    }
  }
  mkdirSync(out, { recursive: true });
  const [up, gw, redisPort] = [await freePort(), await freePort(), await freePort()];
  const file = join(out, 'ratelimit-bench.yaml');
  writeFileSync(file, config(up, redisPort));
  const node = process.execPath;
  const children: ChildProcess[] = [];
  try {
    children.push(await startProcess(pin(CLIENT_CPU, ['redis-server', '--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']), {}, /Ready to accept connections/));
    children.push(await startProcess(pin(CLIENT_CPU, [node, join(root, 'bench/upstream.ts')]), { PORT: String(up) }, /ready/));
    children.push(await startProcess(pin(SERVER_CPU, [node, ...gatewayNodeFlags(), join(root, 'bin/gateway.js'), 'start', '-c', file, '--proxy-listen', `127.0.0.1:${gw}`, '--log-level', 'info', '--admin-listen', 'off']), {}, /gateway ready/));
    const targets = { local: `http://127.0.0.1:${gw}/local`, redis: `http://127.0.0.1:${gw}/redis` };
    for (let i = 0; i < 2; i++) for (const url of Object.values(targets)) wrk(url);
    const runs: Record<'local' | 'redis', Result[]> = { local: [], redis: [] };
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? (['local', 'redis'] as const) : (['redis', 'local'] as const);
      const measured: Partial<Record<'local' | 'redis', Result>> = {};
      for (const k of order) runs[k].push((measured[k] = wrk(targets[k])));
      ratios.push(measured.redis!.rps / measured.local!.rps);
    }
    console.log(`  ${CONNECTIONS} connections, ${DURATION} per measurement, median of ${ROUNDS} rounds${has('taskset') ? `, wrk, redis-server and the upstream on cpu ${CLIENT_CPU}, the gateway on cpu ${SERVER_CPU}` : ''}`);
    for (const [k, rs] of Object.entries(runs)) {
      console.log(`  ${k.padEnd(6)} ${median(rs.map((r) => r.rps)).toFixed(0).padStart(7)} req/s   p50 ${median(rs.map((r) => r.p50)).toFixed(2)} ms   p99 ${median(rs.map((r) => r.p99)).toFixed(2)} ms`);
    }
    console.log(`  per round, redis/local: ${ratios.map((r) => r.toFixed(2)).join(' ')}`);
    console.log(`  redis/local ${median(ratios).toFixed(2)}x req/s`);
  } finally {
    for (const c of children) c.kill('SIGTERM');
  }
}

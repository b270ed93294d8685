/**
 * Proxy benchmark: the upstream hit directly, through a bare undici proxy (the baseline; also run adding Kong's
 * headers, to show what they cost alone), and through the gateway, all in one run under the same load (wrk).
 * Targets: gateway ≥ 85% of the baseline's requests/s, p99 within 1 ms.
 * Each server runs in its own process. With `taskset`, the proxy under test has cpu 1 to itself, and wrk and the
 * upstream share cpu 0: the proxy is the bottleneck, so requests/s measure its CPU per request, and its latency is
 * not the scheduler taking turns with the upstream on one core (which swung p99 by ±5 ms between rounds).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';

const root = new URL('../', import.meta.url).pathname;
const out = join(root, 'bench/out');
const DURATION = process.env.BENCH_DURATION ?? '5s';
const CONNECTIONS = process.env.BENCH_CONNECTIONS ?? '32';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

export const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
export const pin = (cpu: number, argv: string[]) => (has('taskset') ? ['taskset', '-c', String(cpu), ...argv] : argv);
/** wrk and the upstream. */
export const CLIENT_CPU = 0;
/** The proxy being measured. */
export const SERVER_CPU = 1;

export function startProcess(argv: string[], env: Record<string, string>, readyPattern: RegExp): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { env: { GATEWAY_WORKERS: '1', ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let seen = '';
    // Only a child that is not ready in time is killed (a bench running longer must keep its servers).
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${argv.join(' ')} was not ready within 60 s`));
    }, 60_000).unref();
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (readyPattern.test(seen)) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => reject(new Error(`${argv.join(' ')} exited with ${code} before it was ready`)));
  });
}

/**
 * The Node flags the gateway runs with, as `npm start` (and the bin's shebang) give them; BENCH_GATEWAY_NODE_FLAGS
 * replaces them (`none` for Node's defaults).
 */
export function gatewayNodeFlags(): string[] {
  const given = process.env.BENCH_GATEWAY_NODE_FLAGS;
  if (given !== undefined) return given === 'none' ? [] : given.split(' ').filter(Boolean);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const m = /^(?:exec )?node((?: --[\w-]+(?:=\S+)?)*) bin\/gateway\.js start$/.exec(pkg.scripts.start);
  if (!m) throw new Error(`cannot read the node flags of the start script: ${pkg.scripts.start}`);
  return m[1]!.split(' ').filter(Boolean);
}

export interface Result { rps: number; p50: number; p99: number }

function parseMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text);
  if (!m) throw new Error(`cannot read a latency from '${text}'`);
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
}

export function wrk(url: string, headers: readonly string[] = []): Result {
  const r = spawnSync(pin(CLIENT_CPU, ['wrk'])[0]!, [...pin(CLIENT_CPU, ['wrk']).slice(1), '-t1', `-c${CONNECTIONS}`, `-d${DURATION}`, '--latency', ...headers.flatMap((h) => ['-H', h]), url], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr}`);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)![1]);
  const percentile = (p: number) => {
    const m = new RegExp(`^\\s+${p}%\\s+(\\S+)\\s*$`, 'm').exec(r.stdout);
    if (!m) throw new Error(`no ${p}th percentile in wrk's output:\n${r.stdout}`);
    return parseMs(m[1]!);
  };
  const p50 = percentile(50);
  const p99 = percentile(99);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(r.stdout);
  if (non2xx) throw new Error(`${url}: ${non2xx[1]} failed responses`);
  return { rps, p50, p99 };
}

/** A port nothing listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function runProxyBench(): Promise<void> {
  console.log('\nproxy: upstream direct vs bare undici proxy (baseline) vs gateway, one run, wrk');
  if (!has('wrk')) {
    console.log('  skipped: wrk is not installed (apt-get install wrk)');
    return;
  }
  mkdirSync(out, { recursive: true });
  const [up, base, baseHeaders, gw] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const config = join(out, 'proxy-bench.yaml');
  writeFileSync(config, `_format_version: "3.0"\nservices:\n- name: bench\n  url: http://127.0.0.1:${up}\n  routes:\n  - { name: bench, paths: [/] }\n`);
  const node = process.execPath;
  const children: ChildProcess[] = [];
  try {
    children.push(await startProcess(pin(CLIENT_CPU, [node, join(root, 'bench/upstream.ts')]), { PORT: String(up) }, /ready/));
    children.push(await startProcess(pin(SERVER_CPU, [node, join(root, 'bench/baseline-proxy.ts')]), { PORT: String(base), UPSTREAM: `http://127.0.0.1:${up}` }, /ready/));
    children.push(await startProcess(pin(SERVER_CPU, [node, join(root, 'bench/baseline-proxy.ts')]), { PORT: String(baseHeaders), UPSTREAM: `http://127.0.0.1:${up}`, KONG_HEADERS: '1' }, /ready/));
    children.push(await startProcess(pin(SERVER_CPU, [node, ...gatewayNodeFlags(), join(root, 'bin/gateway.js'), 'start', '-c', config, '--proxy-listen', `127.0.0.1:${gw}`, '--log-level', 'info', '--admin-listen', 'off', ...(process.env.BENCH_GATEWAY_FLAGS ?? '').split(' ').filter(Boolean)]), {}, /gateway ready/));
    const targets = { direct: `http://127.0.0.1:${up}/`, baseline: `http://127.0.0.1:${base}/`, 'baseline+kong-headers': `http://127.0.0.1:${baseHeaders}/`, gateway: `http://127.0.0.1:${gw}/bench` };
    // Warm-up, twice over: the first rounds after start measured the gateway low (JIT tiers, pools filling).
    for (let i = 0; i < 2; i++) for (const url of Object.values(targets)) wrk(url);
    const runs: Record<string, Result[]> = { direct: [], baseline: [], 'baseline+kong-headers': [], gateway: [] };
    // The machine is shared and its speed drifts: each round measures the baseline and the gateway back to back
    // (alternating which goes first), and the ratios are taken per round, then their median.
    const ratios: number[] = [];
    const p99Deltas: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      runs.direct!.push(wrk(targets.direct));
      runs['baseline+kong-headers']!.push(wrk(targets['baseline+kong-headers']));
      const pair = round % 2 === 0 ? (['baseline', 'gateway'] as const) : (['gateway', 'baseline'] as const);
      const measured: Partial<Record<'baseline' | 'gateway', Result>> = {};
      for (const name of pair) runs[name]!.push((measured[name] = wrk(targets[name])));
      ratios.push(measured.gateway!.rps / measured.baseline!.rps);
      p99Deltas.push(measured.gateway!.p99 - measured.baseline!.p99);
    }
    const summary = Object.fromEntries(Object.entries(runs).map(([k, rs]) => [k, { rps: median(rs.map((r) => r.rps)), p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)) }])) as Record<string, Result>;
    console.log(`  ${CONNECTIONS} connections, ${DURATION} per measurement, median of ${ROUNDS} rounds${has('taskset') ? `, wrk and the upstream on cpu ${CLIENT_CPU}, the proxies on cpu ${SERVER_CPU}` : ''}`);
    for (const [name, r] of Object.entries(summary)) {
      console.log(`  ${name.padEnd(22)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50.toFixed(2)} ms   p99 ${r.p99.toFixed(2)} ms`);
    }
    const ratio = median(ratios);
    const p99 = median(p99Deltas);
    console.log(`  per round, gateway/baseline: ${ratios.map((r) => r.toFixed(2)).join(' ')}; p99 delta: ${p99Deltas.map((d) => d.toFixed(1)).join(' ')} ms`);
    console.log(`  gateway/baseline ${ratio.toFixed(2)}x req/s (target ≥ 0.85: ${ratio >= 0.85 ? 'met' : 'NOT met'}), p99 ${p99 >= 0 ? '+' : ''}${p99.toFixed(2)} ms (target ≤ 1 ms: ${p99 <= 1 ? 'met' : 'NOT met'})`);
    console.log(`  gateway/direct   ${(summary.gateway!.rps / summary.direct!.rps).toFixed(2)}x req/s; baseline+kong-headers/baseline ${(summary['baseline+kong-headers']!.rps / summary.baseline!.rps).toFixed(2)}x (what Kong's headers alone cost)`);
  } finally {
    for (const c of children) c.kill('SIGTERM');
  }
}

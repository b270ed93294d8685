/**
 * Workers benchmark (`npm run bench workers`):
 * 1. requests/s and CPU per request with 1 worker (in-process) and N (one per core), under the same wrk load. On
 *    a 2-core machine wrk and the upstream take a core's worth themselves, so requests/s cannot double: CPU per
 *    request (the gateway process's user+system time over the requests served) is the measure; target: N workers
 *    within 5% of one.
 * 2. The reload stall: the longest event-loop delay in each worker (perf_hooks monitorEventLoopDelay, from a bench
 *    plugin in the workers) while a 10,000-route file is reloaded under load, against the same load without a
 *    reload. Target < 50 ms.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { generateConfig, renderConfig } from './generate-config.ts';
import { freePort, gatewayNodeFlags, has, median, startProcess } from './proxy.ts';
import { sharedCounterCost } from './shared.ts';

const root = new URL('../', import.meta.url).pathname;
const out = join(root, 'bench/out');
const DURATION = Number.parseInt(process.env.BENCH_DURATION ?? '5', 10);
const CONNECTIONS = process.env.BENCH_CONNECTIONS ?? '32';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

/** The process's CPU time so far (all its threads), in ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  // utime and stime: fields 14 and 15 of stat(5), here 12 and 13 once pid and comm are cut.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

function wrkAsync(url: string, seconds: number): Promise<{ requests: number; rps: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (c: Buffer) => {
      text += c.toString();
    });
    child.once('exit', (code) => {
      const requests = /(\d+) requests in/.exec(text);
      const rps = /Requests\/sec:\s+([\d.]+)/.exec(text);
      if (code !== 0 || !requests || !rps) return reject(new Error(`wrk failed: ${text}`));
      resolve({ requests: Number(requests[1]), rps: Number(rps[1]) });
    });
  });
}

async function startGateway(config: string, port: number, workers: number, extra: string[] = []): Promise<ChildProcess> {
  const child = await startProcess([process.execPath, ...gatewayNodeFlags(), join(root, 'bin/gateway.js'), 'start', '-c', config, '--proxy-listen', `127.0.0.1:${port}`, '--log-level', 'info', '--workers', String(workers), ...extra], { GATEWAY_WORKERS: String(workers) }, /gateway ready/);
  // What the gateway says beyond info (a worker that ended, a failed reload) is part of the result.
  const logFile = join(out, `workers-gateway-${workers}.log`);
  writeFileSync(logFile, '');
  child.stdout!.on('data', (chunk: Buffer) => {
    appendFileSync(logFile, chunk);
    for (const line of chunk.toString().split('\n')) if (/"level":[5-6]0/.test(line)) console.log(`  gateway: ${line.slice(0, 400)}`);
  });
  return child;
}

async function throughput(upstreamPort: number, n: number): Promise<void> {
  const config = join(out, 'workers-bench.yaml');
  writeFileSync(config, `_format_version: "3.0"\nservices:\n- name: bench\n  url: http://127.0.0.1:${upstreamPort}\n  routes:\n  - { name: bench, paths: [/] }\n`);
  // Both gateways run side by side (idle when not measured); each round measures both, alternating which goes
  // first, so that the machine's drift falls on both alike.
  const counts = [1, n];
  const ports = [await freePort(), await freePort()];
  const gateways: ChildProcess[] = [];
  const results: { rps: number; cpuUs: number }[][] = [[], []];
  try {
    for (let i = 0; i < 2; i++) gateways.push(await startGateway(config, ports[i]!, counts[i]!, ['--admin-listen', 'off']));
    for (let i = 0; i < 2; i++) await wrkAsync(`http://127.0.0.1:${ports[i]}/`, 3);
    for (let round = 0; round < ROUNDS; round++) {
      for (const i of round % 2 === 0 ? [0, 1] : [1, 0]) {
        const before = cpuMs(gateways[i]!.pid!);
        const r = await wrkAsync(`http://127.0.0.1:${ports[i]}/`, DURATION);
        const used = cpuMs(gateways[i]!.pid!) - before;
        results[i]!.push({ rps: r.rps, cpuUs: (used * 1000) / r.requests });
      }
    }
  } finally {
    for (const gw of gateways) gw.kill('SIGTERM');
    await Promise.all(gateways.map((gw) => new Promise((resolve) => (gw.exitCode !== null ? resolve(undefined) : gw.once('exit', resolve)))));
  }
  console.log(`  ${CONNECTIONS} connections, ${DURATION} s per measurement, median of ${ROUNDS} rounds; ${availableParallelism()} cores shared with wrk and the upstream`);
  const [one, many] = results.map((rs) => ({ rps: median(rs.map((r) => r.rps)), cpuUs: median(rs.map((r) => r.cpuUs)) })) as [{ rps: number; cpuUs: number }, { rps: number; cpuUs: number }];
  console.log(`  1 worker    ${one.rps.toFixed(0).padStart(7)} req/s   ${one.cpuUs.toFixed(1)} µs CPU per request   (rounds: ${results[0]!.map((r) => r.cpuUs.toFixed(0)).join(' ')})`);
  console.log(`  ${n} workers   ${many.rps.toFixed(0).padStart(7)} req/s   ${many.cpuUs.toFixed(1)} µs CPU per request   (rounds: ${results[1]!.map((r) => r.cpuUs.toFixed(0)).join(' ')})`);
  const ratio = many.cpuUs / one.cpuUs;
  console.log(`  ${n} workers / 1: ${(many.rps / one.rps).toFixed(2)}x req/s, ${ratio.toFixed(2)}x CPU per request (target ≤ 1.05: ${ratio <= 1.05 ? 'met' : 'NOT met'})`);
}

/** A bench plugin: each worker watches its own event loop; /__loop reads (and resets) the longest delay. */
const LOOP_PLUGIN = `import { monitorEventLoopDelay } from 'node:perf_hooks';
import { threadId } from 'node:worker_threads';
const h = monitorEventLoopDelay({ resolution: 1 });
export default {
  version: '1.0.0',
  priority: 100000,
  initWorker() { h.enable(); },
  access(kong) {
    const max = h.max / 1e6;
    if (kong.request.getQuery().reset !== undefined) h.reset();
    return kong.response.exit(200, { thread: threadId, max_ms: max });
  },
};
`;

/** Asks every worker (new connections until each answered) for its longest delay since the last reset. */
async function loopDelays(port: number, reset: boolean, workers: number): Promise<Map<number, number>> {
  const seen = new Map<number, number>();
  for (let i = 0; i < 400 && seen.size < workers; i++) {
    const res = await request(`http://127.0.0.1:${port}/__loop${reset ? '?reset' : ''}`, { headers: { connection: 'close' }, reset: true });
    const body = (await res.body.json()) as { thread: number; max_ms: number };
    if (!seen.has(body.thread)) seen.set(body.thread, body.max_ms);
  }
  return seen;
}

async function reloadStall(upstreamPort: number, n: number): Promise<void> {
  const routes = Number(process.env.BENCH_ROUTES ?? 10_000);
  const pluginsDir = join(out, 'workers-bench-plugins');
  mkdirSync(join(pluginsDir, 'loop-delay'), { recursive: true });
  writeFileSync(join(pluginsDir, 'loop-delay', 'schema.mjs'), "export default { name: 'loop-delay', config: { type: 'object', properties: {}, additionalProperties: false } };\n");
  writeFileSync(join(pluginsDir, 'loop-delay', 'handler.mjs'), LOOP_PLUGIN);
  const text = (variant: number) => {
    const config = generateConfig({ services: routes, consumers: routes / 10, plugins: routes / 10 }) as { services: unknown[]; plugins: { config: Record<string, unknown> }[] };
    config.plugins[0]!.config = { ...config.plugins[0]!.config, minute: 100 + variant };
    config.services.push({ name: 'bench', url: `http://127.0.0.1:${upstreamPort}`, routes: [{ name: 'bench', paths: ['/bench'] }] });
    config.services.push({ name: 'loop', url: `http://127.0.0.1:${upstreamPort}`, routes: [{ name: 'loop', paths: ['/__loop'], plugins: [{ name: 'loop-delay' }] }] });
    return renderConfig(config as Record<string, unknown>, 'yaml');
  };
  const file = join(out, 'workers-reload-bench.yaml');
  writeFileSync(file, text(0));
  const port = await freePort();
  const admin = await freePort();
  const gw = await startGateway(file, port, n, ['--admin-listen', `127.0.0.1:${admin}`, '--plugins', 'bundled,loop-delay', '--plugins-path', pluginsDir]);
  type Status = { configuration_hash: string; workers?: { configuration_hash: string }[]; reload: { workers?: { compile_ms?: number; longest_step_ms?: number }[] } | null };
  const status = async () => (await (await request(`http://127.0.0.1:${admin}/status`)).body.json()) as Status;
  // In-process (one worker) there is no `workers`: the one hash is the node's.
  const hashes = async () => {
    const s = await status();
    return s.workers?.map((w) => w.configuration_hash) ?? [s.configuration_hash];
  };
  try {
    await wrkAsync(`http://127.0.0.1:${port}/bench`, 2);
    const baseline: number[] = [];
    const during: number[] = [];
    const reloadMs: number[] = [];
    const longestStep: number[] = [];
    const compileMs: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const load = wrkAsync(`http://127.0.0.1:${port}/bench`, 14);
      await sleep(1000);
      await loopDelays(port, true, n);
      await sleep(4000);
      baseline.push(Math.max(...(await loopDelays(port, true, n)).values()));
      const old = await hashes();
      const started = performance.now();
      writeFileSync(file, text(round + 1));
      for (let i = 0; i < 400; i++) {
        const now = await hashes();
        if (now.every((h, k) => h !== old[k])) break;
        await sleep(25);
      }
      reloadMs.push(performance.now() - started);
      const took = (await status()).reload?.workers ?? [];
      longestStep.push(Math.max(...took.map((w) => w.longest_step_ms ?? 0)));
      compileMs.push(Math.max(...took.map((w) => w.compile_ms ?? 0)));
      during.push(Math.max(...(await loopDelays(port, false, n)).values()));
      await load;
    }
    console.log(`  ${routes} routes, ${n === 1 ? '1 worker (in-process, for comparison: validate and compile on the serving loop)' : `${n} workers`} under wrk load (${CONNECTIONS} connections); the longest event-loop delay in any worker, median of ${ROUNDS}:`);
    console.log(`  load alone, 4 s   ${median(baseline).toFixed(1)} ms   (rounds: ${baseline.map((x) => x.toFixed(0)).join(' ')})`);
    console.log(`  load + reload     ${median(during).toFixed(1)} ms   (rounds: ${during.map((x) => x.toFixed(0)).join(' ')}); file written → every worker serving it: ${median(reloadMs).toFixed(0)} ms (incl. the watcher's 200 ms debounce)`);
    if (n === 1) return;
    console.log(`  in the workers, the reload's compile: ${median(compileMs).toFixed(0)} ms of work in all; the longest it held a worker's loop at once: ${median(longestStep).toFixed(0)} ms (rounds: ${longestStep.join(' ')})`);
    console.log(`  target < 50 ms: ${median(during) < 50 ? 'met' : 'NOT met'} (event-loop delay); the reload's own longest step ${median(longestStep) < 50 ? 'meets' : 'does NOT meet'} it`);
  } finally {
    gw.kill('SIGTERM');
    await new Promise((resolve) => gw.once('exit', resolve));
  }
}

export async function runWorkersBench(): Promise<void> {
  const n = Math.max(2, availableParallelism());
  console.log(`\nworkers: 1 worker vs ${n}, wrk`);
  if (!has('wrk')) {
    console.log('  skipped: wrk is not installed (apt-get install wrk)');
    return;
  }
  mkdirSync(out, { recursive: true });
  const upstreamPort = await freePort();
  const upstream = await startProcess([process.execPath, join(root, 'bench/upstream.ts')], { PORT: String(upstreamPort) }, /ready/);
  // BENCH_WORKERS=throughput|counters|stall runs one part.
  const part = process.env.BENCH_WORKERS;
  try {
    if (part === undefined || part === 'throughput') await throughput(upstreamPort, n);
    if (part === undefined || part === 'counters') {
      // The shared-state bench's measure (bench/shared.ts), one CPU-timed thread, then 2 threads on the same keys.
      const c = await sharedCounterCost();
      const within = c.sharedNs < 1000 && c.contendedNs.every((ns) => ns < 1000);
      console.log(`\nworkers: one increment of a shared rate limiting counter: ${c.sharedNs.toFixed(0)} ns (in-process map ${c.localNs.toFixed(0)} ns); 2 threads on the same keys: ${c.contendedNs.map((ns) => ns.toFixed(0)).join(' / ')} ns (target < 1 µs: ${within ? 'met' : 'NOT met'})`);
    }
    if (part === undefined || part === 'stall') {
      console.log('\nworkers: reload stall');
      await reloadStall(upstreamPort, n);
      await reloadStall(upstreamPort, 1);
    }
  } finally {
    upstream.kill('SIGTERM');
  }
}

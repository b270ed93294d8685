/**
 * The access log's cost: two gateways with the same config, one writing `--access-log` to a file, one without,
 * measured one after the other under the same load (each alone on the server cpu while measured), alternating
 * which goes first. Reports requests/s and the gateway's CPU time per request for both, and their ratios.
 * Target: ≥ 0.95 of the requests/s without the log.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENT_CPU, SERVER_CPU, freePort, gatewayNodeFlags, has, median, pin, startProcess, wrk } from './proxy.ts';
import { cpuSeconds, seconds } from './plugins.ts';
import { accessLine } from '../src/proxy/access-log.ts';
import { openAccessLog } from '../src/observability/access-log-file.ts';

const root = new URL('../', import.meta.url).pathname;
const out = join(root, 'bench/out');
const DURATION = process.env.BENCH_DURATION ?? '5s';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

export async function runAccessLogBench(): Promise<void> {
  console.log('\naccesslog: --access-log FILE vs off, two gateways, same config and load');
  if (!has('wrk')) {
    console.log('  skipped: wrk is not installed (apt-get install wrk)');
    return;
  }
  mkdirSync(out, { recursive: true });
  const up = await freePort();
  const config = join(out, 'access-log-bench.yaml');
  const logFile = join(out, 'access-log-bench.log');
  rmSync(logFile, { force: true });
  writeFileSync(config, `_format_version: "3.0"\nservices:\n- name: bench\n  url: http://127.0.0.1:${up}\n  routes:\n  - { name: plain, paths: [/plain] }\n`);
  const node = process.execPath;
  const children: ChildProcess[] = [];
  try {
    children.push(await startProcess(pin(CLIENT_CPU, [node, join(root, 'bench/upstream.ts')]), { PORT: String(up) }, /ready/));
    const ports = { off: await freePort(), file: await freePort() };
    const start = (port: number, flags: string[]) => startProcess(pin(SERVER_CPU, [node, ...gatewayNodeFlags(), join(root, 'bin/gateway.js'), 'start', '-c', config, '--proxy-listen', `127.0.0.1:${port}`, '--admin-listen', 'off', '--status-listen', 'off', ...flags]), {}, /gateway ready/);
    const gateways = { off: await start(ports.off, []), file: await start(ports.file, ['--access-log', logFile]) };
    children.push(gateways.off, gateways.file);
    const url = (k: 'off' | 'file') => `http://127.0.0.1:${ports[k]}/plain`;
    for (let i = 0; i < 2; i++) for (const k of ['off', 'file'] as const) wrk(url(k));
    const rps: Record<'off' | 'file', number[]> = { off: [], file: [] };
    const cpu: Record<'off' | 'file', number[]> = { off: [], file: [] };
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? (['off', 'file'] as const) : (['file', 'off'] as const);
      const measured: Partial<Record<'off' | 'file', number>> = {};
      for (const k of order) {
        const before = cpuSeconds(gateways[k].pid);
        const r = wrk(url(k));
        const after = cpuSeconds(gateways[k].pid);
        rps[k].push((measured[k] = r.rps));
        if (before !== undefined && after !== undefined) cpu[k].push(((after - before) * 1e6) / (r.rps * seconds(DURATION)));
      }
      ratios.push(measured.file! / measured.off!);
    }
    console.log(`  ${DURATION} per measurement, median of ${ROUNDS} rounds${has('taskset') ? `, wrk and the upstream on cpu ${CLIENT_CPU}, the gateway measured on cpu ${SERVER_CPU}` : ''}`);
    for (const k of ['off', 'file'] as const) console.log(`  ${k.padEnd(5)} ${median(rps[k]).toFixed(0).padStart(7)} req/s   CPU ${cpu[k].length > 0 ? median(cpu[k]).toFixed(1) : '?'} µs/request`);
    const ratio = median(ratios);
    console.log(`  per round, file/off: ${ratios.map((r) => r.toFixed(3)).join(' ')}`);
    console.log(`  file/off ${ratio.toFixed(3)}x req/s (target ≥ 0.95: ${ratio >= 0.95 ? 'met' : 'NOT met'})`);
    if (cpu.off.length > 0 && cpu.file.length > 0) console.log(`  CPU per request: +${(median(cpu.file) - median(cpu.off)).toFixed(1)} µs with the log (off/file ${(median(cpu.off) / median(cpu.file)).toFixed(3)}x)`);
    const perLine = await formatAndWrite(join(out, 'access-log-bench-inprocess.log'));
    if (cpu.off.length > 0) console.log(`  in process, a line formatted and handed to the writer: ${perLine.toFixed(2)} µs (${((perLine / median(cpu.off)) * 100).toFixed(1)}% of a request's CPU without the log)`);
  } finally {
    for (const c of children) c.kill('SIGTERM');
  }
  console.log(`  the log: ${(statSync(logFile).size / 1024 / 1024).toFixed(1)} MiB written`);
}

/** The request path's share alone: accessLine over a typical request, written to the buffered file writer. */
async function formatAndWrite(path: string): Promise<number> {
  rmSync(path, { force: true });
  const file = openAccessLog({ kind: 'file', path }, () => undefined);
  const fields = { remoteAddr: '127.0.0.1', request: 'GET /plain?page=2 HTTP/1.1', status: 200, bodyBytesSent: 612, referer: 'https://example.com/', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36', requestId: 'f'.repeat(32) };
  const n = 300_000;
  for (let i = 0; i < 20_000; i++) file.write(accessLine(fields));
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) file.write(accessLine(fields));
  const us = Number(process.hrtime.bigint() - started) / 1000 / n;
  await file.close();
  rmSync(path, { force: true });
  return us;
}

/**
 * TCP stream benchmark: bytes per second from an upstream that sends as fast as it can, read by clients directly,
 * through a bare Node pipe proxy (net + pipe: what a stream proxy costs at least in Node), and through the
 * gateway's stream listener and a tcp route, in one run. Target: gateway ≥ 0.8 of direct.
 * With `taskset` the proxies have cpu 1 to themselves, the upstream and the clients share cpu 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { CLIENT_CPU, SERVER_CPU, freePort, gatewayNodeFlags, has, median, pin, startProcess } from './proxy.ts';

const root = new URL('../', import.meta.url).pathname;
const out = join(root, 'bench/out');
const BYTES = Number(process.env.BENCH_TCP_BYTES ?? 256 * 1024 * 1024);
const CONNECTIONS = Number(process.env.BENCH_TCP_CONNECTIONS ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

/** Connections opened at once, each read to its end: total bytes over the time until the last one ended. */
function measure(port: number): Promise<number> {
  const started = performance.now();
  return Promise.all(Array.from({ length: CONNECTIONS }, () => new Promise<number>((resolve, reject) => {
    let received = 0;
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    socket.once('end', () => resolve(received));
    socket.once('error', reject);
  }))).then((counts) => {
    const seconds = (performance.now() - started) / 1000;
    const total = counts.reduce((a, b) => a + b, 0);
    if (total !== BYTES * CONNECTIONS) throw new Error(`port ${port} (${JSON.stringify(counts)}): received ${total} bytes, expected ${BYTES * CONNECTIONS}`);
    return total / seconds;
  });
}

const PIPE_PROXY = `import { createServer, connect } from 'node:net';
createServer({ allowHalfOpen: true }, (c) => { const u = connect({ host: '127.0.0.1', port: Number(process.env.UPSTREAM), allowHalfOpen: true }); c.pipe(u); u.pipe(c); const end = () => { c.destroy(); u.destroy(); }; for (const s of [c, u]) { s.once('finish', end); s.on('error', end); } })
  .listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\\n'));
`;

export async function runTcpBench(): Promise<void> {
  console.log('\ntcp: stream throughput, upstream direct vs bare Node pipe proxy vs gateway (tcp route), one run');
  mkdirSync(out, { recursive: true });
  // Three different ports (the OS may hand a just-closed one out again).
  const ports = new Set<number>();
  while (ports.size < 3) ports.add(await freePort());
  const [up, pipeProxy, gw] = [...ports] as [number, number, number];
  const config = join(out, 'tcp-bench.yaml');
  writeFileSync(config, `_format_version: "3.0"\nservices:\n- name: bench\n  url: tcp://127.0.0.1:${up}\n  routes:\n  - { name: bench, protocols: [tcp], destinations: [{ port: ${gw} }] }\n`);
  const pipeFile = join(out, 'tcp-pipe-proxy.mjs');
  writeFileSync(pipeFile, PIPE_PROXY);
  const node = process.execPath;
  const children: ChildProcess[] = [];
  try {
    children.push(await startProcess(pin(CLIENT_CPU, [node, join(root, 'bench/tcp-source.ts')]), { PORT: String(up), BYTES: String(BYTES) }, /ready/));
    children.push(await startProcess(pin(SERVER_CPU, [node, pipeFile]), { PORT: String(pipeProxy), UPSTREAM: String(up) }, /ready/));
    children.push(await startProcess(pin(SERVER_CPU, [node, ...gatewayNodeFlags(), join(root, 'bin/gateway.js'), 'start', '-c', config, '--proxy-listen', 'off', '--stream-listen', `127.0.0.1:${gw}`, '--admin-listen', 'off', '--log-level', 'info']), {}, /gateway ready/));
    if (has('taskset')) spawn('taskset', ['-p', '-c', String(CLIENT_CPU), String(process.pid)], { stdio: 'ignore' });
    const targets = { direct: up, 'node pipe proxy': pipeProxy, gateway: gw };
    for (const port of Object.values(targets)) await measure(port);
    const runs: Record<string, number[]> = { direct: [], 'node pipe proxy': [], gateway: [] };
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? (['direct', 'node pipe proxy', 'gateway'] as const) : (['gateway', 'node pipe proxy', 'direct'] as const);
      const got: Partial<Record<string, number>> = {};
      for (const name of order) runs[name]!.push((got[name] = await measure(targets[name])));
      ratios.push(got.gateway! / got.direct!);
    }
    console.log(`  ${CONNECTIONS} connections × ${(BYTES / 1024 / 1024).toFixed(0)} MiB each, median of ${ROUNDS} rounds${has('taskset') ? `, upstream and clients on cpu ${CLIENT_CPU}, the proxies on cpu ${SERVER_CPU}` : ''}`);
    for (const [name, xs] of Object.entries(runs)) console.log(`  ${name.padEnd(16)} ${(median(xs) / 1024 / 1024).toFixed(0).padStart(6)} MiB/s`);
    const ratio = median(ratios);
    console.log(`  per round, gateway/direct: ${ratios.map((r) => r.toFixed(2)).join(' ')}`);
    console.log(`  gateway/direct ${ratio.toFixed(2)}x (target ≥ 0.8: ${ratio >= 0.8 ? 'met' : 'NOT met'}); gateway/node pipe proxy ${(median(runs.gateway!) / median(runs['node pipe proxy']!)).toFixed(2)}x`);
  } finally {
    for (const c of children) c.kill('SIGTERM');
  }
}

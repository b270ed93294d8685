/**
 * `ws`: WebSocket messages per second, echoed by a ws upstream, direct vs through the gateway (a ws service, frame
 * by frame) with no plugin and with a no-op plugin in both frame phases. One gateway process, alternating rounds,
 * ratios per round against the direct run of the same round, then their median. Target: ≥ 0.8 of direct with no
 * plugin. (Each message crosses the gateway twice: out, and its echo back.)
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENT_CPU, freePort, gatewayNodeFlags, has, median, pin, SERVER_CPU, startProcess } from './proxy.ts';

const root = new URL('../', import.meta.url).pathname;
const out = join(root, 'bench/out');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONNECTIONS = process.env.BENCH_CONNECTIONS ?? '16';
const DURATION_MS = process.env.BENCH_DURATION_MS ?? '3000';

function noopFramePlugin(): string {
  const dir = join(out, 'ws-noop-plugins');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'ws-noop'), { recursive: true });
  writeFileSync(join(dir, 'ws-noop', 'schema.mjs'), "export default { name: 'ws-noop', config: { type: 'object', properties: {}, additionalProperties: false } };\n");
  writeFileSync(join(dir, 'ws-noop', 'handler.mjs'), "export default { version: '1.0.0', priority: 1000, wsClientFrame() {}, wsUpstreamFrame() {} };\n");
  return dir;
}

/** CPU time a process has used, in ms (Linux: utime + stime from /proc, in clock ticks of 10 ms). */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

function load(url: string): number {
  const r = spawnSync(pin(CLIENT_CPU, [process.execPath])[0]!, [...pin(CLIENT_CPU, [process.execPath]).slice(1), join(root, 'bench/ws-load.ts')], {
    encoding: 'utf8',
    env: { ...process.env, URL: url, CONNECTIONS, DURATION_MS },
  });
  if (r.status !== 0) throw new Error(`ws-load failed: ${r.stderr}`);
  return (JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { mps: number }).mps;
}

export async function runWebSocketBench(): Promise<void> {
  console.log('\nws: WebSocket messages/s echoed by a ws upstream, direct vs through the gateway (a ws service)');
  mkdirSync(out, { recursive: true });
  const [up, gw] = [await freePort(), await freePort()];
  const config = join(out, 'ws-bench.yaml');
  writeFileSync(config, `_format_version: "3.0"
services:
- name: bench
  protocol: ws
  host: 127.0.0.1
  port: ${up}
  routes:
  - { name: plain, protocols: [ws], paths: [/plain] }
  - { name: frames, protocols: [ws], paths: [/frames], plugins: [{ name: ws-noop }] }
- name: tunnel
  url: http://127.0.0.1:${up}
  routes:
  - { name: tunnel, paths: [/tunnel] }
`);
  const node = process.execPath;
  const children: ChildProcess[] = [];
  try {
    children.push(await startProcess(pin(CLIENT_CPU, [node, join(root, 'bench/ws-upstream.ts')]), { PORT: String(up) }, /ready/));
    children.push(await startProcess(pin(SERVER_CPU, [node, ...gatewayNodeFlags(), join(root, 'bin/gateway.js'), 'start', '-c', config, '--proxy-listen', `127.0.0.1:${gw}`,
      '--log-level', 'info', '--admin-listen', 'off', '--plugins', 'bundled,ws-noop', '--plugins-path', noopFramePlugin()]), {}, /gateway ready/));
    const targets = {
      direct: `ws://127.0.0.1:${up}/`,
      gateway: `ws://127.0.0.1:${gw}/plain`,
      'gateway+frame-plugin': `ws://127.0.0.1:${gw}/frames`,
      // For reference: an upgrade to an http service, the byte tunnel (no frames read, no limits, no phases).
      'tunnel (http service)': `ws://127.0.0.1:${gw}/tunnel`,
    };
    for (const url of Object.values(targets)) load(url);
    const [upstreamPid, gatewayPid] = [children[0]!.pid, children[1]!.pid];
    // CPU per message, less at the mercy of a shared machine than messages/s: the upstream's (one read and one
    // write per message, direct) and the gateway's (two of each, it relays both ways), per run.
    const cpu: Record<string, number[]> = { 'upstream, direct': [], gateway: [], 'gateway+frame-plugin': [], 'tunnel (http service)': [] };
    const measure = (name: string): number => {
      const pid = name === 'direct' ? upstreamPid : gatewayPid;
      const before = cpuMs(pid);
      const mps = load(targets[name as keyof typeof targets]);
      const used = cpuMs(pid) - before;
      cpu[name === 'direct' ? 'upstream, direct' : name]!.push((used * 1000) / (mps * (Number(DURATION_MS) + 500) / 1000));
      return mps;
    };
    const runs: Record<string, number[]> = { direct: [], gateway: [], 'gateway+frame-plugin': [], 'tunnel (http service)': [] };
    const plain: number[] = [];
    const plugin: number[] = [];
    const tunnel: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? Object.keys(targets) : Object.keys(targets).reverse();
      const measured: Record<string, number> = {};
      for (const name of order) runs[name]!.push((measured[name] = measure(name)));
      plain.push(measured.gateway! / measured.direct!);
      plugin.push(measured['gateway+frame-plugin']! / measured.direct!);
      tunnel.push(measured['tunnel (http service)']! / measured.direct!);
    }
    console.log(`  ${CONNECTIONS} connections, 16 messages of 128 bytes in flight each, ${DURATION_MS} ms per measurement, median of ${ROUNDS} rounds${has('taskset') ? `, the load and the upstream on cpu ${CLIENT_CPU}, the gateway on cpu ${SERVER_CPU}` : ''}`);
    for (const [name, xs] of Object.entries(runs)) console.log(`  ${name.padEnd(22)} ${median(xs).toFixed(0).padStart(7)} messages/s`);
    console.log(`  CPU per message: ${Object.entries(cpu).map(([k, xs]) => `${k} ${median(xs).toFixed(1)} µs`).join(', ')}`);
    const ratio = median(plain);
    console.log(`  per round, gateway/direct: ${plain.map((r) => r.toFixed(2)).join(' ')}; with a frame plugin: ${plugin.map((r) => r.toFixed(2)).join(' ')}`);
    console.log(`  gateway/direct ${ratio.toFixed(2)}x messages/s (target ≥ 0.8: ${ratio >= 0.8 ? 'met' : 'NOT met'}); with a no-op frame plugin ${median(plugin).toFixed(2)}x; the tunnel ${median(tunnel).toFixed(2)}x`);
  } finally {
    for (const c of children) c.kill('SIGTERM');
  }
}

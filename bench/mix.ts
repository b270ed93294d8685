/**
 * `mix`: a route with a common production chain (key-auth, rate-limiting with the local policy and a limit it
 * never reaches, cors, correlation-id, prometheus with every switch on) vs a route without plugins, target
 * ≥ 0.80; then prometheus alone vs none, to see its own share.
 */
import type { IncomingMessage } from 'node:http';
import type { Consumer, Kong, Route, Service } from '../src/pdk/kong.ts';
import prometheusHandler from '../src/plugins/bundled/prometheus/handler.ts';
import { latencies, sizes } from '../src/proxy/measures.ts';
import { runScenario, type Scenario } from './plugins.ts';

const PROMETHEUS = '{ name: prometheus, config: { per_consumer: true, status_code_metrics: true, latency_metrics: true, bandwidth_metrics: true, upstream_health_metrics: true } }';

const mix: Scenario = {
  title: 'mix: key-auth + rate-limiting (local) + cors + correlation-id + prometheus vs no plugins',
  target: 0.8,
  config: (port) => `_format_version: "3.0"
consumers:
- { username: bench-user, keyauth_credentials: [{ key: bench-key }] }
services:
- name: bench
  url: http://127.0.0.1:${port}
  routes:
  - { name: plain, paths: [/plain] }
  - name: plugins
    paths: [/plugins]
    plugins:
    - { name: key-auth }
    - { name: rate-limiting, config: { second: 100000000, policy: local } }
    - { name: cors }
    - { name: correlation-id }
    - ${PROMETHEUS}
`,
  flags: [],
  headers: ['apikey: bench-key', 'Origin: http://example.test'],
};

const prometheus: Scenario = {
  title: 'prometheus alone (every switch on) vs no plugins',
  target: 0.9,
  config: (port) => `_format_version: "3.0"
services:
- name: bench
  url: http://127.0.0.1:${port}
  routes:
  - { name: plain, paths: [/plain] }
  - { name: plugins, paths: [/plugins], plugins: [${PROMETHEUS}] }
`,
  flags: [],
  headers: [],
};

/** ns per call of `fn`, the median of 5 runs of `n` calls (after a warm-up run). */
function nsPerCall(n: number, fn: () => void): number {
  const runs: number[] = [];
  for (let r = 0; r < 6; r++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    if (r > 0) runs.push(Number(process.hrtime.bigint() - t) / n);
  }
  return runs.sort((a, b) => a - b)[2]!;
}

/**
 * The plugin's own cost per request, without the network: its log phase over a PDK stub (every switch on, a
 * consumer), and the two PDK accessors it calls over a request with ten headers. Target: under 1 µs in all.
 */
export function runLogPhaseMicro(): void {
  console.log('\nprometheus log phase, in process (no network)');
  const route = Object.freeze({ id: 'r-1', name: 'plugins' }) as unknown as Route;
  const service = Object.freeze({ id: 's-1', name: 'bench', host: '127.0.0.1' }) as unknown as Service;
  const consumer = Object.freeze({ id: 'c-1', username: 'bench-user' }) as unknown as Consumer;
  const kong = {
    router: { getRoute: () => route, getService: () => service },
    client: { getConsumer: () => consumer },
    response: { getStatus: () => 200, getSource: () => 'service' },
    log: { getLatencies: () => ({ request: 3, proxy: 1, kong: 2 }), getSizes: () => ({ request: 180, response: 320 }) },
  } as unknown as Kong;
  const config = { per_consumer: true, status_code_metrics: true, latency_metrics: true, bandwidth_metrics: true, upstream_health_metrics: true, ai_metrics: false, wasm_metrics: false };
  const prepared = prometheusHandler.prepare!(config);
  const log = prometheusHandler.log!;
  const plugin = nsPerCall(2_000_000, () => void log(kong, config, prepared));
  const headers = ['Host', '127.0.0.1:8000', 'User-Agent', 'wrk', 'Accept', '*/*', 'apikey', 'bench-key', 'Origin', 'http://example.test', 'Accept-Encoding', 'gzip', 'X-Request-Id', 'abc', 'Cookie', 'a=b', 'Connection', 'keep-alive', 'Cache-Control', 'no-cache'];
  const req = { method: 'GET', url: '/plugins', rawHeaders: headers, headers: {}, socket: { bytesWritten: 1234 } } as unknown as IncomingMessage;
  const stats = { tries: [], upstreamUri: undefined, upstreamStatus: 200, upstreamLatency: 1, proxyLatency: 2 };
  const started = performance.now();
  const accessors = nsPerCall(2_000_000, () => {
    sizes(req, 1000);
    latencies(started, stats);
  });
  console.log(`  log phase ${plugin.toFixed(0)} ns + getSizes/getLatencies ${accessors.toFixed(0)} ns = ${(plugin + accessors).toFixed(0)} ns per request (target < 1000: ${plugin + accessors < 1000 ? 'met' : 'NOT met'})`);
}

export async function runMixBench(): Promise<void> {
  runLogPhaseMicro();
  await runScenario('mix', mix);
  await runScenario('prometheus', prometheus);
}

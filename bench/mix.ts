/**
 * `mix`: a route with a common production chain (key-auth, rate-limiting with the local policy and a limit it
 * never reaches, cors, correlation-id, prometheus with every switch on) vs a route without plugins, target
 * ≥ 0.80; then prometheus alone vs none, to see its own share.
 */
import type { IncomingMessage } from 'node:http';
import type { Consumer, Route, Service } from '../src/pdk/kong.ts';
import { RequestState, type RequestFactsForPdk } from '../src/pdk/request-state.ts';
import type { RouteMatch } from '../src/router/router.ts';
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

/** ns per request of `body`, less that of `baseline` (the same set-up without it): medians of 7 runs. */
function nsPerRequest(n: number, baseline: () => void, body: () => void): number {
  const diffs: number[] = [];
  const time = (fn: () => void) => {
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    return Number(process.hrtime.bigint() - t) / n;
  };
  time(baseline);
  time(body);
  for (let r = 0; r < 7; r++) diffs.push(time(body) - time(baseline));
  return diffs.sort((a, b) => a - b)[3]!;
}

/**
 * The plugin's own cost per request, without the network: a request's PDK state (as the proxy makes it, with a
 * route, a consumer and an answer), then prometheus' log phase on it with every switch on, less the same without
 * the log phase. It includes the PDK objects it is the first to touch (kong.router, kong.client, kong.response,
 * kong.log), which a chain with other plugins shares. Target: under 1 µs.
 */
export function runLogPhaseMicro(): void {
  console.log('\nprometheus log phase, in process (no network)');
  const route = Object.freeze({ id: 'r-1', name: 'plugins' }) as unknown as Route;
  const service = Object.freeze({ id: 's-1', name: 'bench', host: '127.0.0.1' }) as unknown as Service;
  const consumer = Object.freeze({ id: 'c-1', username: 'bench-user' }) as unknown as Consumer;
  const rawHeaders = ['Host', '127.0.0.1:8000', 'User-Agent', 'wrk', 'Accept', '*/*', 'apikey', 'bench-key', 'Origin', 'http://example.test'];
  const req = { method: 'GET', url: '/plugins', rawHeaders, headers: {}, socket: { bytesWritten: 1234 } } as unknown as IncomingMessage;
  const stats = { tries: [], upstreamUri: undefined, upstreamStatus: 200, upstreamLatency: 1, proxyLatency: 2 };
  const started = performance.now();
  const facts = { req, measures: { latencies: () => latencies(started, stats), sizes: () => sizes(req, 1000) } } as unknown as RequestFactsForPdk;
  const config = { per_consumer: true, status_code_metrics: true, latency_metrics: true, bandwidth_metrics: true, upstream_health_metrics: true, ai_metrics: false, wasm_metrics: false };
  const prepared = prometheusHandler.prepare!(config);
  const log = prometheusHandler.log!;
  const state = () => {
    const s = new RequestState(facts, () => undefined, 0);
    s.match = { route, service, captures: null } as unknown as RouteMatch;
    s.consumer = consumer;
    s.setResponse(200, {}, 'service');
    return s.forPlugin('p-1', 'prometheus');
  };
  const ns = nsPerRequest(500_000, () => void state(), () => void log(state(), config, prepared));
  console.log(`  ${ns.toFixed(0)} ns per request (target < 1000: ${ns < 1000 ? 'met' : 'NOT met'})`);
}

export async function runMixBench(): Promise<void> {
  runLogPhaseMicro();
  await runScenario('mix', mix);
  await runScenario('prometheus', prometheus);
}

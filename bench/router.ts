/**
 * Router micro-benchmark: match time with 10,000 routes against 10 routes, in one run. Target: within 2×.
 * Every request path is unique, so the result cache does not help; a second figure shows repeated shapes.
 */
import { loadConfigText } from '../src/declarative/load-config.ts';
import { BUNDLED_PLUGIN_SCHEMAS } from '../src/plugins/registry.ts';
import { compileRouter, type RequestFacts } from '../src/router/router.ts';
import { generateConfig, renderConfig } from './generate-config.ts';

const catalog = new Map(BUNDLED_PLUGIN_SCHEMAS.map((p) => [p.name, p]));

function routerWith(routes: number) {
  const text = renderConfig(generateConfig({ services: routes, consumers: 0, plugins: 0 }), 'json');
  const { config } = loadConfigText(text, 'bench.json', { plugins: catalog });
  if (!config) throw new Error('generated config must be valid');
  return compileRouter(config);
}

function nsPerMatch(routes: number, requests: number, unique: boolean): number {
  const router = routerWith(routes);
  const req = (i: number): RequestFacts => ({
    method: 'GET', host: 'api.example.com', port: 8000, headers: {}, sni: undefined, scheme: 'http',
    path: `/svc/${i % routes}/items${unique ? `/${i}` : ''}`,
  });
  for (let i = 0; i < 20_000; i++) router.match(req(i));
  const start = process.hrtime.bigint();
  let found = 0;
  for (let i = 0; i < requests; i++) if (router.match(req(i))) found++;
  const ns = Number(process.hrtime.bigint() - start) / requests;
  if (found !== requests) throw new Error(`expected every request to match, ${found}/${requests} did`);
  return ns;
}

export function runRouterBench(): void {
  const n = 200_000;
  console.log('\nrouter: time per match, 10 routes vs 10,000 routes (prefix paths), same run');
  for (const unique of [true, false]) {
    const small = nsPerMatch(10, n, unique);
    const large = nsPerMatch(10_000, n, unique);
    const label = unique ? 'unique paths (no cache)' : 'repeated shapes (cached)';
    console.log(`  ${label.padEnd(26)} 10 routes ${small.toFixed(0).padStart(6)} ns   10,000 routes ${large.toFixed(0).padStart(6)} ns   ratio ${(large / small).toFixed(2)}x ${unique ? `(target ≤ 2x: ${large / small <= 2 ? 'met' : 'NOT met'})` : ''}`);
  }
}

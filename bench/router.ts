/**
 * Router micro-benchmark: match time with 10,000 routes against 10 routes, in one run. Target: within 2×.
 * Every request path is unique, so the result cache does not help; a second figure shows repeated shapes.
 */
import { loadConfigText } from '../src/declarative/load-config.ts';
import { BUNDLED_CATALOG } from '../src/plugins/registry.ts';
import { compileRouter, type RequestFacts } from '../src/router/router.ts';
import { generateConfig, renderConfig } from './generate-config.ts';

const catalog = BUNDLED_CATALOG;

function routerWith(routes: number) {
  const text = renderConfig(generateConfig({ services: routes, consumers: 0, plugins: 0 }), 'json');
  const { config } = loadConfigText(text, 'bench.json', { plugins: catalog });
  if (!config) throw new Error('generated config must be valid');
  return compileRouter(config);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A router of `routes` routes and its request maker; warmed up. */
function setUp(routes: number, unique: boolean) {
  const router = routerWith(routes);
  const req = (i: number): RequestFacts => ({
    method: 'GET', host: 'api.example.com', port: 8000, headers: {}, sni: undefined, scheme: 'http',
    path: `/svc/${i % routes}/items${unique ? `/${i}` : ''}`,
  });
  for (let i = 0; i < 20_000; i++) router.match(req(i));
  return { router, req };
}

function nsPerMatch({ router, req }: ReturnType<typeof setUp>, requests: number, offset: number): number {
  const start = process.hrtime.bigint();
  let found = 0;
  for (let i = offset; i < offset + requests; i++) if (router.match(req(i))) found++;
  const ns = Number(process.hrtime.bigint() - start) / requests;
  if (found !== requests) throw new Error(`expected every request to match, ${found}/${requests} did`);
  return ns;
}

export function runRouterBench(): void {
  const n = 200_000;
  const rounds = 5;
  console.log('\nrouter: time per match, 10 routes vs 10,000 routes (prefix paths), same run');
  console.log(`  ${rounds} rounds of ${n.toLocaleString('en')} matches each, the two sizes alternating; medians`);
  for (const unique of [true, false]) {
    const small = setUp(10, unique);
    const large = setUp(10_000, unique);
    const smallNs: number[] = [];
    const largeNs: number[] = [];
    for (let r = 0; r < rounds; r++) {
      // Fresh paths each round when they are unique, so no round finds the previous one's in the cache.
      smallNs.push(nsPerMatch(small, n, r * n));
      largeNs.push(nsPerMatch(large, n, r * n));
    }
    const [s, l] = [median(smallNs), median(largeNs)];
    const label = unique ? 'unique paths (no cache)' : 'repeated shapes (cached)';
    console.log(`  ${label.padEnd(26)} 10 routes ${s.toFixed(0).padStart(6)} ns   10,000 routes ${l.toFixed(0).padStart(6)} ns   ratio ${(l / s).toFixed(2)}x ${unique ? `(target ≤ 2x: ${l / s <= 2 ? 'met' : 'NOT met'})` : ''}`);
  }
}

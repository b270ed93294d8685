/**
 * Reload benchmark: time from a changed file to the new snapshot serving, and peak memory, for configs of 100,
 * 1,000, 10,000 and 50,000 routes (each with a service; consumers with credentials and plugins, a tenth as many).
 * Each size in a fresh process, median of BENCH_RUNS. The watcher's debounce (200 ms) comes on top.
 * Target: 10,000 routes live in under 1 s.
 */
import { execFileSync } from 'node:child_process';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export function runReloadBench(): void {
  console.log('\nreload: changed file → new snapshot serving (read, validate, compile, swap), fresh process per size');
  console.log('  routes    reload     peak RSS');
  let small = 0;
  for (const routes of [100, 1_000, 10_000, 50_000]) {
    const samples: { ms: number; maxRssMB: number }[] = [];
    for (let i = 0; i < RUNS; i++) {
      const line = execFileSync(process.execPath, [new URL('./reload-child.ts', import.meta.url).pathname, String(routes)], { encoding: 'utf8', maxBuffer: 1 << 20 });
      samples.push(JSON.parse(line) as { ms: number; maxRssMB: number });
    }
    const ms = median(samples.map((s) => s.ms));
    if (routes === 100) small = ms;
    const note = routes === 10_000 ? `   target under 1000 ms: ${ms < 1000 ? 'met' : 'NOT met'}` : '';
    console.log(`  ${String(routes).padStart(6)} ${`${ms.toFixed(0)} ms`.padStart(9)} ${`${median(samples.map((s) => s.maxRssMB)).toFixed(0)} MB`.padStart(11)}   ${(ms / small).toFixed(1)}x the 100-route reload${note}`);
  }
}

/**
 * Benchmark: validating a big declarative file (10,000 services and routes, 10,000 consumers with credentials,
 * 1,000 plugins). Each figure is the median of several fresh processes; the baseline is parsing the same text,
 * measured in the same run, so the ratio is comparable across machines. Target: under 1 s and 300 MB.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateConfig, renderConfig } from './generate-config.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const out = new URL('./out/', import.meta.url).pathname;
mkdirSync(out, { recursive: true });

interface Sample { ms: number; maxRssMB: number; errors: number }
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function measure(file: string, mode: string): { ms: number; maxRssMB: number } {
  const samples: Sample[] = [];
  for (let i = 0; i < RUNS; i++) {
    const line = execFileSync(process.execPath, [new URL('./validate-child.ts', import.meta.url).pathname, file, mode], { encoding: 'utf8' });
    const s = JSON.parse(line) as Sample;
    if (s.errors > 0) throw new Error(`${file} (${mode}): ${s.errors} errors; the generated file must be valid`);
    samples.push(s);
  }
  return { ms: median(samples.map((s) => s.ms)), maxRssMB: median(samples.map((s) => s.maxRssMB)) };
}

/** `gateway validate FILE` as CI runs it: a fresh process, start-up and module loading included (wall time). */
function measureCli(file: string): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    execFileSync(process.execPath, [new URL('../bin/gateway.js', import.meta.url).pathname, 'validate', file], { encoding: 'utf8' });
    times.push(performance.now() - t);
  }
  return median(times);
}

export function runValidateBench(): void {
  const config = generateConfig({ services: 10_000, consumers: 10_000, plugins: 1_000 });
  console.log('validate: 10,000 services + 10,000 routes, 10,000 consumers with key-auth and acl credentials, 1,000 plugins');
  console.log(`  median of ${RUNS} fresh processes each\n`);
  console.log('  format  parse (baseline)   validate, cold       reload, warm         validate/parse  peak RSS   `gateway validate` (whole process)');
  for (const format of ['yaml', 'json'] as const) {
    const file = join(out, `validate-bench.${format}`);
    writeFileSync(file, renderConfig(config, format));
    const parse = measure(file, 'parse');
    const cold = measure(file, 'validate');
    const warm = measure(file, 'reload');
    const cli = measureCli(file);
    const row = [
      format.padEnd(6),
      `${parse.ms.toFixed(0)} ms`.padEnd(18),
      `${cold.ms.toFixed(0)} ms`.padEnd(20),
      `${warm.ms.toFixed(0)} ms`.padEnd(20),
      `${(cold.ms / parse.ms).toFixed(2)}x`.padEnd(15),
      `${cold.maxRssMB.toFixed(0)} MB`.padEnd(10),
      `${cli.toFixed(0)} ms`,
    ];
    console.log(`  ${row.join(' ')}`);
    console.log(`          target: under 1000 ms → cold ${cold.ms < 1000 ? 'met' : 'NOT met'}, warm ${warm.ms < 1000 ? 'met' : 'NOT met'}, whole process ${cli < 1000 ? 'met' : 'NOT met'}; under 300 MB → ${cold.maxRssMB < 300 ? 'met' : 'NOT met'}`);
  }
}

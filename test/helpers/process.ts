/** `gateway start` as its own process, as users run it (npm start's Node flags), with its log lines parsed. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './temp.ts';

const bin = new URL('../../bin/gateway.js', import.meta.url).pathname;
const startScript = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } }).scripts.start;
const nodeFlags = /^(?:exec )?node (.*) bin\/gateway\.js start$/.exec(startScript)?.[1]?.split(' ') ?? [];

export interface GatewayProcess {
  readonly child: ChildProcess;
  /** The proxy's address, `127.0.0.1:PORT`. */
  readonly address: string;
  readonly file: string;
  /** Every JSON line it logged so far. */
  readonly lines: Record<string, unknown>[];
  /** Resolves with the first line (logged so far or later) that `match` accepts. */
  waitFor(match: (line: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
  /** SIGTERM, and the exit code. */
  stop(): Promise<number | null>;
}

export interface ProcessOptions {
  /** Added to the environment the gateway starts with. */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Only `start` and `args`: no `-c`, `--proxy-listen` or `--admin-listen` of the helper's (the config is
   * `kong.yaml` in the working directory, the gateway's default).
   */
  readonly bare?: boolean;
}

export async function startGatewayProcess(config: string, args: readonly string[] = [], options: ProcessOptions = {}): Promise<GatewayProcess> {
  const dir = tempDir('process');
  const file = join(dir, 'kong.yaml');
  writeFileSync(file, config);
  // One worker unless the test names a count: `auto` would start a thread per core in every test. Not in a bare
  // start, which is the gateway's defaults.
  const namesWorkers = args.includes('--workers') || options.env?.GATEWAY_WORKERS !== undefined || options.env?.KONG_NGINX_WORKER_PROCESSES !== undefined;
  const own = options.bare ? [] : ['-c', file, '--proxy-listen', '127.0.0.1:0', '--admin-listen', 'off', ...(namesWorkers ? [] : ['--workers', '1']), ...(args.includes('--status-listen') ? [] : ['--status-listen', 'off'])];
  const child = spawn(process.execPath, [...nodeFlags, bin, 'start', ...own, ...args], { cwd: dir, env: { ...process.env, ...options.env } });
  // A test file that ends early (a failed assertion before its after(), a runner that is stopped) takes the
  // gateway with it rather than leaving it running.
  const orphaned = () => child.kill('SIGKILL');
  process.once('exit', orphaned);
  child.once('exit', () => process.off('exit', orphaned));
  const lines: Record<string, unknown>[] = [];
  let pending = '';
  const waiters: { match: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    pending += chunk;
    const parts = pending.split('\n');
    pending = parts.pop()!;
    for (const text of parts) {
      if (text.trim() === '') continue;
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        line = { msg: text };
      }
      lines.push(line);
      for (const w of [...waiters]) if (w.match(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  const waitFor = (match: (line: Record<string, unknown>) => boolean, ms = 10_000) => new Promise<Record<string, unknown>>((resolve, reject) => {
    const seen = lines.find(match);
    if (seen) return resolve(seen);
    const timer = setTimeout(() => reject(new Error(`no such log line within ${ms} ms; got:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`)), ms);
    waiters.push({ match, resolve: (l) => {
      clearTimeout(timer);
      resolve(l);
    } });
  });
  const ready = await waitFor((l) => l.msg === 'gateway ready');
  return {
    child,
    address: (ready.proxy_listen as string[])[0]!,
    file,
    lines,
    waitFor,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
}

/**
 * For the deployment tests: which KONG_* and GATEWAY_* names the gateway reads (from SETTING_SPECS, never copied
 * here), listen addresses moved to free loopback ports, and a gateway process started with an exact argv and
 * environment, as a container or a pod starts it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { SETTING_SPECS, type ListenAddress, type Settings, type SettingSpec } from '../../src/settings/settings.ts';

const specs: readonly SettingSpec[] = Object.values(SETTING_SPECS);

/** The environment names the gateway reads: every setting's GATEWAY_* name and its Kong twin. */
export function readsEnv(name: string): boolean {
  return specs.some((s) => s.env === name || s.kongEnv === name);
}

/** Kong's switch that the gateway accepts only as `off` (it has no database), whether or not it is a setting. */
export const KONG_DATABASE = 'KONG_DATABASE';

/**
 * The reason a check still waits for a part of issue 15 built on another branch (the settings' KONG_* twins, the
 * status listener), or false once the gateway reads every name given.
 */
export function pendingUntilRead(names: readonly string[]): string | false {
  const missing = names.filter((n) => n !== KONG_DATABASE && !readsEnv(n));
  return missing.length === 0 ? false : `the gateway does not read ${missing.join(', ')} yet (issue 15's settings and status branches)`;
}

/** A listen setting by name (`proxyListen`, `adminListen`, `statusListen`): none when the gateway has no such setting. */
export function listeners(settings: Settings, key: 'proxyListen' | 'adminListen' | 'statusListen'): readonly ListenAddress[] {
  return (settings as unknown as Partial<Record<string, readonly ListenAddress[]>>)[key] ?? [];
}

export const isLoopback = (host: string) => host === 'localhost' || host === '::1' || host.startsWith('127.');

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The same environment with every `*_LISTEN` address on loopback and a free port (a test cannot take 8000),
 * flags kept. `ports` maps each original port to the one used.
 */
export async function onFreePorts(env: Readonly<Record<string, string>>): Promise<{ env: Record<string, string>; ports: Map<number, number> }> {
  const ports = new Map<number, number>();
  const out: Record<string, string> = { ...env };
  for (const [key, value] of Object.entries(env)) {
    if (!key.endsWith('_LISTEN') || value === 'off') continue;
    const moved: string[] = [];
    for (const entry of value.split(',')) {
      const [address, ...flags] = entry.trim().split(/\s+/);
      const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(address!);
      if (!m) throw new Error(`${key}: cannot read '${entry}'`);
      const original = Number(m[2]);
      if (!ports.has(original)) ports.set(original, await freePort());
      moved.push([`127.0.0.1:${ports.get(original)}`, ...flags].join(' '));
    }
    out[key] = moved.join(', ');
  }
  return { env: out, ports };
}

export interface LoggedProcess {
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[];
  readonly stderr: () => string;
  waitFor(match: (line: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
  /** SIGTERM, and the exit code. */
  stop(): Promise<number | null>;
}

/** A process with exactly this argv and environment (nothing of the test runner's), its JSON log lines parsed. */
export function spawnLogged(argv: readonly string[], env: Readonly<Record<string, string>>, cwd: string): LoggedProcess {
  const child = spawn(argv[0]!, argv.slice(1), { cwd, env: { ...env } });
  const orphaned = () => child.kill('SIGKILL');
  process.once('exit', orphaned);
  child.once('exit', () => process.off('exit', orphaned));
  const lines: Record<string, unknown>[] = [];
  let err = '';
  let pending = '';
  // Each waiter is asked on every new line, and once more (with `ended`) when the process has exited.
  const waiters = new Set<(ended: boolean) => void>();
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (pending + chunk).split('\n');
    pending = parts.pop()!;
    for (const text of parts.filter((p) => p.trim() !== '')) {
      try {
        lines.push(JSON.parse(text) as Record<string, unknown>);
      } catch {
        lines.push({ msg: text });
      }
    }
    for (const w of [...waiters]) w(false);
  });
  const exited = once(child, 'close');
  void exited.then(() => {
    for (const w of [...waiters]) w(true);
  });
  const output = () => `stdout:\n${lines.map((l) => JSON.stringify(l)).join('\n')}\nstderr:\n${err}`;
  return {
    child,
    lines,
    stderr: () => err,
    waitFor(match, ms = 15_000) {
      return new Promise((resolve, reject) => {
        const settle = (ended: boolean) => {
          const line = lines.find(match);
          if (!line && !ended) return;
          waiters.delete(settle);
          clearTimeout(timer);
          if (line) resolve(line);
          else reject(new Error(`exited ${child.exitCode ?? child.signalCode} before such a log line; ${output()}`));
        };
        const timer = setTimeout(() => {
          waiters.delete(settle);
          reject(new Error(`no such log line within ${ms} ms; ${output()}`));
        }, ms);
        waiters.add(settle);
        settle(child.exitCode !== null || child.signalCode !== null);
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      return child.exitCode;
    },
  };
}

/** Runs a command to its end. */
export function run(argv: readonly string[], options: { cwd: string; env?: Readonly<Record<string, string>> }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: options.cwd, env: options.env ? { ...options.env } : process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

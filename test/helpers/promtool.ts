/** `promtool check metrics` over an exposition text: what it could not parse, apart from its naming lints. */
import { spawn } from 'node:child_process';

export interface PromtoolResult {
  readonly exitCode: number;
  readonly output: string;
  /** "error while linting: text format parsing error ..." lines: the text is not valid exposition format. */
  readonly parseErrors: readonly string[];
  /** Its naming advice (Kong's own names draw some: `_total` on gauges, `_ms` units). */
  readonly lints: readonly string[];
}

/** Undefined when promtool is not installed. */
export function promtool(text: string): Promise<PromtoolResult | undefined> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? resolve(undefined) : reject(err)));
    child.on('close', (code) => {
      const lines = output.split('\n').filter((l) => l.trim() !== '');
      const parseErrors = lines.filter((l) => l.includes('error while linting') || l.includes('parsing error'));
      resolve({ exitCode: code ?? -1, output, parseErrors, lints: lines.filter((l) => !parseErrors.includes(l)) });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(text);
  });
}

/** Kong's and nginx's value syntaxes for settings: times, sizes, HOST:PORT. */
import { GatewayError } from '../errors.ts';

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** nginx's time syntax: `60s`, `500ms`, `1m30s`, a bare number of seconds; more than zero. */
export function duration(flag: string, value: string): number {
  const text = value.trim();
  let ms = 0;
  if (/^\d+(\.\d+)?$/.test(text)) ms = Number(text) * 1000;
  else if (/^(\d+(ms|s|m|h|d))+$/.test(text)) {
    for (const [, n, unit] of text.matchAll(/(\d+)(ms|s|m|h|d)/g)) ms += Number(n) * UNITS[unit!]!;
  } else {
    throw new GatewayError('BAD_USAGE', `${flag}: expected a time such as 60s, 500ms or 1m (nginx's syntax), got '${value}'`);
  }
  if (!(ms > 0) || ms > 2_147_483_647) throw new GatewayError('BAD_USAGE', `${flag}: must be more than 0 and at most 24 days, got '${value}'`);
  return Math.round(ms);
}

const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, k: 1024, m: 1024 * 1024, g: 1024 * 1024 * 1024 };

/** nginx's size syntax (Kong's `mem_cache_size`): bytes, or a number with k or m (g too); more than zero. */
export function size(flag: string, value: string): number {
  const m = /^(\d+)([kmg]?)$/i.exec(value.trim());
  const bytes = m ? Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]! : Number.NaN;
  if (!(bytes > 0) || !Number.isSafeInteger(bytes)) throw new GatewayError('BAD_USAGE', `${flag}: expected a size such as 128m or 512k (nginx's syntax), got '${value}'`);
  return bytes;
}

/** `HOST:PORT` (an IPv6 address in brackets), port 1-65535. */
export function hostPort(flag: string, value: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s[\]]+):(\d{1,5})$/.exec(value.trim());
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new GatewayError('BAD_USAGE', `${flag}: expected HOST:PORT, got '${value}'`);
  return { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port: Number(m[2]) };
}

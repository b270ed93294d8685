/** Kong's parse_header (kong/plugins/response-ratelimiting/header_filter.lua): `name=n, other=m` from the upstream. */

const SPACE = /^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g;
const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const HEX = /^[-+]?0[xX][0-9a-fA-F]+$/;

/** Lua's `tonumber(s, 10)` on a stripped string: decimal (with exponent) or hex; undefined otherwise. */
export function luaNumber(text: string): number | undefined {
  if (DECIMAL.test(text)) return Number(text);
  if (HEX.test(text)) {
    const negative = text.startsWith('-');
    const n = Number.parseInt(text.replace(/^[-+]?0[xX]/, ''), 16);
    return negative ? -n : n;
  }
  return undefined;
}

/** The increments of the configured limit names; an entry that is not exactly `name=value` is skipped. */
export function parseUsageHeader(value: string | undefined, limits: ReadonlySet<string>): Map<string, number | undefined> {
  const increments = new Map<string, number | undefined>();
  if (value === undefined) return increments;
  for (const part of value.split(',')) {
    const pieces = part.split('=');
    if (pieces.length !== 2) continue;
    const name = pieces[0]!.replace(SPACE, '');
    if (limits.has(name)) increments.set(name, luaNumber(pieces[1]!.replace(SPACE, '')));
  }
  return increments;
}

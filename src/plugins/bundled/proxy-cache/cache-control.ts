// Kong: kong/tools/http.lua (parse_directive_header, calculate_resource_ttl) and ngx.parse_http_time.

/** A directive's value: a number when it reads as one (Lua's tonumber), else its text; `true` without `=`. */
export type Directives = Readonly<Record<string, number | string | true>>;

const NONE: Directives = Object.freeze({});
const DIRECTIVE = /^\s*([^=]+)(?:=(.+))?/;
const DECIMAL = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const HEX = /^[-+]?0[xX][0-9a-fA-F]+$/;

/** Lua's tonumber on a string: decimal or hexadecimal, surrounding spaces allowed; undefined otherwise. */
export function luaNumber(text: string): number | undefined {
  const t = text.trim();
  if (DECIMAL.test(t)) return Number(t);
  if (HEX.test(t)) return t.startsWith('-') ? -Number.parseInt(t.slice(3), 16) : Number.parseInt(t.replace(/^\+?0[xX]/, ''), 16);
  return undefined;
}

/**
 * Kong's parse_directive_header: split on commas, each part `name[=value]` (the name lower-cased, trailing
 * spaces kept as Kong keeps them). Several header lines are joined with ", " first.
 */
export function parseDirectives(header: string | readonly string[] | undefined): Directives {
  if (header === undefined) return NONE;
  const text = typeof header === 'string' ? header : header.join(', ');
  const out: Record<string, number | string | true> = Object.create(null) as Record<string, number | string | true>;
  for (const part of text.split(',')) {
    if (part === '') continue;
    const m = DIRECTIVE.exec(part);
    if (!m) continue;
    const value = m[2];
    out[m[1]!.toLowerCase()] = value === undefined ? true : (luaNumber(value) ?? value);
  }
  return out;
}

/** A directive as a number of seconds, or undefined when absent or not a number. */
export function seconds(cc: Directives, name: string): number | undefined {
  const v = cc[name];
  return typeof v === 'number' ? v : undefined;
}

/**
 * Kong's calculate_resource_ttl: s-maxage, else max-age, else Expires minus now; never below 0; 0 when none
 * applies. A directive whose value is not a number counts as 0 (in Kong it raises an error).
 */
export function resourceTtl(cc: Directives, expires: string | readonly string[] | undefined, now: number): number {
  const maxAge = cc['s-maxage'] ?? cc['max-age'];
  if (maxAge !== undefined) return typeof maxAge === 'number' ? Math.max(maxAge, 0) : 0;
  if (expires === undefined) return 0;
  const at = parseHttpTime(typeof expires === 'string' ? expires : expires.join(', '));
  return at === undefined ? 0 : Math.max(at - now, 0);
}

const MONTHS: Readonly<Record<string, number>> = { jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11 };
// The three forms nginx's ngx_parse_http_time reads: RFC 1123, RFC 850, asctime.
const RFC1123 = /^\w{3}, (\d{2}) (\w{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const RFC850 = /^\w+, (\d{2})-(\w{3})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const ASCTIME = /^\w{3} (\w{3}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;

/** Seconds since the epoch of an HTTP date, or undefined when it is not one. */
export function parseHttpTime(text: string): number | undefined {
  // Each form gives day, month, year, hour, minute, second.
  let parts: readonly string[] | undefined;
  let m = RFC1123.exec(text);
  if (m) parts = [m[1]!, m[2]!, m[3]!, m[4]!, m[5]!, m[6]!];
  else if ((m = RFC850.exec(text))) {
    const yy = Number(m[3]);
    parts = [m[1]!, m[2]!, String(yy < 70 ? 2000 + yy : 1900 + yy), m[4]!, m[5]!, m[6]!];
  } else if ((m = ASCTIME.exec(text))) parts = [m[2]!, m[1]!, m[6]!, m[3]!, m[4]!, m[5]!];
  if (!parts) return undefined;
  const month = MONTHS[parts[1]!.toLowerCase()];
  const [day, year, hour, minute, second] = [parts[0]!, parts[2]!, parts[3]!, parts[4]!, parts[5]!].map((p) => Number(p.trim())) as [number, number, number, number, number];
  if (month === undefined || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  return Date.UTC(year, month, day, hour, minute, second) / 1000;
}

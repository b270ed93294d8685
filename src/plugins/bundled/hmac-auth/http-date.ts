/**
 * The HTTP dates nginx's `ngx_parse_http_time` reads (Kong's `ngx.parse_http_time`): RFC 1123
 * (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime
 * (`Sun Nov  6 08:49:37 1994`), always as UTC. Anything else (ISO 8601, a bare number) is no date, where
 * `Date.parse` would take it.
 */
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const RFC1123 = /^[^, ]*, *(\d\d) ([A-Z][a-z]{2}) (\d{4}) (\d\d):(\d\d):(\d\d)/;
const RFC850 = /^[^, ]*, *(\d\d)-([A-Z][a-z]{2})-(\d\d) (\d\d):(\d\d):(\d\d)/;
const ASCTIME = /^[^, ]* +([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d) (\d{4})/;

/** Milliseconds since the epoch, or undefined when `value` is not such a date. */
export function parseHttpDate(value: string): number | undefined {
  let day: string;
  let month: string;
  let year: number;
  let time: [string, string, string];
  let m = RFC1123.exec(value);
  if (m) [day, month, year, time] = [m[1]!, m[2]!, Number(m[3]), [m[4]!, m[5]!, m[6]!]];
  else if ((m = RFC850.exec(value))) {
    const yy = Number(m[3]);
    [day, month, year, time] = [m[1]!, m[2]!, yy < 70 ? 2000 + yy : 1900 + yy, [m[4]!, m[5]!, m[6]!]];
  } else if ((m = ASCTIME.exec(value))) [month, day, time, year] = [m[1]!, m[2]!, [m[3]!, m[4]!, m[5]!], Number(m[6])];
  else return undefined;
  const mon = MONTHS.indexOf(month);
  const [h, min, s] = time.map(Number) as [number, number, number];
  const d = Number(day);
  if (mon < 0 || h > 23 || min > 59 || s > 60 || d < 1) return undefined;
  const at = Date.UTC(year, mon, d, h, min, s);
  // A day past the month's end (Feb 30) is refused, as nginx does, rather than rolled over.
  return new Date(at).getUTCMonth() === mon ? at : undefined;
}

/**
 * A syslog message as syslog(3) writes one after Kong's `openlog("kong", LOG_PID, facility)`, in RFC 3164's
 * network form (which names the host, as a relay does): `<PRI>Mmm dd hh:mm:ss HOST kong[PID]: MSG`, local time.
 */
import { hostname } from 'node:os';
import type { FACILITIES, SEVERITIES } from './schema.ts';

export type Severity = (typeof SEVERITIES)[number];
export type Facility = (typeof FACILITIES)[number];

/** Kong's LOG_PRIORITIES (syslog's numbers): a smaller number is more severe. */
export const SEVERITY_CODES: Readonly<Record<Severity, number>> = { debug: 7, info: 6, notice: 5, warning: 4, err: 3, crit: 2, alert: 1, emerg: 0 };

/** <syslog.h>'s facility codes (LOG_KERN 0, LOG_USER 1, ... LOG_LOCAL7 23), before the shift by 3. */
export const FACILITY_CODES: Readonly<Record<Facility, number>> = {
  kern: 0, user: 1, mail: 2, daemon: 3, auth: 4, syslog: 5, lpr: 6, news: 7, uucp: 8, cron: 9, authpriv: 10, ftp: 11,
  local0: 16, local1: 17, local2: 18, local3: 19, local4: 20, local5: 21, local6: 22, local7: 23,
};

/** Kong's sender name (SENDER_NAME). */
const TAG = 'kong';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
// RFC 3164's HOSTNAME has no spaces; the short name, as syslog daemons write it.
const HOST = (hostname().split('.')[0] || 'localhost').replace(/\s/g, '');

const two = (n: number) => (n < 10 ? `0${n}` : String(n));

/** RFC 3164's TIMESTAMP: `Mmm dd hh:mm:ss`, the day padded with a space. */
export function timestamp(d: Date): string {
  const day = d.getDate();
  return `${MONTHS[d.getMonth()]} ${day < 10 ? ` ${day}` : day} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

export function syslogMessage(facility: Facility, severity: Severity, text: string, now = new Date()): string {
  const pri = FACILITY_CODES[facility] * 8 + SEVERITY_CODES[severity];
  return `<${pri}>${timestamp(now)} ${HOST} ${TAG}[${process.pid}]: ${text}`;
}

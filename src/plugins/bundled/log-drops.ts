/**
 * What the logging plugins could not deliver, per plugin and reason: a counter for the admin's /metrics, and a
 * rule for when to say so in the gateway's log (the first drop, then at most once a minute per plugin), so that a
 * receiver that is down costs the proxied requests nothing and the log does not flood.
 */

/** Kong's exposition format: a label value with `\`, `"` and newlines escaped. */
const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

const counts = new Map<string, number>();
const lastWarned = new Map<string, number>();
const WARN_EVERY_MS = 60_000;

/**
 * Counts `n` entries dropped by `plugin` for `reason` (e.g. `queue_full`, `send_failed`, `too_large`). Returns how
 * many this plugin has dropped in all when it is time to log about it, else undefined.
 */
export function countLogDrop(plugin: string, reason: string, n = 1, now = Date.now()): number | undefined {
  const key = `${plugin}\u0000${reason}`;
  counts.set(key, (counts.get(key) ?? 0) + n);
  const last = lastWarned.get(plugin);
  if (last !== undefined && now - last < WARN_EVERY_MS) return undefined;
  lastWarned.set(plugin, now);
  let total = 0;
  for (const [k, c] of counts) if (k.startsWith(`${plugin}\u0000`)) total += c;
  return total;
}

/** `gateway_log_entries_dropped_total{plugin, reason}` in the exposition format (HELP and TYPE even when empty). */
export function logDropMetrics(): string {
  const lines = [
    '# HELP gateway_log_entries_dropped_total Log entries a logging plugin could not deliver, by plugin and reason.',
    '# TYPE gateway_log_entries_dropped_total counter',
  ];
  for (const [key, n] of counts) {
    const [plugin, reason] = key.split('\u0000') as [string, string];
    lines.push(`gateway_log_entries_dropped_total{plugin="${escapeLabel(plugin)}",reason="${escapeLabel(reason)}"} ${n}`);
  }
  return lines.join('\n');
}

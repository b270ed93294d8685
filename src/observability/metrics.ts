/**
 * The exposition of `/metrics` (the admin API's and the status listener's): whole metric families from several
 * sources, in order. A source that throws is left out of that scrape rather than failing it.
 */

/** Returns whole metric families in the exposition format (HELP, TYPE and samples, one per line). */
export type MetricSource = () => string | Promise<string>;

export async function renderMetrics(sources: readonly MetricSource[]): Promise<string> {
  const parts: string[] = [];
  for (const source of sources) {
    const text = await Promise.resolve().then(source).catch(() => '');
    if (text) parts.push(text.endsWith('\n') ? text.slice(0, -1) : text);
  }
  return `${parts.join('\n')}\n`;
}

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

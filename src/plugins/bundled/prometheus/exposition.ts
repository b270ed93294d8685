/**
 * The Prometheus text exposition format (0.0.4), as Kong's exporter writes it: `# HELP` and `# TYPE` before the
 * first sample of a family, a family without samples left out, series in the order of their label text,
 * histogram buckets cumulative with `le` last and `+Inf` closing them.
 */

/**
 * A label value as the format wants it: `\`, `"` and newlines escaped. As Kong's exporter, a value that is not
 * well-formed Unicode is cut where it stops being (there: at the first byte that is not UTF-8).
 */
export function escapeLabelValue(value: string): string {
  let v = value;
  if (!v.isWellFormed()) {
    let end = 0;
    while (end < v.length) {
      const code = v.charCodeAt(end);
      if (code >= 0xd800 && code <= 0xdbff) {
        const next = v.charCodeAt(end + 1);
        if (!(next >= 0xdc00 && next <= 0xdfff)) break;
        end += 2;
      } else if (code >= 0xdc00 && code <= 0xdfff) {
        break;
      } else {
        end++;
      }
    }
    v = v.slice(0, end);
  }
  if (!/[\\"\n]/.test(v)) return v;
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** `name="value",…` for the inside of the braces. */
export function labelPairs(...pairs: readonly (readonly [string, string])[]): string {
  return pairs.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',');
}

/** A sample value: integers as integers, `+Inf`/`-Inf`/`NaN` spelled as the format spells them. */
export function formatValue(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

const byLabels = <T extends { readonly labels: string }>(a: T, b: T) => (a.labels < b.labels ? -1 : a.labels > b.labels ? 1 : 0);

function header(out: string[], name: string, help: string, type: string): void {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
}

const sample = (name: string, labels: string, value: number) => (labels === '' ? `${name} ${formatValue(value)}` : `${name}{${labels}} ${formatValue(value)}`);

export interface Sample {
  readonly labels: string;
  readonly value: number;
}

/** A counter or gauge family; nothing when it has no samples. */
export function renderSimple(out: string[], name: string, help: string, type: 'counter' | 'gauge', samples: Iterable<Sample>): void {
  const list = [...samples].sort(byLabels);
  if (list.length === 0) return;
  header(out, name, help, type);
  for (const s of list) out.push(sample(name, s.labels, s.value));
}

export interface HistogramSample {
  readonly labels: string;
  readonly bounds: Float64Array;
  readonly buckets: Float64Array;
  readonly count: number;
  readonly sum: number;
}

export function renderHistogram(out: string[], name: string, help: string, samples: Iterable<HistogramSample>): void {
  const list = [...samples].filter((h) => h.count > 0).sort(byLabels);
  if (list.length === 0) return;
  header(out, name, help, 'histogram');
  for (const h of list) {
    const prefix = h.labels === '' ? '' : `${h.labels},`;
    let cumulative = 0;
    for (let i = 0; i < h.bounds.length; i++) {
      cumulative += h.buckets[i]!;
      out.push(`${name}_bucket{${prefix}le="${formatValue(h.bounds[i]!)}"} ${formatValue(cumulative)}`);
    }
    cumulative += h.buckets[h.bounds.length]!;
    out.push(`${name}_bucket{${prefix}le="+Inf"} ${formatValue(cumulative)}`);
    out.push(sample(`${name}_count`, h.labels, h.count));
    out.push(sample(`${name}_sum`, h.labels, h.sum));
  }
}

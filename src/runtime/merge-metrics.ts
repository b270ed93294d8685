/**
 * The node's metrics from its workers' (Kong's live in one shared dict, so a scrape sees the node): each worker
 * renders its own exposition text on a scrape, and the samples are merged here. Counters and histograms add up;
 * so do the gauges that count something per worker (connections, timers, heap); the others say the same in every
 * worker (node info, a target's health, the datastore) and are taken once. Families keep the first text's order.
 */

/** Gauges whose node value is the sum of the workers'. */
const ADDITIVE_GAUGES = new Set(['kong_nginx_connections_total', 'kong_nginx_requests_total', 'kong_nginx_timers', 'kong_memory_workers_lua_vms_bytes']);

interface Family {
  help?: string;
  type?: string;
  additive: boolean;
  readonly samples: Map<string, number>;
}

/** A sample's family: histograms' `_bucket`, `_sum` and `_count` series belong to the histogram's name. */
const familyOf = (sample: string, known: ReadonlyMap<string, Family>) => {
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(sample)?.[0] ?? '';
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return base !== name && known.get(base)?.type?.endsWith(' histogram') ? base : name;
};

export function mergeMetrics(texts: readonly string[]): string {
  const families = new Map<string, Family>();
  const family = (name: string) => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { additive: true, samples: new Map() }));
    return f;
  };
  for (const text of texts) {
    for (const line of text.split('\n')) {
      if (line === '') continue;
      if (line.startsWith('#')) {
        const m = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
        if (!m) continue;
        const f = family(m[2]!);
        if (m[1] === 'HELP') f.help ??= line;
        else if (f.type === undefined) {
          f.type = line;
          f.additive = m[3] !== 'gauge' || ADDITIVE_GAUGES.has(m[2]!);
        }
        continue;
      }
      const space = line.lastIndexOf(' ');
      const key = line.slice(0, space);
      const value = Number(line.slice(space + 1));
      const f = family(familyOf(key, families));
      const before = f.samples.get(key);
      f.samples.set(key, before === undefined ? value : f.additive ? before + value : before);
    }
  }
  const out: string[] = [];
  for (const f of families.values()) {
    if (f.help) out.push(f.help);
    if (f.type) out.push(f.type);
    for (const [key, value] of f.samples) out.push(`${key} ${value}`);
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

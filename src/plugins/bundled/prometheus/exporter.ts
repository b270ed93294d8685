/**
 * Kong's prometheus exporter on a scrape (exporter.lua's metric_data): the node's gauges always, and the
 * per-request families (series.ts) and the targets' health only while some prometheus instance is enabled.
 * Everything here runs on a scrape, never on a request. The gateway passes what the node knows (main.ts).
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { labelPairs, renderHistogram, renderSimple, type Sample } from './exposition.ts';
import { bandwidth, httpRequests, kongLatency, requestLatency, upstreamLatency } from './series.ts';
import { exporting } from './state.ts';

/** Connection counts summed over the proxy listeners, as nginx's stub_status has them. */
export interface ConnectionCounts {
  readonly accepted: number;
  readonly requests: number;
  /** Open client connections. */
  readonly active: number;
  /** Requests being answered now. */
  readonly inFlight: number;
}

/** A target's state, as Kong's get_upstream_health reports it. */
export interface TargetState {
  readonly upstream: string;
  /** `host:port`, as configured. */
  readonly target: string;
  readonly health: 'healthy' | 'unhealthy' | 'healthchecks_off';
}

export interface NodeFacts {
  readonly nodeId: string;
  readonly version: string;
  connections(): Promise<ConnectionCounts>;
  /** Every target of the config being served. */
  targets(): readonly TargetState[];
}

const SUBSYSTEM = 'http';
const STATES = ['healthchecks_off', 'healthy', 'unhealthy', 'dns_error'] as const;
/** How long a scrape waits for a target's name to resolve before reporting `dns_error`. */
const DNS_WAIT_MS = 2000;

/** Kong resolves a target's name to its IPv4 addresses (A records); none, or a failure, is `dns_error`. */
async function addressesOf(target: string): Promise<string[]> {
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(target);
  const colon = target.lastIndexOf(':');
  const host = v6 ? v6[1]! : target.slice(0, colon);
  const port = v6 ? v6[2]! : target.slice(colon + 1);
  if (isIP(host)) return [`${host}:${port}`];
  let timer: NodeJS.Timeout | undefined;
  try {
    const found = await Promise.race([
      lookup(host, { family: 4, all: true }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), DNS_WAIT_MS);
      }),
    ]);
    return [...new Set(found.map((a) => `${a.address}:${port}`))];
  } catch {
    return [];
  } finally {
    clearTimeout(timer);
  }
}

async function targetHealthSamples(targets: readonly TargetState[]): Promise<Sample[]> {
  const resolved = await Promise.all(targets.map((t) => addressesOf(t.target)));
  const out: Sample[] = [];
  targets.forEach((t, i) => {
    const addresses = resolved[i]!;
    const rows: [string, string][] = addresses.length > 0 ? addresses.map((a) => [a, t.health]) : [['', 'dns_error']];
    for (const [address, health] of rows) {
      for (const state of STATES) {
        out.push({ labels: labelPairs(['upstream', t.upstream], ['target', t.target], ['address', address], ['state', state], ['subsystem', SUBSYSTEM]), value: state === health ? 1 : 0 });
      }
    }
  });
  return out;
}

/** Node's timers waiting to fire (nginx's pending timers); none runs while a scrape does. */
function pendingTimers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'Immediate').length;
}

/** The exposition text of one scrape. */
export async function collect(facts: NodeFacts): Promise<string> {
  const out: string[] = [];
  const node = facts.nodeId;
  const c = await facts.connections();
  const conn = (state: string, value: number): Sample => ({ labels: labelPairs(['node_id', node], ['subsystem', SUBSYSTEM], ['state', state]), value });
  const enabled = exporting.enabled;
  // Kong's order is the sort of every sample's text: families come in the order of their names here too.
  if (enabled) renderSimple(out, 'kong_bandwidth_bytes', bandwidth.help, 'counter', bandwidth.series.values());
  // DB-less: Kong's "off" connector always connects.
  renderSimple(out, 'kong_datastore_reachable', 'Datastore reachable from Kong, 0 is unreachable', 'gauge', [{ labels: '', value: 1 }]);
  if (enabled) {
    renderSimple(out, 'kong_http_requests_total', httpRequests.help, 'counter', httpRequests.series.values());
    renderHistogram(out, 'kong_kong_latency_ms', kongLatency.help, kongLatency.series.values());
  }
  const pid = String(process.pid);
  renderSimple(out, 'kong_memory_workers_lua_vms_bytes', 'Allocated bytes in worker Lua VM', 'gauge', [
    { labels: labelPairs(['node_id', node], ['pid', pid], ['kong_subsystem', SUBSYSTEM]), value: process.memoryUsage().heapUsed },
  ]);
  renderSimple(out, 'kong_nginx_connections_total', 'Number of connections by subsystem', 'gauge', [
    conn('accepted', c.accepted), conn('handled', c.accepted), conn('total', c.requests), conn('active', c.active),
    conn('reading', 0), conn('writing', Math.min(c.inFlight, c.active)), conn('waiting', Math.max(0, c.active - c.inFlight)),
  ]);
  if (enabled) renderSimple(out, 'kong_nginx_metric_errors_total', 'Number of nginx-lua-prometheus errors', 'counter', [{ labels: '', value: 0 }]);
  renderSimple(out, 'kong_nginx_requests_total', 'Number of requests total', 'gauge', [{ labels: labelPairs(['node_id', node], ['subsystem', SUBSYSTEM]), value: c.requests }]);
  renderSimple(out, 'kong_nginx_timers', 'Number of nginx timers', 'gauge', [
    { labels: labelPairs(['state', 'running']), value: 0 },
    { labels: labelPairs(['state', 'pending']), value: pendingTimers() },
  ]);
  renderSimple(out, 'kong_node_info', 'Kong Node metadata information', 'gauge', [{ labels: labelPairs(['node_id', node], ['version', facts.version]), value: 1 }]);
  if (enabled) {
    renderHistogram(out, 'kong_request_latency_ms', requestLatency.help, requestLatency.series.values());
    renderHistogram(out, 'kong_upstream_latency_ms', upstreamLatency.help, upstreamLatency.series.values());
  }
  if (enabled && exporting.upstreamHealth) {
    renderSimple(out, 'kong_upstream_target_health', 'Health status of targets of upstream. States = healthchecks_off|healthy|unhealthy|dns_error, value is 1 when state is populated.', 'gauge', await targetHealthSamples(facts.targets()));
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

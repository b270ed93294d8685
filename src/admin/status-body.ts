/**
 * What `GET /status` answers, on the admin API and on the status listener alike (Kong serves the one handler,
 * kong/api/routes/health.lua, on both), and the reload metrics both `/metrics` begin with.
 */
import { formatIssue } from '../errors.ts';
import type { Reloader } from '../runtime/reload.ts';
import type { SnapshotStore } from '../runtime/store.ts';
import type { WorkerStatus } from '../runtime/worker-pool.ts';

/** Summed over the proxy listeners, as nginx's stub_status counts them. */
export interface ServerCounts {
  /** Connections accepted since the start. */
  readonly accepted: number;
  /** Requests read since the start. */
  readonly requests: number;
  /** Open client connections. */
  readonly active: number;
  /** Requests being answered now. */
  readonly inFlight: number;
}

export interface StatusFacts {
  readonly store: SnapshotStore;
  readonly reloader: Reloader;
  readonly server: () => Promise<ServerCounts>;
  /** With workers: which config each serves. */
  readonly workers?: () => readonly WorkerStatus[];
}

/** Kong's bytes_to_str (kong/tools/string.lua): bytes as a string, or in KiB, MiB, GiB with `scale` decimals. */
export function bytesToStr(bytes: number, unit: string, scale: number): string {
  const u = unit.toLowerCase();
  if (u === '' || u === 'b') return String(Math.trunc(bytes));
  if (!(scale >= 0)) throw new RangeError('scale must be equal or greater than 0');
  const factor = u === 'k' ? 2 ** 10 : u === 'm' ? 2 ** 20 : u === 'g' ? 2 ** 30 : 0;
  if (factor === 0) throw new RangeError(`invalid unit '${unit}' (expected 'k/K', 'm/M', or 'g/G')`);
  return `${(bytes / factor).toFixed(Math.min(Math.trunc(scale), 100))} ${u.toUpperCase()}iB`;
}

/**
 * Kong's `/status` (kong/api/routes/health.lua): `unit` (default `m`) and `scale` (default 2) say how memory is
 * reported. A unit Kong does not know throws a RangeError with Kong's message: both listeners answer it 400.
 */
export async function statusAnswer(facts: StatusFacts, query: URLSearchParams = new URLSearchParams()): Promise<Record<string, unknown>> {
  const unit = query.get('unit') ?? 'm';
  const given = query.get('scale');
  const scale = given === null || given.trim() === '' || Number.isNaN(Number(given)) ? 2 : Number(given);
  // The JavaScript heap in use is the worker's Lua VM here; Kong's shared dicts have no twin (the proxy-cache
  // stores are not nginx shared memory).
  const memory = { workers_lua_vms: [{ http_allocated_gc: bytesToStr(process.memoryUsage().heapUsed, unit, scale), pid: process.pid }], lua_shared_dicts: {} };
  return { memory, ...(await statusBody(facts)) };
}

export async function statusBody(facts: StatusFacts): Promise<Record<string, unknown>> {
  const last = facts.reloader.last;
  const c = await facts.server();
  return {
    // Kong's kong.nginx.get_statistics(). Node cannot tell a connection reading a request's head from an idle one:
    // reading is 0 and waiting counts both, as the prometheus plugin's kong_nginx_connections_total here does.
    server: {
      connections_active: c.active, connections_reading: 0, connections_writing: Math.min(c.inFlight, c.active), connections_waiting: Math.max(0, c.active - c.inFlight),
      connections_accepted: c.accepted, connections_handled: c.accepted, total_requests: c.requests,
    },
    configuration_hash: facts.store.current().hash,
    ...(facts.workers ? { workers: facts.workers() } : {}),
    reload: last ? {
      last_attempt: last.at, result: last.result, duration_ms: last.durationMs, errors: last.result === 'failed' ? last.errors.map(formatIssue) : [],
      ...(last.workers ? { workers: last.workers } : {}),
    } : null,
  };
}

/** The gateway's own families: reloads by result, the last good reload, the loaded config and its entities. */
export function reloadMetrics(store: SnapshotStore, reloader: Reloader): () => string {
  return () => {
    const snapshot = store.current();
    return [
      '# HELP gateway_config_reloads_total Config reloads by result.',
      '# TYPE gateway_config_reloads_total counter',
      ...(['applied', 'unchanged', 'failed'] as const).map((k) => `gateway_config_reloads_total{result="${k}"} ${reloader.counts[k]}`),
      '# HELP gateway_config_last_reload_success_timestamp_seconds When a reload last changed the config.',
      '# TYPE gateway_config_last_reload_success_timestamp_seconds gauge',
      `gateway_config_last_reload_success_timestamp_seconds ${reloader.lastSuccessAt ? Date.parse(reloader.lastSuccessAt) / 1000 : 0}`,
      '# HELP gateway_config_info The loaded config.',
      '# TYPE gateway_config_info gauge',
      `gateway_config_info{hash="${snapshot.hash}"} 1`,
      '# HELP gateway_config_entities Entities in the loaded config, by type.',
      '# TYPE gateway_config_entities gauge',
      ...Object.entries(snapshot.config).filter(([, v]) => Array.isArray(v)).map(([k, v]) => `gateway_config_entities{type="${k}"} ${(v as unknown[]).length}`),
    ].join('\n');
  };
}

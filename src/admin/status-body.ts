/**
 * What `GET /status` answers, on the admin API and on the status listener alike (Kong serves the one handler,
 * kong/api/routes/health.lua, on both), and the reload metrics both `/metrics` begin with.
 */
import { formatIssue } from '../errors.ts';
import type { Reloader } from '../runtime/reload.ts';
import type { SnapshotStore } from '../runtime/store.ts';

export interface StatusFacts {
  readonly store: SnapshotStore;
  readonly reloader: Reloader;
  /** Open client connections on the proxy listeners. */
  readonly connections: () => Promise<number>;
}

export async function statusBody(facts: StatusFacts): Promise<Record<string, unknown>> {
  const last = facts.reloader.last;
  return {
    server: { connections_active: await facts.connections() },
    configuration_hash: facts.store.current().hash,
    reload: last ? { last_attempt: last.at, result: last.result, duration_ms: last.durationMs, errors: last.result === 'failed' ? last.errors.map(formatIssue) : [] } : null,
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

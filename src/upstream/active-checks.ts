/**
 * Active health checks: for each upstream whose `healthchecks.active` has an interval, probe every target's
 * `http_path` (healthy targets every `healthy.interval` seconds, unhealthy ones every `unhealthy.interval`) and
 * report the outcome to the health registry. Started for a snapshot, stopped when it is replaced or at shutdown.
 */
import { request, Agent } from 'undici';
import type { Config } from '../declarative/config.ts';
import { parseTarget } from '../declarative/hosts.ts';
import type { HealthRegistry } from './health.ts';

export function startActiveChecks(config: Pick<Config, 'upstreams' | 'targets'>, health: HealthRegistry): () => Promise<void> {
  const timers: NodeJS.Timeout[] = [];
  const agent = new Agent({ keepAliveTimeout: 1000 });
  for (const upstream of config.upstreams) {
    const active = upstream.healthchecks.active;
    if (active.healthy.interval <= 0 && active.unhealthy.interval <= 0) continue;
    if (active.type === 'grpc' || active.type === 'grpcs') continue;
    const targets = config.targets.filter((t) => t.upstream?.id === upstream.id && t.weight > 0);
    for (const t of targets) {
      const peer = parseTarget(t.target);
      const scheme = active.type === 'https' ? 'https' : 'http';
      const url = `${scheme}://${peer.host.includes(':') ? `[${peer.host}]` : peer.host}:${peer.port}${active.http_path}`;
      let last = 0;
      const probe = async () => {
        const wanted = health.isHealthy(upstream.name, t.target) ? active.healthy.interval : active.unhealthy.interval;
        if (wanted <= 0 || Date.now() - last < wanted * 1000 - 5) return;
        last = Date.now();
        try {
          const res = await request(url, {
            dispatcher: agent,
            headers: { ...Object.fromEntries(Object.entries(active.headers ?? {}).map(([k, v]) => [k, v.join(', ')])), ...(upstream.host_header ? { host: upstream.host_header } : {}) },
            headersTimeout: active.timeout * 1000,
            bodyTimeout: active.timeout * 1000,
          });
          await res.body.dump();
          if (active.type === 'tcp') health.report(upstream, t.target, active, { kind: 'status', status: active.healthy.http_statuses[0] ?? 200 });
          else health.report(upstream, t.target, active, { kind: 'status', status: res.statusCode });
        } catch (err) {
          const code = (err as { code?: string }).code ?? '';
          health.report(upstream, t.target, active, { kind: code.includes('TIMEOUT') ? 'timeout' : 'tcp' });
        }
      };
      // One timer per target at the shorter interval; each tick probes when the target's state asks for it.
      const tick = Math.min(...[active.healthy.interval, active.unhealthy.interval].filter((i) => i > 0)) * 1000;
      let running = false;
      timers.push(setInterval(() => {
        if (running) return;
        running = true;
        void probe().finally(() => (running = false));
      }, tick));
    }
  }
  return async () => {
    for (const t of timers) clearInterval(t);
    await agent.close().catch(() => undefined);
  };
}

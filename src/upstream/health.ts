/**
 * Target health, as Kong's health checks keep it: counters of successes and failures per target, moved by
 * proxied traffic (passive) and by probes (active); reaching a threshold flips the target, and an unhealthy target
 * gets no traffic until the healthy threshold brings it back. A threshold of 0 turns that counter off.
 * Per-node state that outlives snapshots (keyed by upstream name and target), behind this small interface.
 */
import type { Config, Upstream } from '../declarative/config.ts';
import type { CompiledUpstream } from '../snapshot/snapshot.ts';

type Outcome = { readonly kind: 'status'; readonly status: number } | { readonly kind: 'tcp' } | { readonly kind: 'timeout' };

interface TargetHealth {
  healthy: boolean;
  successes: number;
  httpFailures: number;
  tcpFailures: number;
  timeouts: number;
}

type Checks = Upstream['healthchecks']['passive'] | Upstream['healthchecks']['active'];

export class HealthRegistry {
  readonly #targets = new Map<string, TargetHealth>();
  readonly #listeners: ((upstream: string, target: string, healthy: boolean) => void)[] = [];

  isHealthy(upstream: string, target: string): boolean {
    return this.#targets.get(`${upstream}\u0000${target}`)?.healthy ?? true;
  }

  onChange(listener: (upstream: string, target: string, healthy: boolean) => void): void {
    this.#listeners.push(listener);
  }

  /** Records what a request or a probe saw, by the given checks' rules. */
  report(upstream: Upstream, target: string, checks: Checks, outcome: Outcome): void {
    const key = `${upstream.name}\u0000${target}`;
    let h = this.#targets.get(key);
    if (!h) this.#targets.set(key, (h = { healthy: true, successes: 0, httpFailures: 0, tcpFailures: 0, timeouts: 0 }));
    const { healthy: good, unhealthy: bad } = checks;
    if (outcome.kind === 'status' && good.http_statuses.includes(outcome.status)) {
      h.httpFailures = h.tcpFailures = h.timeouts = 0;
      h.successes++;
      if (!h.healthy && good.successes > 0 && h.successes >= good.successes) this.#flip(upstream.name, target, h, true);
      return;
    }
    h.successes = 0;
    let tripped = false;
    if (outcome.kind === 'status') {
      if (!bad.http_statuses.includes(outcome.status)) return;
      h.httpFailures++;
      tripped = bad.http_failures > 0 && h.httpFailures >= bad.http_failures;
    } else if (outcome.kind === 'tcp') {
      h.tcpFailures++;
      tripped = bad.tcp_failures > 0 && h.tcpFailures >= bad.tcp_failures;
    } else {
      h.timeouts++;
      tripped = bad.timeouts > 0 && h.timeouts >= bad.timeouts;
    }
    if (tripped && h.healthy) this.#flip(upstream.name, target, h, false);
  }

  /** Takes a verdict reached elsewhere (another worker, the primary's probes) without telling the listeners again. */
  adopt(upstream: string, target: string, healthy: boolean): void {
    const key = `${upstream}\u0000${target}`;
    const h = this.#targets.get(key);
    if (h) {
      h.healthy = healthy;
      h.successes = h.httpFailures = h.tcpFailures = h.timeouts = 0;
    } else {
      this.#targets.set(key, { healthy, successes: 0, httpFailures: 0, tcpFailures: 0, timeouts: 0 });
    }
  }

  #flip(upstream: string, target: string, h: TargetHealth, healthy: boolean): void {
    h.healthy = healthy;
    h.successes = h.httpFailures = h.tcpFailures = h.timeouts = 0;
    for (const l of this.#listeners) l(upstream, target, healthy);
  }
}

/**
 * Kong's upstream-wide `healthchecks.threshold`: below that percentage of the targets' weight being healthy, the
 * whole upstream is unhealthy and gets no traffic.
 */
export function belowThreshold(health: HealthRegistry, entry: CompiledUpstream): boolean {
  const threshold = entry.upstream.healthchecks.threshold ?? 0;
  if (threshold <= 0) return false;
  let total = 0;
  let healthy = 0;
  for (const [target, weight] of entry.weights) {
    total += weight;
    if (health.isHealthy(entry.upstream.name, target)) healthy += weight;
  }
  return total === 0 || (healthy / total) * 100 < threshold;
}

/** A target's state as Kong's `get_upstream_health` reports it (prometheus' kong_upstream_target_health). */
export interface TargetHealthReport {
  /** The upstream's name. */
  readonly upstream: string;
  /** As configured, `host:port`. */
  readonly target: string;
  readonly health: 'healthy' | 'unhealthy' | 'healthchecks_off';
}

/** Kong's is_upstream_using_healthcheck: active probes run, or some passive counter is on. */
export function usesHealthchecks(upstream: Upstream): boolean {
  const { active, passive } = upstream.healthchecks;
  return active.healthy.interval !== 0 || active.unhealthy.interval !== 0 || passive.unhealthy.tcp_failures !== 0 || passive.unhealthy.timeouts !== 0 || passive.unhealthy.http_failures !== 0;
}

/**
 * Every target of every upstream with its state, as Kong's get_upstream_health: `healthchecks_off` for an
 * upstream without checks and for a target of weight 0, else what the checks made of it.
 */
export function targetHealth(health: HealthRegistry, config: Pick<Config, 'upstreams' | 'targets'>): TargetHealthReport[] {
  const byId = new Map(config.upstreams.map((u) => [u.id, u]));
  const out: TargetHealthReport[] = [];
  for (const t of config.targets) {
    const upstream = t.upstream ? byId.get(t.upstream.id) : undefined;
    if (!upstream) continue;
    const checked = usesHealthchecks(upstream) && t.weight > 0;
    out.push({ upstream: upstream.name, target: t.target, health: !checked ? 'healthchecks_off' : health.isHealthy(upstream.name, t.target) ? 'healthy' : 'unhealthy' });
  }
  return out;
}

/**
 * Target health, as Kong's health checks keep it: counters of successes and failures per target, moved by
 * proxied traffic (passive) and by probes (active); reaching a threshold flips the target, and an unhealthy target
 * gets no traffic until the healthy threshold brings it back. A threshold of 0 turns that counter off.
 * Per-node state that outlives snapshots (keyed by upstream name and target), behind this small interface; with
 * worker threads it lives in memory they all share (health-states.ts, shared-health.ts).
 */
import type { Config, Upstream } from '../declarative/config.ts';
import type { CompiledUpstream } from '../snapshot/snapshot.ts';
import { LocalHealthStates, type HealthStates, type TargetHealth } from './health-states.ts';

type Outcome = { readonly kind: 'status'; readonly status: number } | { readonly kind: 'tcp' } | { readonly kind: 'timeout' };

type Checks = Upstream['healthchecks']['passive'] | Upstream['healthchecks']['active'];

let shared: HealthStates | undefined;

/** From now on every registry of this thread keeps its states in `states` (the node's shared table). */
export function useHealthStates(states: HealthStates): void {
  shared = states;
}

export class HealthRegistry {
  readonly #local = new LocalHealthStates();
  readonly #listeners: ((upstream: string, target: string, healthy: boolean) => void)[] = [];

  get #states(): HealthStates {
    return shared ?? this.#local;
  }

  isHealthy(upstream: string, target: string): boolean {
    return this.#states.isHealthy(`${upstream}\u0000${target}`);
  }

  onChange(listener: (upstream: string, target: string, healthy: boolean) => void): void {
    this.#listeners.push(listener);
  }

  /**
   * Takes a verdict reached elsewhere (another worker, the primary's probes) without telling the listeners
   * again. With shared states the verdict is already there: nothing to do.
   */
  adopt(upstream: string, target: string, healthy: boolean): void {
    if (shared) return;
    this.#local.change(`${upstream}\u0000${target}`, (h) => void flip(h, healthy));
  }

  /**
   * Records what a request or a probe saw, by the given checks' rules. The listeners hear of a flip in the
   * thread whose report made it.
   */
  report(upstream: Upstream, target: string, checks: Checks, outcome: Outcome): void {
    const key = `${upstream.name}\u0000${target}`;
    const states = this.#states;
    const { healthy: good, unhealthy: bad } = checks;
    const success = outcome.kind === 'status' && good.http_statuses.includes(outcome.status);
    // A healthy target's success count is never read (a flip resets it): most reports change nothing, and
    // are only read.
    if ((success || (outcome.kind === 'status' && !bad.http_statuses.includes(outcome.status))) && states.isQuiet(key)) return;
    const flipped = states.change(key, (h) => apply(h, checks, outcome, success));
    if (flipped !== undefined) for (const l of this.#listeners) l(upstream.name, target, flipped);
  }
}

/** Moves the counters by one outcome; the new verdict when they flip the target. */
function apply(h: TargetHealth, checks: Checks, outcome: Outcome, success: boolean): boolean | undefined {
  const { healthy: good, unhealthy: bad } = checks;
  if (success) {
    h.httpFailures = h.tcpFailures = h.timeouts = 0;
    h.successes++;
    return !h.healthy && good.successes > 0 && h.successes >= good.successes ? flip(h, true) : undefined;
  }
  h.successes = 0;
  let tripped = false;
  if (outcome.kind === 'status') {
    if (!bad.http_statuses.includes(outcome.status)) return undefined;
    h.httpFailures++;
    tripped = bad.http_failures > 0 && h.httpFailures >= bad.http_failures;
  } else if (outcome.kind === 'tcp') {
    h.tcpFailures++;
    tripped = bad.tcp_failures > 0 && h.tcpFailures >= bad.tcp_failures;
  } else {
    h.timeouts++;
    tripped = bad.timeouts > 0 && h.timeouts >= bad.timeouts;
  }
  return tripped && h.healthy ? flip(h, false) : undefined;
}

function flip(h: TargetHealth, healthy: boolean): boolean {
  h.healthy = healthy;
  h.successes = h.httpFailures = h.tcpFailures = h.timeouts = 0;
  return healthy;
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

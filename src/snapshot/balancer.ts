/**
 * Balancing over an upstream's targets. Kong's round-robin: a weighted wheel (weights divided by their gcd),
 * walked in order from a random start; weight 0 takes a target out. The position on the wheel is per-node state,
 * kept behind `Balancer` so it can move (shared memory, one per worker) without touching callers.
 */
import type { Target, Upstream } from '../declarative/config.ts';

export interface Peer {
  readonly host: string;
  readonly port: number;
  /** The target as configured (`host:port`), for logs and health state. */
  readonly target: string;
}

export interface Balancer {
  /** No target can take traffic (none, or all with weight 0). */
  readonly empty: boolean;
  /** The next peer, skipping `exclude` (peers that already failed this request), or undefined when none is left. */
  next(exclude?: ReadonlySet<string>): Peer | undefined;
}

export function parseTarget(target: string): Peer {
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(target);
  if (v6) return { host: v6[1]!, port: Number(v6[2]), target };
  const colon = target.lastIndexOf(':');
  return { host: target.slice(0, colon), port: Number(target.slice(colon + 1)), target };
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

export function roundRobin(targets: readonly Target[], random: () => number = Math.random): Balancer {
  const live = targets.filter((t) => t.weight > 0);
  if (live.length === 0) return { empty: true, next: () => undefined };
  const divisor = live.map((t) => t.weight).reduce(gcd);
  const wheel: Peer[] = [];
  // Interleave by weight so that one heavy target does not take a long run of consecutive requests.
  const remaining = live.map((t) => ({ peer: parseTarget(t.target), left: t.weight / divisor }));
  while (remaining.some((r) => r.left > 0)) {
    for (const r of remaining) {
      if (r.left > 0) {
        wheel.push(r.peer);
        r.left--;
      }
    }
  }
  let position = Math.floor(random() * wheel.length);
  return {
    empty: false,
    next(exclude) {
      for (let tries = 0; tries < wheel.length; tries++) {
        const peer = wheel[position]!;
        position = (position + 1) % wheel.length;
        if (!exclude?.has(peer.target)) return peer;
      }
      return undefined;
    },
  };
}

export type { Upstream };

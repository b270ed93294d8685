/**
 * Balancing over an upstream's targets, as Kong's algorithms behave:
 * - round-robin: a weighted wheel (weights divided by their gcd), walked in order from a random start;
 * - consistent-hashing: a ring with points per target in proportion to its weight, looked up by the hash of
 *   `hash_on` (then `hash_fallback`), so a key keeps its target while other targets come and go;
 * - least-connections: the target with the fewest requests in flight relative to its weight;
 * - latency: the target with the lowest peak-EWMA response time times its requests in flight plus one.
 * Weight 0 takes a target out. Mutable per-node state (wheel position, in-flight counts) stays inside the balancer,
 * behind `Balancer`, so it can move (shared memory, one per worker) without touching callers.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Target, Upstream } from '../declarative/config.ts';
import { parseTarget } from '../declarative/hosts.ts';

export interface Peer {
  readonly host: string;
  readonly port: number;
  /** The target as configured (`host:port`), for logs and health state. */
  readonly target: string;
}

/** What a request offers to hash on. */
export interface BalanceContext {
  readonly clientIp: string;
  readonly path: string;
  header(name: string): string | undefined;
  cookie(name: string): string | undefined;
  queryArg(name: string): string | undefined;
  uriCapture(name: string): string | undefined;
  readonly consumerId: string | undefined;
  /** Kong sets a cookie when hashing on one the client does not have yet. */
  setCookie(header: string): void;
}

/** Targets a request must not use: those that failed it already, and unhealthy ones. */
export interface Exclusions {
  has(target: string): boolean;
}

export interface Balancer {
  /** No target can take traffic (none, or all with weight 0). */
  readonly empty: boolean;
  /** The next peer, skipping `exclude` (peers that already failed, or are unhealthy), or undefined when none is left. */
  next(exclude: Exclusions, ctx?: BalanceContext): Peer | undefined;
  /** The request that `next` gave this peer to is over; `latencyMs` when it got an answer (the latency algorithm). */
  release(peer: Peer, latencyMs?: number): void;
}


const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const noop = () => undefined;

export function roundRobin(targets: readonly Target[], random: () => number = Math.random): Balancer {
  const live = targets.filter((t) => t.weight > 0);
  if (live.length === 0) return { empty: true, next: () => undefined, release: noop };
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
        if (!exclude.has(peer.target)) return peer;
      }
      return undefined;
    },
    release: noop,
  };
}

function hash32(text: string): number {
  return createHash('md5').update(text).digest().readUInt32BE(0);
}

type HashSource = (ctx: BalanceContext) => string | undefined;

function hashSource(upstream: Upstream, which: 'on' | 'fallback'): HashSource | undefined {
  const mode = which === 'on' ? upstream.hash_on : upstream.hash_fallback;
  switch (mode) {
    case 'ip': return (c) => c.clientIp;
    case 'path': return (c) => c.path;
    case 'consumer': return (c) => c.consumerId;
    case 'header': {
      const name = which === 'on' ? upstream.hash_on_header : upstream.hash_fallback_header;
      return name ? (c) => c.header(name) : undefined;
    }
    case 'query_arg': {
      const name = which === 'on' ? upstream.hash_on_query_arg : upstream.hash_fallback_query_arg;
      return name ? (c) => c.queryArg(name) : undefined;
    }
    case 'uri_capture': {
      const name = which === 'on' ? upstream.hash_on_uri_capture : upstream.hash_fallback_uri_capture;
      return name ? (c) => c.uriCapture(name) : undefined;
    }
    case 'cookie': {
      const name = upstream.hash_on_cookie;
      if (!name) return undefined;
      return (c) => {
        const existing = c.cookie(name);
        if (existing !== undefined) return existing;
        const value = randomUUID();
        c.setCookie(`${name}=${value}; Path=${upstream.hash_on_cookie_path}; Same-Site=Lax; HttpOnly`);
        return value;
      };
    }
    default:
      return undefined;
  }
}

export function consistentHashing(upstream: Upstream, targets: readonly Target[]): Balancer {
  const live = targets.filter((t) => t.weight > 0);
  if (live.length === 0) return { empty: true, next: () => undefined, release: noop };
  const ring: { point: number; peer: Peer }[] = [];
  for (const t of live) {
    const peer = parseTarget(t.target);
    // A target's points depend on its own weight only (160 per 100, as ketama): adding or removing a target then
    // moves only the keys that land on its points.
    const points = Math.max(1, Math.round((160 * t.weight) / 100));
    for (let i = 0; i < points; i++) ring.push({ point: hash32(`${t.target}#${i}`), peer });
  }
  ring.sort((a, b) => a.point - b.point);
  const primary = hashSource(upstream, 'on');
  const fallback = hashSource(upstream, 'fallback');
  const rr = roundRobin(live);
  return {
    empty: false,
    next(exclude, ctx) {
      if (!ctx) return rr.next(exclude);
      // Nothing to hash on (not even the fallback) hashes the empty string, as Kong does: one target takes all.
      const key = primary?.(ctx) ?? fallback?.(ctx) ?? '';
      const h = hash32(key);
      let lo = 0;
      let hi = ring.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (ring[mid]!.point < h) lo = mid + 1;
        else hi = mid;
      }
      // Walk the ring from the key's point: the first target not excluded takes it (the next one on a retry).
      for (let i = 0; i < ring.length; i++) {
        const candidate = ring[(lo + i) % ring.length]!.peer;
        if (!exclude.has(candidate.target)) return candidate;
      }
      return undefined;
    },
    release: noop,
  };
}

/** A target as the scoring balancers track it: its requests in flight, and what else their score needs. */
interface Tracked {
  readonly peer: Peer;
  active: number;
}

/**
 * The target with the lowest score takes the request (requests in flight are counted for the score); the scan
 * starts at a rotating index, so ties spread instead of always going to the first target.
 */
function byLowestScore<T extends Tracked>(live: T[], score: (t: T) => number, onRelease?: (t: T, latencyMs: number | undefined) => void): Balancer {
  if (live.length === 0) return { empty: true, next: () => undefined, release: noop };
  const byTarget = new Map(live.map((l) => [l.peer.target, l]));
  let turn = 0;
  return {
    empty: false,
    next(exclude) {
      let best: T | undefined;
      let bestScore = Infinity;
      for (let i = 0; i < live.length; i++) {
        const entry = live[(turn + i) % live.length]!;
        if (exclude.has(entry.peer.target)) continue;
        const s = score(entry);
        if (s < bestScore) {
          best = entry;
          bestScore = s;
        }
      }
      turn = (turn + 1) % live.length;
      if (!best) return undefined;
      best.active++;
      return best.peer;
    },
    release(peer, latencyMs) {
      const entry = byTarget.get(peer.target);
      if (!entry) return;
      if (entry.active > 0) entry.active--;
      onRelease?.(entry, latencyMs);
    },
  };
}

export function leastConnections(targets: readonly Target[]): Balancer {
  const live = targets.filter((t) => t.weight > 0).map((t) => ({ peer: parseTarget(t.target), weight: t.weight, active: 0 }));
  return byLowestScore(live, (e) => (e.active + 1) / e.weight);
}

/** How fast an old latency fades from a target's average (Kong's ewma uses a 10 s decay time as well). */
const DECAY_MS = 10_000;

/**
 * Kong's `latency` algorithm: a peak-EWMA of each target's response times (a slower answer counts at once, a
 * faster one pulls the average down gradually), scaled by the requests in flight, lowest first. A target without
 * an answer yet scores zero, so every target is tried early.
 */
export function latency(targets: readonly Target[], now: () => number = performance.now.bind(performance)): Balancer {
  const live = targets.filter((t) => t.weight > 0).map((t) => ({ peer: parseTarget(t.target), ewma: 0, at: 0, active: 0 }));
  return byLowestScore(live, (e) => e.ewma * (e.active + 1), (entry, latencyMs) => {
    if (latencyMs === undefined) return;
    const t = now();
    if (latencyMs > entry.ewma || entry.at === 0) entry.ewma = latencyMs;
    else {
      const w = Math.exp(-(t - entry.at) / DECAY_MS);
      entry.ewma = entry.ewma * w + latencyMs * (1 - w);
    }
    entry.at = t;
  });
}

export function balancerFor(upstream: Upstream, targets: readonly Target[]): Balancer {
  if (upstream.algorithm === 'consistent-hashing') return consistentHashing(upstream, targets);
  if (upstream.algorithm === 'least-connections') return leastConnections(targets);
  if (upstream.algorithm === 'latency') return latency(targets);
  return roundRobin(targets);
}

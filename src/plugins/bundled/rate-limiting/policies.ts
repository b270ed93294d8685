/**
 * Kong's kong/plugins/rate-limiting/policies/init.lua: where usage is read and counted. `local` counts in the
 * node's store once a request passes; `redis` with `sync_rate: -1` counts in Redis as it reads (INCR, so refused
 * requests count too, as in Kong); `redis` with a `sync_rate` reads Redis once per key, counts locally, and
 * pushes the differences to Redis at most every `sync_rate` seconds.
 */
import type { KongLog } from '../../../pdk/kong.ts';
import { EXPIRATION, localCounters, type CounterScope, type Period, type RedisSettings } from '../counter-store.ts';
import { openRedisFor, redisFor } from '../redis-counters.ts';

export interface Policy {
  /** The usage of each period, before this request. */
  usage(identifier: string, nowMs: number, starts: Readonly<Record<Period, number>>): number[] | Promise<number[]>;
  /** This request passed: count it. */
  increment(identifier: string, starts: Readonly<Record<Period, number>>, log: () => KongLog): void;
}

/** Kong's key: `ratelimit:<route>:<service>:<identifier>:<window start ms>:<period>`. */
export const counterKey = (scope: CounterScope, identifier: string, period: Period, start: number): string =>
  `ratelimit:${scope.routeId}:${scope.serviceId}:${identifier}:${start}:${period}`;

/** Past this many identifiers in one second the memo starts over (a client flood must not grow it). */
const MEMO_LIMIT = 10_000;

/**
 * The keys of an identifier's current windows, built once per identifier per second instead of twice per
 * request (read, then count): the same string objects come back, so the store's map lookups reuse their hashes.
 */
function keyMemo(scope: CounterScope, periods: readonly Period[]): (identifier: string, starts: Readonly<Record<Period, number>>) => readonly string[] {
  let memoStarts: Readonly<Record<Period, number>> | undefined;
  const memo = new Map<string, readonly string[]>();
  return (identifier, starts) => {
    if (starts !== memoStarts || memo.size >= MEMO_LIMIT) {
      memo.clear();
      memoStarts = starts;
    }
    let keys = memo.get(identifier);
    if (keys === undefined) {
      keys = periods.map((p) => counterKey(scope, identifier, p, starts[p]));
      memo.set(identifier, keys);
    }
    return keys;
  };
}

export function localPolicy(scope: CounterScope, periods: readonly Period[]): Policy {
  const keysOf = keyMemo(scope, periods);
  const ttls = periods.map((p) => EXPIRATION[p] * 1000);
  return {
    usage: (identifier, _now, starts) => {
      const keys = keysOf(identifier, starts);
      const usage = new Array<number>(keys.length);
      for (let i = 0; i < keys.length; i++) usage[i] = localCounters.get(keys[i]!);
      return usage;
    },
    increment: (identifier, starts) => {
      const keys = keysOf(identifier, starts);
      for (let i = 0; i < keys.length; i++) localCounters.increment(keys[i]!, 1, ttls[i]!);
    },
  };
}

export function redisRealtimePolicy(scope: CounterScope, periods: readonly Period[], settings: RedisSettings): Policy {
  return {
    usage: (identifier, _now, starts) => {
      const redis = redisFor(settings);
      return Promise.all(periods.map((p) => redis.incrementAndRead(counterKey(scope, identifier, p, starts[p]), EXPIRATION[p])));
    },
    // Counted when read.
    increment: () => undefined,
  };
}

/** Per Redis database (Kong's db_key), what was read from Redis and what was counted since. */
interface SyncState {
  readonly usage: Map<string, number>;
  readonly expireAt: Map<string, number>;
  readonly delta: Map<string, number>;
}

const syncStates = new Map<string, SyncState>();
const pending = new Set<string>();
const running = new Set<string>();

function stateOf(dbKey: string): SyncState {
  let s = syncStates.get(dbKey);
  if (!s) syncStates.set(dbKey, (s = { usage: new Map(), expireAt: new Map(), delta: new Map() }));
  return s;
}

function clear(s: SyncState): void {
  s.usage.clear();
  s.expireAt.clear();
  s.delta.clear();
}

export function redisSyncPolicy(scope: CounterScope, periods: readonly Period[], settings: RedisSettings, syncRate: number, instanceKey: string): Policy {
  const dbKey = `${settings.host}:${settings.port};${settings.database}`;
  const read = async (identifier: string, p: Period, starts: Readonly<Record<Period, number>>): Promise<number> => {
    const key = counterKey(scope, identifier, p, starts[p]);
    const s = stateOf(dbKey);
    const known = s.usage.get(key);
    if (known !== undefined) return known + (s.delta.get(key) ?? 0);
    const value = await redisFor(settings).incrementAndRead(key, EXPIRATION[p]);
    s.usage.set(key, value);
    // Kong adds the window's start in ms to a length in seconds here; the intended unix time is used instead.
    s.expireAt.set(key, starts[p] / 1000 + EXPIRATION[p]);
    // The read counted this request in Redis already.
    s.delta.set(key, -1);
    return value;
  };

  const sync = async (log: KongLog): Promise<void> => {
    const s = stateOf(dbKey);
    const entries = [...s.delta].map(([key, delta]) => ({ key, delta, ttl: s.expireAt.get(key) ?? Date.now() / 1000 + 60, at: true }));
    clear(s);
    const redis = openRedisFor(settings);
    if (entries.length === 0 || !redis) return;
    try {
      await redis.increment(entries);
    } catch (err) {
      log.error(`[rate-limiting] failed to commit increment pipeline in Redis: ${(err as Error).message}`);
    }
  };

  const schedule = (log: KongLog): void => {
    if (pending.has(instanceKey)) return;
    pending.add(instanceKey);
    const start = async (): Promise<void> => {
      while (running.has(instanceKey)) await new Promise((r) => setTimeout(r, settings.timeout / 2));
      running.add(instanceKey);
      pending.delete(instanceKey);
      try {
        await sync(log);
      } finally {
        running.delete(instanceKey);
      }
    };
    setTimeout(() => void start(), syncRate * 1000).unref();
  };

  return {
    usage: (identifier, _now, starts) => Promise.all(periods.map((p) => read(identifier, p, starts))),
    increment: (identifier, starts, log) => {
      const s = stateOf(dbKey);
      for (const p of periods) {
        const key = counterKey(scope, identifier, p, starts[p]);
        s.delta.set(key, (s.delta.get(key) ?? 0) + 1);
      }
      schedule(log());
    },
  };
}

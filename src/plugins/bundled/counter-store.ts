/**
 * Counters of the rate limiting plugins (rate-limiting, response-ratelimiting): Kong's windows, key names and
 * the node-local store (Kong's `kong_rate_limiting_counters` shared dict). The store's interface is two calls so
 * that another backing (the table worker threads share, shared-counter-store.ts) can replace the in-process map
 * without the plugins changing.
 */

import { PERIODS } from './shared-schemas.ts';

export { PERIODS };
export type Period = (typeof PERIODS)[number];

/** Kong's kong/plugins/rate-limiting/expiration.lua: a counter's lifetime, in seconds (a "month" is 30 days). */
export const EXPIRATION: Readonly<Record<Period, number>> = { second: 1, minute: 60, hour: 3600, day: 86400, month: 2592000, year: 31536000 };

/** Kong's kong/tools/timestamp get_timestamps: the start of each window containing `nowMs`, in UTC, in ms. */
// Every request of one second shares its windows: computed once per second, not per request (frozen: shared).
let lastNow = Number.NaN;
let lastStarts: Readonly<Record<Period, number>> | undefined;

export function windowStarts(nowMs: number): Readonly<Record<Period, number>> {
  if (nowMs === lastNow && lastStarts) return lastStarts;
  lastStarts = Object.freeze(computeStarts(nowMs));
  lastNow = nowMs;
  return lastStarts;
}

function computeStarts(nowMs: number): Record<Period, number> {
  const d = new Date(nowMs);
  const y = d.getUTCFullYear();
  const mo = d.getUTCMonth();
  const day = d.getUTCDate();
  const h = d.getUTCHours();
  return {
    second: Math.floor(nowMs / 1000) * 1000,
    minute: Date.UTC(y, mo, day, h, d.getUTCMinutes()),
    hour: Date.UTC(y, mo, day, h),
    day: Date.UTC(y, mo, day),
    month: Date.UTC(y, mo, 1),
    year: Date.UTC(y, 0, 1),
  };
}

/** When the calendar window of `period` that starts at `start` ends (ms). */
export function windowEnd(period: Period, start: number): number {
  const d = new Date(start);
  if (period === 'month') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  if (period === 'year') return Date.UTC(d.getUTCFullYear() + 1, 0, 1);
  return start + EXPIRATION[period] * 1000;
}

const EMPTY_UUID = '00000000-0000-0000-0000-000000000000';

/** What Kong's counter keys name an instance by: its route and service (the empty uuid for none). */
export interface CounterScope {
  readonly routeId: string;
  readonly serviceId: string;
}

export function counterScope(instance: { readonly routeId: string | null; readonly serviceId: string | null } | undefined): CounterScope {
  return { routeId: instance?.routeId ?? EMPTY_UUID, serviceId: instance?.serviceId ?? EMPTY_UUID };
}

/**
 * A node's counters. `increment` adds `delta` and returns the new value; a key it creates lives `ttlMs` (later
 * increments keep that expiry, as a shared dict's `incr` with an initial ttl does). `get` is 0 for an absent key.
 */
export interface CounterStore {
  increment(key: string, delta: number, ttlMs: number): number;
  get(key: string): number;
}

interface Entry {
  value: number;
  expiresAt: number;
}

/**
 * The in-process store: a map with expiry. Expired keys go in a sweep at most once a second; past `maxKeys` the
 * oldest keys go first (a full shared dict drops its least recently used ones).
 */
export class LocalCounterStore implements CounterStore {
  readonly #entries = new Map<string, Entry>();
  readonly #maxKeys: number;
  readonly #now: () => number;
  #nextSweep = 0;

  constructor(maxKeys = 200_000, now: () => number = Date.now) {
    this.#maxKeys = maxKeys;
    this.#now = now;
  }

  get size(): number {
    return this.#entries.size;
  }

  increment(key: string, delta: number, ttlMs: number): number {
    const now = this.#now();
    this.#sweep(now);
    const entry = this.#entries.get(key);
    if (entry && entry.expiresAt > now) {
      entry.value += delta;
      return entry.value;
    }
    if (entry) this.#entries.delete(key);
    if (this.#entries.size >= this.#maxKeys) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(key, { value: delta, expiresAt: now + ttlMs });
    return delta;
  }

  get(key: string): number {
    const entry = this.#entries.get(key);
    if (!entry) return 0;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return 0;
    }
    return entry.value;
  }

  #sweep(now: number): void {
    if (now < this.#nextSweep) return;
    this.#nextSweep = now + 1000;
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
  }
}

let counters: CounterStore = new LocalCounterStore();

/**
 * The node's one local store, shared by both plugins (keys differ by prefix, as in Kong's one shared dict). It
 * is a fixed indirection, so that a worker thread can swap the in-process map for the node's shared table
 * (shared-counters.ts) without the plugins changing. It lives outside every snapshot: a reload keeps the
 * counts, and a config that names the same route, service and identifier counts on.
 */
export const localCounters: CounterStore = {
  increment: (key, delta, ttlMs) => counters.increment(key, delta, ttlMs),
  get: (key) => counters.get(key),
};

/** Makes `store` the one `localCounters` uses in this thread from now on. */
export function useLocalCounters(store: CounterStore): void {
  counters = store;
}

/** The redis connection settings of a plugin config: the `redis` record, overridden by the deprecated flat `redis_*` fields (Kong's shorthands). */
export interface RedisSettings {
  readonly host: string;
  readonly port: number;
  readonly username: string | null;
  readonly password: string | null;
  readonly database: number;
  readonly timeout: number;
  readonly ssl: boolean;
  readonly sslVerify: boolean;
  readonly serverName: string | null;
}

type Maybe<T> = T | null | undefined;

export interface RedisFields {
  readonly redis: {
    readonly host?: Maybe<string>; readonly port?: Maybe<number>; readonly username?: Maybe<string>; readonly password?: Maybe<string>;
    readonly database?: Maybe<number>; readonly timeout?: Maybe<number>; readonly ssl?: Maybe<boolean>; readonly ssl_verify?: Maybe<boolean>;
    readonly server_name?: Maybe<string>;
  };
  readonly redis_host?: Maybe<string>; readonly redis_port?: Maybe<number>; readonly redis_username?: Maybe<string>;
  readonly redis_password?: Maybe<string>; readonly redis_database?: Maybe<number>; readonly redis_timeout?: Maybe<number>;
  readonly redis_ssl?: Maybe<boolean>; readonly redis_ssl_verify?: Maybe<boolean>; readonly redis_server_name?: Maybe<string>;
}

export function redisSettings(config: RedisFields): RedisSettings {
  const r = config.redis;
  return {
    host: config.redis_host ?? r.host ?? '',
    port: config.redis_port ?? r.port ?? 6379,
    username: config.redis_username ?? r.username ?? null,
    password: config.redis_password ?? r.password ?? null,
    database: config.redis_database ?? r.database ?? 0,
    timeout: config.redis_timeout ?? r.timeout ?? 2000,
    ssl: config.redis_ssl ?? r.ssl ?? false,
    sslVerify: config.redis_ssl_verify ?? r.ssl_verify ?? false,
    serverName: config.redis_server_name ?? r.server_name ?? null,
  };
}

/**
 * Redis for the rate limiting plugins' `policy: redis`: one client per distinct connection setting, shared by
 * every instance that names it, closed once no active config of either plugin does. Commands time out after
 * `timeout` ms and are not queued while disconnected, so a Redis that is away fails a request at once (and
 * `fault_tolerant` decides what the client sees) instead of stalling it.
 */
import { Redis } from 'ioredis';
import type { RedisSettings } from './counter-store.ts';

/** Adds `delta` (a new key expires after `ttl` seconds, or at the unix time `at`) and returns the new value. */
const INCREMENT = `local key, delta = KEYS[1], tonumber(ARGV[1])
local exists = redis.call("exists", key)
local value = redis.call("incrbyfloat", key, delta)
if exists == 0 then
  if ARGV[2] == "at" then redis.call("expireat", key, ARGV[3]) else redis.call("expire", key, ARGV[3]) end
end
return value`;

export interface RedisIncrement {
  readonly key: string;
  readonly delta: number;
  /** Seconds from now, or (`at`) a unix time in seconds, for a key this creates. */
  readonly ttl: number;
  readonly at?: boolean;
}

/** One Redis connection setting's client. */
export class RedisCounters {
  readonly #client: Redis;
  readonly #timeout: number;

  constructor(settings: RedisSettings) {
    this.#timeout = settings.timeout;
    this.#client = new Redis({
      host: settings.host,
      port: settings.port,
      username: settings.username || undefined,
      password: settings.password || undefined,
      db: settings.database,
      connectTimeout: settings.timeout,
      commandTimeout: settings.timeout,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      lazyConnect: true,
      retryStrategy: (times) => Math.min(times * 100, 1000),
      tls: settings.ssl ? { rejectUnauthorized: settings.sslVerify, ...(settings.serverName ? { servername: settings.serverName } : {}) } : undefined,
    });
    // Failures reach the requests that needed Redis (and their log lines); the client itself only reconnects.
    this.#client.on('error', () => undefined);
    this.#client.defineCommand('rlIncrement', { numberOfKeys: 1, lua: INCREMENT });
    this.#client.connect().catch(() => undefined);
  }

  /** The counter's value (0 when absent). */
  async get(key: string): Promise<number> {
    await this.#ready();
    const value = await this.#client.get(key);
    return value === null ? 0 : Number(value);
  }

  /** Kong's INCR-then-read of the realtime rate-limiting policy: the value before this request's increment. */
  async incrementAndRead(key: string, ttl: number): Promise<number> {
    return (await this.increment([{ key, delta: 1, ttl }]))[0]! - 1;
  }

  /** Several increments in one round trip; resolves to the new values. */
  async increment(entries: readonly RedisIncrement[]): Promise<number[]> {
    await this.#ready();
    const pipeline = this.#client.pipeline();
    for (const e of entries) (pipeline as unknown as Scripted).rlIncrement(e.key, e.delta, e.at ? 'at' : 'in', Math.ceil(e.ttl));
    const results = (await pipeline.exec()) ?? [];
    return results.map(([err, value]) => {
      if (err) throw err;
      return Number(value);
    });
  }

  /** A connection attempt under way is waited for (at most `timeout`); one that failed is not. */
  #ready(): Promise<void> | undefined {
    const client = this.#client;
    if (client.status === 'ready') return undefined;
    if (client.status !== 'connecting' && client.status !== 'connect') return Promise.reject(new Error(`redis is not connected (${client.status})`));
    return new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        client.off('ready', onReady);
        client.off('close', onClose);
        if (err) reject(err);
        else resolve();
      };
      const onReady = () => done();
      const onClose = () => done(new Error('redis connection closed'));
      const timer = setTimeout(() => done(new Error(`redis connection timed out after ${this.#timeout} ms`)), this.#timeout);
      client.once('ready', onReady);
      client.once('close', onClose);
    });
  }

  close(): void {
    this.#client.disconnect();
  }
}

interface Scripted {
  rlIncrement(key: string, delta: number, mode: string, ttl: number): void;
}

/** A setting's identity (password included: two passwords are two connections); kept in memory only. */
export const redisKey = (s: RedisSettings): string =>
  JSON.stringify([s.host, s.port, s.database, s.username, s.password, s.timeout, s.ssl, s.sslVerify, s.serverName]);

const clients = new Map<string, RedisCounters>();
const users = new Map<string, ReadonlySet<string>>();

/** The client for a setting (made on first use; `configure` normally made it already). */
export function redisFor(settings: RedisSettings): RedisCounters {
  const key = redisKey(settings);
  let client = clients.get(key);
  if (!client) clients.set(key, (client = new RedisCounters(settings)));
  return client;
}

/** The client for a setting if a config still uses it (work left over from an older config makes none). */
export const openRedisFor = (settings: RedisSettings): RedisCounters | undefined => clients.get(redisKey(settings));

/** A plugin's active redis settings (from its `configure`): clients no plugin uses any more are closed. */
export function useRedis(plugin: string, settings: readonly RedisSettings[]): void {
  users.set(plugin, new Set(settings.map(redisKey)));
  for (const s of settings) redisFor(s);
  for (const [key, client] of clients) {
    if ([...users.values()].some((u) => u.has(key))) continue;
    client.close();
    clients.delete(key);
  }
}

/** How many clients are open (tests). */
export const openRedisClients = (): number => clients.size;

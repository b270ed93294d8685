/**
 * Kong's kong/plugins/response-ratelimiting/policies/init.lua: usage read in access, counted in log once the
 * upstream said how much a response used. Every period of a name is counted (Kong counts all six, configured
 * or not, so that its keys stay as Kong writes them).
 */
import { EXPIRATION, localCounters, PERIODS, windowEnd, windowStarts, type CounterScope, type Period, type RedisSettings } from '../counter-store.ts';
import { redisFor } from '../redis-counters.ts';

export interface Policy {
  usage(identifier: string, name: string, period: Period, nowMs: number): number | Promise<number>;
  increment(identifier: string, name: string, nowMs: number, value: number): void | Promise<void>;
}

/** Kong's key: `response-ratelimit:<route>:<service>:<identifier>:<window start ms>:<name>:<period>`. */
export const counterKey = (scope: CounterScope, identifier: string, name: string, period: Period, start: number): string =>
  `response-ratelimit:${scope.routeId}:${scope.serviceId}:${identifier}:${start}:${name}:${period}`;

export function localPolicy(scope: CounterScope): Policy {
  return {
    usage: (identifier, name, period, nowMs) => localCounters.get(counterKey(scope, identifier, name, period, windowStarts(nowMs)[period])),
    increment: (identifier, name, nowMs, value) => {
      const starts = windowStarts(nowMs);
      // Kong sets no expiry here; the key names its window, so it can go once the window is over.
      for (const p of PERIODS) localCounters.increment(counterKey(scope, identifier, name, p, starts[p]), value, Math.max(1000, windowEnd(p, starts[p]) - Date.now()));
    },
  };
}

export function redisPolicy(scope: CounterScope, settings: RedisSettings): Policy {
  return {
    usage: (identifier, name, period, nowMs) => redisFor(settings).get(counterKey(scope, identifier, name, period, windowStarts(nowMs)[period])),
    increment: async (identifier, name, nowMs, value) => {
      const starts = windowStarts(nowMs);
      await redisFor(settings).increment(PERIODS.map((p) => ({ key: counterKey(scope, identifier, name, p, starts[p]), delta: value, ttl: EXPIRATION[p] })));
    },
  };
}

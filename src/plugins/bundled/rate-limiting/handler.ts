// Kong: kong/plugins/rate-limiting/handler.lua
import type { Kong } from '../../../pdk/kong.ts';
import { definePluginHandler, type PluginInstance } from '../../types.ts';
import { counterScope, EXPIRATION, PERIODS, redisSettings, windowStarts, type Period } from '../counter-store.ts';
import { useRedis } from '../redis-counters.ts';
import type { PluginConfig } from '../../schema-types.ts';
import type schema from './schema.ts';
import { localPolicy, redisRealtimePolicy, redisSyncPolicy, type Policy } from './policies.ts';

type Config = PluginConfig<typeof schema>;

const SYNC_RATE_REALTIME = -1;

const TITLE: Readonly<Record<Period, string>> = { second: 'Second', minute: 'Minute', hour: 'Hour', day: 'Day', month: 'Month', year: 'Year' };

interface Prepared {
  /** The configured periods, shortest first, and their limits. */
  readonly periods: readonly Period[];
  readonly limits: readonly number[];
  readonly policy: Policy;
  /** Per period: its X-RateLimit-Limit-<Window> and -Remaining- names, and the limit as sent (made once). */
  readonly limitHeaders: readonly string[];
  readonly remainingHeaders: readonly string[];
  readonly limitTexts: readonly string[];
}

/** Kong's get_identifier: what the counters are per; the client's address when the thing named is not there. */
function identifierOf(kong: Kong, config: Config): string {
  let id: unknown;
  switch (config.limit_by) {
    case 'service':
      id = kong.router.getService()?.id;
      break;
    case 'consumer':
      id = (kong.client.getConsumer() ?? kong.client.getCredential())?.id;
      break;
    case 'credential':
      id = kong.client.getCredential()?.id;
      break;
    case 'header':
      id = kong.request.getHeader(config.header_name!);
      break;
    case 'path': {
      const path = kong.request.getPath();
      if (path === config.path) id = path;
      break;
    }
  }
  return id === undefined || id === null || id === '' ? kong.client.getForwardedIp() : String(id);
}

function finish(kong: Kong, config: Config, p: Prepared, nowMs: number, starts: Readonly<Record<Period, number>>, identifier: string, usage: readonly number[] | undefined): void {
  if (usage) {
    const n = p.limits.length;
    // Kong's `stop`: an exhausted period (the longest, where several are).
    let stop = -1;
    for (let i = 0; i < n; i++) if (p.limits[i]! - usage[i]! <= 0) stop = i;
    let reset = 0;
    if (!config.hide_client_headers) {
      const response = kong.response;
      // RateLimit-* report the period with the fewest requests left (the longer one on a tie).
      let best = -1;
      let bestRemaining = 0;
      for (let i = 0; i < n; i++) {
        const period = p.periods[i]!;
        const remaining = p.limits[i]! - usage[i]!;
        const left = Math.max(0, stop === -1 || stop === i ? remaining - 1 : remaining);
        if (best === -1 || left < bestRemaining || (left === bestRemaining && EXPIRATION[period] > EXPIRATION[p.periods[best]!])) {
          best = i;
          bestRemaining = left;
          reset = Math.max(1, EXPIRATION[period] - Math.floor((nowMs - starts[period]) / 1000));
        }
        response.setHeader(p.limitHeaders[i]!, p.limitTexts[i]!);
        response.setHeader(p.remainingHeaders[i]!, String(left));
      }
      response.setHeader('RateLimit-Limit', p.limitTexts[best]!);
      response.setHeader('RateLimit-Remaining', String(bestRemaining));
      response.setHeader('RateLimit-Reset', String(reset));
    }
    if (stop !== -1) {
      if (!config.hide_client_headers) kong.response.setHeader('Retry-After', String(reset));
      kong.response.error(config.error_code, config.error_message);
      return;
    }
  }
  p.policy.increment(identifier, starts, () => kong.log);
}

export default definePluginHandler<Config, Prepared>({
  version: '3.10.0',
  priority: 910,
  prepare(config, instance?: PluginInstance) {
    const periods = PERIODS.filter((period) => typeof config[period] === 'number');
    const limits = periods.map((period) => config[period]!);
    const scope = counterScope(instance);
    let policy: Policy;
    if (config.policy === 'local') policy = localPolicy(scope, periods);
    else if (config.sync_rate === SYNC_RATE_REALTIME) policy = redisRealtimePolicy(scope, periods, redisSettings(config));
    else policy = redisSyncPolicy(scope, periods, redisSettings(config), config.sync_rate, instance?.id ?? 'rate-limiting');
    return {
      periods, limits, policy,
      limitHeaders: periods.map((period) => `X-RateLimit-Limit-${TITLE[period]}`),
      remainingHeaders: periods.map((period) => `X-RateLimit-Remaining-${TITLE[period]}`),
      limitTexts: limits.map(String),
    };
  },
  configure(configs) {
    useRedis('rate-limiting', (configs ?? []).filter((c) => c.policy === 'redis').map(redisSettings));
  },
  access(kong, config, p) {
    // Kong's ngx.time(): whole seconds.
    const nowMs = Math.floor(Date.now() / 1000) * 1000;
    const starts = windowStarts(nowMs);
    const identifier = identifierOf(kong, config);
    const failed = (err: unknown): void => {
      if (!config.fault_tolerant) throw err;
      kong.log.error(`failed to get usage: ${err instanceof Error ? err.message : String(err)}`);
      finish(kong, config, p, nowMs, starts, identifier, undefined);
    };
    let usage: number[] | Promise<number[]>;
    try {
      usage = p.policy.usage(identifier, nowMs, starts);
    } catch (err) {
      return failed(err);
    }
    if (!(usage instanceof Promise)) return finish(kong, config, p, nowMs, starts, identifier, usage);
    return usage.then((u) => finish(kong, config, p, nowMs, starts, identifier, u), failed);
  },
});

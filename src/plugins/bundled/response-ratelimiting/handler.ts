// Kong: kong/plugins/response-ratelimiting/{handler,access,header_filter,log}.lua
import type { Kong } from '../../../pdk/kong.ts';
import type { PluginConfig } from '../../schema-types.ts';
import { definePluginHandler, type PluginInstance } from '../../types.ts';
import { counterScope, PERIODS, redisSettings, type Period } from '../counter-store.ts';
import { useRedis } from '../redis-counters.ts';
import { localPolicy, redisPolicy, type Policy } from './policies.ts';
import type schema from './schema.ts';
import { parseUsageHeader } from './usage-header.ts';

type Config = PluginConfig<typeof schema>;

interface Limit {
  readonly name: string;
  readonly periods: readonly { readonly period: Period; readonly limit: number }[];
}

interface Prepared {
  readonly limits: readonly Limit[];
  readonly names: ReadonlySet<string>;
  readonly policy: Policy;
}

interface Usage {
  readonly name: string;
  readonly periods: readonly { readonly period: Period; readonly limit: number; readonly remaining: number }[];
}

/** Per request, in kong.ctx.plugin. */
interface State {
  identifier?: string;
  now?: number;
  usage?: readonly Usage[];
  increments?: ReadonlyMap<string, number | undefined>;
  stopLog?: boolean;
}

function identifierOf(kong: Kong, config: Config): string {
  let id: unknown;
  if (config.limit_by === 'consumer') id = (kong.client.getConsumer() ?? kong.client.getCredential())?.id;
  else if (config.limit_by === 'credential') id = kong.client.getCredential()?.id;
  return id === undefined || id === null || id === '' ? kong.client.getForwardedIp() : String(id);
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

function afterUsage(kong: Kong, config: Config, p: Prepared, state: State, values: readonly number[]): void {
  let i = 0;
  const usage: Usage[] = p.limits.map((l) => ({ name: l.name, periods: l.periods.map((x) => ({ ...x, remaining: x.limit - values[i++]! })) }));
  for (const u of usage) {
    let remaining: number | undefined;
    for (const x of u.periods) {
      if (config.block_on_first_violation && x.remaining === 0) {
        kong.response.error(429, `API rate limit exceeded for '${u.name}'`);
        return;
      }
      if (remaining === undefined || x.remaining < remaining) remaining = x.remaining;
    }
    kong.service.request.setHeader(`X-RateLimit-Remaining-${u.name}`, String(remaining));
  }
  state.usage = usage;
}

export default definePluginHandler<Config, Prepared>({
  version: '3.10.0',
  priority: 900,
  prepare(config, instance?: PluginInstance) {
    const limits = Object.entries(config.limits).map(([name, l]) => ({
      name,
      periods: PERIODS.filter((period) => typeof l[period] === 'number').map((period) => ({ period, limit: l[period]! })),
    }));
    const scope = counterScope(instance);
    const policy = config.policy === 'redis' ? redisPolicy(scope, redisSettings(config)) : localPolicy(scope);
    return { limits, names: new Set(limits.map((l) => l.name)), policy };
  },
  configure(configs) {
    useRedis('response-ratelimiting', (configs ?? []).filter((c) => c.policy === 'redis').map(redisSettings));
  },
  access(kong, config, p) {
    const state = kong.ctx.plugin as State;
    // Kong's get_utc(): whole seconds.
    const now = Math.floor(Date.now() / 1000) * 1000;
    const identifier = identifierOf(kong, config);
    state.now = now;
    state.identifier = identifier;
    const failed = (err: unknown): void => {
      if (!config.fault_tolerant) throw err;
      kong.log.error(`failed to get usage: ${message(err)}`);
    };
    const reads = p.limits.flatMap((l) => l.periods.map((x) => p.policy.usage(identifier, l.name, x.period, now)));
    if (!reads.some((r) => r instanceof Promise)) return afterUsage(kong, config, p, state, reads as number[]);
    return Promise.all(reads).then((values) => afterUsage(kong, config, p, state, values), failed);
  },
  headerFilter(kong, config, p) {
    const state = kong.ctx.plugin as State;
    const increments = parseUsageHeader(kong.service.response.getHeader(config.header_name), p.names);
    state.increments = increments;
    const usage = state.usage;
    if (!usage) return;
    let stop = false;
    for (const u of usage) {
      const used = increments.get(u.name);
      for (const x of u.periods) {
        if (!config.hide_client_headers) {
          kong.response.setHeader(`X-RateLimit-Limit-${u.name}-${x.period}`, String(x.limit));
          kong.response.setHeader(`X-RateLimit-Remaining-${u.name}-${x.period}`, String(Math.max(0, x.remaining - (used ?? 0))));
        }
        if (used !== undefined && used > 0 && x.remaining <= 0) stop = true;
      }
    }
    kong.response.clearHeader(config.header_name);
    if (stop) {
      // Kong answers kong.response.exit(429) here, once the upstream has answered; the upstream's body follows.
      state.stopLog = true;
      kong.response.setStatus(429);
    }
  },
  log(kong, _config, p) {
    const state = kong.ctx.plugin as State;
    if (state.stopLog || !state.usage) return;
    for (const u of state.usage) {
      const value = state.increments?.get(u.name);
      if (value === undefined || value === 0 || Number.isNaN(value)) continue;
      try {
        const done = p.policy.increment(state.identifier!, u.name, state.now!, value);
        if (done instanceof Promise) done.catch((err: unknown) => kong.log.error(`could not increment counters of '${u.name}': ${message(err)}`));
      } catch (err) {
        kong.log.error(`could not increment counters of '${u.name}': ${message(err)}`);
      }
    }
  },
});

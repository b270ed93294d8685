// Kong: kong/plugins/response-ratelimiting/schema.lua
import { definePluginSchema, HTTP_PROTOCOLS, DEFAULT_PLUGIN_PROTOCOLS, type ConfigProblem } from '../../schema-types.ts';
import { Nullable, Rec, Type } from '../../../schema/kit.ts';
import { LEGACY_REDIS_FIELDS, PERIODS, periodOrderProblems, REDIS_REFERENCEABLE, RedisConfig } from '../shared-schemas.ts';

const Limit = () => Nullable(Type.Number({ exclusiveMinimum: 0 }));

export default definePluginSchema({
  name: 'response-ratelimiting',
  referenceable: REDIS_REFERENCEABLE,
  protocols: { allowed: HTTP_PROTOCOLS, default: DEFAULT_PLUGIN_PROTOCOLS },
  config: Rec({
    header_name: Type.String({ default: 'x-kong-limit', description: 'Response header in which the upstream reports usage.' }),
    limit_by: Type.Enum(['consumer', 'credential', 'ip'], { default: 'consumer' }),
    // Kong in DB-less mode knows no 'cluster' policy (kong/plugins/rate-limiting/schema.lua, is_dbless()).
    policy: Type.Enum(['local', 'redis'], { default: 'local' }),
    fault_tolerant: Type.Boolean({ default: true }),
    redis: RedisConfig(),
    block_on_first_violation: Type.Boolean({ default: false }),
    hide_client_headers: Type.Boolean({ default: false }),
    limits: Type.Record(
      Type.String({ minLength: 1 }),
      Rec({ second: Limit(), minute: Limit(), hour: Limit(), day: Limit(), month: Limit(), year: Limit() }, { minProperties: 1 }),
      { minProperties: 1, description: 'Named limits, e.g. { videos: { minute: 10 } }.' },
    ),
    ...LEGACY_REDIS_FIELDS,
  }),
  check: (config) => {
    const problems: ConfigProblem[] = [];
    for (const [name, limits] of Object.entries(config.limits)) {
      if (PERIODS.every((p) => limits[p] === undefined || limits[p] === null)) {
        problems.push({ path: ['limits', name], message: `at least one of these fields must be non-empty: ${PERIODS.map((p) => `'${p}'`).join(', ')}` });
      }
      problems.push(...periodOrderProblems(limits, ['limits', name], 'the'));
    }
    if (config.policy === 'redis' && !config.redis.host && !config.redis_host) problems.push({ path: ['redis', 'host'], message: 'required field missing' });
    return problems;
  },
});

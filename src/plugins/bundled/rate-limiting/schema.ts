// Kong: kong/plugins/rate-limiting/schema.lua
import { definePluginSchema, HTTP_PROTOCOLS, DEFAULT_PLUGIN_PROTOCOLS, type ConfigProblem } from '../../schema-types.ts';
import { HeaderName, Nullable, Rec, Type } from '../../../schema/kit.ts';
import { LEGACY_REDIS_FIELDS, PERIODS, periodOrderProblems, REDIS_REFERENCEABLE, RedisConfig } from '../shared-schemas.ts';

const Limit = () => Nullable(Type.Number({ exclusiveMinimum: 0 }));

export default definePluginSchema({
  name: 'rate-limiting',
  referenceable: REDIS_REFERENCEABLE,
  protocols: { allowed: HTTP_PROTOCOLS, default: DEFAULT_PLUGIN_PROTOCOLS },
  config: Rec({
    second: Limit(),
    minute: Limit(),
    hour: Limit(),
    day: Limit(),
    month: Limit(),
    year: Limit(),
    // Kong 3.10's open-source plugin has no 'consumer-group' (rate-limiting-advanced, an Enterprise plugin, does).
    limit_by: Type.Enum(['consumer', 'credential', 'ip', 'service', 'header', 'path'], { default: 'consumer' }),
    header_name: Nullable(HeaderName({ description: 'Header to count by, for limit_by "header".' })),
    path: Nullable(Type.String({ pattern: '^/', patternErrorMessage: 'should start with: /', description: 'Path to count by, for limit_by "path".' })),
    // Kong in DB-less mode knows no 'cluster' policy (kong/plugins/rate-limiting/schema.lua, is_dbless()).
    policy: Type.Enum(['local', 'redis'], { default: 'local' }),
    fault_tolerant: Type.Boolean({ default: true }),
    redis: RedisConfig(),
    hide_client_headers: Type.Boolean({ default: false }),
    error_code: Type.Number({ exclusiveMinimum: 0, default: 429 }),
    error_message: Type.String({ default: 'API rate limit exceeded' }),
    sync_rate: Type.Number({ default: -1 }),
    ...LEGACY_REDIS_FIELDS,
  }),
  check: (config) => {
    const problems: ConfigProblem[] = [];
    if (PERIODS.every((p) => config[p] === undefined || config[p] === null)) {
      problems.push({ path: [], message: `at least one of these fields must be non-empty: ${PERIODS.map((p) => `'config.${p}'`).join(', ')}` });
    }
    problems.push(...periodOrderProblems(config));
    if (config.policy === 'redis' && !config.redis.host && !config.redis_host) problems.push({ path: ['redis', 'host'], message: 'required field missing' });
    // Kong's validate_periods_order (schema.lua) also checks sync_rate.
    if (config.policy !== 'redis' && config.sync_rate !== -1) problems.push({ path: ['sync_rate'], message: 'sync_rate can only be used with the redis policy' });
    else if (config.policy === 'redis' && config.sync_rate !== -1 && config.sync_rate < 0.02) problems.push({ path: ['sync_rate'], message: 'sync_rate must be greater than 0.02, or -1 to disable' });
    if (config.limit_by === 'header' && !config.header_name) problems.push({ path: ['header_name'], message: 'required field missing' });
    if (config.limit_by === 'path' && !config.path) problems.push({ path: ['path'], message: 'required field missing' });
    return problems;
  },
});

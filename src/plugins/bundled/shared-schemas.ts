/** Schema pieces several bundled plugins share (Kong's typedefs of the same names). */
import { Nullable, Port, Rec, Timeout, Type } from '../../schema/kit.ts';
import { ALL_PROTOCOLS, type ConfigProblem, type Protocol } from '../schema-types.ts';

/** Kong's `typedefs.protocols`: every protocol; default the HTTP family. Logging plugins use it. */
export const ANY_PROTOCOLS = {
  allowed: ALL_PROTOCOLS as readonly Protocol[],
  default: ['grpc', 'grpcs', 'http', 'https'] as readonly Protocol[],
};

export const StringArray = (options: Record<string, unknown> = {}) => Type.Array(Type.String(), { default: [], ...options });

/** The `redis` record of rate-limiting plugins (Kong 3.10's kong/tools/redis/schema.lua; cluster, sentinel and split timeouts are Enterprise). */
/** Kong's referenceable redis fields (kong/tools/redis/schema.lua), and the shorthands that map onto them. */
export const REDIS_REFERENCEABLE: readonly (readonly string[])[] = [['redis', 'username'], ['redis', 'password'], ['redis_username'], ['redis_password']];

export const RedisConfig = () =>
  Rec({
    host: Nullable(Type.String({ minLength: 1 })),
    port: Port({ default: 6379 }),
    timeout: Timeout({ default: 2000 }),
    username: Nullable(Type.String()),
    password: Nullable(Type.String({ minLength: 0 })), // Kong lets it be empty (no AUTH)
    database: Type.Integer({ minimum: 0, default: 0 }),
    ssl: Type.Boolean({ default: false }),
    ssl_verify: Type.Boolean({ default: false }),
    server_name: Nullable(Type.String()),
  }, { default: {}, description: 'Redis connection, for policy "redis".' });

/** Kong 3.x still accepts the flat `redis_*` fields as deprecated shorthands for the `redis` record. */
export const LEGACY_REDIS_FIELDS = {
  redis_host: Nullable(Type.String({ description: 'Deprecated: use redis.host.' })),
  redis_port: Nullable(Port({ description: 'Deprecated: use redis.port.' })),
  redis_password: Nullable(Type.String({ minLength: 0, description: 'Deprecated: use redis.password.' })),
  redis_username: Nullable(Type.String({ description: 'Deprecated: use redis.username.' })),
  redis_ssl: Nullable(Type.Boolean({ description: 'Deprecated: use redis.ssl.' })),
  redis_ssl_verify: Nullable(Type.Boolean({ description: 'Deprecated: use redis.ssl_verify.' })),
  redis_server_name: Nullable(Type.String({ description: 'Deprecated: use redis.server_name.' })),
  redis_timeout: Nullable(Timeout({ description: 'Deprecated: use redis.timeout.' })),
  redis_database: Nullable(Type.Integer({ minimum: 0, description: 'Deprecated: use redis.database.' })),
};

/** `"name:value"` strings (request/response-transformer): the part before the first colon is a name. */
export const ColonStrings = (nameIsHeader: boolean) =>
  Type.Array(
    Type.String({
      pattern: nameIsHeader ? "^[A-Za-z0-9!#$%&'*+.^_`|~-]+:" : '^[^:]+:',
      patternErrorMessage: nameIsHeader ? 'invalid value: expected "header-name:value"' : 'invalid value: expected "name:value"',
    }),
    { default: [] },
  );

/** The `queue` record of the logging plugins (Kong 3.3+). */
export const QueueConfig = () =>
  Rec({
    max_batch_size: Type.Integer({ minimum: 1, maximum: 1000000, default: 1 }),
    max_coalescing_delay: Type.Number({ minimum: 0, maximum: 3600, default: 1 }),
    max_entries: Type.Integer({ minimum: 1, maximum: 1000000, default: 10000 }),
    max_bytes: Nullable(Type.Integer()),
    max_retry_time: Type.Number({ default: 60 }),
    initial_retry_delay: Type.Number({ minimum: 0.001, maximum: 1000000, default: 0.01 }),
    max_retry_delay: Type.Number({ minimum: 0.001, maximum: 1000000, default: 60 }),
    concurrency_limit: Type.Integer({ enum: [-1, 1], default: 1 }),
  }, { default: {} });

/** Lua snippets by field name (Kong's `typedefs.lua_code`): this gateway runs no Lua, so a plugin refuses any in `prepare`. */
export const CustomFieldsByLua = () =>
  Nullable(Type.Record(Type.String(), Type.String(), { description: 'Kong runs these as Lua; this gateway does not and refuses a config that sets any.' }));

/** The windows of Kong's rate limiting plugins, shortest first. */
export const PERIODS = ['second', 'minute', 'hour', 'day', 'month', 'year'] as const;

/**
 * Kong's validate_periods_order: a longer period may not allow fewer requests than a shorter one; the first pair
 * at fault is reported (rate-limiting says "The limit", response-ratelimiting "the limit").
 */
export function periodOrderProblems(
  limits: Partial<Record<(typeof PERIODS)[number], number | null>>,
  base: readonly (string | number)[] = [],
  the = 'The',
): ConfigProblem[] {
  for (let i = 0; i < PERIODS.length; i++) {
    const lower = PERIODS[i]!;
    const v1 = limits[lower];
    if (typeof v1 !== 'number') continue;
    for (const upper of PERIODS.slice(i + 1)) {
      const v2 = limits[upper];
      if (typeof v2 === 'number' && v2 < v1) {
        return [{ path: [...base, upper], message: `${the} limit for ${upper}(${v2.toFixed(1)}) cannot be lower than the limit for ${lower}(${v1.toFixed(1)})` }];
      }
    }
  }
  return [];
}

// Kong: kong/db/schema/entities/upstreams.lua and targets.lua
import { HeaderName, Nullable, Rec, Tags, Type } from '../schema/kit.ts';
import { commonFields, ForeignRef, type EntityDef } from './entity.ts';

const HASH_ON = ['none', 'consumer', 'ip', 'header', 'cookie', 'path', 'query_arg', 'uri_capture'] as const;
const Counter = (def = 0) => Type.Integer({ minimum: 0, maximum: 255, default: def });
const Statuses = (def: number[]) => Type.Array(Type.Integer({ minimum: 100, maximum: 999 }), { default: def });
const Interval = () => Type.Number({ minimum: 0, maximum: 65535, default: 0, description: 'Seconds between probes; 0 disables.' });

const activeHealthcheck = Rec({
  type: Type.Enum(['tcp', 'http', 'https', 'grpc', 'grpcs'], { default: 'http' }),
  timeout: Type.Number({ minimum: 0, maximum: 65535, default: 1 }),
  concurrency: Type.Integer({ minimum: 1, maximum: 2147483648, default: 10 }),
  http_path: Type.String({ pattern: '^/', patternErrorMessage: 'should start with: /', default: '/' }),
  https_sni: Nullable(Type.String()),
  https_verify_certificate: Type.Boolean({ default: true }),
  headers: Nullable(Type.Record(HeaderName(), Type.Array(Type.String()))),
  healthy: Rec({
    interval: Interval(),
    http_statuses: Statuses([200, 302]),
    successes: Counter(),
  }, { default: {} }),
  unhealthy: Rec({
    interval: Interval(),
    http_statuses: Statuses([429, 404, 500, 501, 502, 503, 504, 505]),
    tcp_failures: Counter(),
    timeouts: Counter(),
    http_failures: Counter(),
  }, { default: {} }),
}, { default: {} });

const passiveHealthcheck = Rec({
  type: Type.Enum(['tcp', 'http', 'https', 'grpc', 'grpcs'], { default: 'http' }),
  healthy: Rec({
    http_statuses: Statuses([200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 306, 307, 308]),
    successes: Counter(),
  }, { default: {} }),
  unhealthy: Rec({
    http_statuses: Statuses([429, 500, 503]),
    tcp_failures: Counter(),
    timeouts: Counter(),
    http_failures: Counter(),
  }, { default: {} }),
}, { default: {} });

export const upstreamFields = Rec({
  ...commonFields,
  name: Type.String({
    minLength: 1,
    pattern: '^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$',
    patternErrorMessage: 'invalid hostname: an upstream name must be a hostname (no port, no IP address)',
    description: 'Virtual hostname; services whose host equals it are balanced over its targets.',
  }),
  algorithm: Type.Enum(['round-robin', 'consistent-hashing', 'least-connections', 'latency'], { default: 'round-robin' }),
  hash_on: Type.Enum([...HASH_ON], { default: 'none' }),
  hash_fallback: Type.Enum([...HASH_ON], { default: 'none' }),
  hash_on_header: Nullable(HeaderName()),
  hash_fallback_header: Nullable(HeaderName()),
  hash_on_cookie: Nullable(Type.String({ minLength: 1 })),
  hash_on_cookie_path: Type.String({ pattern: '^/', patternErrorMessage: 'should start with: /', default: '/' }),
  hash_on_query_arg: Nullable(Type.String({ minLength: 1 })),
  hash_fallback_query_arg: Nullable(Type.String({ minLength: 1 })),
  hash_on_uri_capture: Nullable(Type.String({ minLength: 1 })),
  hash_fallback_uri_capture: Nullable(Type.String({ minLength: 1 })),
  slots: Type.Integer({ minimum: 10, maximum: 65536, default: 10000 }),
  healthchecks: Rec({
    active: activeHealthcheck,
    passive: passiveHealthcheck,
    threshold: Type.Number({ minimum: 0, maximum: 100, default: 0 }),
  }, { default: {} }),
  host_header: Nullable(Type.String({ minLength: 1 })),
  client_certificate: ForeignRef('Certificate (id) to present to the targets.'),
  use_srv_name: Type.Boolean({ default: false }),
  tags: Tags(),
});

export const upstreamDef: EntityDef = {
  collection: 'upstreams',
  singular: 'upstream',
  fields: upstreamFields,
  endpointKey: 'name',
  unique: ['name'],
  foreign: { client_certificate: 'certificates' },
  children: { targets: 'targets' },
};

export const targetFields = Rec({
  ...commonFields,
  created_at: Nullable(Type.Number({ minimum: 0 })),
  updated_at: Nullable(Type.Number({ minimum: 0 })),
  upstream: ForeignRef('Upstream (name or id).'),
  target: Type.String({ minLength: 1, description: 'host[:port] or IP[:port]; the port defaults to 8000.' }),
  weight: Type.Integer({ minimum: 0, maximum: 65535, default: 100 }),
  tags: Tags(),
});

export const targetDef: EntityDef = {
  collection: 'targets',
  singular: 'target',
  fields: targetFields,
  cacheKey: ['upstream', 'target'],
  foreign: { upstream: 'upstreams' },
  requiredForeign: ['upstream'],
};

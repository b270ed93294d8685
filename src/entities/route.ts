// Kong: kong/db/schema/entities/routes.lua (+ routes_subschemas.lua)
import { KongSet, Nullable, Port, Rec, Tags, Type, Utf8Name, IpOrCidr } from '../schema/kit.ts';
import { commonFields, ForeignRef, type EntityDef } from './entity.ts';

export const ROUTE_PROTOCOLS = ['grpc', 'grpcs', 'http', 'https', 'tcp', 'tls', 'tls_passthrough', 'udp', 'ws', 'wss'] as const;

const Endpoint = () => Rec({ ip: Nullable(IpOrCidr()), port: Nullable(Port()) }, { minProperties: 1 });

export const routeFields = Rec({
  ...commonFields,
  name: Nullable(Utf8Name()),
  protocols: KongSet(Type.Enum([...ROUTE_PROTOCOLS]), { minItems: 1, default: ['http', 'https'] }),
  methods: Nullable(KongSet(Type.String({ pattern: '^[A-Z]+$', patternErrorMessage: 'invalid value: must be uppercase letters, e.g. GET' }))),
  hosts: Nullable(KongSet(Type.String({ minLength: 1 }))),
  paths: Nullable(KongSet(Type.String({ pattern: '^[/~]', patternErrorMessage: 'must start with "/" or "~/"' }))),
  headers: Nullable(Type.Record(Type.String({ minLength: 1 }), Type.Array(Type.String(), { minItems: 1 }))),
  snis: Nullable(KongSet(Type.String({ minLength: 1 }))),
  sources: Nullable(KongSet(Endpoint())),
  destinations: Nullable(KongSet(Endpoint())),
  strip_path: Type.Boolean({ default: true }),
  preserve_host: Type.Boolean({ default: false }),
  regex_priority: Type.Integer({ default: 0 }),
  path_handling: Type.Enum(['v0', 'v1'], { default: 'v0' }),
  https_redirect_status_code: Type.Enum([426, 301, 302, 307, 308], { default: 426 }),
  request_buffering: Type.Boolean({ default: true }),
  response_buffering: Type.Boolean({ default: true }),
  expression: Nullable(Type.String({ minLength: 1, description: "Kong's expressions-router matcher, e.g. http.path ^= \"/api\"" })),
  priority: Type.Integer({ minimum: 0, maximum: 70368744177663, default: 0, description: 'Priority of an expression route; higher wins.' }),
  service: ForeignRef('Service (name or id) the route forwards to.'),
  tags: Tags(),
});

export const routeDef: EntityDef = {
  collection: 'routes',
  singular: 'route',
  fields: routeFields,
  endpointKey: 'name',
  unique: ['name'],
  foreign: { service: 'services' },
  children: { plugins: 'plugins' },
};

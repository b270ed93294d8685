// Kong: kong/db/schema/entities/services.lua
import { Nullable, Port, Rec, Tags, Timeout, Type, Utf8Name, Uuid, HostName } from '../schema/kit.ts';
import { commonFields, ForeignRef, type EntityDef } from './entity.ts';

export const SERVICE_PROTOCOLS = ['grpc', 'grpcs', 'http', 'https', 'tcp', 'tls', 'tls_passthrough', 'udp', 'ws', 'wss'] as const;

export const serviceFields = Rec({
  ...commonFields,
  name: Nullable(Utf8Name()),
  protocol: Type.Enum([...SERVICE_PROTOCOLS], { default: 'http' }),
  host: Type.Optional(HostName({ description: 'Upstream host, or the name of an upstream entity to load-balance over. Required unless `url` is given.' })),
  port: Port({ default: 80 }),
  path: Nullable(Type.String({ pattern: '^/', patternErrorMessage: 'should start with: /' })),
  retries: Type.Integer({ minimum: 0, maximum: 32767, default: 5 }),
  connect_timeout: Timeout({ minimum: 1, default: 60000 }),
  write_timeout: Timeout({ minimum: 1, default: 60000 }),
  read_timeout: Timeout({ minimum: 1, default: 60000 }),
  tls_verify: Nullable(Type.Boolean()),
  tls_verify_depth: Nullable(Type.Integer({ minimum: 0, maximum: 64 })),
  ca_certificates: Nullable(Type.Array(Uuid())),
  client_certificate: ForeignRef('Certificate (id) to present to the upstream.'),
  enabled: Type.Boolean({ default: true }),
  tags: Tags(),
  url: Nullable(Type.String({ description: 'Shorthand for protocol, host, port and path.' })),
});

export const serviceDef: EntityDef = {
  collection: 'services',
  singular: 'service',
  fields: serviceFields,
  endpointKey: 'name',
  unique: ['name'],
  foreign: { client_certificate: 'certificates' },
  children: { routes: 'routes', plugins: 'plugins' },
};

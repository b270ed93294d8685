// Kong: kong/plugins/ip-restriction/schema.lua
import { definePluginSchema } from '../../schema-types.ts';
import { IpOrCidr, Nullable, Rec, Type } from '../../../schema/kit.ts';

export default definePluginSchema({
  name: 'ip-restriction',
  protocols: { allowed: ['http', 'https', 'tcp', 'tls', 'grpc', 'grpcs', 'ws', 'wss'], default: ['grpc', 'grpcs', 'http', 'https'] },
  config: Rec({
    allow: Nullable(Type.Array(IpOrCidr(), { description: 'Addresses and CIDR ranges let in.' })),
    deny: Nullable(Type.Array(IpOrCidr(), { description: 'Addresses and CIDR ranges kept out.' })),
    status: Nullable(Type.Number({ description: 'Status of the refusal (default 403).' })),
    message: Nullable(Type.String({ description: 'Message of the refusal (default "IP address not allowed: <client address>").' })),
  }),
  check: (config) =>
    (config.allow ?? []).length === 0 && (config.deny ?? []).length === 0
      ? [{ path: [], message: "at least one of these fields must be non-empty: 'config.allow', 'config.deny'" }]
      : [],
});

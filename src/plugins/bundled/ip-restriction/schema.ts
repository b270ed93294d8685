// Kong: kong/plugins/ip-restriction/schema.lua
import { definePluginSchema } from '../../schema-types.ts';
import { IpOrCidr, Nullable, Rec, Type } from '../../../schema/kit.ts';

export default definePluginSchema({
  name: 'ip-restriction',
  // Kong's default covers stream routes (tcp, tls) too: a global instance guards stream listeners as well.
  protocols: { allowed: ['http', 'https', 'tcp', 'tls', 'tls_passthrough', 'udp', 'grpc', 'grpcs', 'ws', 'wss'], default: ['http', 'https', 'tcp', 'tls', 'grpc', 'grpcs'] },
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

// Kong: kong/plugins/tcp-log/schema.lua
import { definePluginSchema } from '../../schema-types.ts';
import { HostName, Nullable, Port, Rec, Type } from '../../../schema/kit.ts';
import { ANY_PROTOCOLS, CustomFieldsByLua } from '../shared-schemas.ts';

export default definePluginSchema({
  name: 'tcp-log',
  protocols: ANY_PROTOCOLS,
  config: Rec({
    host: HostName(),
    port: Port(),
    timeout: Type.Number({ default: 10000 }),
    keepalive: Type.Number({ default: 60000 }),
    tls: Type.Boolean({ default: false }),
    tls_sni: Nullable(Type.String()),
    custom_fields_by_lua: CustomFieldsByLua(),
  }),
});

// Kong: kong/plugins/udp-log/schema.lua
import { definePluginSchema } from '../../schema-types.ts';
import { HostName, Port, Rec, Type } from '../../../schema/kit.ts';
import { ANY_PROTOCOLS, CustomFieldsByLua } from '../shared-schemas.ts';

export default definePluginSchema({
  name: 'udp-log',
  protocols: ANY_PROTOCOLS,
  config: Rec({
    host: HostName(),
    port: Port(),
    timeout: Type.Number({ default: 10000 }),
    custom_fields_by_lua: CustomFieldsByLua(),
  }),
});

// Kong: kong/plugins/correlation-id/schema.lua
import { definePluginSchema, HTTP_PROTOCOLS, DEFAULT_PLUGIN_PROTOCOLS } from '../../schema-types.ts';
import { Rec, Type } from '../../../schema/kit.ts';

export default definePluginSchema({
  name: 'correlation-id',
  protocols: { allowed: HTTP_PROTOCOLS, default: DEFAULT_PLUGIN_PROTOCOLS },
  config: Rec({
    header_name: Type.String({ minLength: 1, default: 'Kong-Request-ID' }),
    generator: Type.Enum(['uuid', 'uuid#counter', 'tracker'], { default: 'uuid#counter' }),
    echo_downstream: Type.Boolean({ default: false, description: 'Send the header back to the client too.' }),
  }),
});

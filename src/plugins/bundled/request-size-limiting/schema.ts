// Kong: kong/plugins/request-size-limiting/schema.lua
import { definePluginSchema, HTTP_PROTOCOLS, DEFAULT_PLUGIN_PROTOCOLS } from '../../schema-types.ts';
import { Rec, Type } from '../../../schema/kit.ts';

export default definePluginSchema({
  name: 'request-size-limiting',
  protocols: { allowed: HTTP_PROTOCOLS, default: DEFAULT_PLUGIN_PROTOCOLS },
  config: Rec({
    allowed_payload_size: Type.Integer({ default: 128, description: 'Largest body allowed, in size_unit.' }),
    size_unit: Type.Enum(['megabytes', 'kilobytes', 'bytes'], { default: 'megabytes' }),
    require_content_length: Type.Boolean({ default: false }),
  }),
});

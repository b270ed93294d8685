// Kong: kong/plugins/basic-auth/schema.lua
import { definePluginSchema, HTTP_PROTOCOLS, DEFAULT_PLUGIN_PROTOCOLS } from '../../schema-types.ts';
import { Nullable, Rec, Type } from '../../../schema/kit.ts';

export default definePluginSchema({
  name: 'basic-auth',
  protocols: { allowed: HTTP_PROTOCOLS, default: DEFAULT_PLUGIN_PROTOCOLS },
  forbiddenScopes: ['consumer', 'consumer_group'],
  config: Rec({
    anonymous: Nullable(Type.String({ description: 'Consumer id or username to use when authentication fails.' })),
    hide_credentials: Type.Boolean({ default: false, description: 'Remove the Authorization header before proxying.' }),
    realm: Type.String({ default: 'service', description: 'Realm of the WWW-Authenticate header on 401 answers.' }),
  }),
});

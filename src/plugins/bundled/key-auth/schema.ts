// Kong: kong/plugins/key-auth/schema.lua
import { definePluginSchema, HTTP_PROTOCOLS, DEFAULT_PLUGIN_PROTOCOLS } from '../../schema-types.ts';
import { HeaderName, Nullable, Rec, Type } from '../../../schema/kit.ts';

export default definePluginSchema({
  name: 'key-auth',
  protocols: { allowed: HTTP_PROTOCOLS, default: DEFAULT_PLUGIN_PROTOCOLS },
  forbiddenScopes: ['consumer'],
  config: Rec({
    key_names: Type.Array(HeaderName(), { minItems: 1, default: ['apikey'], description: 'Where to look for the key: header, query argument or body field names.' }),
    hide_credentials: Type.Boolean({ default: false, description: 'Remove the credential from the request before proxying.' }),
    anonymous: Nullable(Type.String({ description: 'Consumer id or username to use when authentication fails.' })),
    key_in_header: Type.Boolean({ default: true }),
    key_in_query: Type.Boolean({ default: true }),
    key_in_body: Type.Boolean({ default: false }),
    run_on_preflight: Type.Boolean({ default: true, description: 'Authenticate OPTIONS preflight requests too.' }),
    realm: Nullable(Type.String({ description: 'Realm of the WWW-Authenticate header on 401 answers.' })),
  }),
});

// Kong: kong/plugins/hmac-auth/schema.lua
import { definePluginSchema, HTTP_PROTOCOLS, DEFAULT_PLUGIN_PROTOCOLS } from '../../schema-types.ts';
import { KongSet, Nullable, Rec, Type } from '../../../schema/kit.ts';

export const HMAC_ALGORITHMS = ['hmac-sha1', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512'] as const;

export default definePluginSchema({
  name: 'hmac-auth',
  protocols: { allowed: HTTP_PROTOCOLS, default: DEFAULT_PLUGIN_PROTOCOLS },
  forbiddenScopes: ['consumer', 'consumer_group'],
  config: Rec({
    hide_credentials: Type.Boolean({ default: false }),
    clock_skew: Type.Number({ exclusiveMinimum: 0, default: 300, description: 'Seconds the Date header may differ from the clock.' }),
    anonymous: Nullable(Type.String({ description: 'Consumer id or username to use when authentication fails.' })),
    validate_request_body: Type.Boolean({ default: false, description: 'Check the Digest header against the body.' }),
    enforce_headers: KongSet(Type.String(), { default: [], description: 'Headers the signature must cover.' }),
    algorithms: KongSet(Type.Enum([...HMAC_ALGORITHMS]), { default: [...HMAC_ALGORITHMS] }),
    realm: Nullable(Type.String({ description: 'Realm of the WWW-Authenticate header on 401 answers.' })),
  }),
});

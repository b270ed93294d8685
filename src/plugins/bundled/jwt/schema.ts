// Kong: kong/plugins/jwt/schema.lua
import { definePluginSchema, HTTP_PROTOCOLS, DEFAULT_PLUGIN_PROTOCOLS } from '../../schema-types.ts';
import { KongSet, Nullable, Rec, Type, } from '../../../schema/kit.ts';

export default definePluginSchema({
  name: 'jwt',
  protocols: { allowed: HTTP_PROTOCOLS, default: DEFAULT_PLUGIN_PROTOCOLS },
  forbiddenScopes: ['consumer', 'consumer_group'],
  config: Rec({
    uri_param_names: KongSet(Type.String(), { default: ['jwt'], description: 'Query arguments that may carry the token.' }),
    cookie_names: KongSet(Type.String(), { default: [], description: 'Cookies that may carry the token.' }),
    key_claim_name: Type.String({ default: 'iss', description: 'Claim that names the jwt_secrets key.' }),
    secret_is_base64: Type.Boolean({ default: false }),
    claims_to_verify: Nullable(KongSet(Type.Enum(['exp', 'nbf']))),
    anonymous: Nullable(Type.String({ description: 'Consumer id or username to use when authentication fails.' })),
    run_on_preflight: Type.Boolean({ default: true }),
    maximum_expiration: Type.Number({ minimum: 0, maximum: 31536000, default: 0, description: 'Seconds; 0 means no limit. Needs claims_to_verify to include exp.' }),
    header_names: KongSet(Type.String({ minLength: 1 }), { default: ['authorization'] }),
    realm: Nullable(Type.String({ description: 'Realm of the WWW-Authenticate header on 401 answers.' })),
  }),
  check: (config) =>
    config.maximum_expiration > 0 && !(config.claims_to_verify ?? []).includes('exp')
      ? [{ path: ['claims_to_verify'], message: "expected to contain: exp (required when 'maximum_expiration' is set)" }]
      : [],
});

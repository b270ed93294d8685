// Kong: kong/plugins/acl/schema.lua
import { definePluginSchema, HTTP_PROTOCOLS, DEFAULT_PLUGIN_PROTOCOLS } from '../../schema-types.ts';
import { KongSet, Nullable, Rec, Type } from '../../../schema/kit.ts';

export default definePluginSchema({
  name: 'acl',
  protocols: { allowed: HTTP_PROTOCOLS, default: DEFAULT_PLUGIN_PROTOCOLS },
  forbiddenScopes: ['consumer', 'consumer_group'],
  config: Rec({
    allow: Nullable(KongSet(Type.String(), { description: 'Groups allowed in (exclusive with deny).' })),
    deny: Nullable(KongSet(Type.String(), { description: 'Groups kept out (exclusive with allow).' })),
    hide_groups_header: Type.Boolean({ default: false, description: 'Do not send X-Consumer-Groups upstream.' }),
    always_use_authenticated_groups: Type.Boolean({ default: false }),
    include_consumer_groups: Type.Boolean({ default: false, description: "Match the consumer's consumer groups too." }),
  }),
  check: (config) => {
    const allow = (config.allow ?? []).length > 0;
    const deny = (config.deny ?? []).length > 0;
    if (allow && deny) return [{ path: [], message: "only one of these fields must be non-empty: 'config.allow', 'config.deny'" }];
    if (!allow && !deny) return [{ path: [], message: "at least one of these fields must be non-empty: 'config.allow', 'config.deny'" }];
    return [];
  },
});

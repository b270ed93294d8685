// Kong: kong/plugins/request-transformer/schema.lua
import { definePluginSchema, HTTP_PROTOCOLS, DEFAULT_PLUGIN_PROTOCOLS } from '../../schema-types.ts';
import { HeaderName, Nullable, Rec, Type } from '../../../schema/kit.ts';
import { ColonStrings, StringArray } from '../shared-schemas.ts';

const Transform = (extra: Record<string, ReturnType<typeof Nullable>> = {}) =>
  Rec({ body: ColonStrings(false), headers: ColonStrings(true), querystring: ColonStrings(false), ...extra }, { default: {} });

export default definePluginSchema({
  name: 'request-transformer',
  protocols: { allowed: HTTP_PROTOCOLS, default: DEFAULT_PLUGIN_PROTOCOLS },
  config: Rec({
    http_method: Nullable(Type.String({ pattern: '^[A-Z]+$', patternErrorMessage: 'invalid value: must be uppercase letters, e.g. POST' })),
    remove: Rec({ body: StringArray(), headers: Type.Array(HeaderName(), { default: [] }), querystring: StringArray() }, { default: {} }),
    rename: Transform(),
    replace: Transform({ uri: Nullable(Type.String({ description: 'New upstream path; may use $(uri_captures[...]) templates.' })) }),
    add: Transform(),
    append: Transform(),
  }),
});

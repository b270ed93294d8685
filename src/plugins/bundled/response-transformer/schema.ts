// Kong: kong/plugins/response-transformer/schema.lua
import { definePluginSchema, HTTP_PROTOCOLS, DEFAULT_PLUGIN_PROTOCOLS } from '../../schema-types.ts';
import { Rec, Type } from '../../../schema/kit.ts';
import { ColonStrings, StringArray } from '../shared-schemas.ts';

const JsonTypes = () => Type.Array(Type.Enum(['boolean', 'number', 'string']), { default: [], description: 'Type of each json entry, in order.' });

export default definePluginSchema({
  name: 'response-transformer',
  protocols: { allowed: HTTP_PROTOCOLS, default: DEFAULT_PLUGIN_PROTOCOLS },
  config: Rec({
    remove: Rec({ json: StringArray(), headers: Type.Array(Type.String({ minLength: 1 }), { default: [] }) }, { default: {} }),
    rename: Rec({ json: ColonStrings(false), headers: ColonStrings(true) }, { default: {} }),
    replace: Rec({ json: ColonStrings(false), json_types: JsonTypes(), headers: ColonStrings(true) }, { default: {} }),
    add: Rec({ json: ColonStrings(false), json_types: JsonTypes(), headers: ColonStrings(true) }, { default: {} }),
    append: Rec({ json: ColonStrings(false), json_types: JsonTypes(), headers: ColonStrings(true) }, { default: {} }),
  }),
});

// Kong: kong/plugins/response-transformer/schema.lua
import { definePluginSchema, HTTP_PROTOCOLS, DEFAULT_PLUGIN_PROTOCOLS, type ConfigProblem } from '../../schema-types.ts';
import { Rec, Type } from '../../../schema/kit.ts';
import { ColonStrings, StringArray } from '../shared-schemas.ts';

/** Kong's `validate_header_name` (kong/tools/http.lua), which rename.headers applies to both names. */
const KONG_HEADER = /^[a-zA-Z0-9_-]+$/;

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
  check: (config) => {
    const problems: ConfigProblem[] = [];
    config.rename.headers.forEach((entry, i) => {
      const m = /^([^:]+):*([\s\S]*)$/.exec(entry);
      const bad = [m?.[1] ?? entry, m?.[2] ?? ''].find((name) => !KONG_HEADER.test(name));
      if (bad !== undefined) problems.push({ path: ['rename', 'headers', i], message: `'${bad}' is not a valid header` });
    });
    return problems;
  },
});

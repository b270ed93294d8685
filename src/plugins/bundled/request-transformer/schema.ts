// Kong: kong/plugins/request-transformer/schema.lua
import { definePluginSchema, HTTP_PROTOCOLS, DEFAULT_PLUGIN_PROTOCOLS, type ConfigProblem } from '../../schema-types.ts';
import { HeaderName, Nullable, Rec, Type } from '../../../schema/kit.ts';
import { ColonStrings, StringArray } from '../shared-schemas.ts';

/** Kong's `validate_header_name` (kong/tools/http.lua), stricter than a token. */
const KONG_HEADER = /^[a-zA-Z0-9_-]+$/;
const SPLIT = /^([^:]+):*([\s\S]*)$/;
const split = (entry: string) => SPLIT.exec(entry) ?? [entry, entry, ''];

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
  check: (config) => {
    const problems: ConfigProblem[] = [];
    const header = (name: string, path: (string | number)[]) => {
      if (!KONG_HEADER.test(name)) problems.push({ path, message: `'${name}' is not a valid header` });
    };
    for (const op of ['rename', 'replace', 'add', 'append'] as const) {
      config[op].headers.forEach((entry, i) => {
        const [, name, value] = split(entry);
        header(name!, [op, 'headers', i]);
        if (op === 'rename') header(value!, [op, 'headers', i]);
      });
      for (const field of ['body', 'querystring'] as const) {
        config[op][field].forEach((entry, i) => {
          const [, name, value] = split(entry);
          if (value === '') problems.push({ path: [op, field, i], message: `key '${name}' has no value` });
        });
      }
    }
    return problems;
  },
});

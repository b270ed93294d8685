// Kong: kong/plugins/bot-detection/schema.lua
import { compileKongRegex } from '../../../router/kong-regex.ts';
import { definePluginSchema, HTTP_PROTOCOLS, DEFAULT_PLUGIN_PROTOCOLS } from '../../schema-types.ts';
import { Rec, Type } from '../../../schema/kit.ts';

const regexProblems = (field: string, list: readonly string[]) =>
  list.flatMap((re, i) => {
    const compiled = compileKongRegex(re, { anchored: false, dialect: 'pcre' });
    return compiled.ok ? [] : [{ path: [field, i], message: `not a valid regex: ${re}${compiled.linear ? ` (${compiled.message})` : ''}` }];
  });

export default definePluginSchema({
  name: 'bot-detection',
  protocols: { allowed: HTTP_PROTOCOLS, default: DEFAULT_PLUGIN_PROTOCOLS },
  forbiddenScopes: ['consumer', 'consumer_group'],
  config: Rec({
    allow: Type.Array(Type.String(), { default: [], description: 'User-Agent regexes always let in.' }),
    deny: Type.Array(Type.String(), { default: [], description: 'User-Agent regexes kept out, besides the built-in bot list.' }),
  }),
  check: (config) => [...regexProblems('allow', config.allow), ...regexProblems('deny', config.deny)],
});

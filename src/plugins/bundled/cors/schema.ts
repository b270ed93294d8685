// Kong: kong/plugins/cors/schema.lua
import { compileOriginRegex } from './origins.ts';
import { definePluginSchema, HTTP_PROTOCOLS, DEFAULT_PLUGIN_PROTOCOLS } from '../../schema-types.ts';
import { Nullable, Rec, Type } from '../../../schema/kit.ts';

const METHODS = ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'] as const;

export default definePluginSchema({
  name: 'cors',
  protocols: { allowed: HTTP_PROTOCOLS, default: DEFAULT_PLUGIN_PROTOCOLS },
  forbiddenScopes: ['consumer', 'consumer_group'],
  config: Rec({
    origins: Nullable(Type.Array(Type.String(), { description: 'Allowed origins: `*`, exact values, or regexes.' })),
    headers: Nullable(Type.Array(Type.String(), { description: 'Access-Control-Allow-Headers (default: the request\'s).' })),
    exposed_headers: Nullable(Type.Array(Type.String())),
    // null is every method, as Kong's default.
    methods: Type.Union([Type.Array(Type.Enum([...METHODS])), Type.Null()], { default: [...METHODS] }),
    max_age: Nullable(Type.Number({ description: 'Seconds a preflight answer may be cached.' })),
    credentials: Type.Boolean({ default: false }),
    private_network: Type.Boolean({ default: false }),
    preflight_continue: Type.Boolean({ default: false, description: 'Proxy preflight requests upstream instead of answering them.' }),
    allow_origin_absent: Type.Boolean({ default: true }),
  }),
  check: (config) => {
    const problems: { path: (string | number)[]; message: string }[] = [];
    (config.origins ?? []).forEach((origin, i) => {
      // Kong treats every origin but `*` as a regex (a plain origin is one too).
      if (origin === '*') return;
      const compiled = compileOriginRegex(origin);
      if (!compiled.ok) problems.push({ path: ['origins', i], message: `'${origin}' is not a valid regex${compiled.linear ? ` (${compiled.message})` : ''}` });
    });
    return problems;
  },
});

// Kong: kong/plugins/proxy-cache/schema.lua
import { definePluginSchema, HTTP_PROTOCOLS, DEFAULT_PLUGIN_PROTOCOLS } from '../../schema-types.ts';
import { Nullable, Rec, Type } from '../../../schema/kit.ts';

export default definePluginSchema({
  name: 'proxy-cache',
  protocols: { allowed: HTTP_PROTOCOLS, default: DEFAULT_PLUGIN_PROTOCOLS },
  config: Rec({
    response_code: Type.Array(Type.Integer({ minimum: 100, maximum: 900 }), { minItems: 1, default: [200, 301, 404] }),
    request_method: Type.Array(Type.Enum(['HEAD', 'GET', 'POST', 'PATCH', 'PUT']), { default: ['GET', 'HEAD'] }),
    content_type: Type.Array(Type.String(), { default: ['text/plain', 'application/json'] }),
    cache_ttl: Type.Integer({ exclusiveMinimum: 0, default: 300, description: 'Seconds a response is cached.' }),
    strategy: Type.Enum(['memory'], { description: 'Where responses are cached.' }),
    cache_control: Type.Boolean({ default: false, description: 'Follow Cache-Control (RFC 7234).' }),
    ignore_uri_case: Type.Boolean({ default: false }),
    storage_ttl: Nullable(Type.Integer({ description: 'Seconds a response is kept in storage.' })),
    memory: Rec({ dictionary_name: Type.String({ default: 'kong_db_cache' }) }, { default: {} }),
    vary_query_params: Nullable(Type.Array(Type.String())),
    vary_headers: Nullable(Type.Array(Type.String({ minLength: 1 }))),
    response_headers: Rec({
      age: Type.Boolean({ default: true }),
      'X-Cache-Status': Type.Boolean({ default: true }),
      'X-Cache-Key': Type.Boolean({ default: true }),
    }, { default: {} }),
  }),
});

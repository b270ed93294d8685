// Kong: kong/plugins/http-log/schema.lua
import { definePluginSchema, type ConfigProblem } from '../../schema-types.ts';
import { Nullable, Rec, Type } from '../../../schema/kit.ts';
import { ANY_PROTOCOLS, CustomFieldsByLua, QueueConfig } from '../../shared-schemas.ts';

export default definePluginSchema({
  name: 'http-log',
  protocols: ANY_PROTOCOLS,
  config: Rec({
    http_endpoint: Type.String({ minLength: 1, description: 'URL the log entries are sent to.' }),
    method: Type.Enum(['POST', 'PUT', 'PATCH'], { default: 'POST' }),
    content_type: Type.Enum(['application/json', 'application/json; charset=utf-8'], { default: 'application/json' }),
    timeout: Type.Number({ default: 10000, description: 'Milliseconds.' }),
    keepalive: Type.Number({ default: 60000, description: 'Milliseconds an idle connection is kept.' }),
    retry_count: Nullable(Type.Integer({ description: 'Deprecated: use queue.max_retry_time.' })),
    queue_size: Nullable(Type.Integer({ description: 'Deprecated: use queue.max_batch_size.' })),
    flush_timeout: Nullable(Type.Number({ description: 'Deprecated: use queue.max_coalescing_delay.' })),
    headers: Nullable(Type.Record(Type.String(), Type.String())),
    queue: QueueConfig(),
    custom_fields_by_lua: CustomFieldsByLua(),
  }),
  check: (config) => {
    const problems: ConfigProblem[] = [];
    let url: URL | undefined;
    try {
      url = new URL(config.http_endpoint);
    } catch {
      problems.push({ path: ['http_endpoint'], message: 'missing host in url' });
    }
    if (url && url.protocol !== 'http:' && url.protocol !== 'https:') problems.push({ path: ['http_endpoint'], message: 'unsupported scheme; expected http or https' });
    for (const name of Object.keys(config.headers ?? {})) {
      const lower = name.toLowerCase();
      if (lower === 'host' || lower === 'content-length' || lower === 'content-type') {
        problems.push({ path: ['headers', name], message: `cannot contain '${name}' header` });
      }
    }
    return problems;
  },
});

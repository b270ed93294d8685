// Kong: kong/plugins/http-log/schema.lua
import { definePluginSchema, type ConfigProblem } from '../../schema-types.ts';
import { HEADER_NAME_MESSAGE, HEADER_NAME_PATTERN, Nullable, Rec, Type } from '../../../schema/kit.ts';
import { ANY_PROTOCOLS, QueueConfig } from '../shared-schemas.ts';

const HEADER_NAME = new RegExp(HEADER_NAME_PATTERN);
/** Headers the log request sets itself; Kong's message names them in this spelling. */
const RESERVED = new Map([['host', 'Host'], ['content-length', 'Content-Length'], ['content-type', 'Content-Type']]);

export default definePluginSchema({
  name: 'http-log',
  // Kong: http_endpoint and the values of headers are referenceable.
  referenceable: [['http_endpoint'], ['headers', '*']],
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
    custom_fields_by_lua: Nullable(Type.Record(Type.String(), Type.String(), { description: 'Kong runs these as Lua: refused here (this gateway runs no Lua).' })),
  }),
  check: (config) => {
    const problems: ConfigProblem[] = [];
    if (config.custom_fields_by_lua && Object.keys(config.custom_fields_by_lua).length > 0) {
      problems.push({ path: ['custom_fields_by_lua'], message: 'Lua code is not run by this gateway: custom_fields_by_lua cannot be used (remove it, or set it to null)' });
    }
    let url: URL | undefined;
    try {
      url = new URL(config.http_endpoint);
    } catch {
      problems.push({ path: ['http_endpoint'], message: 'missing host in url' });
    }
    if (url && url.protocol !== 'http:' && url.protocol !== 'https:') problems.push({ path: ['http_endpoint'], message: 'unsupported scheme; expected http or https' });
    const names = Object.keys(config.headers ?? {});
    for (const name of names) {
      const reserved = RESERVED.get(name.toLowerCase());
      if (!HEADER_NAME.test(name)) problems.push({ path: ['headers', name], message: HEADER_NAME_MESSAGE });
      else if (reserved) problems.push({ path: ['headers', name], message: `cannot contain '${reserved}' header` });
    }
    // Credentials in the URL and an Authorization header would both authenticate: Kong refuses the pair.
    const authorization = names.find((n) => n.toLowerCase() === 'authorization');
    if (url && (url.username || url.password) && authorization !== undefined) {
      problems.push({ path: ['headers', authorization], message: "specifying both an 'Authorization' header and user info in 'http_endpoint' is not allowed" });
    }
    return problems;
  },
});

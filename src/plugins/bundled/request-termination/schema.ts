// Kong: kong/plugins/request-termination/schema.lua
import { definePluginSchema, HTTP_PROTOCOLS, DEFAULT_PLUGIN_PROTOCOLS, type ConfigProblem } from '../../schema-types.ts';
import { HeaderName, Nullable, Rec, Type } from '../../../schema/kit.ts';

export default definePluginSchema({
  name: 'request-termination',
  protocols: { allowed: HTTP_PROTOCOLS, default: DEFAULT_PLUGIN_PROTOCOLS },
  config: Rec({
    status_code: Type.Integer({ minimum: 100, maximum: 599, default: 503 }),
    message: Nullable(Type.String({ description: 'Sent as {"message": ...} (exclusive with body).' })),
    content_type: Nullable(Type.String({ description: 'Content-Type of body.' })),
    body: Nullable(Type.String({ description: 'Raw body to send (exclusive with message).' })),
    echo: Type.Boolean({ default: false, description: 'Answer with a JSON description of the request instead.' }),
    trigger: Nullable(HeaderName({ description: 'Only terminate when this header or query argument is present.' })),
  }),
  check: (config) => {
    const problems: ConfigProblem[] = [];
    if (config.message && (config.content_type || config.body)) {
      problems.push({ path: ['message'], message: 'message cannot be used with content_type or body' });
    }
    if (config.content_type && !config.body) problems.push({ path: ['content_type'], message: 'content_type requires a body' });
    if (config.echo && (config.content_type || config.body)) {
      problems.push({ path: ['echo'], message: 'echo cannot be used with content_type and body' });
    }
    return problems;
  },
});

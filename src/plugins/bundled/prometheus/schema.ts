// Kong: kong/plugins/prometheus/schema.lua
import { definePluginSchema } from '../../schema-types.ts';
import { Rec, Type } from '../../../schema/kit.ts';
import { ANY_PROTOCOLS } from '../shared-schemas.ts';

export default definePluginSchema({
  name: 'prometheus',
  protocols: ANY_PROTOCOLS,
  forbiddenScopes: ['consumer', 'consumer_group'],
  config: Rec({
    per_consumer: Type.Boolean({ default: false }),
    status_code_metrics: Type.Boolean({ default: false }),
    ai_metrics: Type.Boolean({ default: false }),
    latency_metrics: Type.Boolean({ default: false }),
    bandwidth_metrics: Type.Boolean({ default: false }),
    upstream_health_metrics: Type.Boolean({ default: false }),
  }),
});

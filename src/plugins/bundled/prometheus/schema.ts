// Kong: kong/plugins/prometheus/schema.lua
import { definePluginSchema, type ConfigProblem } from '../../schema-types.ts';
import { Rec, Type } from '../../../schema/kit.ts';
import { ANY_PROTOCOLS } from '../shared-schemas.ts';

/** Switches Kong has for what this gateway does not run: accepted as Kong accepts them, with a warning. */
const NO_EFFECT: Readonly<Record<string, string>> = {
  ai_metrics: "has no effect here: Kong's AI plugins (ai-proxy and the like), whose metrics it exports, are not in this gateway",
  wasm_metrics: 'has no effect here: this gateway runs no Proxy-Wasm filters',
};

export default definePluginSchema({
  name: 'prometheus',
  protocols: ANY_PROTOCOLS,
  // Kong's schema has no `no_consumer`: an instance scoped to a consumer counts that consumer's requests only.
  // Kong 3.10 OSS has no consumer groups at all; the Enterprise plugin is not one that may be scoped to them.
  forbiddenScopes: ['consumer_group'],
  config: Rec({
    per_consumer: Type.Boolean({ default: false, description: 'Fill in the consumer label (its username) of kong_http_requests_total and kong_bandwidth_bytes.' }),
    status_code_metrics: Type.Boolean({ default: false, description: 'Export kong_http_requests_total.' }),
    ai_metrics: Type.Boolean({ default: false, description: 'Accepted for Kong compatibility; no effect here (no AI plugins), with a warning.' }),
    latency_metrics: Type.Boolean({ default: false, description: 'Export kong_kong_latency_ms, kong_upstream_latency_ms and kong_request_latency_ms.' }),
    bandwidth_metrics: Type.Boolean({ default: false, description: 'Export kong_bandwidth_bytes.' }),
    upstream_health_metrics: Type.Boolean({ default: false, description: 'Export kong_upstream_target_health.' }),
    wasm_metrics: Type.Boolean({ default: false, description: 'Accepted for Kong compatibility; no effect here (no Proxy-Wasm), with a warning.' }),
  }),
  warnings: (config) => Object.entries(NO_EFFECT).filter(([field]) => (config as Record<string, unknown>)[field] === true).map(([field, why]): ConfigProblem => ({ path: [field], message: `${field} ${why}` })),
});

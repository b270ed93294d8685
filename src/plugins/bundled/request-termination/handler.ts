// Kong: kong/plugins/request-termination/handler.lua
import { definePluginHandler } from '../../types.ts';
import type { PluginConfig } from '../../schema-types.ts';
import type schema from './schema.ts';

type Config = PluginConfig<typeof schema>;

export default definePluginHandler<Config>({
  version: '1.0.0',
  priority: 2,
  access(kong, config) {
    if (config.trigger) {
      // Only requests that carry the trigger, as a header or a query argument, are terminated.
      if (kong.request.getHeader(config.trigger) === undefined && kong.request.getQuery()[config.trigger] === undefined) return;
    }
    if (config.echo) {
      const route = kong.router.getRoute();
      const service = kong.router.getService();
      kong.response.exit(config.status_code, {
        ...(config.message ? { message: config.message } : {}),
        kong: { node_id: kong.node.getId(), hostname: kong.node.getHostname() },
        request: {
          scheme: kong.request.getScheme(),
          host: kong.request.getHost(),
          port: kong.request.getPort(),
          method: kong.request.getMethod(),
          path: kong.request.getPath(),
          headers: kong.request.getHeaders() as Record<string, string | string[]>,
          query: kong.request.getQuery() as Record<string, string | true | (string | true)[]>,
        },
        matched_route: JSON.parse(JSON.stringify(route)),
        matched_service: service === null ? null : JSON.parse(JSON.stringify(service)),
      });
      return;
    }
    if (config.body) {
      kong.response.exit(config.status_code, config.body, config.content_type ? { 'content-type': config.content_type } : {});
      return;
    }
    kong.response.error(config.status_code, config.message ?? undefined);
  },
});

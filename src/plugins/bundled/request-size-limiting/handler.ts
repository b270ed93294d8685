// Kong: kong/plugins/request-size-limiting/handler.lua
import { definePluginHandler } from '../../types.ts';
import type { PluginConfig } from '../../schema-types.ts';
import type schema from './schema.ts';

type Config = PluginConfig<typeof schema>;

const UNIT = { bytes: 1, kilobytes: 1024, megabytes: 1024 * 1024 } as const;
const EXCEEDED = 'Request size limit exceeded';

export default definePluginHandler<Config>({
  version: '1.0.0',
  priority: 951,
  access(kong, config) {
    const allowed = config.allowed_payload_size * UNIT[config.size_unit];
    const length = kong.request.getHeader('Content-Length');
    if (length !== undefined && /^\s*\d+\s*$/.test(length)) {
      if (Number(length) <= allowed) return;
      // A client waiting for 100 Continue is told before it sends the body.
      const expects = kong.request.getHeader('Expect')?.trim().toLowerCase() === '100-continue';
      return kong.response.error(expects ? 417 : 413, EXCEEDED);
    }
    if (config.require_content_length) return kong.response.error(411, 'A valid Content-Length header is required');
    // A chunked body: counted as it streams upstream; past the limit the request is cut and answered 413.
    kong.service.request.setBodyLimit(allowed, 413, EXCEEDED);
  },
});

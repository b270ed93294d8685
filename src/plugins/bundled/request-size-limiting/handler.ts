// Kong: kong/plugins/request-size-limiting/handler.lua
import { definePluginHandler } from '../../types.ts';
import type { PluginConfig } from '../../schema-types.ts';
import type { Kong } from '../../../pdk/kong.ts';
import type schema from './schema.ts';

type Config = PluginConfig<typeof schema>;

const UNIT = { bytes: 1, kilobytes: 1024, megabytes: 1024 * 1024 } as const;
const EXCEEDED = 'Request size limit exceeded';

/** Kong answers 417 instead of 413 to a client that sent `Expect: 100-continue`. */
const exceededStatus = (kong: Kong): number => (kong.request.getHeader('Expect')?.trim().toLowerCase() === '100-continue' ? 417 : 413);

export default definePluginHandler<Config>({
  version: '1.0.0',
  priority: 951,
  access(kong, config) {
    const allowed = config.allowed_payload_size * UNIT[config.size_unit];
    const length = kong.request.getHeader('Content-Length');
    if (length !== undefined && /^\s*\d+\s*$/.test(length)) {
      // Refused before the body is read: a client waiting for 100 Continue never sends it.
      if (Number(length) > allowed) kong.response.error(exceededStatus(kong), EXCEEDED);
      return;
    }
    // Kong lets a chunked body through (it is counted below); only one with neither header lacks a length.
    if (config.require_content_length && kong.request.getHeader('Transfer-Encoding') !== 'chunked') {
      return kong.response.error(411, 'A valid Content-Length header is required');
    }
    // A chunked body: counted as it streams upstream; past the limit the request is cut and answered 413 (417).
    kong.service.request.setBodyLimit(allowed, exceededStatus(kong), EXCEEDED);
  },
});

// The handler of Kong's classic "header echo" tutorial plugin: copies a request header's value to a response
// header. The tutorial keeps the value on the handler object, which concurrent requests would share; here it
// lives in kong.ctx.plugin, which is per request and per plugin.
import { definePluginHandler } from '../../../src/plugins/types.ts';
import type { PluginConfig } from '../../../src/plugins/schema-types.ts';
import type schema from './schema.ts';

type Config = PluginConfig<typeof schema>;

export default definePluginHandler<Config>({
  version: '1.0.0',
  priority: 1000,
  access(kong, config) {
    kong.ctx.plugin.value = kong.request.getHeader(config.requestHeader);
  },
  headerFilter(kong, config) {
    const value = kong.ctx.plugin.value;
    if (typeof value === 'string') kong.response.setHeader(config.responseHeader, value);
  },
});

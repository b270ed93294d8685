// A custom plugin's schema module (Kong's classic "header echo" tutorial plugin): the same contract as the
// bundled plugins. Enable it with: --plugins bundled,header-echo --plugins-path examples/plugins
import { definePluginSchema } from '../../../src/plugins/schema-types.ts';
import { HeaderName, Rec, Type } from '../../../src/schema/kit.ts';

export default definePluginSchema({
  name: 'header-echo',
  config: Rec({
    requestHeader: HeaderName({ default: 'X-Request-Echo', description: 'Request header whose value is echoed.' }),
    responseHeader: HeaderName({ default: 'X-Response-Echo', description: 'Response header that carries it back.' }),
    ttl: Type.Integer({ minimum: 0, maximum: 3600, default: 60 }),
  }),
  check: (config) => (config.requestHeader.toLowerCase() === config.responseHeader.toLowerCase()
    ? [{ path: ['responseHeader'], message: 'must differ from requestHeader' }]
    : []),
});

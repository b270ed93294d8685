// Kong: kong/plugins/correlation-id/handler.lua
import { randomUUID } from 'node:crypto';
import { definePluginHandler } from '../../types.ts';
import type { PluginConfig } from '../../schema-types.ts';
import type { Kong } from '../../../pdk/kong.ts';
import type schema from './schema.ts';

type Config = PluginConfig<typeof schema>;

// uuid#counter: one uuid per process and a counter, as Kong has one per worker.
const processId = randomUUID();
let counter = 0;

function generate(config: Config, kong: Kong): string {
  switch (config.generator) {
    case 'uuid':
      return randomUUID();
    case 'tracker':
      // Kong's tracker: who and when, readable: client address, port, process, time.
      return `${kong.client.getIp()}-${kong.request.getPort()}-${process.pid}-${Date.now()}-${++counter}`;
    default:
      return `${processId}#${++counter}`;
  }
}

export default definePluginHandler<Config>({
  version: '1.0.0',
  priority: 100001,
  access(kong, config) {
    const id = kong.request.getHeader(config.header_name) || generate(config, kong);
    kong.service.request.setHeader(config.header_name, id);
    if (config.echo_downstream) kong.ctx.plugin.id = id;
  },
  headerFilter(kong, config) {
    const id = kong.ctx.plugin.id;
    if (config.echo_downstream && typeof id === 'string') kong.response.setHeader(config.header_name, id);
  },
});

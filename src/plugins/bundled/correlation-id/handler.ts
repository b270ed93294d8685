// Kong: kong/plugins/correlation-id/handler.lua
import { randomUUID } from 'node:crypto';
import { isMainThread, threadId } from 'node:worker_threads';
import { definePluginHandler } from '../../types.ts';
import type { PluginConfig } from '../../schema-types.ts';
import type { Kong } from '../../../pdk/kong.ts';
import type schema from './schema.ts';

type Config = PluginConfig<typeof schema>;

// uuid#counter: one uuid per process and a counter, as Kong has one per worker.
const processId = randomUUID();
/** Kong's worker pid: the process's, and in a worker thread (`--workers`) the thread's id after it, so that two workers' trackers differ. */
const workerPid = isMainThread ? String(process.pid) : `${process.pid}.${threadId}`;
let counter = 0;

function generate(config: Config, kong: Kong): string {
  switch (config.generator) {
    case 'uuid':
      return randomUUID();
    case 'tracker': {
      // Kong's tracker: server address, server port, worker pid, connection serial, requests on it, time (s.ms).
      const c = kong.request.getConnection();
      return `${c.serverAddress}-${c.serverPort}-${workerPid}-${c.serial}-${c.requests}-${(Date.now() / 1000).toFixed(3)}`;
    }
    default:
      return `${processId}#${++counter}`;
  }
}

export default definePluginHandler<Config>({
  version: '1.0.0',
  priority: 100001,
  access(kong, config) {
    let id = kong.request.getHeader(config.header_name);
    // An empty header counts as none: the id is generated (and only then set upstream).
    if (!id) {
      id = generate(config, kong);
      kong.service.request.setHeader(config.header_name, id);
    }
    kong.log.setSerializeValue('correlation_id', id);
    if (config.echo_downstream) kong.ctx.plugin.id = id;
  },
  headerFilter(kong, config) {
    if (!config.echo_downstream) return;
    // Access may not have run (an earlier plugin answered): the client's id, else a new one.
    const seen = kong.ctx.plugin.id;
    const id = typeof seen === 'string' ? seen : kong.request.getHeader(config.header_name) || generate(config, kong);
    kong.response.setHeader(config.header_name, id);
  },
});

// Kong: kong/plugins/file-log/handler.lua
import type { Kong } from '../../../pdk/kong.ts';
import type { PluginConfig } from '../../schema-types.ts';
import { definePluginHandler } from '../../types.ts';
import { recordJson } from '../log-record.ts';
import { refuseLuaFields } from '../lua-code.ts';
import { FileSink } from './file-sink.ts';
import type schema from './schema.ts';

type Config = PluginConfig<typeof schema>;

/** Kong has one fd per path, whichever config opened it. */
const sinks = new Map<string, FileSink>();
let activePaths = new Set<string>();
/** How long stopping waits for queued lines to be written. */
const STOP_DRAIN_MS = 5_000;

function sinkFor(path: string): FileSink {
  let sink = sinks.get(path);
  if (!sink) {
    sink = new FileSink(path, (closed) => {
      if (sinks.get(closed.path) === closed) sinks.delete(closed.path);
    });
    // A request of an older config may log to a path the current one dropped: written, then closed.
    sink.retained = activePaths.has(path);
    sinks.set(path, sink);
  }
  return sink;
}

async function drainAll(): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const cap = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, STOP_DRAIN_MS);
    timer.unref();
  });
  await Promise.race([Promise.all([...sinks.values()].map((s) => s.drained())), cap]);
  clearTimeout(timer);
}

export default definePluginHandler<Config>({
  version: '3.10.0',
  priority: 9,
  prepare(config) {
    refuseLuaFields(config);
  },
  async configure(configs) {
    activePaths = new Set((configs ?? []).map((c) => c.path));
    for (const sink of sinks.values()) {
      if (activePaths.has(sink.path)) sink.retained = true;
      else sink.release();
    }
    if (configs === null) await drainAll();
  },
  log(kong: Kong, config) {
    // Kong's record, one JSON line per request, appended in order.
    const line = `${recordJson(kong)}\n`;
    sinkFor(config.path).append(line, config.reopen, kong.log);
  },
});

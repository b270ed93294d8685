/**
 * The gateway for `bench hostile`, in-process, with an event-loop delay histogram the parent resets and reads
 * over IPC between kinds of hostile requests.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pino } from 'pino';
import { startGateway } from '../src/main.ts';
import { resolveSettings } from '../src/settings/settings.ts';

const histogram = monitorEventLoopDelay({ resolution: 1 });
histogram.enable();
const settings = resolveSettings({
  config: process.env.CONFIG, proxyListen: [`127.0.0.1:${process.env.PORT}`], adminListen: ['off'],
  plugins: ['bundled', 'body-reader'], pluginsPath: [process.env.PLUGINS!], workers: '1',
}, {});
await startGateway(settings, pino({ level: 'silent' }));
process.on('message', (message: string) => {
  if (message === 'reset') {
    histogram.reset();
    process.send!({ reset: true });
  } else if (message === 'read') {
    process.send!({ maxMs: histogram.max / 1e6, p99Ms: histogram.percentile(99) / 1e6 });
  }
});
process.send!({ ready: true });

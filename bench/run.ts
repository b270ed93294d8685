/** `npm run bench [NAME...]`: every benchmark, or the named ones. Not a test: numbers, ratios, targets. */
import { runAccessLogBench } from './access-log.ts';
import { runHostileBench } from './hostile.ts';
import { runLoggingBench } from './logging.ts';
import { runMixBench } from './mix.ts';
import { runAuthBench, runHttpLogBench, runPluginsBench } from './plugins.ts';
import { runCacheBench } from './proxy-cache.ts';
import { runProxyBench } from './proxy.ts';
import { runRateLimitingBench } from './rate-limiting.ts';
import { runReloadBench } from './reload.ts';
import { runRouterBench } from './router.ts';
import { runSharedBench } from './shared.ts';
import { runTcpBench } from './tcp.ts';
import { runValidateBench } from './validate.ts';
import { runWorkersBench } from './workers.ts';
import { runWebSocketBench } from './websocket.ts';

const BENCHES: Record<string, () => void | Promise<void>> = {
  validate: runValidateBench,
  router: runRouterBench,
  proxy: runProxyBench,
  reload: runReloadBench,
  plugins: runPluginsBench,
  auth: runAuthBench,
  cache: runCacheBench,
  hostile: runHostileBench,
  ratelimit: runRateLimitingBench,
  logging: runLoggingBench,
  mix: runMixBench,
  httplog: runHttpLogBench,
  workers: runWorkersBench,
  ws: runWebSocketBench,
  accesslog: runAccessLogBench,
  shared: runSharedBench,
  tcp: runTcpBench,
};

const wanted = process.argv.slice(2);
for (const [name, run] of Object.entries(BENCHES)) {
  if (wanted.length === 0 || wanted.includes(name)) await run();
}

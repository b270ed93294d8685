/**
 * `gateway start`: load the config with the very code `validate` uses, serve it, reload it when the file changes
 * or on SIGHUP, and on SIGTERM or SIGINT: readiness turns 503 (`/status/ready` says `draining`, and goes on
 * saying it while the proxy drains), then the listeners stop accepting, in-flight requests finish (bounded by the
 * drain timeout), and the process exits 0.
 */
import { ConfigInvalid, formatIssue } from '../errors.ts';
import { startGateway, type Gateway } from '../main.ts';
import { createLogger } from '../observability/logger.ts';
import type { Settings } from '../settings/settings.ts';
import type { CliIO } from './validate.ts';

/**
 * Run by npm (`npx gateway start`, an `npm exec`), the gateway's parent is npm's script shell, which dies of the
 * SIGTERM npm passes it and leaves this process behind (dash does not exec the command). So under npm, the
 * parent going away is taken as the SIGTERM that did not come. (`npm start` execs node: npm itself is the parent
 * and passes the signal on.) Not outside npm: a gateway started with nohup must outlive its shell.
 */
function watchNpmParent(stop: (reason: string) => void): void {
  if (!process.env.npm_command) return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    stop('parent exited');
  }, 500);
  timer.unref();
}

export async function runStart(settings: Settings, io: CliIO): Promise<number> {
  const log = createLogger(settings.logLevel);
  // Once, here in the one process that reads the settings (workers get them resolved).
  for (const warning of settings.warnings) log.warn(warning);
  // Listened for before the start: a SIGTERM that comes while the config loads (a pod deleted as it starts) stops
  // the gateway once it is up, with exit 0, rather than killing it midway.
  const stopping = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
    watchNpmParent(resolve);
  });
  let gateway: Gateway;
  try {
    gateway = await startGateway(settings, log);
  } catch (err) {
    if (!(err instanceof ConfigInvalid)) throw err;
    for (const issue of err.issues) io.err(formatIssue(issue));
    io.err(err.message);
    return 1;
  }
  const onHup = () => void gateway.reload('SIGHUP');
  process.on('SIGHUP', onHup);
  const signal = await stopping;
  process.off('SIGHUP', onHup);
  gateway.drain();
  log.info({ signal, drain_timeout: settings.drainTimeoutSeconds }, 'stopping: draining in-flight requests');
  await gateway.stop();
  log.info('stopped');
  return 0;
}

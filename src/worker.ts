/**
 * Wiring of one worker thread (`--workers N`, N > 1): what main.ts does for the in-process gateway, minus what the
 * primary owns (loading and validating the file, the watcher, the admin API, active health checks). It attaches
 * the shared state, runs the plugins' `initWorker`, serves the config the primary sent on every proxy listener
 * (with reusePort: the kernel spreads connections over the workers), and swaps to each config the primary sends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { describeError, type ConfigIssue } from './errors.ts';
import { ipList } from './http/ip-list.ts';
import { openLog, VERSION } from './main.ts';
import { accessLogMetrics } from './observability/access-log-file.ts';
import { createLogger } from './observability/logger.ts';
import { NODE_ID } from './pdk/node.ts';
import { buildPluginCatalog, handlersOf } from './plugins/catalog.ts';
import { logDropMetrics } from './plugins/bundled/log-drops.ts';
import { collect as prometheusMetrics } from './plugins/bundled/prometheus/exporter.ts';
import { resetSeries } from './plugins/bundled/prometheus/series.ts';
import { setMemoryBudget } from './plugins/bundled/proxy-cache/store.ts';
import { setSyslogAddress } from './plugins/bundled/syslog/handler.ts';
import { BUNDLED_CATALOG } from './plugins/registry.ts';
import { readErrorTemplates } from './proxy/error-templates.ts';
import { installFaultHandlers } from './proxy/faults.ts';
import { listen, type RunningListener } from './proxy/listeners.ts';
import { configurePlugins, within } from './runtime/reload.ts';
import { attachShared } from './shared-state.ts';
import { SnapshotStore } from './runtime/store.ts';
import { joinConfig, type ConfigPart, type FromWorker, type ToWorker, type WorkerBoot } from './runtime/worker-messages.ts';
import { compileSnapshotSliced } from './snapshot/compile-sliced.ts';
import { compileSnapshot } from './snapshot/snapshot.ts';
import { HealthRegistry, targetHealth } from './upstream/health.ts';
import { poolIdsOf } from './upstream/pool-key.ts';
import { PoolRegistry } from './upstream/pools.ts';

const port = parentPort!;
const boot = workerData as WorkerBoot;
const { settings } = boot;
const send = (message: FromWorker | { type: 'fatal'; message: string; issues?: readonly ConfigIssue[] }) => port.postMessage(message);
// Lines go to the primary, which writes them where its own go: one log for the node.
const log = createLogger(settings.logLevel, { write: (line: string) => send({ type: 'log', line }) }).child({ worker: boot.worker });

installFaultHandlers(log);
attachShared(boot.shared);
setMemoryBudget(settings.memCacheSizeBytes);
setSyslogAddress(settings.syslogAddress);

async function serve(): Promise<void> {
  const catalog = await buildPluginCatalog(settings);
  if (catalog.has('prometheus')) resetSeries();
  const handlers = handlersOf(catalog);
  for (const [name, handler] of handlers) {
    try {
      await within(handler.initWorker?.(), settings.pluginTimeoutMs);
    } catch (err) {
      return fatal(`plugin '${name}': initWorker failed: ${describeError(err)}`);
    }
  }
  const first = compileSnapshot(boot.config, boot.hash, handlers);
  const refused = await configurePlugins(first, handlers, settings.configPath, undefined, settings.pluginTimeoutMs);
  if (refused.length > 0) return fatal('the config was refused', refused);
  const store = new SnapshotStore(first);
  const pools = new PoolRegistry();
  const health = new HealthRegistry();
  // Passive checks flip targets here; the primary tells the other workers (Kong keeps health per node).
  health.onChange((upstream, target, healthy) => {
    log.warn({ upstream, target, healthy }, `target ${healthy ? 'healthy' : 'unhealthy'}`);
    send({ type: 'health', upstream, target, healthy });
  });
  // Each worker appends its own buffered lines to the same file (O_APPEND: whole writes never interleave) or stdout.
  const accessLog = settings.accessLog.kind === 'off' ? undefined : openLog(settings.accessLog, log);
  const options = {
    accessLog,
    store, pools, log, health, headers: settings.headers, isTrusted: ipList(settings.trustedIps), realIp: settings.realIp, portMaps: settings.portMaps, errorDefaultType: settings.errorDefaultType, errorTemplates: readErrorTemplates(settings.errorTemplatePaths), serverToken: `gateway/${VERSION}`,
    pluginTimeoutMs: settings.pluginTimeoutMs, clientTimeouts: settings.clientTimeouts,
    // The one default certificate the primary resolved (made once per start, the same in every worker).
    ...(settings.sslCertificate ? { defaultCertificate: { cert: settings.sslCertificate.cert, key: settings.sslCertificate.key } } : {}),
    traceFaults: [...catalog.keys()].some((name) => !BUNDLED_CATALOG.has(name)),
  };
  const listeners: RunningListener[] = [];
  try {
    for (const at of boot.listen) listeners.push(await listen(at, options, true));
  } catch (err) {
    await Promise.all(listeners.map((l) => l.close(0)));
    const code = (err as NodeJS.ErrnoException).code;
    return fatal(`cannot listen: ${code === 'EADDRINUSE' ? 'address already in use' : (err as Error).message}`);
  }

  const counts = async () => {
    const active = await Promise.all(listeners.map((l) => l.connections()));
    const sum = (pick: (c: RunningListener['counts']) => number) => listeners.reduce((n, l) => n + pick(l.counts), 0);
    return { active: active.reduce((a, b) => a + b, 0), accepted: sum((c) => c.accepted), requests: sum((c) => c.requests), inFlight: sum((c) => c.inFlight) };
  };
  const metrics = async () => {
    let text = `${logDropMetrics()}\n`;
    if (accessLog) text += `${accessLogMetrics(accessLog)()}\n`;
    if (catalog.has('prometheus')) {
      text += await prometheusMetrics({ nodeId: NODE_ID, version: VERSION, connections: counts, targets: () => targetHealth(health, store.current().config) });
    }
    return text;
  };

  /** The parts of a config being pulled, by sequence number. */
  const pulling = new Map<number, { parts: ConfigPart[]; total: number; hash: string }>();
  // One swap at a time, in the order the primary sent them.
  let swapping: Promise<void> = Promise.resolve();
  const apply = async (seq: number, parts: readonly ConfigPart[], hash: string) => {
    const previous = store.current();
    try {
      const stats = { totalMs: 0, longestMs: 0 };
      const next = await compileSnapshotSliced(joinConfig(parts), hash, handlers, stats);
      const started = performance.now();
      const issues = await configurePlugins(next, handlers, settings.configPath, previous, settings.pluginTimeoutMs);
      if (issues.length > 0) return send({ type: 'refused', seq, issues });
      store.swap(next);
      pools.retainOnly(poolIdsOf(next));
      for (const l of listeners) l.refreshTls();
      const swapMs = performance.now() - started;
      send({ type: 'applied', seq, hash, compileMs: Math.round(stats.totalMs), longestStepMs: Math.round(Math.max(stats.longestMs, swapMs)) });
    } catch (err) {
      send({ type: 'refused', seq, issues: [{ file: settings.configPath, line: 0, column: 0, path: '', message: `reload failed: ${describeError(err)}`, severity: 'error' }] });
    }
  };

  const stop = async (drainMs: number) => {
    await Promise.all(listeners.map((l) => l.close(drainMs)));
    await pools.close();
    await accessLog?.close();
    for (const handler of handlers.values()) {
      if (handler.configure) await within(handler.configure(null), settings.pluginTimeoutMs).catch(() => undefined);
    }
    send({ type: 'stopped' });
    port.close();
    process.exit(0);
  };

  port.on('message', (message: ToWorker) => {
    switch (message.type) {
      case 'config':
        pulling.set(message.seq, { parts: [], total: message.parts, hash: message.hash });
        send({ type: 'pull', seq: message.seq, index: 0 });
        return;
      case 'part': {
        const p = pulling.get(message.seq);
        if (!p) return;
        p.parts.push(message.part);
        if (p.parts.length < p.total) return send({ type: 'pull', seq: message.seq, index: p.parts.length });
        pulling.delete(message.seq);
        swapping = swapping.then(() => apply(message.seq, p.parts, p.hash));
        return;
      }
      case 'ask':
        (message.what === 'metrics' ? metrics() : counts()).then(
          (value) => send({ type: 'answer', seq: message.seq, value }),
          () => send({ type: 'answer', seq: message.seq, value: '' }),
        );
        return;
      case 'health':
        health.adopt(message.upstream, message.target, message.healthy);
        return;
      case 'stop':
        void stop(message.drainMs);
        return;
    }
  });
  send({ type: 'ready', ports: listeners.map((l) => l.port), hash: first.hash });
}

function fatal(message: string, issues?: readonly ConfigIssue[]): void {
  send({ type: 'fatal', message, ...(issues ? { issues } : {}) });
  process.exit(1);
}

serve().catch((err: unknown) => fatal(describeError(err)));

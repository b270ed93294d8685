/**
 * Wiring of the gateway with worker threads (`--workers N`, N > 1), as nginx's master with its workers: this
 * thread loads and validates the file (once per change), watches it, serves the admin API, runs the active
 * health checks, and starts, feeds, restarts and stops the workers (runtime/worker-pool.ts), which serve the
 * proxy listeners (worker.ts). It compiles each config too (the admin API reads the snapshot, and a config that
 * does not compile never reaches a worker), but tells no plugin of it: plugins live in the workers.
 */
import { createServer } from 'node:net';
import type { Logger } from 'pino';
import { listenAdmin, type MetricSource } from './admin/server.ts';
import { reloadMetrics, statusAnswer, type ServerCounts } from './admin/status-body.ts';
import { readiness } from './status/readiness.ts';
import { listenStatus, type RunningStatus } from './status/server.ts';
import { loadConfigFile } from './declarative/load-config.ts';
import { ConfigInvalid, describeError, formatIssue, GatewayError } from './errors.ts';
import type { Gateway } from './main.ts';
import { isEmpty, VERSION } from './main.ts';
import { NODE_ID } from './pdk/node.ts';
import { buildPluginCatalog, handlersOf } from './plugins/catalog.ts';
import { setMemoryBudget } from './plugins/bundled/proxy-cache/store.ts';
import { installFaultHandlers } from './proxy/faults.ts';
import { acceptProxyProtocol } from './proxy/proxy-protocol.ts';
import type { RunningListener } from './proxy/listeners.ts';
import { mergeMetrics } from './runtime/merge-metrics.ts';
import { createReloader } from './runtime/reload.ts';
import { SnapshotStore } from './runtime/store.ts';
import { watchConfig } from './runtime/watcher.ts';
import { WorkerPool, type WorkerStatus } from './runtime/worker-pool.ts';
import type { Settings } from './settings/settings.ts';
import { createShared } from './shared-state.ts';
import { compileSnapshot } from './snapshot/snapshot.ts';
import { startActiveChecks } from './upstream/active-checks.ts';
import { HealthRegistry } from './upstream/health.ts';
import { PoolRegistry } from './upstream/pools.ts';

export interface WorkersGateway extends Gateway {
  /** Readiness turns false at once (SIGTERM does this before `stop`). */
  drain(): void;
  /** Which config each worker serves. */
  status(): Promise<WorkerStatus[]>;
}

/**
 * The workers bind with SO_REUSEPORT, which would let them join another process's sockets on the same address (a
 * second gateway started by mistake would silently take half the connections): a plain bind first, and closed,
 * refuses an address in use as the in-process gateway does.
 */
async function ensureFree(listeners: Settings['proxyListen']): Promise<void> {
  for (const at of listeners) {
    if (at.port === 0) continue;
    const server = createServer();
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port: at.port, host: at.host, exclusive: true }, () => resolve());
      });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new GatewayError('LISTEN_FAILED', `cannot listen: ${code === 'EADDRINUSE' ? 'address already in use' : (err as Error).message}`);
    }
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export async function startWorkers(settings: Settings, log: Logger): Promise<WorkersGateway> {
  // Stream listeners are not served by worker threads yet: refused rather than left unserved.
  if (settings.streamListen.length > 0) {
    throw new GatewayError('BAD_USAGE', `--stream-listen is not served with --workers ${settings.workers} yet: use --workers 1 with stream listeners`);
  }
  installFaultHandlers(log);
  setMemoryBudget(settings.memCacheSizeBytes);
  const catalog = await buildPluginCatalog(settings);
  const loaded = await loadConfigFile(settings.configPath, { plugins: catalog });
  for (const issue of loaded.issues.filter((i) => i.severity === 'warning')) log.warn(formatIssue(issue));
  if (!loaded.config) throw new ConfigInvalid(settings.configPath, loaded.issues);
  if (settings.proxyListen.some((l) => l.ssl) && loaded.config.certificates.length === 0) {
    log.warn('an ssl listener is configured but the config has no certificates: TLS handshakes will fail');
  }
  const handlers = handlersOf(catalog);
  const store = new SnapshotStore(compileSnapshot(loaded.config, loaded.hash, handlers));
  // Creating the shared tables attaches them in this thread too (the admin API's purges, the probes' verdicts).
  const shared = createShared(settings);
  const health = new HealthRegistry();
  const pool = new WorkerPool({
    entry: new URL('./worker.ts', import.meta.url), settings, log, shared, nodeId: NODE_ID,
    onHealth: (upstream, target, healthy) => health.adopt(upstream, target, healthy),
  });
  await ensureFree(settings.proxyListen);
  await pool.start(settings.workers, loaded.config, loaded.hash);
  health.onChange((upstream, target, healthy) => {
    log.warn({ upstream, target, healthy }, `target ${healthy ? 'healthy' : 'unhealthy'}`);
    pool.broadcastHealth(upstream, target, healthy);
  });
  let stopChecks = startActiveChecks(loaded.config, health);
  const reloader = createReloader({
    path: settings.configPath, store, catalog, handlers, log, pluginTimeoutMs: settings.pluginTimeoutMs,
    distribute: (next, previous) => pool.distribute(next.config, next.hash, previous),
    onSwap: async (next) => {
      await stopChecks();
      stopChecks = startActiveChecks(next.config, health);
    },
  });
  const watcher = await watchConfig(settings.configPath, (reason) => void reloader.reload(reason), (err) => {
    log.warn({ err: describeError(err), path: settings.configPath }, 'watching the config file failed');
  });
  // The node's totals: every worker's samples, merged on each scrape.
  const metricSources: MetricSource[] = [async () => mergeMetrics(await pool.ask('metrics'))];
  // nginx's stub_status counters, summed over the workers.
  const serverCounts = async (): Promise<ServerCounts> => {
    const all = await pool.ask('counts');
    const sum = (pick: (c: ServerCounts) => number) => all.reduce((n, c) => n + pick(c), 0);
    return { active: sum((c) => c.active), accepted: sum((c) => c.accepted), requests: sum((c) => c.requests), inFlight: sum((c) => c.inFlight) };
  };
  const connections = async () => (await serverCounts()).active;
  const admins: Awaited<ReturnType<typeof listenAdmin>>[] = [];
  const statuses: RunningStatus[] = [];
  let draining = false;
  const drain = () => {
    if (!draining && statuses.length > 0) log.info('draining: /status/ready answers 503 from now on');
    draining = true;
  };
  const stopAll = async (drainMs: number) => {
    drain();
    await Promise.all([...admins.map((a) => a.close()), watcher.close(), stopChecks()]);
    await pool.stop(drainMs);
    // Last: a probe sees 503 `draining` until the very end, not a refused connection.
    await Promise.all(statuses.map((x) => x.close()));
  };
  try {
    for (const at of settings.adminListen) {
      admins.push(await listenAdmin(at, {
        store, reloader, catalog, version: VERSION, nodeId: NODE_ID, metrics: metricSources, counts: serverCounts,
        server: settings.headers.server ? `gateway/${VERSION}` : undefined, adminLatency: settings.headers.adminLatency,
        ...(settings.adminSslCertificate ? { certificate: { cert: settings.adminSslCertificate.cert, key: settings.adminSslCertificate.key } } : {}),
        acceptProxyProtocol: (server) => acceptProxyProtocol(server, settings.clientTimeouts.headerMs),
        workers: () => pool.status(),
      }));
    }
  } catch (err) {
    await stopAll(0);
    throw new GatewayError('LISTEN_FAILED', `cannot listen (admin): ${(err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'address already in use' : (err as Error).message}`);
  }
  for (const at of settings.statusListen) {
    try {
      statuses.push(await listenStatus(at, {
        // Ready once every worker serves a config (Kong's "router ready in X of Y workers").
        readiness: () => readiness({ draining, workersReady: pool.status().filter((s) => s.ready).length, workers: settings.workers, emptyConfig: isEmpty(store.current().config) }),
        status: (query) => statusAnswer({ store, reloader, server: serverCounts, workers: () => pool.status() }, query),
        metrics: [reloadMetrics(store, reloader), ...metricSources],
        drain,
        server: settings.headers.server ? `gateway/${VERSION}` : undefined,
        ...(settings.statusSslCertificate ? { certificate: { cert: settings.statusSslCertificate.cert, key: settings.statusSslCertificate.key } } : {}),
      }));
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'address already in use' : (err as Error).message;
      await stopAll(0);
      throw new GatewayError('LISTEN_FAILED', `cannot listen (status): ${reason}`);
    }
  }
  const listeners = pool.listen.map((at): RunningListener => ({
    address: `${at.host.includes(':') ? `[${at.host}]` : at.host}:${at.port}`,
    port: at.port,
    refreshTls: () => undefined,
    connections,
    // The workers count; this thread serves no connection.
    counts: { accepted: 0, requests: 0, inFlight: 0 },
    close: () => Promise.resolve(),
  }));
  log.info({ proxy_listen: listeners.map((l) => l.address), admin_listen: admins.map((a) => a.address), status_listen: statuses.map((x) => x.address), workers: settings.workers, configuration_hash: loaded.hash, version: VERSION }, 'gateway ready');
  return {
    statuses,
    listeners,
    streamListeners: [],
    pools: new PoolRegistry(),
    admins,
    store,
    reload: (reason) => reloader.reload(reason),
    get lastReload() {
      return reloader.last;
    },
    drain,
    status: () => Promise.resolve(pool.status().map((s) => ({ ...s, ready: s.ready && !draining }))),
    stop: () => stopAll(settings.drainTimeoutSeconds * 1000),
  };
}

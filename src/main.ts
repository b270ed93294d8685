/**
 * Wiring only: settings → logger → plugin catalog → config → snapshot → store → listeners, and the shutdown
 * that reverses it.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { Logger } from 'pino';
import { ConfigInvalid, describeError, formatIssue, GatewayError } from './errors.ts';
import { loadConfigFile } from './declarative/load-config.ts';
import { createLogger } from './observability/logger.ts';
import { buildPluginCatalog, handlersOf } from './plugins/catalog.ts';
import { BUNDLED_CATALOG } from './plugins/registry.ts';
import { ipList } from './http/ip-list.ts';
import { readErrorTemplates } from './proxy/error-templates.ts';
import { installFaultHandlers } from './proxy/faults.ts';
import { listen, type RunningListener } from './proxy/listeners.ts';
import { listenStream, type RunningStreamListener } from './stream/listener.ts';
import { acceptProxyProtocol } from './proxy/proxy-protocol.ts';
import { SnapshotStore } from './runtime/store.ts';
import type { Settings } from './settings/settings.ts';
import { compileSnapshot } from './snapshot/snapshot.ts';
import { poolIdsOf } from './upstream/pool-key.ts';
import { PoolRegistry } from './upstream/pools.ts';
import { HealthRegistry, targetHealth } from './upstream/health.ts';
import { startActiveChecks } from './upstream/active-checks.ts';
import { configurePlugins, createReloader, within, type ReloadRecord } from './runtime/reload.ts';
import { watchConfig } from './runtime/watcher.ts';
import { listenAdmin, type MetricSource } from './admin/server.ts';
import { reloadMetrics, statusAnswer, type ServerCounts } from './admin/status-body.ts';
import { listenStatus, type RunningStatus } from './status/server.ts';
import { readiness } from './status/readiness.ts';
import { accessLogMetrics, openAccessLog, type AccessLogFile } from './observability/access-log-file.ts';
import type { Config } from './declarative/config.ts';
import { NODE_ID } from './pdk/node.ts';
import { setMemoryBudget } from './plugins/bundled/proxy-cache/store.ts';
import { logDropMetrics } from './plugins/bundled/log-drops.ts';
import { setSyslogAddress } from './plugins/bundled/syslog/handler.ts';
import { collect as prometheusMetrics } from './plugins/bundled/prometheus/exporter.ts';
import { resetSeries } from './plugins/bundled/prometheus/series.ts';
import { startWorkers } from './primary.ts';

export const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface Gateway {
  readonly listeners: readonly RunningListener[];
  /** Stream (TCP/TLS) listeners, from --stream-listen (none by default). */
  readonly streamListeners: readonly RunningStreamListener[];
  /** Upstream connection pools (they outlive snapshots). */
  readonly pools: PoolRegistry;
  /** Admin API listeners (none with --admin-listen off). */
  readonly admins: readonly { readonly address: string; readonly port: number }[];
  readonly store: SnapshotStore;
  /** Reloads the config file now (SIGHUP does this; so does a change to the file). */
  reload(reason: string): Promise<ReloadRecord>;
  readonly lastReload: ReloadRecord | undefined;
  /** Status listeners (none with --status-listen off). */
  readonly statuses: readonly { readonly address: string; readonly port: number }[];
  /** `/status/ready` answers 503 `draining` from now on; serving goes on (SIGTERM calls it before `stop`). */
  drain(): void;
  /** Which config each worker serves (one entry without worker threads). */
  status(): Promise<WorkerStatus[]>;
  /** Drains (see `drain`), stops accepting, lets in-flight requests finish within the drain timeout, closes. */
  stop(): Promise<void>;
}

export interface WorkerStatus {
  readonly worker: number;
  /** The hash of the config it serves (undefined before it first serves). */
  readonly configuration_hash: string | undefined;
  readonly ready: boolean;
}

export function openLog(target: Exclude<Settings['accessLog'], { kind: 'off' }>, log: Logger): AccessLogFile {
  try {
    return openAccessLog(target, (message, err) => log.warn(err === undefined ? {} : { err: describeError(err) }, message));
  } catch (err) {
    throw new GatewayError('BAD_USAGE', `--access-log: cannot open '${target.kind === 'file' ? target.path : 'stdout'}': ${(err as Error).message}`);
  }
}

/** Kong's empty configuration (no entity at all): not ready, as Kong's DB-less node with its empty-config hash. */
export const isEmpty = (config: Config) => Object.values(config).every((v) => !Array.isArray(v) || v.length === 0);

export async function startGateway(settings: Settings, log: Logger = createLogger(settings.logLevel)): Promise<Gateway> {
  // More than one worker: threads serve, this one is their primary (primary.ts). One: all here, in-process.
  if (settings.workers > 1) return startWorkers(settings, log);
  installFaultHandlers(log);
  setMemoryBudget(settings.memCacheSizeBytes);
  setSyslogAddress(settings.syslogAddress);
  const catalog = await buildPluginCatalog(settings);
  if (catalog.has('prometheus')) resetSeries();
  const loaded = await loadConfigFile(settings.configPath, { plugins: catalog });
  for (const issue of loaded.issues.filter((i) => i.severity === 'warning')) log.warn(formatIssue(issue));
  if (!loaded.config) throw new ConfigInvalid(settings.configPath, loaded.issues);
  if (settings.sslCertificate?.selfSigned && loaded.config.certificates.length === 0) {
    log.info('an ssl listener and no certificate (in the config or --ssl-cert): it serves a self-signed one for localhost, as Kong does');
  }
  const handlers = handlersOf(catalog);
  for (const [name, handler] of handlers) {
    try {
      await within(handler.initWorker?.(), settings.pluginTimeoutMs);
    } catch (err) {
      throw new GatewayError('BAD_PLUGIN', `plugin '${name}': initWorker failed: ${describeError(err)}`);
    }
  }
  const first = compileSnapshot(loaded.config, loaded.hash, handlers);
  // As Kong: plugins are told of the config before it serves anything.
  const refused = await configurePlugins(first, handlers, settings.configPath, undefined, settings.pluginTimeoutMs);
  if (refused.length > 0) throw new ConfigInvalid(settings.configPath, refused);
  const store = new SnapshotStore(first);
  const pools = new PoolRegistry();
  const health = new HealthRegistry();
  health.onChange((upstream, target, healthy) => log.warn({ upstream, target, healthy }, `target ${healthy ? 'healthy' : 'unhealthy'}`));
  const accessLog = settings.accessLog.kind === 'off' ? undefined : openLog(settings.accessLog, log);
  let stopChecks = startActiveChecks(loaded.config, health);
  const options = {
    store, pools, log, health, headers: settings.headers, isTrusted: ipList(settings.trustedIps), realIp: settings.realIp, portMaps: settings.portMaps, errorDefaultType: settings.errorDefaultType, errorTemplates: readErrorTemplates(settings.errorTemplatePaths), serverToken: `gateway/${VERSION}`,
    pluginTimeoutMs: settings.pluginTimeoutMs, clientTimeouts: settings.clientTimeouts,
    ...(settings.sslCertificate ? { defaultCertificate: { cert: settings.sslCertificate.cert, key: settings.sslCertificate.key } } : {}),
    traceFaults: [...catalog.keys()].some((name) => !BUNDLED_CATALOG.has(name)),
    accessLog,
  };
  const listeners: RunningListener[] = [];
  const streamListeners: RunningStreamListener[] = [];
  const streamEnv = {
    current: () => store.current(), log, health, pluginTimeoutMs: settings.pluginTimeoutMs, prereadTimeoutMs: 30_000,
    // Kong's stream TLS terminator serves the proxy's default certificate (ssl_cert, or the one made at start).
    ...(settings.sslCertificate ? { defaultCertificate: createSecureContext({ cert: settings.sslCertificate.cert, key: settings.sslCertificate.key }) } : {}),
  };
  try {
    for (const at of settings.proxyListen) listeners.push(await listen(at, options));
    for (const at of settings.streamListen) streamListeners.push(await listenStream(at, streamEnv, settings.portMaps));
  } catch (err) {
    await Promise.all([...listeners.map((l) => l.close(0)), ...streamListeners.map((l) => l.close(0))]);
    await stopChecks();
    const code = (err as NodeJS.ErrnoException).code;
    throw new GatewayError('LISTEN_FAILED', `cannot listen: ${code === 'EADDRINUSE' ? 'address already in use' : (err as Error).message}`);
  }
  const reloader = createReloader({
    path: settings.configPath,
    store,
    catalog,
    handlers,
    log,
    pluginTimeoutMs: settings.pluginTimeoutMs,
    onSwap: async (next) => {
      pools.retainOnly(poolIdsOf(next));
      await stopChecks();
      stopChecks = startActiveChecks(next.config, health);
      for (const l of listeners) l.refreshTls();
    },
  });
  const watcher = await watchConfig(settings.configPath, (reason) => void reloader.reload(reason), (err) => {
    log.warn({ err: describeError(err), path: settings.configPath }, 'watching the config file failed');
  });
  const serverCounts = async (): Promise<ServerCounts> => {
    const active = await Promise.all(listeners.map((l) => l.connections()));
    const sum = (pick: (c: RunningListener['counts']) => number) => listeners.reduce((n, l) => n + pick(l.counts), 0);
    return { active: active.reduce((a, b) => a + b, 0), accepted: sum((c) => c.accepted), requests: sum((c) => c.requests), inFlight: sum((c) => c.inFlight) };
  };
  // What the admin's /metrics shows after the reload metrics (plugins' and the log queues' families).
  const metricSources: MetricSource[] = [logDropMetrics, ...(accessLog ? [accessLogMetrics(accessLog)] : [])];
  // Kong's /metrics comes with the prometheus plugin: there whenever the plugin is available (its per-request
  // families only while an instance is enabled).
  if (catalog.has('prometheus')) {
    metricSources.push(() => prometheusMetrics({
      nodeId: NODE_ID,
      version: VERSION,
      connections: serverCounts,
      targets: () => targetHealth(health, store.current().config),
    }));
  }
  const admins: Awaited<ReturnType<typeof listenAdmin>>[] = [];
  try {
    for (const at of settings.adminListen) {
      admins.push(await listenAdmin(at, {
        store, reloader, catalog, version: VERSION, nodeId: NODE_ID, metrics: metricSources,
        server: settings.headers.server ? `gateway/${VERSION}` : undefined, adminLatency: settings.headers.adminLatency,
        ...(settings.adminSslCertificate ? { certificate: { cert: settings.adminSslCertificate.cert, key: settings.adminSslCertificate.key } } : {}),
        acceptProxyProtocol: (server) => acceptProxyProtocol(server, settings.clientTimeouts.headerMs),
        counts: serverCounts,
      }));
    }
  } catch (err) {
    await Promise.all([...admins.map((a) => a.close()), ...listeners.map((l) => l.close(0)), ...streamListeners.map((l) => l.close(0)), watcher.close(), stopChecks()]);
    throw new GatewayError('LISTEN_FAILED', `cannot listen (admin): ${(err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'address already in use' : (err as Error).message}`);
  }
  let draining = false;
  const drain = () => {
    if (!draining && statuses.length > 0) log.info('draining: /status/ready answers 503 from now on');
    draining = true;
  };
  const statuses: RunningStatus[] = [];
  for (const at of settings.statusListen) {
    try {
      statuses.push(await listenStatus(at, {
        readiness: () => readiness({ draining, workersReady: 1, workers: 1, emptyConfig: isEmpty(store.current().config) }),
        status: (query) => statusAnswer({ store, reloader, server: serverCounts }, query),
        metrics: [reloadMetrics(store, reloader), ...metricSources],
        drain,
        server: settings.headers.server ? `gateway/${VERSION}` : undefined,
        ...(settings.statusSslCertificate ? { certificate: { cert: settings.statusSslCertificate.cert, key: settings.statusSslCertificate.key } } : {}),
      }));
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'address already in use' : (err as Error).message;
      await Promise.all([...statuses.map((x) => x.close()), ...admins.map((a) => a.close()), ...listeners.map((l) => l.close(0)), ...streamListeners.map((l) => l.close(0)), watcher.close(), stopChecks()]);
      throw new GatewayError('LISTEN_FAILED', `cannot listen (status): ${reason}`);
    }
  }
  log.info({ proxy_listen: listeners.map((l) => l.address), ...(streamListeners.length > 0 ? { stream_listen: streamListeners.map((l) => `${l.address}${l.ssl ? ' ssl' : ''}`) } : {}), admin_listen: admins.map((a) => a.address), status_listen: statuses.map((x) => x.address), configuration_hash: loaded.hash, version: VERSION }, 'gateway ready');
  return {
    listeners,
    streamListeners,
    pools,
    admins,
    store,
    reload: (reason) => reloader.reload(reason),
    get lastReload() {
      return reloader.last;
    },
    statuses,
    drain,
    status: async () => [{ worker: 0, configuration_hash: store.current().hash, ready: true }],
    async stop() {
      drain();
      await Promise.all(admins.map((a) => a.close()));
      await watcher.close();
      await stopChecks();
      await Promise.all([...listeners, ...streamListeners].map((l) => l.close(settings.drainTimeoutSeconds * 1000)));
      await pools.close();
      await accessLog?.close();
      // No config is served any more: plugins let go of what they hold for one (e.g. Redis connections).
      for (const handler of handlers.values()) {
        if (handler.configure) await within(handler.configure(null), settings.pluginTimeoutMs).catch(() => undefined);
      }
      // Last: a probe sees 503 `draining` until the very end, not a refused connection.
      await Promise.all(statuses.map((x) => x.close()));
    },
  };
}

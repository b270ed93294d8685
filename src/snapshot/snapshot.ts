/**
 * compile(Config) → Snapshot: everything a request needs, computed once per config and frozen. A request reads
 * the current snapshot once when it arrives and uses it to the end, so a reload never changes a request midway.
 */
import type { Config, Service, Upstream } from '../declarative/config.ts';
import { routerSteps, type Router } from '../router/router.ts';
import type { PluginHandler } from '../plugins/types.ts';
import { balancerFor, type Balancer } from './balancer.ts';
import { pluginPlanSteps, type PluginPlans } from './plugin-plans.ts';
import { compileCertificates, type CertificateTable } from './tls.ts';
import { compileUpstreamTls, type UpstreamTls } from './upstream-tls.ts';
import { compileCredentials, type Credentials } from './credentials.ts';
import { compileStreamRouter, type StreamRouter } from '../router/stream-router.ts';
import { compileStreamPlans, type StreamPlans } from './stream-plans.ts';

export interface CompiledUpstream {
  readonly upstream: Upstream;
  readonly balancer: Balancer;
  /** Targets with a weight, for the upstream-wide health threshold. */
  readonly weights: ReadonlyMap<string, number>;
}

export interface Snapshot {
  readonly config: Config;
  /** md5 of the config text, Kong's `configuration_hash`. */
  readonly hash: string;
  readonly router: Router;
  /** A service's host names an upstream when the upstream is load-balanced (Kong's rule). */
  readonly upstreams: ReadonlyMap<string, CompiledUpstream>;
  readonly services: ReadonlyMap<string, Service>;
  readonly plugins: PluginPlans;
  readonly certificates: CertificateTable;
  /** Per https service (by id): what its upstream connections present and trust. */
  readonly upstreamTls: ReadonlyMap<string, UpstreamTls>;
  readonly credentials: Credentials;
  /** Routes of the stream subsystem (tcp, tls, tls_passthrough), and the plugins of their connections. */
  readonly stream: { readonly router: StreamRouter; readonly plugins: StreamPlans };
}

/** `loadedAt` (ms) anchors credential ttls; it is the only time a snapshot knows, passed in to keep this pure. */
export function compileSnapshot(config: Config, hash: string, handlers: ReadonlyMap<string, PluginHandler>, loadedAt = Date.now()): Snapshot {
  const steps = snapshotSteps(config, hash, handlers, loadedAt);
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
}

/**
 * compileSnapshot in steps, yielding between slices of the work (the router's and the plugin plans' loops):
 * compile-sliced.ts runs it with the event loop let through between slices; run to the end, it is compileSnapshot.
 */
export function* snapshotSteps(config: Config, hash: string, handlers: ReadonlyMap<string, PluginHandler>, loadedAt = Date.now()): Generator<void, Snapshot> {
  const targetsByUpstream = new Map<string, Config['targets'][number][]>();
  for (const t of config.targets) {
    const id = t.upstream?.id;
    if (!id) continue;
    let list = targetsByUpstream.get(id);
    if (!list) targetsByUpstream.set(id, (list = []));
    list.push(t);
  }
  const upstreams = new Map<string, CompiledUpstream>();
  for (const u of config.upstreams) {
    const targets = targetsByUpstream.get(u.id) ?? [];
    const weights = new Map(targets.filter((t) => t.weight > 0).map((t) => [t.target, t.weight]));
    upstreams.set(u.name, Object.freeze({ upstream: u, balancer: balancerFor(u, targets), weights }));
  }
  const router = yield* routerSteps(config);
  const services = new Map(config.services.map((s) => [s.id, s]));
  yield;
  const plugins = yield* pluginPlanSteps(config, handlers);
  const certificates = compileCertificates(config);
  const upstreamTls = compileUpstreamTls(config);
  yield;
  const credentials = compileCredentials(config, loadedAt);
  const stream = Object.freeze({ router: compileStreamRouter(config), plugins: compileStreamPlans(config, handlers) });
  return Object.freeze({ config, hash, router, upstreams, services, plugins, certificates, upstreamTls, credentials, stream });
}

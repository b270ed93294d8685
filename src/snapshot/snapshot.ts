/**
 * compile(Config) → Snapshot: everything a request needs, computed once per config and frozen. A request reads
 * the current snapshot once when it arrives and uses it to the end, so a reload never changes a request midway.
 */
import type { Config, Service, Upstream } from '../declarative/config.ts';
import { compileRouter, type Router } from '../router/router.ts';
import type { PluginHandler } from '../plugins/types.ts';
import { balancerFor, type Balancer } from './balancer.ts';
import { compilePluginPlans, type PluginPlans } from './plugin-plans.ts';
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
  return Object.freeze({
    config,
    hash,
    router: compileRouter(config),
    upstreams,
    services: new Map(config.services.map((s) => [s.id, s])),
    plugins: compilePluginPlans(config, handlers),
    certificates: compileCertificates(config),
    upstreamTls: compileUpstreamTls(config),
    credentials: compileCredentials(config, loadedAt),
    stream: Object.freeze({ router: compileStreamRouter(config), plugins: compileStreamPlans(config, handlers) }),
  });
}

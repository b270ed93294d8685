/**
 * One request as the pipeline carries it from step to step: what the client sent (read once), the snapshot it
 * started on (read once: a reload never changes a request midway), the route it matched, the phases its plugins
 * run, their PDK state, and the one owner of its answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { RequestState } from '../pdk/request-state.ts';
import type { RouteMatch } from '../router/router.ts';
import type { SnapshotStore } from '../runtime/store.ts';
import type { Balancer } from '../snapshot/balancer.ts';
import { NO_PHASES, type PhaseSteps } from '../snapshot/plugin-plans.ts';
import type { Snapshot } from '../snapshot/snapshot.ts';
import type { Service } from '../declarative/config.ts';
import type { HeaderSettings } from '../settings/settings.ts';
import type { ExchangeOptions, UpstreamStats } from '../upstream/exchange.ts';
import type { HealthRegistry } from '../upstream/health.ts';
import type { PoolRegistry } from '../upstream/pools.ts';
import type { Upgrade } from '../upstream/tunnel.ts';
import { Reply } from './answer.ts';
import type { PhaseState } from './phase-runner.ts';
import { RequestFacts, type Listener } from './request-facts.ts';
import { serializeRequest } from './serialize.ts';

export interface ProxyOptions {
  readonly store: SnapshotStore;
  readonly pools: PoolRegistry;
  readonly headers: HeaderSettings;
  readonly isTrusted: (ip: string) => boolean;
  readonly log: Logger;
  /** Product token for Via and Server, e.g. `gateway/0.1.0`. */
  readonly serverToken: string;
  readonly health: HealthRegistry;
}

/** What every request on one listener shares. */
export interface ProxyEnv extends ProxyOptions, ExchangeOptions {
  readonly listener: Listener;
  /** A service's own host as a one-peer balancer, made on first use (services are frozen per snapshot). */
  readonly servicePeers: WeakMap<Service, Balancer>;
}

/** The most a plugin can read of a request body into memory (kong.request.getRawBody). */
const REQUEST_BODY_LIMIT = 8 * 1024 * 1024;

export class ProxyRequest {
  readonly env: ProxyEnv;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly upgrade: Upgrade | undefined;
  readonly facts: RequestFacts;
  readonly snapshot: Snapshot;
  readonly reply: Reply;
  readonly flags: PhaseState = { exited: false };
  readonly stats: UpstreamStats = { tries: [], upstreamUri: undefined, upstreamStatus: undefined, upstreamLatency: undefined, proxyLatency: undefined };
  match: RouteMatch | undefined = undefined;
  /** The phases after access and their plugins (no plugins until a route matched, or global ones after rewrite). */
  phases: PhaseSteps = NO_PHASES;
  /** The plugins' view of the request, made when a plugin first runs. */
  pdk: RequestState | undefined = undefined;
  /** Cookies the balancer asks to set (consistent-hashing on a cookie the client does not have). */
  setCookies: string[] | undefined = undefined;
  /** Answers Kong's 500 (a plugin failed). */
  readonly fail500 = () => this.reply.send({ kind: 'error', status: 500 });

  constructor(env: ProxyEnv, req: IncomingMessage, res: ServerResponse, upgrade: Upgrade | undefined) {
    this.env = env;
    this.req = req;
    this.res = res;
    this.upgrade = upgrade;
    this.facts = new RequestFacts(req, env.listener, env.isTrusted);
    this.snapshot = env.store.current();
    this.reply = new Reply(this);
  }

  /** The PDK state, made on first use; when any plugin logs, the answer's end runs the log phase. */
  kong(): RequestState {
    if (this.pdk) return this.pdk;
    const { facts, snapshot, env, reply } = this;
    const pdk = (this.pdk = new RequestState({
      req: this.req, scheme: env.listener.scheme, host: facts.host, port: facts.port, path: facts.path, rawQuery: facts.rawQuery,
      peerIp: facts.peerIp, forwardedIp: facts.forwardedIp,
      forwarded: { scheme: facts.scheme, host: facts.forwardedHost, port: facts.forwardedPort },
      credentials: snapshot.credentials, startedAt: facts.startedAt, log: env.log, requestId: facts.requestId,
      hasUpstream: (name) => snapshot.upstreams.has(name),
      serialize: () => serializeRequest(this),
    }, (status, body, headers, kind) => reply.pluginAnswer(status, body, headers, kind), REQUEST_BODY_LIMIT));
    if (snapshot.plugins.anyLog) reply.watch();
    return pdk;
  }
}

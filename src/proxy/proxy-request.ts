/**
 * One request as the pipeline carries it from step to step: what the client sent (read once), the snapshot it
 * started on (read once: a reload never changes a request midway), the route it matched, the phases its plugins
 * run, their PDK state, and the one owner of its answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { describeError } from '../errors.ts';
import type { FaultContext } from './faults.ts';
import { RequestState } from '../pdk/request-state.ts';
import type { RouteMatch } from '../router/router.ts';
import type { SnapshotStore } from '../runtime/store.ts';
import type { Balancer } from '../snapshot/balancer.ts';
import { NO_PHASES, type PhaseSteps } from '../snapshot/plugin-plans.ts';
import type { Snapshot } from '../snapshot/snapshot.ts';
import type { Service } from '../declarative/config.ts';
import type { ClientTimeouts, HeaderSettings } from '../settings/settings.ts';
import type { ExchangeOptions, UpstreamStats } from '../upstream/exchange.ts';
import type { HealthRegistry } from '../upstream/health.ts';
import type { PoolRegistry } from '../upstream/pools.ts';
import type { Upgrade } from '../upstream/tunnel.ts';
import { Reply } from './answer.ts';
import { plain500 } from './response-head.ts';
import type { PhaseState } from './phase-runner.ts';
import { RequestFacts, type Listener } from './request-facts.ts';
import type { RealIpSettings } from '../http/real-ip.ts';
import { unmapIpv4 } from '../http/ip-list.ts';
import type { ErrorTemplates } from '../http/kong-errors.ts';
import { serializeRequest } from './serialize.ts';
import { latencies, sizes } from './measures.ts';
import type { Latencies, Sizes } from '../pdk/kong.ts';
import type { AccessLogSink } from './access-log.ts';

export interface ProxyOptions {
  readonly store: SnapshotStore;
  readonly pools: PoolRegistry;
  readonly headers: HeaderSettings;
  readonly isTrusted: (ip: string) => boolean;
  /** --real-ip-header and --real-ip-recursive (default: X-Real-IP, not recursive). */
  readonly realIp?: RealIpSettings;
  /** --port-maps: the port clients reach a listener on, by the port it listens on (Kong's `port_maps`). */
  readonly portMaps?: ReadonlyMap<number, number>;
  /** --error-default-type (default text/plain). */
  readonly errorDefaultType?: string;
  /** --error-template-* files' contents, by kind. */
  readonly errorTemplates?: ErrorTemplates;
  readonly log: Logger;
  /** Product token for Via and Server, e.g. `gateway/0.1.0`. */
  readonly serverToken: string;
  readonly health: HealthRegistry;
  /** How long a plugin's phase may take to settle. */
  readonly pluginTimeoutMs: number;
  readonly clientTimeouts: ClientTimeouts;
  /** The certificate ssl listeners serve when the config has none (Kong's ssl_cert, or one made at start). */
  readonly defaultCertificate?: { readonly cert: string | string[]; readonly key: string | string[] };
  /**
   * Whether each request runs in the fault scope (faults.ts), so that a throw in a timer or a promise left
   * rejected is logged with its request, stage, phase and plugins. Set when custom plugins are loaded: the scope
   * costs about 2% of requests/s, and the bundled plugins leave no work of their own behind a phase.
   */
  readonly traceFaults?: boolean;
  /** --access-log: one line per request when its answer is over (none when off). */
  readonly accessLog?: AccessLogSink;
}

/** An open WebSocket connection of a ws service, as the listener sees it: closed at the drain timeout. */
export interface OpenWebSocket {
  /** The client's connection. */
  readonly socket: Duplex;
  /** Close frames (1001 Going Away) both ways, then the connection ends. */
  goAway(): void;
}

/** What every request on one listener shares. */
export interface ProxyEnv extends ProxyOptions, ExchangeOptions {
  readonly listener: Listener;
  /** Set when the listener drains (SIGTERM): answers then close their connections. */
  readonly lifecycle: { draining: boolean };
  /** The listener's open WebSocket connections (ws services). */
  readonly webSockets: Set<OpenWebSocket>;
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
  /** Where the request is, for the log line of a failure. */
  stage = 'arrival';
  /** What the connection had sent before this answer (the log record's response size); read when plugins log. */
  readonly bytesSentBefore: number | undefined;
  /** The log record, built when a log plugin first asks during the log phase, and shared by them. */
  record: Record<string, unknown> | undefined = undefined;

  /** The client sent `Expect: 100-continue` with a body, and waits to be told to send it. */
  readonly expectsContinue: boolean;
  #continued = false;

  constructor(env: ProxyEnv, req: IncomingMessage, res: ServerResponse, upgrade: Upgrade | undefined, expectsContinue = false) {
    this.env = env;
    this.req = req;
    this.res = res;
    this.upgrade = upgrade;
    const facts = (this.facts = new RequestFacts(req, env.listener, env.isTrusted, env.realIp));
    // A request without a body holds nothing back, whatever its Expect says: nginx keeps its connection. Node
    // would close it (it closes any whose client expected a 100 it never got), so it is told there is nothing
    // to wait for.
    this.expectsContinue = expectsContinue && facts.hasBody;
    if (expectsContinue && !this.expectsContinue) (res as { _expect_continue?: boolean })._expect_continue = false;
    const snapshot = (this.snapshot = env.store.current());
    this.bytesSentBefore = snapshot.plugins.anyLog || env.accessLog ? req.socket.bytesWritten : undefined;
    this.reply = new Reply(this);
    // The access line is written when the answer is over, from the response's one 'close' listener.
    if (env.accessLog) this.reply.watch();
  }

  /**
   * `100 Continue`, as nginx sends it: when the body is first read, not before (an answer given without reading
   * it, such as request-size-limiting's 417, never sends it).
   */
  sendContinue(): void {
    if (!this.expectsContinue || this.#continued || this.res.headersSent) return;
    this.#continued = true;
    this.res.writeContinue();
  }

  /** The client still holds back a body it was never told to send: its connection cannot be reused. */
  get bodyHeldBack(): boolean {
    return this.expectsContinue && !this.#continued;
  }

  /** What a fault's log line says of this request (see faults.ts). */
  fault(): FaultContext {
    return { requestId: this.facts.requestId, stage: this.stage, phase: this.pdk?.phase, plugins: this.pdk?.pluginNames ?? [] };
  }

  /** Runs a step of the pipeline; whatever it throws costs this request only (Kong's 500 and a log line). */
  guard(step: (ctx: ProxyRequest) => void): void {
    try {
      step(this);
    } catch (err) {
      this.crash(err);
    }
  }

  /** Once `pending` settles, the next step (unless a plugin answered or failed meanwhile). */
  after(pending: Promise<void>, next: (ctx: ProxyRequest) => void): void {
    pending.then(() => {
      if (!this.flags.exited) this.guard(next);
    }, (err: unknown) => this.crash(err));
  }

  /**
   * Something failed while handling this request outside a plugin: it is logged with the request id and the
   * stage, and answered Kong's 500 if nothing went out yet (else the answer is cut). Never throws.
   */
  crash(err: unknown): void {
    this.flags.exited = true;
    try {
      this.env.log.error({ request_id: this.facts.requestId, stage: this.stage, err: describeError(err) }, 'request failed');
    } catch {
      // A logger that throws must not take the request's answer with it.
    }
    answerCrash(this.env, this.req, this.res, this.facts.requestId, this.facts.started, () => this.reply.send({ kind: 'error', status: 500 }));
  }

  /** The PDK state, made on first use; when any plugin logs, the answer's end runs the log phase. */
  kong(): RequestState {
    if (this.pdk) return this.pdk;
    const { facts, snapshot, env, reply } = this;
    const pdk: RequestState = (this.pdk = new RequestState({
      // Kong's get_host is nginx's $host, and get_port the port the gateway listens on.
      req: this.req, scheme: env.listener.scheme, host: facts.requestHost, port: env.listener.port, path: facts.path, target: facts.target, rawQuery: facts.rawQuery,
      peerIp: facts.peerIp, forwardedIp: facts.forwardedIp,
      forwarded: { scheme: facts.scheme, host: facts.forwardedHost, port: facts.forwardedPort },
      credentials: snapshot.credentials, startedAt: facts.startedAt, log: env.log, requestId: facts.requestId,
      hasUpstream: (name) => snapshot.upstreams.has(name),
      serialize: (): Record<string, unknown> => (pdk.phase === 'log' || pdk.phase === 'wsClose' ? (this.record ??= serializeRequest(this)) : serializeRequest(this)),
      measures: this,
      beforeBodyRead: () => this.sendContinue(),
      bodyTimeoutMs: env.clientTimeouts.bodyMs,
      connection: () => {
        const socket = this.req.socket;
        return { serverAddress: unmapIpv4(socket.localAddress ?? ''), serverPort: socket.localPort ?? env.listener.port, ...facts.connection };
      },
    }, (status, body, headers, kind, proxied) => reply.pluginAnswer(status, body, headers, kind, proxied), REQUEST_BODY_LIMIT));
    if (snapshot.plugins.anyLog) {
      reply.watch();
    }
    return pdk;
  }

  /** kong.log.getLatencies() */
  latencies(): Latencies {
    return latencies(this.facts.started, this.stats);
  }

  /** kong.log.getSizes() */
  sizes(): Sizes {
    return sizes(this.req, this.bytesSentBefore ?? 0);
  }
}

/**
 * Kong's 500 for a request that failed, through the answer owner when it can, else written plainly (the answer
 * owner may be what failed); a response already under way is cut.
 */
export function answerCrash(env: ProxyEnv, req: IncomingMessage, res: ServerResponse, requestId: string, started: number, viaReply?: () => void): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  try {
    if (viaReply) {
      viaReply();
      if (res.headersSent) return;
    }
  } catch {
    // Fall through to the plain answer.
  }
  plain500(env, req, res, requestId, started);
}

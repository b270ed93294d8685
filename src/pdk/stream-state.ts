/**
 * The state of one stream connection behind its `kong` objects (Kong's stream subsystem PDK): the client, the
 * matched route, where the connection goes (a plugin may change the upstream or target in `preread`), how it
 * ends (`kong.response.exit`), and the log record. What belongs to HTTP requests only (`kong.request`'s request
 * line and headers, `kong.service.request`, response headers and bodies) throws, naming the call, instead of
 * answering something made up.
 */
import type { Logger } from 'pino';
import type { Consumer, ConsumerGroup } from '../declarative/config.ts';
import type { Credentials } from '../snapshot/credentials.ts';
import type { StreamMatch } from '../router/stream-router.ts';
import { processCache } from './cache.ts';
import type { JsonValue, Kong, KongCache, KongClient, KongLog, KongNode, KongRequest, KongResponse, KongRouter, KongService, Latencies, Sizes } from './kong.ts';
import { NODE } from './node.ts';
import { PhaseError } from './phases.ts';
import { applySerializeValues, type SerializeValue } from './serialize-values.ts';

export type StreamPhase = 'preread' | 'log';

export interface StreamFactsForPdk {
  readonly peerIp: string;
  readonly peerPort: number;
  readonly credentials: Credentials;
  /** Milliseconds since the epoch when the connection was accepted. */
  readonly startedAt: number;
  readonly log: Logger;
  /** The connection's id in log lines. */
  readonly connectionId: string;
  readonly hasUpstream: (name: string) => boolean;
  /** Kong's stream log record of the connection, for `kong.log.serialize()`. */
  readonly serialize: () => Record<string, unknown>;
  readonly measures: { latencies(): Latencies; sizes(): Sizes };
}

/** Where a plugin sent the connection instead of the service's own host. */
export type StreamUpstreamOverride = { readonly kind: 'upstream'; readonly name: string } | { readonly kind: 'target'; readonly host: string; readonly port: number };

/** Kong's stream `kong.response.exit` codes (nginx's stream status codes). */
const VALID_CODES: ReadonlySet<number> = new Set([200, 400, 403, 500, 502, 503]);

export class StreamState {
  readonly facts: StreamFactsForPdk;
  match: StreamMatch | undefined;
  phase: StreamPhase | undefined;
  readonly shared: Record<string, unknown> = {};
  /** nginx's stream `$status`: 200 unless the connection was refused or its upstream failed. */
  status = 200;
  /** Set by `kong.response.exit`/`error`: the connection is closed (after `body`, for a status below 400). */
  exit: { readonly status: number; readonly body: string | undefined; readonly kind: 'exit' | 'error' } | undefined;
  upstreamOverride: StreamUpstreamOverride | undefined;
  consumer: Consumer | null = null;
  credential: Readonly<Record<string, unknown>> | null = null;
  serializeValues: SerializeValue[] | undefined;
  readonly #kongs = new Map<string, Kong>();

  constructor(facts: StreamFactsForPdk) {
    this.facts = facts;
  }

  /** The `kong` of one plugin instance (its own `ctx.plugin` and log child), the same object in every phase. */
  forPlugin(id: string, name: string): Kong {
    let kong = this.#kongs.get(id);
    if (!kong) this.#kongs.set(id, (kong = createStreamKong(this, name)));
    return kong;
  }

  /** The record `kong.log.serialize()` gives, with what plugins set on it. */
  record(): Record<string, unknown> {
    const root = this.facts.serialize();
    return this.serializeValues ? applySerializeValues(root, this.serializeValues) : root;
  }
}

const notOnStreams = (what: string) => (name: string | symbol) => () => {
  throw new PhaseError(`${what}.${String(name)}: not available on stream connections`);
};

/** An object whose every method throws, naming itself (a namespace of HTTP requests only). */
function httpOnly<T extends object>(what: string, own: Partial<T> = {}): T {
  const fail = notOnStreams(what);
  return new Proxy(own as T, {
    get: (target, name) => {
      if (name in target) return (target as Record<string | symbol, unknown>)[name];
      // Not methods: symbols (inspection) and `then` (an awaited namespace is not a promise).
      return typeof name === 'symbol' || name === 'then' || name === 'toJSON' ? undefined : fail(name);
    },
  });
}

function checkPreread(state: StreamState, fn: string): void {
  if (state.phase !== undefined && state.phase !== 'preread') throw new PhaseError(`${fn}: function cannot be called in ${state.phase} phase (only in: preread)`);
}

function createStreamKong(state: StreamState, pluginName: string): Kong {
  const facts = state.facts;
  let logger: Logger | undefined;
  const child = () => (logger ??= facts.log.child({ plugin: pluginName, connection: facts.connectionId }));
  const end = (status: number, body: string | undefined, kind: 'exit' | 'error') => {
    checkPreread(state, `kong.response.${kind}`);
    state.exit = { status, body, kind };
    state.status = status;
  };
  const response = httpOnly<KongResponse>('kong.response', {
    getStatus: () => state.status,
    getSource: () => (state.exit ? 'exit' : state.status >= 500 ? 'error' : 'service'),
    // Kong's stream exit: nginx's stream codes only; a body is sent for a status below 400, else logged.
    exit(status: number, body?: string | Buffer | JsonValue) {
      if (typeof status !== 'number') throw new TypeError('code must be a number');
      if (!VALID_CODES.has(status)) throw new RangeError('unacceptable code, only 200, 400, 403, 500, 502 and 503 are accepted');
      let text: string | undefined;
      if (body !== undefined && body !== null) {
        if (Buffer.isBuffer(body)) text = body.toString('latin1');
        else if (typeof body === 'string') text = body;
        else if (typeof body === 'object') text = JSON.stringify(body);
        else throw new TypeError('body must be a nil, string or table');
      }
      end(status, text, 'exit');
    },
    // Kong's plugins refuse a stream connection with ngx.exit(status), any status: this is that.
    error(status: number, message?: string) {
      if (typeof status !== 'number') throw new TypeError('code must be a number');
      end(status, message, 'error');
    },
  });
  const service = httpOnly<KongService>('kong.service', {
    request: httpOnly('kong.service.request'),
    response: httpOnly('kong.service.response'),
    setUpstream(name: string) {
      checkPreread(state, 'kong.service.setUpstream');
      if (!facts.hasUpstream(name)) return false;
      state.upstreamOverride = { kind: 'upstream', name };
      return true;
    },
    setTarget(host: string, port: number) {
      checkPreread(state, 'kong.service.setTarget');
      if (typeof host !== 'string' || host === '') throw new TypeError('host must be a string');
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError('port must be an integer between 0 and 65535');
      state.upstreamOverride = { kind: 'target', host, port };
    },
  });
  const client: KongClient = {
    getIp: () => facts.peerIp,
    // No forwarding headers on a stream connection: the peer is the client.
    getForwardedIp: () => facts.peerIp,
    getPort: () => facts.peerPort,
    authenticate(consumer, credential) {
      checkPreread(state, 'kong.client.authenticate');
      state.consumer = consumer;
      state.credential = credential;
    },
    getConsumer: () => state.consumer,
    getCredential: () => state.credential,
    getConsumerGroups: (): readonly ConsumerGroup[] => (state.consumer ? facts.credentials.consumerGroupsOf(state.consumer.id) : []),
    credentials: facts.credentials,
  };
  const router: KongRouter = {
    getRoute: () => state.match?.route ?? null,
    getService: () => state.match?.service ?? null,
    getCaptures: () => null,
  };
  const log: KongLog = {
    debug: (message, fields) => child().debug(fields ?? {}, message),
    info: (message, fields) => child().info(fields ?? {}, message),
    warn: (message, fields) => child().warn(fields ?? {}, message),
    error: (message, fields) => child().error(fields ?? {}, message),
    serialize: () => {
      if (state.phase !== 'log') throw new PhaseError(`kong.log.serialize: function cannot be called in ${state.phase ?? 'this'} phase (only in: log)`);
      return state.record();
    },
    setSerializeValue: (key, value, options) => {
      if (typeof key !== 'string') throw new TypeError('key must be a string');
      const mode = options?.mode ?? 'set';
      if (mode !== 'set' && mode !== 'add' && mode !== 'replace') throw new TypeError("mode must be 'set', 'add' or 'replace'");
      (state.serializeValues ??= []).push({ key, value, mode });
    },
    getLatencies: () => facts.measures.latencies(),
    getSizes: () => facts.measures.sizes(),
  };
  const request = httpOnly<KongRequest>('kong.request', { getStartTime: () => facts.startedAt });
  const ctx = { shared: state.shared, plugin: {} };
  const node: KongNode = NODE;
  const cache: KongCache = processCache;
  return { request, response, service, client, router, node, log, cache, ctx };
}

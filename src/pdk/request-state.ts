/**
 * The state of one request behind its `kong` objects: what the client sent (read once by the proxy), what plugins
 * changed on the upstream request, the consumer, and the answer being sent. The PDK namespaces read and change
 * it; the proxy reads it to build the upstream request and drives it through the phases. Plugins never see this
 * object, only the Kong interface over it (one `kong` per plugin instance, each with its own `ctx.plugin`).
 */
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { Consumer } from '../declarative/config.ts';
import { applyHeaderOp, type HeaderOp, type Headers } from '../http/headers.ts';
import type { Phase } from '../plugins/types.ts';
import type { RouteMatch } from '../router/router.ts';
import type { Credentials } from '../snapshot/credentials.ts';
import { createClientApi } from './client.ts';
import type { SerializeValue } from './serialize-values.ts';
import type { ConnectionFacts, JsonValue, Kong, KongClient, KongRequest, KongResponse, KongRouter, KongService, KongWebSocket, Latencies, ResponseSource, Sizes } from './kong.ts';
import { PluginKong } from './plugin-kong.ts';
import { RequestBody, type UpstreamBody } from './request-body.ts';
import { createRequestApi } from './request.ts';
import { createResponseApi } from './response.ts';
import { createRouterApi } from './router.ts';
import { createServiceApi } from './service.ts';
import { createWebSocketApi, type WebSocketControl } from './websocket.ts';

export interface RequestFactsForPdk {
  readonly req: IncomingMessage;
  readonly scheme: string;
  readonly host: string;
  readonly port: number;
  /** What the client sent in Host / X-Forwarded-* as the gateway believes it. */
  readonly forwarded: { readonly scheme: string; readonly host: string; readonly port: number };
  readonly path: string;
  /** Path and query as sent (nginx's `$request_uri`). */
  readonly target: string;
  /** Without the `?`. */
  readonly rawQuery: string;
  readonly peerIp: string;
  readonly forwardedIp: string;
  readonly credentials: Credentials;
  readonly startedAt: number;
  readonly log: Logger;
  readonly requestId: string;
  readonly hasUpstream: (name: string) => boolean;
  /** Kong's log record of the request, for `kong.log.serialize()`. */
  readonly serialize: () => Record<string, unknown>;
  /** Its latencies and sizes alone (`kong.log.getLatencies()`, `getSizes()`): the proxy's request itself. */
  readonly measures: { latencies(): Latencies; sizes(): Sizes };
  /** Called before the body is first read (a client waiting for `100 Continue` is told to send it). */
  readonly beforeBodyRead: () => void;
  /** The longest pause between two reads of the body (nginx's client_body_timeout). */
  readonly bodyTimeoutMs: number;
  /** For `kong.request.getConnection()`. */
  readonly connection: () => ConnectionFacts;
}

/** How `kong.response.exit` and `error` reach the proxy's answer. */
export type PluginAnswer = (status: number, body: string | Buffer | JsonValue | undefined, headers: Readonly<Record<string, string | readonly string[]>>, kind: 'exit' | 'error', proxied?: boolean) => void;

/** Where a plugin sent the request instead of the service's own host. */
export type UpstreamOverride = { readonly kind: 'upstream'; readonly name: string } | { readonly kind: 'target'; readonly host: string; readonly port: number };

export type BodyLimit = { readonly bytes: number; readonly status: number; readonly message: string };

const EMPTY = Buffer.alloc(0);
const NO_ARGS: ReadonlySet<string> = new Set();

export class RequestState {
  readonly facts: RequestFactsForPdk;
  readonly answer: PluginAnswer;
  readonly #bodyLimit: number;
  #body: RequestBody | undefined;
  // The kong object of each plugin instance that ran: a few per request, so two parallel arrays scanned beat a Map.
  readonly #pluginIds: string[] = [];
  readonly #pluginKongs: Kong[] = [];
  readonly #pluginNames: string[] = [];
  match: RouteMatch | undefined;
  /** What plugins set with kong.log.setSerializeValue, in order. */
  serializeValues: SerializeValue[] | undefined;
  /** The phase running now (set by the phase runner; the PDK's phase checks read it). */
  phase: Phase | undefined;
  readonly shared: Record<string, unknown> = {};
  /** A WebSocket service's connection, once its handshake runs (kong.websocket). */
  websocket: WebSocketControl | undefined;

  // The upstream request, as plugins changed it.
  readonly headerOps: HeaderOp[] = [];
  /** Query arguments plugins cleared (made on the first: most requests have none). */
  clearedArgs: Set<string> | undefined;
  upstreamPath: string | undefined;
  /** Without `?`; replaces the client's query string when set. */
  upstreamQuery: string | undefined;
  upstreamMethod: string | undefined;
  upstreamOverride: UpstreamOverride | undefined;
  bufferingEnabled = false;
  bodyLimit: BodyLimit | undefined;

  // The consumer.
  consumer: Consumer | null = null;
  credential: Readonly<Record<string, unknown>> | null = null;

  // The answer.
  source: ResponseSource = 'service';
  status: number | undefined;
  headers: Headers = {};
  serviceStatus: number | undefined;
  serviceHeaders: Headers = {};
  serviceBody: Buffer | undefined;
  /** Buffered mode: the body about to be sent. */
  responseBody: Buffer | undefined;
  chunk: Buffer = EMPTY;
  lastChunk = false;
  /** Until an answer exists, kong.response header changes are kept here and applied to it when it comes. */
  #answering = false;
  readonly #pendingOps: HeaderOp[] = [];

  constructor(facts: RequestFactsForPdk, answer: PluginAnswer, bodyLimit: number) {
    this.facts = facts;
    this.answer = answer;
    this.#bodyLimit = bodyLimit;
  }

  get removedQueryArgs(): ReadonlySet<string> {
    return this.clearedArgs ?? NO_ARGS;
  }

  /** A plugin waits for the client's body (the plugin time limit does not count that wait). */
  get readingBody(): boolean {
    return this.#body?.reading === true;
  }

  /** The request body as plugins and the upstream see it (streamed unless a plugin reads or replaces it). */
  get body(): RequestBody {
    return (this.#body ??= new RequestBody(this.facts.req, this.#bodyLimit, this.facts.bodyTimeoutMs, this.facts.beforeBodyRead));
  }

  /** What goes upstream: the client's stream untouched unless a plugin read or replaced the body. */
  upstreamBody(hasBody: boolean): UpstreamBody {
    if (this.#body) return this.#body.upstream(hasBody);
    return hasBody ? this.facts.req : null;
  }

  /**
   * The `kong` object one plugin instance sees during this request: its own `ctx.plugin` and log child over one
   * set of PDK objects per request, each built on first use (a chain of plugins that touch nothing costs next to
   * nothing).
   */
  forPlugin(pluginId: string, pluginName: string): Kong {
    const ids = this.#pluginIds;
    for (let i = 0; i < ids.length; i++) if (ids[i] === pluginId) return this.#pluginKongs[i]!;
    const kong = new PluginKong(this, pluginName);
    ids.push(pluginId);
    this.#pluginNames.push(pluginName);
    this.#pluginKongs.push(kong);
    return kong;
  }

  /** The plugins that have run for this request so far (for a fault's log line). */
  get pluginNames(): readonly string[] {
    return this.#pluginNames;
  }

  #request: KongRequest | undefined;
  get requestApi(): KongRequest {
    return (this.#request ??= createRequestApi(this));
  }

  #response: KongResponse | undefined;
  get responseApi(): KongResponse {
    return (this.#response ??= createResponseApi(this));
  }

  #service: KongService | undefined;
  get serviceApi(): KongService {
    return (this.#service ??= createServiceApi(this));
  }

  #client: KongClient | undefined;
  get clientApi(): KongClient {
    return (this.#client ??= createClientApi(this));
  }

  #websocketApi: KongWebSocket | undefined;
  get websocketApi(): KongWebSocket {
    return (this.#websocketApi ??= createWebSocketApi(this));
  }

  #router: KongRouter | undefined;
  get routerApi(): KongRouter {
    return (this.#router ??= createRouterApi(this));
  }

  /** A change to the answer's headers (kong.response): kept for the answer when none exists yet. */
  responseHeaderOp(op: HeaderOp): void {
    if (!this.#answering) this.#pendingOps.push(op);
    applyHeaderOp(this.headers, op);
  }

  /**
   * Points kong.response at the answer about to be sent (header filter) or sent (log). The first time, header
   * changes plugins made before there was an answer (rewrite, access) are applied to it, as Kong applies them.
   */
  setResponse(status: number, headers: Headers, source?: ResponseSource): void {
    this.status = status;
    this.headers = headers;
    if (source) this.source = source;
    if (!this.#answering) {
      this.#answering = true;
      for (const op of this.#pendingOps) applyHeaderOp(headers, op);
    }
  }

  /** The upstream's answer, as `kong.service.response` shows it. */
  setServiceResponse(status: number, headers: Headers, body?: Buffer): void {
    this.serviceStatus = status;
    this.serviceHeaders = headers;
    this.serviceBody = body;
  }
}

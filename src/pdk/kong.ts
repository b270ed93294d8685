/**
 * The `kong` object a plugin sees during a request: the camelCase of Kong's PDK. Plugins get this interface only:
 * no sockets, no snapshot, no server objects. Getters that need the whole request body return promises (the body
 * streams until a plugin asks for it); everything else is synchronous.
 */
import type { Consumer, ConsumerGroup, Route, Service } from '../declarative/config.ts';
import type { Credentials } from '../snapshot/credentials.ts';

export type { Credentials, JwtEntry } from '../snapshot/credentials.ts';
export type { Consumer, ConsumerGroup, Route, Service } from '../declarative/config.ts';
import type { Captures } from '../router/router.ts';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type QueryArgs = Readonly<Record<string, string | true | readonly (string | true)[]>>;

export interface KongRequest {
  getScheme(): string;
  getHost(): string;
  getPort(): number;
  getForwardedScheme(): string;
  getForwardedHost(): string;
  getForwardedPort(): number;
  getHttpVersion(): number;
  getMethod(): string;
  /** The normalized path. */
  getPath(): string;
  /** The path with its query string, as the client sent it. */
  getPathWithQuery(): string;
  getRawQuery(): string;
  /**
   * Query arguments; a repeated argument gives an array, one without value gives `true`. As in Kong, the first
   * 100 (or `maxArgs`, up to 1000) are read.
   */
  getQuery(maxArgs?: number): QueryArgs;
  getQueryArg(name: string): string | true | undefined;
  /** Case-insensitive; `_` and `-` are the same; the first value. */
  getHeader(name: string): string | undefined;
  getHeaders(): Readonly<Record<string, string | readonly string[]>>;
  /** Reads the whole body (the upstream then gets the same bytes); undefined when it exceeds the buffer limit. */
  getRawBody(): Promise<Buffer | undefined>;
  /**
   * The body parsed by its content type, as Kong's `get_body`: JSON (`application/json`), a form
   * (`application/x-www-form-urlencoded`) or multipart fields (`multipart/form-data`; a file part as its text).
   * `body` is undefined when it cannot be parsed.
   */
  getBody(): Promise<{ readonly body: JsonValue | Readonly<Record<string, string | readonly string[]>> | undefined; readonly mimeType: string | undefined }>;
  /** Milliseconds since the epoch when the request arrived. */
  getStartTime(): number;
  /** A gateway extension: the connection the request came on, as nginx's $server_addr, $server_port, $connection, $connection_requests. */
  getConnection(): ConnectionFacts;
}

export interface ConnectionFacts {
  /** The gateway's own address on the connection. */
  readonly serverAddress: string;
  readonly serverPort: number;
  /** The connection's serial number in this process. */
  readonly serial: number;
  /** Requests carried on the connection so far, this one included. */
  readonly requests: number;
}

/** Where the answer comes from: the upstream, a plugin's `exit`, or an error (Kong's `get_source`). */
export type ResponseSource = 'service' | 'exit' | 'error';

export interface KongResponse {
  /** The status being answered (response, header filter, body filter and log phases). */
  getStatus(): number | undefined;
  /** Response headers; case-insensitive. */
  getHeader(name: string): string | undefined;
  getHeaders(): Readonly<Record<string, string | readonly string[]>>;
  getSource(): ResponseSource;
  /** Response and header filter phases: change the headers the client will get. */
  setHeader(name: string, value: string): void;
  addHeader(name: string, value: string): void;
  clearHeader(name: string): void;
  setHeaders(headers: Readonly<Record<string, string | readonly string[]>>): void;
  /** Response phase (buffered): change the status the client will get. */
  setStatus(status: number): void;
  /** Response phase: the whole body about to be sent; body filter phase: the whole body once the last chunk is there. */
  getRawBody(): Buffer | undefined;
  /** Response phase: replace the body. */
  setRawBody(body: string | Buffer): void;
  /** Body filter phase: the chunk passing now (empty on the final call). */
  getBodyChunk(): Buffer;
  /** Body filter phase: replace the chunk passing now; `null` drops it. */
  setBodyChunk(chunk: string | Buffer | null): void;
  /** Body filter phase: true on the call for the end of the body. */
  isLastChunk(): boolean;
  /**
   * Ends the request with this answer: a record becomes JSON, a Buffer goes as it is; no later phase handler of
   * the request runs. `options.proxied` is a gateway extension (what Kong plugins do by setting
   * `ngx.ctx.KONG_PROXIED`): the answer gets the head of a proxied one (Via, X-Kong-Upstream-Latency and
   * X-Kong-Proxy-Latency instead of Server and X-Kong-Response-Latency), as proxy-cache's hits.
   */
  exit(status: number, body?: string | Buffer | JsonValue, headers?: Readonly<Record<string, string | readonly string[]>>, options?: ExitOptions): void;
  /** Kong's error answer: the default message for the status unless one is given, typed by the client's Accept. */
  error(status: number, message?: string, headers?: Readonly<Record<string, string>>): void;
}

export interface ExitOptions {
  readonly proxied?: boolean;
}

/** The request the gateway sends upstream (rewrite and access phases). */
export interface KongServiceRequest {
  /**
   * A gateway extension: the request headers as they stand for the upstream so far (the client's, Host included,
   * with the changes plugins made), as Kong's `kong.request.get_headers` reads them after `set_header` calls
   * (there both read the same nginx request). Not the gateway's own X-Forwarded-* headers.
   */
  getHeaders(): Readonly<Record<string, string | readonly string[]>>;
  /** A gateway extension: the query arguments as they stand for the upstream so far (see `getHeaders`). */
  getQuery(): QueryArgs;
  setHeader(name: string, value: string): void;
  addHeader(name: string, value: string): void;
  clearHeader(name: string): void;
  setHeaders(headers: Readonly<Record<string, string | readonly string[]>>): void;
  /** The upstream path, replacing the one routing computed (must start with `/`; escaped as Kong escapes it). */
  setPath(path: string): void;
  /** The upstream query string, without `?`. */
  setRawQuery(query: string): void;
  setQuery(args: QueryArgs): void;
  /** Drop a query argument from the upstream request. */
  clearQueryArg(name: string): void;
  setMethod(method: string): void;
  setRawBody(body: string | Buffer): void;
  /**
   * Serializes by content type (JSON, form, or multipart with the request's boundary), setting Content-Type when
   * given a mime type.
   */
  setBody(body: JsonValue, mimeType?: 'application/json' | 'application/x-www-form-urlencoded' | 'multipart/form-data'): void;
  /** Buffers the upstream response, so that header and body filters can read `kong.service.response` whole. */
  enableBuffering(): void;
  /**
   * A gateway extension for bodies without a length: counts the request body as it streams upstream, and past
   * `bytes` cuts the upstream request and answers `status` with Kong's error body and `message`.
   */
  setBodyLimit(bytes: number, status: number, message: string): void;
}

/** The upstream's answer (header filter, response, body filter and log phases). */
export interface KongServiceResponse {
  getStatus(): number | undefined;
  getHeader(name: string): string | undefined;
  getHeaders(): Readonly<Record<string, string | readonly string[]>>;
  /** Buffered mode only (a `response` phase or `enableBuffering`). */
  getRawBody(): Buffer | undefined;
}

export interface KongService {
  readonly request: KongServiceRequest;
  readonly response: KongServiceResponse;
  /** Send this request to another upstream (by name); false when the config has none by that name. */
  setUpstream(name: string): boolean;
  /** Send this request to this host and port, bypassing the balancer. */
  setTarget(host: string, port: number): void;
}

export interface KongRouter {
  /** Null in the rewrite phase (no route is known yet). */
  getRoute(): Route | null;
  getService(): Service | null;
  getCaptures(): Captures | null;
}

export interface KongClient {
  /** The peer's address. */
  getIp(): string;
  /** The client's address as the gateway trusts it (X-Real-IP / X-Forwarded-For from trusted peers). */
  getForwardedIp(): string;
  getPort(): number;
  /** Sets who the request is from (authentication plugins); consumer-scoped plugins follow it. */
  authenticate(consumer: Consumer | null, credential: Readonly<Record<string, unknown>> | null): void;
  getConsumer(): Consumer | null;
  getCredential(): Readonly<Record<string, unknown>> | null;
  getConsumerGroups(): readonly ConsumerGroup[];
  /** Credentials and consumers of the loaded config (indexes built once per config). */
  readonly credentials: Credentials;
}

export interface KongNode {
  getId(): string;
  getHostname(): string;
}

/** A pino child naming the plugin; `serialize()` gives Kong's log record of the request (for logging plugins). */
export interface KongLog {
  debug(message: string, fields?: Readonly<Record<string, unknown>>): void;
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
  error(message: string, fields?: Readonly<Record<string, unknown>>): void;
  serialize(): Record<string, unknown>;
  /**
   * Kong's set_serialize_value: a field of the log record `serialize()` builds, by a dotted key (`\.` is a literal
   * dot); `undefined` removes it. `add` only sets what is absent, `replace` only what is there.
   */
  setSerializeValue(key: string, value: unknown, options?: { readonly mode?: 'set' | 'add' | 'replace' }): void;
  /**
   * A gateway extension (log phase): the `latencies` of Kong's log record alone, without building the record, for
   * plugins that count every request (prometheus).
   */
  getLatencies(): Latencies;
  /** A gateway extension (log phase): the `request.size` and `response.size` of Kong's log record alone. */
  getSizes(): Sizes;
}

/** Milliseconds, as Kong's log record has them. */
export interface Latencies {
  /** From the request's arrival to the answer's last byte. */
  readonly request: number;
  /** From the request sent upstream to the upstream's head; -1 when nothing was proxied (Kong's `-1`). */
  readonly proxy: number;
  /** The gateway's own time: until the request went upstream, or until its own answer when none did. */
  readonly kong: number;
}

/** Bytes, as nginx's `$request_length` and `$bytes_sent`: heads included. */
export interface Sizes {
  /** Request line, headers and body (the body by its Content-Length). */
  readonly request: number;
  /** Everything written to the client for this answer: status line, headers and body. */
  readonly response: number;
}

/** An in-memory cache shared by all requests of this process; entries leave by TTL or when it is full. */
export interface KongCache {
  /** The cached value, or the loader's (cached for `ttl` seconds; concurrent misses share one load). */
  get<T>(key: string, options: { ttl?: number } | undefined, loader: () => T | Promise<T>): Promise<T>;
  /** The cached value or undefined, without loading. */
  probe<T>(key: string): T | undefined;
}

/** Kong's frame types (`continuation` never reaches plugins: fragmented messages are reassembled first, as Kong does). */
export type WebSocketFrameType = 'text' | 'binary' | 'ping' | 'pong' | 'close' | 'continuation';

/** The frame in flight: text as a string, anything else as a Buffer; `status` only for a close frame. */
export interface WebSocketFrame {
  readonly data: string | Buffer;
  readonly type: WebSocketFrameType;
  readonly status: number | undefined;
}

/** One side of a WebSocket connection (`kong.websocket.client`, `kong.websocket.upstream`): Kong's functions. */
export interface KongWebSocketSide {
  /** That side's frame phase: the frame in flight. */
  getFrame(): WebSocketFrame;
  /** That side's frame phase: replace its payload (plugins after this one see the new one). */
  setFrameData(data: string | Buffer): void;
  /** That side's frame phase, close frames only: replace the status code. */
  setStatus(status: number): void;
  /** That side's frame phase: the frame is not forwarded (close frames cannot be dropped). */
  dropFrame(): void;
  /**
   * Either frame phase: closes the connection now: a close frame to this side (`status`, default 1000, and
   * `reason`) and to the other (`peerStatus` and `peerReason`, default the same). The frame in flight is not
   * forwarded and no later plugin runs for it.
   */
  close(status?: number, reason?: string, peerStatus?: number, peerReason?: string): void;
  /** The handshake: the largest message this side may send, in bytes (default: client 1 MiB, upstream 16 MiB). */
  setMaxPayloadSize(bytes: number): void;
}

export interface KongWebSocket {
  readonly client: KongWebSocketSide;
  readonly upstream: KongWebSocketSide;
}

export interface Kong {
  readonly websocket: KongWebSocket;
  readonly request: KongRequest;
  readonly response: KongResponse;
  readonly service: KongService;
  readonly router: KongRouter;
  readonly client: KongClient;
  readonly node: KongNode;
  readonly log: KongLog;
  readonly cache: KongCache;
  readonly ctx: { readonly shared: Record<string, unknown>; readonly plugin: Record<string, unknown> };
}

/** What the certificate phase sees: the handshake's server name, and the request-independent parts of the PDK. */
export interface CertificateKong {
  readonly tls: { getServerName(): string | undefined };
  readonly node: KongNode;
  readonly log: Omit<KongLog, 'serialize' | 'setSerializeValue' | 'getLatencies' | 'getSizes'>;
  readonly cache: KongCache;
  readonly ctx: { readonly plugin: Record<string, unknown> };
}

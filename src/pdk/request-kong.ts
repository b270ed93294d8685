/**
 * The `kong` objects of one request (one per plugin: each gets its own `ctx.plugin` and log child) and the
 * request's state that the phases share through them: what plugins changed on the upstream request, the answer
 * being sent, the consumer. The proxy handler reads that state; plugins see only the Kong interface.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { Consumer, ConsumerGroup } from '../declarative/config.ts';
import type { RouteMatch } from '../router/router.ts';
import type { Credentials } from '../snapshot/credentials.ts';
import { processCache } from './cache.ts';
import type { JsonValue, Kong, KongCache, KongClient, KongLog, KongNode, KongRequest, KongResponse, KongRouter, KongService, QueryArgs, ResponseSource } from './kong.ts';
import { RequestBody, type UpstreamBody } from './request-body.ts';

/** This process's node id (Kong's node_id), stable for its life. */
export const NODE_ID = randomUUID();
const HOSTNAME = hostname();
const NODE: KongNode = Object.freeze({ getId: () => NODE_ID, getHostname: () => HOSTNAME });

export interface RequestFactsForPdk {
  readonly req: IncomingMessage;
  readonly scheme: string;
  readonly host: string;
  readonly port: number;
  /** What the client sent in Host / X-Forwarded-* as the gateway believes it. */
  readonly forwarded: { readonly scheme: string; readonly host: string; readonly port: number };
  readonly path: string;
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
}

export type Answer = (status: number, body: string | JsonValue | undefined, headers: Readonly<Record<string, string>>, kind: 'exit' | 'error') => void;

export type HeaderOp = readonly [name: string, op: 'set' | 'add' | 'clear', value: string | readonly string[]];

/** Where a plugin sent the request instead of the service's own host. */
export type UpstreamOverride = { readonly kind: 'upstream'; readonly name: string } | { readonly kind: 'target'; readonly host: string; readonly port: number };

type Headers = Record<string, string | string[]>;

/** One header change, in place: set replaces, add appends a value, clear removes. */
export function applyHeaderOp(headers: Headers, [name, op, value]: HeaderOp): void {
  // `delete` turns an object into a slow dictionary: only when there is something to remove.
  if (op === 'clear') {
    if (headers[name] !== undefined) delete headers[name];
  }
  else if (op === 'set') headers[name] = typeof value === 'string' ? value : [...value];
  else {
    const current = headers[name];
    const added = typeof value === 'string' ? [value] : [...value];
    headers[name] = current === undefined ? (added.length === 1 ? added[0]! : added) : [...(Array.isArray(current) ? current : [current]), ...added];
  }
}

/** Kong's query parsing: repeated arguments become arrays, an argument without `=` is `true`. */
export function parseQuery(raw: string): Record<string, string | true | (string | true)[]> {
  const out: Record<string, string | true | (string | true)[]> = {};
  if (raw === '') return out;
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = decodeQueryPart(eq < 0 ? part : part.slice(0, eq));
    const value: string | true = eq < 0 ? true : decodeQueryPart(part.slice(eq + 1));
    const existing = out[key];
    out[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return out;
}

/** A query name or value decoded (`+` is a space); one that does not decode is kept as written. */
export function decodeQueryPart(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** Arguments → query string, as Kong's `set_query` encodes them (`true` → a bare name). */
export function encodeQuery(args: QueryArgs): string {
  const parts: string[] = [];
  for (const key of Object.keys(args).sort()) {
    const value = args[key]!;
    for (const v of Array.isArray(value) ? value : [value]) parts.push(v === true ? encodeURIComponent(key) : `${encodeURIComponent(key)}=${encodeURIComponent(v as string)}`);
  }
  return parts.join('&');
}

function rawHeaders(raw: readonly string[]): Headers {
  const out: Headers = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    const current = out[name];
    out[name] = current === undefined ? value : Array.isArray(current) ? [...current, value] : [current, value];
  }
  return out;
}

/**
 * A header name as Kong's PDK takes it (case-insensitive, `_` for `-`). Plugins pass the same few constant names
 * on every request: those are remembered (up to a bound, as a plugin could pass names from the request).
 */
const headerNames = new Map<string, string>();
function headerName(name: string): string {
  const known = headerNames.get(name);
  if (known !== undefined) return known;
  const lower = name.toLowerCase();
  const normal = lower.includes('_') ? lower.replaceAll('_', '-') : lower;
  if (headerNames.size < 1024) headerNames.set(name, normal);
  return normal;
}
const first = (v: string | readonly string[] | undefined) => (Array.isArray(v) ? v[0] : (v as string | undefined));
const toBuffer = (b: string | Buffer) => (typeof b === 'string' ? Buffer.from(b) : b);
const EMPTY = Buffer.alloc(0);
const NO_ARGS: ReadonlySet<string> = new Set();

/** The request's state behind the `kong` objects; the proxy handler reads and drives it. */
export class RequestKong {
  readonly #facts: RequestFactsForPdk;
  readonly #answer: Answer;
  // The kong object of each plugin instance that ran: a few per request, so two parallel arrays scanned beat a Map.
  readonly #pluginIds: string[] = [];
  readonly #pluginKongs: Kong[] = [];
  #body: RequestBody | undefined;
  readonly #bodyLimit: number;
  match: RouteMatch | undefined;

  // The upstream request, as plugins changed it.
  readonly headerOps: HeaderOp[] = [];
  #removedQueryArgs: Set<string> | undefined;
  /** Query arguments plugins cleared (made on the first: most requests have none). */
  get removedQueryArgs(): ReadonlySet<string> {
    return this.#removedQueryArgs ?? NO_ARGS;
  }
  upstreamPath: string | undefined;
  /** Without `?`; replaces the client's query string when set. */
  upstreamQuery: string | undefined;
  upstreamMethod: string | undefined;
  upstreamOverride: UpstreamOverride | undefined;
  bufferingEnabled = false;
  bodyLimit: { readonly bytes: number; readonly status: number; readonly message: string } | undefined;

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

  constructor(facts: RequestFactsForPdk, answer: Answer, bodyLimit: number) {
    this.#facts = facts;
    this.#answer = answer;
    this.#bodyLimit = bodyLimit;
  }

  /** The request body as plugins and the upstream see it (streamed unless a plugin reads or replaces it). */
  get body(): RequestBody {
    return (this.#body ??= new RequestBody(this.#facts.req, this.#bodyLimit));
  }

  /** What goes upstream: the client's stream untouched unless a plugin read or replaced the body. */
  upstreamBody(hasBody: boolean): UpstreamBody {
    if (this.#body) return this.#body.upstream(hasBody);
    return hasBody ? this.#facts.req : null;
  }

  #request: KongRequest | undefined;
  get request(): KongRequest {
    if (this.#request) return this.#request;
    const facts = this.#facts;
    let query: ReturnType<typeof parseQuery> | undefined;
    const getQuery = () => (query ??= parseQuery(facts.rawQuery));
    let headers: Headers | undefined;
    // From the raw headers, as Kong sees them: a repeated header is a list (Node keeps only the first of some,
    // and joins others with commas, which would hide a duplicated credential).
    const getHeaders = () => (headers ??= rawHeaders(facts.req.rawHeaders));
    return (this.#request = {
      getScheme: () => facts.scheme,
      getHost: () => facts.host,
      getPort: () => facts.port,
      getForwardedScheme: () => facts.forwarded.scheme,
      getForwardedHost: () => facts.forwarded.host,
      getForwardedPort: () => facts.forwarded.port,
      getHttpVersion: () => Number(facts.req.httpVersion),
      getMethod: () => facts.req.method ?? 'GET',
      getPath: () => facts.path,
      getPathWithQuery: () => facts.req.url ?? facts.path,
      getRawQuery: () => facts.rawQuery,
      getQuery,
      getQueryArg: (name) => {
        const v = getQuery()[name];
        return Array.isArray(v) ? v[0] : v;
      },
      getHeader: (name) => first(getHeaders()[headerName(name)]),
      getHeaders,
      getRawBody: () => this.body.read(),
      getBody: async () => {
        const mimeType = first(facts.req.headers['content-type'])?.split(';')[0]?.trim().toLowerCase();
        const raw = await this.body.read();
        if (raw === undefined) return { body: undefined, mimeType };
        if (mimeType === 'application/json' || mimeType?.endsWith('+json')) {
          try {
            return { body: JSON.parse(raw.toString('utf8')) as JsonValue, mimeType };
          } catch {
            return { body: undefined, mimeType };
          }
        }
        if (mimeType === 'application/x-www-form-urlencoded') return { body: parseQuery(raw.toString('utf8')) as Record<string, string | string[]>, mimeType };
        return { body: undefined, mimeType };
      },
      getStartTime: () => facts.startedAt,
    });
  }

  #response: KongResponse | undefined;
  get response(): KongResponse {
    if (this.#response) return this.#response;
    return (this.#response = {
      exit: (code, body, extra = {}) => this.#answer(code, body, extra, 'exit'),
      error: (code, message, extra = {}) => this.#answer(code, message, extra, 'error'),
      getStatus: () => this.status,
      getHeader: (name) => first(this.headers[headerName(name)]),
      getHeaders: () => this.headers,
      getSource: () => this.source,
      setHeader: (name, value) => this.#headerOp([headerName(name), 'set', value]),
      addHeader: (name, value) => this.#headerOp([headerName(name), 'add', value]),
      clearHeader: (name) => this.#headerOp([headerName(name), 'clear', '']),
      setHeaders: (headers) => {
        for (const [k, v] of Object.entries(headers)) this.#headerOp([headerName(k), 'set', v]);
      },
      setStatus: (code) => {
        this.status = code;
      },
      getRawBody: () => this.responseBody,
      setRawBody: (body) => {
        this.responseBody = toBuffer(body);
      },
      getBodyChunk: () => this.chunk,
      setBodyChunk: (chunk) => {
        this.chunk = chunk === null ? EMPTY : toBuffer(chunk);
      },
      isLastChunk: () => this.lastChunk,
    });
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
    this.#pluginKongs.push(kong);
    return kong;
  }

  readonly shared: Record<string, unknown> = {};
  get facts(): RequestFactsForPdk {
    return this.#facts;
  }

  #serviceApi: KongService | undefined;
  get serviceApi(): KongService {
    return (this.#serviceApi ??= this.#service());
  }

  #clientApi: KongClient | undefined;
  get clientApi(): KongClient {
    return (this.#clientApi ??= this.#client());
  }

  #routerApi: KongRouter | undefined;
  get routerApi(): KongRouter {
    return (this.#routerApi ??= {
      getRoute: () => this.match?.route ?? null,
      getService: () => this.match?.service ?? null,
      getCaptures: () => this.match?.captures ?? null,
    });
  }

  #service(): KongService {
    const facts = this.#facts;
    return {
      request: {
        setHeader: (name, value) => void this.headerOps.push([headerName(name), 'set', value]),
        addHeader: (name, value) => void this.headerOps.push([headerName(name), 'add', value]),
        clearHeader: (name) => void this.headerOps.push([headerName(name), 'clear', '']),
        setHeaders: (headers) => {
          for (const [k, v] of Object.entries(headers)) this.headerOps.push([headerName(k), 'set', v]);
        },
        setPath: (path) => {
          if (!path.startsWith('/')) throw new TypeError(`kong.service.request.setPath: the path must start with '/' (got '${path}')`);
          this.upstreamPath = path;
        },
        setRawQuery: (query) => {
          this.upstreamQuery = query.replace(/^\?/, '');
          this.#removedQueryArgs = undefined;
        },
        setQuery: (args) => {
          this.upstreamQuery = encodeQuery(args);
          this.#removedQueryArgs = undefined;
        },
        clearQueryArg: (name) => void (this.#removedQueryArgs ??= new Set()).add(name),
        setMethod: (method) => {
          if (!/^[A-Z]+$/.test(method)) throw new TypeError(`kong.service.request.setMethod: '${method}' is not an HTTP method`);
          this.upstreamMethod = method;
        },
        setRawBody: (body) => this.body.replace(toBuffer(body)),
        setBody: (body, mimeType) => {
          const type = mimeType ?? first(facts.req.headers['content-type'])?.split(';')[0]?.trim().toLowerCase() ?? 'application/json';
          const text = type === 'application/x-www-form-urlencoded' ? encodeQuery(body as QueryArgs) : JSON.stringify(body);
          this.headerOps.push(['content-type', 'set', type]);
          this.body.replace(Buffer.from(text));
        },
        enableBuffering: () => {
          this.bufferingEnabled = true;
        },
        setBodyLimit: (bytes, status, message) => {
          if (!this.bodyLimit || bytes < this.bodyLimit.bytes) this.bodyLimit = { bytes, status, message };
        },
      },
      response: {
        getStatus: () => this.serviceStatus,
        getHeader: (name) => first(this.serviceHeaders[headerName(name)]),
        getHeaders: () => this.serviceHeaders,
        getRawBody: () => this.serviceBody,
      },
      setUpstream: (name) => {
        if (!facts.hasUpstream(name)) return false;
        this.upstreamOverride = { kind: 'upstream', name };
        return true;
      },
      setTarget: (host, port) => {
        if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`kong.service.setTarget: invalid port ${port}`);
        this.upstreamOverride = { kind: 'target', host, port };
      },
    };
  }

  #client(): KongClient {
    const facts = this.#facts;
    return {
      getIp: () => facts.peerIp,
      getForwardedIp: () => facts.forwardedIp,
      getPort: () => facts.req.socket.remotePort ?? 0,
      authenticate: (consumer, credential) => {
        this.consumer = consumer;
        this.credential = credential;
      },
      getConsumer: () => this.consumer,
      getCredential: () => this.credential,
      getConsumerGroups: (): readonly ConsumerGroup[] => (this.consumer ? facts.credentials.consumerGroupsOf(this.consumer.id) : []),
      credentials: facts.credentials,
    };
  }

  #headerOp(op: HeaderOp): void {
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

/**
 * What one plugin instance sees: its own `ctx.plugin` and log child, over the request's PDK objects (each built
 * on first use, so a chain of plugins that touch nothing costs next to nothing).
 */
class PluginKong implements Kong {
  readonly #request: RequestKong;
  readonly #name: string;
  #log: KongLog | undefined;
  #ctx: Kong['ctx'] | undefined;

  constructor(request: RequestKong, name: string) {
    this.#request = request;
    this.#name = name;
  }

  get request(): KongRequest {
    return this.#request.request;
  }

  get response(): KongResponse {
    return this.#request.response;
  }

  get service(): KongService {
    return this.#request.serviceApi;
  }

  get client(): KongClient {
    return this.#request.clientApi;
  }

  get router(): KongRouter {
    return this.#request.routerApi;
  }

  get node(): KongNode {
    return NODE;
  }

  get cache(): KongCache {
    return processCache;
  }

  get ctx(): Kong['ctx'] {
    return (this.#ctx ??= { shared: this.#request.shared, plugin: {} });
  }

  get log(): KongLog {
    if (this.#log) return this.#log;
    const facts = this.#request.facts;
    let logger: Logger | undefined;
    const child = () => (logger ??= facts.log.child({ plugin: this.#name, request_id: facts.requestId }));
    return (this.#log = {
      debug: (message, fields) => child().debug(fields ?? {}, message),
      info: (message, fields) => child().info(fields ?? {}, message),
      warn: (message, fields) => child().warn(fields ?? {}, message),
      error: (message, fields) => child().error(fields ?? {}, message),
      serialize: () => facts.serialize(),
    });
  }
}

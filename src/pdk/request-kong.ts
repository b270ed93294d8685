/** Builds the `kong` object of one request, per plugin (each gets its own `ctx.plugin`). */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RouteMatch } from '../router/router.ts';
import type { Consumer } from '../declarative/config.ts';
import type { Credentials } from '../snapshot/credentials.ts';
import type { JsonValue, Kong, KongRequest } from './kong.ts';

/** This process's node id (Kong's node_id), stable for its life. */
export const NODE_ID = randomUUID();
const HOSTNAME = hostname();

export interface RequestFactsForPdk {
  readonly req: IncomingMessage;
  readonly scheme: string;
  readonly host: string;
  readonly port: number;
  readonly path: string;
  /** Without the `?`. */
  readonly rawQuery: string;
  readonly match: RouteMatch;
  readonly clientIp: string;
  readonly credentials: Credentials;
}

export type Answer = (status: number, body: string | JsonValue | undefined, headers: Readonly<Record<string, string>>, kind: 'exit' | 'error') => void;

/** Kong's query parsing: repeated arguments become arrays, an argument without `=` is `true`. */
export function parseQuery(raw: string): Record<string, string | true | (string | true)[]> {
  const out: Record<string, string | true | (string | true)[]> = {};
  if (raw === '') return out;
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const decode = (s: string) => {
      try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
      } catch {
        return s;
      }
    };
    const key = decode(eq < 0 ? part : part.slice(0, eq));
    const value: string | true = eq < 0 ? true : decode(part.slice(eq + 1));
    const existing = out[key];
    out[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return out;
}

/** The `kong` objects of one request, and the state the phases share through them. */
export interface RequestKong {
  forPlugin(pluginId: string): Kong;
  /** Header changes plugins asked for on the upstream request (null value: remove). */
  readonly upstreamHeaderChanges: Map<string, string | null>;
  /** Query arguments plugins removed from the upstream request. */
  readonly removedQueryArgs: Set<string>;
  /** Points kong.response at the answer about to be sent (header filter) or sent (log). */
  setResponse(status: number, headers: Record<string, string | string[]>): void;
}

export function requestKongFactory(facts: RequestFactsForPdk, answer: Answer): RequestKong {
  let query: ReturnType<typeof parseQuery> | undefined;
  const request: KongRequest = {
    getScheme: () => facts.scheme,
    getHost: () => facts.host,
    getPort: () => facts.port,
    getMethod: () => facts.req.method ?? 'GET',
    getPath: () => facts.path,
    getRawQuery: () => facts.rawQuery,
    getQuery: () => (query ??= parseQuery(facts.rawQuery)),
    getHeader: (name) => {
      const v = facts.req.headers[name.toLowerCase().replace(/_/g, '-')];
      return Array.isArray(v) ? v[0] : v;
    },
    getHeaders: () => facts.req.headers as Record<string, string | string[]>,
  };
  const shared: Record<string, unknown> = {};
  const perPlugin = new Map<string, Record<string, unknown>>();
  const upstreamHeaderChanges = new Map<string, string | null>();
  const removedQueryArgs = new Set<string>();
  let status: number | undefined;
  let headers: Record<string, string | string[]> = {};
  const response = {
    exit: (code: number, body?: string | JsonValue, extra: Readonly<Record<string, string>> = {}) => answer(code, body, extra, 'exit'),
    error: (code: number, message?: string, extra: Readonly<Record<string, string>> = {}) => answer(code, message, extra, 'error'),
    getStatus: () => status,
    getHeader: (name: string) => {
      const v = headers[name.toLowerCase()];
      return Array.isArray(v) ? v[0] : v;
    },
    getHeaders: () => headers,
    setHeader: (name: string, value: string) => {
      headers[name.toLowerCase()] = value;
    },
    addHeader: (name: string, value: string) => {
      const key = name.toLowerCase();
      const v = headers[key];
      headers[key] = v === undefined ? value : [...(Array.isArray(v) ? v : [v]), value];
    },
    clearHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  let consumer: Consumer | null = null;
  let credential: Readonly<Record<string, unknown>> | null = null;
  const client = {
    getIp: () => facts.clientIp,
    authenticate: (c: Consumer | null, cred: Readonly<Record<string, unknown>> | null) => {
      consumer = c;
      credential = cred;
    },
    getConsumer: () => consumer,
    getCredential: () => credential,
    credentials: facts.credentials,
  };
  const service = {
    request: {
      setHeader: (name: string, value: string) => void upstreamHeaderChanges.set(name.toLowerCase(), value),
      clearHeader: (name: string) => void upstreamHeaderChanges.set(name.toLowerCase(), null),
      clearQueryArg: (name: string) => void removedQueryArgs.add(name),
    },
  };
  const forPlugin = (pluginId: string): Kong => {
    let own = perPlugin.get(pluginId);
    if (!own) perPlugin.set(pluginId, (own = {}));
    return {
      request,
      response,
      service,
      client,
      router: {
        getRoute: () => facts.match.route,
        getService: () => facts.match.service,
        getCaptures: () => facts.match.captures,
      },
      node: { getId: () => NODE_ID, getHostname: () => HOSTNAME },
      ctx: { shared, plugin: own },
    };
  };
  return {
    forPlugin,
    upstreamHeaderChanges,
    removedQueryArgs,
    setResponse(code, h) {
      status = code;
      headers = h;
    },
  };
}

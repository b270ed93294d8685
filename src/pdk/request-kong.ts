/** Builds the `kong` object of one request, per plugin (each gets its own `ctx.plugin`). */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RouteMatch } from '../router/router.ts';
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

export function requestKongFactory(facts: RequestFactsForPdk, answer: Answer): (pluginId: string) => Kong {
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
  return (pluginId) => {
    let own = perPlugin.get(pluginId);
    if (!own) perPlugin.set(pluginId, (own = {}));
    return {
      request,
      response: {
        exit: (status, body, headers = {}) => answer(status, body, headers, 'exit'),
        error: (status, message, headers = {}) => answer(status, message, headers, 'error'),
      },
      router: {
        getRoute: () => facts.match.route,
        getService: () => facts.match.service,
        getCaptures: () => facts.match.captures,
      },
      node: { getId: () => NODE_ID, getHostname: () => HOSTNAME },
      ctx: { shared, plugin: own },
    };
  };
}

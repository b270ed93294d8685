/**
 * `kong.log.serialize()`: Kong's log record of a request (its basic serializer), for logging plugins. Secrets
 * stay out: credential headers are redacted as Kong redacts them, and consumers and credentials appear by id.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestKong } from '../pdk/request-kong.ts';
import { parseQuery } from '../pdk/request-kong.ts';
import type { RouteMatch } from '../router/router.ts';
import type { UpstreamStats } from './forward.ts';


const REDACTED = new Set(['authorization', 'proxy-authorization']);

export interface SerializeFacts {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly pdk: RequestKong;
  readonly match: RouteMatch | undefined;
  readonly stats: UpstreamStats;
  readonly startedAt: number;
  readonly started: number;
  readonly scheme: string;
  readonly host: string;
  readonly forwardedIp: string;
}

function redact(headers: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = REDACTED.has(k.toLowerCase()) ? 'REDACTED' : v;
  return out;
}

/**
 * The response head as sent: the one the header filter saw (res.getHeaders() is empty after writeHead with an
 * object), or Node's record of it for an answer that did not go through the filter.
 */
export function headersSent(res: ServerResponse, pdk: RequestKong): Record<string, string | string[]> {
  return pdk.status === undefined ? (res.getHeaders() as Record<string, string | string[]>) : pdk.headers;
}

export function serializeRequest(f: SerializeFacts): Record<string, unknown> {
  const url = f.req.url ?? '/';
  const queryAt = url.indexOf('?');
  const total = Math.round(performance.now() - f.started);
  const proxy = f.stats.upstreamLatency ?? 0;
  const consumer = f.pdk.consumer;
  const credential = f.pdk.credential;
  return {
    request: {
      method: f.req.method,
      uri: url,
      url: `${f.scheme}://${f.host}${url}`,
      querystring: queryAt < 0 ? {} : parseQuery(url.slice(queryAt + 1)),
      headers: redact(f.req.headers),
      size: Number(f.req.headers['content-length'] ?? 0),
    },
    upstream_uri: f.stats.upstreamUri ?? '',
    upstream_status: f.stats.upstreamStatus,
    response: {
      status: f.res.statusCode,
      headers: redact(headersSent(f.res, f.pdk)),
      size: Number(f.res.getHeader('content-length') ?? 0),
    },
    tries: f.stats.tries,
    latencies: { request: total, proxy, kong: Math.max(0, total - proxy) },
    route: f.match?.route ?? null,
    service: f.match?.service ?? null,
    consumer: consumer ? { id: consumer.id, username: consumer.username, custom_id: consumer.custom_id } : null,
    authenticated_entity: credential && typeof credential.id === 'string' ? { id: credential.id } : null,
    client_ip: f.forwardedIp,
    started_at: f.startedAt,
    source: f.pdk.source,
  };
}

/**
 * `kong.log.serialize()`: Kong's log record of a request (its basic serializer), for logging plugins. Secrets
 * stay out: credential headers are redacted as Kong redacts them, and consumers and credentials appear by id.
 */
import type { ServerResponse } from 'node:http';
import type { Headers } from '../http/headers.ts';
import { parseQuery } from '../http/query.ts';
import type { RequestState } from '../pdk/request-state.ts';
import type { ProxyRequest } from './proxy-request.ts';

const REDACTED = new Set(['authorization', 'proxy-authorization']);

function redact(headers: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = REDACTED.has(k.toLowerCase()) ? 'REDACTED' : v;
  return out;
}

/**
 * The response head as sent: the one the header filter saw (res.getHeaders() is empty after writeHead with an
 * object), or Node's record of it for an answer that did not go through the filter.
 */
export function headersSent(res: ServerResponse, pdk: RequestState): Headers {
  return pdk.status === undefined ? (res.getHeaders() as Headers) : pdk.headers;
}

export function serializeRequest(ctx: ProxyRequest): Record<string, unknown> {
  const { req, res, facts, stats, match } = ctx;
  const pdk = ctx.pdk!;
  const url = facts.target;
  const queryAt = url.indexOf('?');
  const total = Math.round(performance.now() - facts.started);
  const proxy = stats.upstreamLatency ?? 0;
  const consumer = pdk.consumer;
  const credential = pdk.credential;
  return {
    request: {
      method: req.method,
      uri: url,
      url: `${facts.scheme}://${facts.hostHeader}${url}`,
      querystring: queryAt < 0 ? {} : parseQuery(url.slice(queryAt + 1)),
      headers: redact(req.headers),
      size: Number(req.headers['content-length'] ?? 0),
    },
    upstream_uri: stats.upstreamUri ?? '',
    upstream_status: stats.upstreamStatus,
    response: {
      status: res.statusCode,
      headers: redact(headersSent(res, pdk)),
      size: Number(res.getHeader('content-length') ?? 0),
    },
    tries: stats.tries,
    latencies: { request: total, proxy, kong: Math.max(0, total - proxy) },
    route: match?.route ?? null,
    service: match?.service ?? null,
    consumer: consumer ? { id: consumer.id, username: consumer.username, custom_id: consumer.custom_id } : null,
    authenticated_entity: credential && typeof credential.id === 'string' ? { id: credential.id } : null,
    client_ip: facts.forwardedIp,
    started_at: facts.startedAt,
    source: pdk.source,
  };
}

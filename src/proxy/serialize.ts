/**
 * `kong.log.serialize()`: Kong 3.10's basic log record of a request (kong/pdk/log.lua `serialize`, http
 * subsystem), for logging plugins. Fields Kong leaves nil are absent here too (tls, tries, route, service,
 * consumer, authenticated_entity). Secrets stay out: Authorization and Proxy-Authorization are REDACTED as in
 * Kong; headers and query arguments are those of the request as plugins left it (what key-auth's
 * `hide_credentials` removed is gone, as in Kong); and, beyond Kong, a header or query argument whose value is
 * the key a key-auth credential matched is REDACTED (Kong logs it when `hide_credentials` is off).
 *
 * Built once per request, when a log plugin first asks, with one fixed shape.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { applyHeaderOps, rawHeaders, type Headers } from '../http/headers.ts';
import { decodeQueryPart } from '../http/query.ts';
import type { RequestState } from '../pdk/request-state.ts';
import type { ProxyRequest } from './proxy-request.ts';

const REDACTED = 'REDACTED';

/** DB-less Kong makes its default workspace's id when it loads the config; one per process here. */
export const WORKSPACE_ID = randomUUID();

/**
 * The response head as sent: the one the header filter saw (res.getHeaders() is empty after writeHead with an
 * object), or Node's record of it for an answer that did not go through the filter.
 */
export function headersSent(res: ServerResponse, pdk: RequestState): Headers {
  return pdk.status === undefined ? (res.getHeaders() as Headers) : pdk.headers;
}

/** One try as Kong's balancer records it (kong/init.lua `balancer`). */
interface KongTry {
  balancer_start: number;
  balancer_start_ns: number;
  ip: string;
  port: number;
  balancer_latency: number;
  balancer_latency_ns: number;
  state?: string;
  code?: number;
}

/** nginx's `$request_length`: request line, header block and body, in bytes. */
function requestLength(ctx: ProxyRequest): number {
  const req = ctx.req;
  const raw = req.rawHeaders;
  // "METHOD SP target SP HTTP/x.y CRLF", each "name: value CRLF", then CRLF.
  let n = (req.method?.length ?? 0) + ctx.facts.rawUrl.length + 13;
  // Node reads the request line and headers as latin1: one character per byte.
  for (let i = 0; i + 1 < raw.length; i += 2) n += raw[i]!.length + raw[i + 1]!.length + 4;
  return n + 2 + (Number(req.headers['content-length']) || 0);
}

function tlsInfo(ctx: ProxyRequest): Record<string, string> | undefined {
  if (ctx.env.listener.scheme !== 'https') return undefined;
  const socket = ctx.req.socket as TLSSocket;
  const version = typeof socket.getProtocol === 'function' ? socket.getProtocol() : null;
  if (!version) return undefined;
  // nginx's $ssl_client_verify: the gateway asks no client certificate.
  return { version, cipher: socket.getCipher?.()?.name ?? '', client_verify: 'NONE' };
}

function triesOf(ctx: ProxyRequest): KongTry[] | undefined {
  const tries = ctx.stats.tries;
  // Kong prepares the balancer (its empty `tries` array) once a route with a service matched, before the
  // access plugins run: a plugin's early answer logs `"tries":[]`, an unrouted request none.
  if (tries.length === 0) return ctx.match?.service ? [] : undefined;
  const out: KongTry[] = [];
  for (const t of tries) {
    const kt: KongTry = { balancer_start: t.start, balancer_start_ns: t.start * 1e6, ip: t.ip, port: t.port, balancer_latency: 0, balancer_latency_ns: 0 };
    if (t.state !== undefined) kt.state = t.state;
    if (t.code !== undefined) kt.code = t.code;
    out.push(kt);
  }
  return out;
}

/** nginx's `$upstream_status`: each try's status, comma-separated ("502, 200"); "" when nothing went upstream. */
function upstreamStatus(ctx: ProxyRequest): string {
  const { tries, upstreamStatus: last } = ctx.stats;
  if (tries.length === 0 && last === undefined) return '';
  let out = '';
  for (let i = 0; i < tries.length - 1; i++) out += `${tries[i]!.code ?? 502}, `;
  return out + String(last ?? tries[tries.length - 1]?.code ?? 502);
}

/** Replaces a value equal to the secret (query args and headers can be lists): the key as key-auth read it. */
function scrub(record: Record<string, unknown>, secret: string): void {
  for (const k of Object.keys(record)) {
    const v = record[k];
    if (v === secret) record[k] = REDACTED;
    else if (Array.isArray(v) && v.includes(secret)) record[k] = v.map((x: unknown) => (x === secret ? REDACTED : x));
  }
}

/** A URI with the query arguments whose value is the secret REDACTED (the rest as written). */
function scrubUri(uri: string, secret: string): string {
  const at = uri.indexOf('?');
  if (at < 0) return uri;
  let changed = false;
  const parts = uri.slice(at + 1).split('&').map((part) => {
    const eq = part.indexOf('=');
    if (eq < 0 || decodeQueryPart(part.slice(eq + 1)) !== secret) return part;
    changed = true;
    return `${part.slice(0, eq + 1)}${REDACTED}`;
  });
  return changed ? `${uri.slice(0, at + 1)}${parts.join('&')}` : uri;
}

export function serializeRequest(ctx: ProxyRequest): Record<string, unknown> {
  const { req, res, facts, stats, match, env } = ctx;
  const pdk = ctx.pdk!;
  const headers = rawHeaders(req.rawHeaders);
  if (pdk.headerOps.length > 0) applyHeaderOps(headers, pdk.headerOps);
  if (headers.authorization !== undefined) headers.authorization = REDACTED;
  if (headers['proxy-authorization'] !== undefined) headers['proxy-authorization'] = REDACTED;
  const querystring =
    pdk.upstreamQuery !== undefined || pdk.removedQueryArgs.size > 0 ? pdk.serviceApi.request.getQuery() : facts.rawQuery === '' ? {} : pdk.requestApi.getQuery();
  let uri = facts.target;
  let upstreamUri = stats.upstreamUri ?? '';

  const credential = pdk.credential;
  const key = credential?.key;
  if (typeof key === 'string' && key !== '') {
    scrub(headers as Record<string, unknown>, key);
    scrub(querystring as Record<string, unknown>, key);
    uri = scrubUri(uri, key);
    upstreamUri = scrubUri(upstreamUri, key);
  }

  const total = Math.round(performance.now() - facts.started);
  const proxied = stats.upstreamLatency !== undefined;
  const kongLatency = proxied ? (stats.proxyLatency ?? 0) : total;
  const waiting = proxied ? stats.upstreamLatency! : -1;
  const consumer = pdk.consumer;
  const sentBefore = ctx.bytesSentBefore;
  const record: Record<string, unknown> = {
    request: {
      id: facts.requestId,
      uri,
      // nginx's $scheme://$host:port and $request_uri: the listener's scheme and port.
      url: `${env.listener.scheme}://${facts.requestHost}:${env.listener.port}${uri}`,
      querystring,
      method: req.method,
      headers,
      size: requestLength(ctx),
      tls: tlsInfo(ctx),
    },
    upstream_uri: upstreamUri,
    upstream_status: upstreamStatus(ctx),
    response: {
      status: res.statusCode,
      headers: headersSent(res, pdk),
      size: sentBefore === undefined ? 0 : Math.max(0, (req.socket.bytesWritten ?? sentBefore) - sentBefore),
    },
    latencies: {
      kong: kongLatency,
      proxy: waiting,
      request: total,
      receive: proxied ? Math.max(0, total - kongLatency - waiting) : 0,
    },
    tries: triesOf(ctx),
    authenticated_entity: credential && typeof credential.id === 'string' ? { id: credential.id, consumer_id: consumer?.id } : undefined,
    route: match?.route,
    service: match?.service ?? undefined,
    consumer: consumer ?? undefined,
    client_ip: facts.forwardedIp,
    started_at: facts.startedAt,
    source: pdk.source === 'service' && proxied ? 'upstream' : 'kong',
    workspace: WORKSPACE_ID,
    workspace_name: 'default',
  };
  return record;
}

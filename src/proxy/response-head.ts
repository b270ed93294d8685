/**
 * Kong's heads: the upstream's head as the client gets it (hop-by-hop headers out; Via, latencies, the request
 * id in), the headers Kong adds to the answers it gives itself, the error bodies (Kong's templates), and the
 * head's writing.
 */
import { describeError } from '../errors.ts';
import { connectionListed, firstValue, isResponseHopByHop, wireHeaderName, wireHeaderValue, type Headers } from '../http/headers.ts';
import { defaultMessage, errorBody, errorPage, type ErrorTemplates } from '../http/kong-errors.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HeaderSettings } from '../settings/settings.ts';
import type { UpstreamHead } from '../upstream/exchange.ts';
import type { ProxyRequest } from './proxy-request.ts';

const elapsed = (since: number) => Math.round(performance.now() - since);

/** What Via says before the token on proxied answers: the version spoken upstream (always HTTP/1.1 here). */
const UPSTREAM_VIA = '1.1 ';

export function upstreamHead(ctx: ProxyRequest, upstream: UpstreamHead): Headers {
  const { env, facts, stats } = ctx;
  const settings = env.headers;
  const listed = connectionListed(upstream.connection);
  const out: Headers = {};
  for (const name in upstream) {
    const value = upstream[name];
    if (value === undefined || isResponseHopByHop(name, listed)) continue;
    out[name] = value;
  }
  // Kong's outbound Via names the HTTP version it spoke upstream (proxy_http_version 1.1), not the client's.
  if (settings.via) out.via = out.via ? `${Array.isArray(out.via) ? out.via.join(', ') : out.via}, ${UPSTREAM_VIA}${env.serverToken}` : `${UPSTREAM_VIA}${env.serverToken}`;
  // nginx would write its own Server where the upstream sent none; Kong writes its token there.
  if (settings.server && out.server === undefined) out.server = env.serverToken;
  if (settings.upstreamLatency) out['x-kong-upstream-latency'] = String(stats.upstreamLatency ?? 0);
  if (settings.proxyLatency) out['x-kong-proxy-latency'] = String(stats.proxyLatency ?? 0);
  if (settings.requestId) out['x-kong-request-id'] = facts.requestId;
  if (settings.upstreamStatus && stats.upstreamStatus !== undefined) out['x-kong-upstream-status'] = String(stats.upstreamStatus);
  const setCookies = ctx.setCookies;
  if (setCookies !== undefined && setCookies.length > 0) {
    const existing = out['set-cookie'];
    out['set-cookie'] = [...(existing === undefined ? [] : Array.isArray(existing) ? existing : [existing]), ...setCookies];
  }
  return out;
}

/** What Kong's own headers are made of: the `--headers` setting, and the request's id and arrival. */
export interface OwnHeadEnv {
  readonly headers: HeaderSettings;
  readonly serverToken: string;
  readonly errorTemplates?: ErrorTemplates;
}

/** The headers Kong puts on the answers it gives itself. */
export function ownHead(ctx: ProxyRequest, headers: Headers, server = true): Headers {
  return ownHeaders(ctx.env, ctx.facts.requestId, ctx.facts.started, headers, server);
}

/** `server`: false when header filters run next (settleServer then sets it, after them, as Kong does). */
function ownHeaders(env: OwnHeadEnv, requestId: string, started: number, headers: Headers, server = true): Headers {
  if (env.headers.requestId) headers['x-kong-request-id'] = requestId;
  if (server && env.headers.server) headers.server = env.serverToken;
  if (env.headers.responseLatency) headers['x-kong-response-latency'] = String(elapsed(started));
  return headers;
}

/**
 * Kong's header filter, after the plugins', on the answers it gives itself: its Server, unless a plugin made Via
 * Kong's token (a short-circuit that poses as Kong); no Server at all when `--headers` leaves it out.
 */
export function settleServer(env: OwnHeadEnv, headers: Headers): void {
  if (env.headers.via && headers.via === env.serverToken) return;
  if (env.headers.server) headers.server = env.serverToken;
  else if (headers.server !== undefined) delete headers.server;
}

/**
 * A 101's head as nginx writes it for a WebSocket tunnel: the peer's headers less the hop-by-hop ones, its
 * `Upgrade` kept, nginx's own `Connection: upgrade`, and Kong's headers as on any proxied answer.
 */
export function switchingHead(ctx: ProxyRequest, upstream: UpstreamHead): Headers {
  const out = upstreamHead(ctx, upstream);
  if (upstream.upgrade !== undefined) out.upgrade = upstream.upgrade;
  out.connection = 'upgrade';
  return out;
}

/**
 * A head as the bytes that go on the wire (the tunnel writes its 101 itself: Node's response is not used). Names
 * are spelled as in `names`, else capitalized as nginx and Kong write theirs.
 */
export function serializeHead(status: number, reason: string, headers: Headers, names: ReadonlyMap<string, string>): string {
  let head = `HTTP/1.1 ${status} ${reason}\r\n`;
  for (const name in headers) {
    const value = wireHeaderValue(name, headers[name]);
    const wire = wireHeaderName(names.get(name) ?? name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase()));
    for (const v of Array.isArray(value) ? value : [value]) head += `${wire}: ${v}\r\n`;
  }
  return `${head}\r\n`;
}

/**
 * The head of an answer a plugin gives as if proxied (Kong's `ngx.ctx.KONG_PROXIED`, as proxy-cache's hits):
 * Kong's header filter then adds what it adds to proxied answers, with no upstream behind it: its own Via,
 * an upstream latency of about nothing, the proxy latency, the request id, and the upstream status (the
 * answer's) when enabled.
 */
export function proxiedHead(ctx: ProxyRequest, status: number, headers: Headers): Headers {
  const { env, facts } = ctx;
  const settings = env.headers;
  if (settings.via) headers.via = `${UPSTREAM_VIA}${env.serverToken}`;
  if (settings.server && headers.server === undefined) headers.server = env.serverToken;
  if (settings.upstreamLatency) headers['x-kong-upstream-latency'] = '0';
  if (settings.proxyLatency) headers['x-kong-proxy-latency'] = String(elapsed(facts.started));
  if (settings.requestId) headers['x-kong-request-id'] = facts.requestId;
  if (settings.upstreamStatus) headers['x-kong-upstream-status'] = String(status);
  return headers;
}

/**
 * Kong's 500 written straight on the response, with Kong's own headers as `--headers` has them: the fallback
 * when the answer owner cannot be used (it failed, or the request's facts could not even be read); a response
 * already under way, or one that cannot be written, is cut.
 */
export function plain500(env: OwnHeadEnv, req: IncomingMessage, res: ServerResponse, requestId: string, started: number): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  try {
    const head = req.method === 'HEAD';
    const e = head ? undefined : errorBody(defaultMessage(500), requestId, firstValue(req.headers.accept), env.errorTemplates);
    const body = e === undefined ? undefined : Buffer.from(e.body);
    res.writeHead(500, ownHeaders(env, requestId, started, { 'content-type': e?.contentType ?? 'application/json; charset=utf-8', 'content-length': String(body?.length ?? 0) }));
    res.end(body);
  } catch {
    res.destroy();
  }
}

/** Kong's error answer's content type and body for this request (empty for HEAD). */
export function errorContent(ctx: ProxyRequest, status: number, message = defaultMessage(status)): { readonly contentType: string; readonly body: Buffer } {
  const { req, facts } = ctx;
  if (req.method === 'HEAD') return { contentType: 'application/json; charset=utf-8', body: Buffer.alloc(0) };
  const e = errorBody(message, facts.requestId, firstValue(req.headers.accept), ctx.env.errorTemplates);
  return { contentType: e.contentType, body: Buffer.from(e.body) };
}

/**
 * Kong's error handler's page for what nginx refused (kong/error_handlers.lua): typed by Accept, else by the
 * request's Content-Type, else text/plain (Kong's error_default_type); 494 is answered 400. A version nginx does
 * not speak gets nginx's own 505 page.
 */
export function refusalPage(ctx: ProxyRequest, status: number, message?: string): { readonly status: number; readonly contentType: string; readonly body: Buffer } {
  const { req, facts } = ctx;
  const page = errorPage(status, message, facts.requestId, firstValue(req.headers.accept), firstValue(req.headers['content-type']), ctx.env.errorDefaultType, ctx.env.errorTemplates);
  return { status: page.status, contentType: page.contentType, body: Buffer.from(page.body) };
}

/** Headers a plugin gave with exit or error, made safe as the PDK makes them (names lower case). */
export function addPluginHeaders(headers: Headers, extra: Readonly<Record<string, unknown>>): void {
  for (const [k, v] of Object.entries(extra)) {
    const name = wireHeaderName(k.toLowerCase());
    headers[name] = wireHeaderValue(name, v);
  }
}

/**
 * Writes the head. Node refuses some heads (an invalid header a plugin set some other way): that answer becomes a
 * plain 500, logged, and false tells the caller to stop.
 */
export function writeHead(ctx: ProxyRequest, status: number, headers: Headers): boolean {
  const res = ctx.res;
  // While the gateway drains, answers say Connection: close (nginx >= 1.21.6); so does one whose client still
  // holds back the body it was never asked for.
  if (ctx.env.lifecycle.draining || ctx.bodyHeldBack) res.shouldKeepAlive = false;
  try {
    res.writeHead(status, headers);
    return true;
  } catch (err) {
    ctx.env.log.error({ request_id: ctx.facts.requestId, status, err: describeError(err) }, 'the answer\'s head could not be written; answering 500');
    plain500(ctx.env, ctx.req, res, ctx.facts.requestId, ctx.facts.started);
    return false;
  }
}

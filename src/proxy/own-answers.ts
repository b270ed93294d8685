/**
 * What the gateway's own answers hold before Kong's head and the filters: Kong's error answer typed by the
 * client's Accept, and a plugin's exit (a record body sent as JSON), each with the plugin's headers made safe.
 */
import type { Headers } from '../http/headers.ts';
import type { JsonValue } from '../pdk/kong.ts';
import type { ProxyRequest } from './proxy-request.ts';
import { addPluginHeaders, errorContent } from './response-head.ts';

/** A complete answer the gateway gives (as opposed to the upstream's, which streams through the exchange). */
export type Answer =
  /** Kong's error answer (kong.response.error and the gateway's own): its body typed by the client's Accept. */
  | { readonly kind: 'error'; readonly status: number; readonly message?: string; readonly headers?: Readonly<Record<string, string>> }
  /** kong.response.exit: a record body is sent as JSON. */
  | { readonly kind: 'exit'; readonly status: number; readonly body: string | Buffer | JsonValue | undefined; readonly headers: Readonly<Record<string, unknown>> }
  /** An https-only route asked over http (its https_redirect_status_code). */
  | { readonly kind: 'redirect'; readonly status: number; readonly location: string }
  /** What nginx refuses before Kong runs: Kong's error handler's page, and the connection closed. */
  | { readonly kind: 'refused'; readonly status: number; readonly message?: string };

export function errorAnswer(ctx: ProxyRequest, status: number, message: string, extra: Readonly<Record<string, unknown>>): { headers: Headers; body: Buffer } {
  const content = errorContent(ctx, status, message);
  const headers: Headers = { 'content-type': content.contentType };
  addPluginHeaders(headers, extra);
  return { headers, body: content.body };
}

export function exitAnswer(body: string | Buffer | JsonValue | undefined, extra: Readonly<Record<string, unknown>>): { headers: Headers; body: Buffer } {
  const headers: Headers = {};
  let bytes: Buffer;
  if (Buffer.isBuffer(body)) bytes = body;
  else if (body === undefined || body === null) bytes = Buffer.alloc(0);
  else if (typeof body === 'string') bytes = Buffer.from(body);
  else {
    bytes = Buffer.from(JSON.stringify(body));
    headers['content-type'] = 'application/json; charset=utf-8';
  }
  addPluginHeaders(headers, extra);
  return { headers, body: bytes };
}

/**
 * A 5xx the gateway answers itself (not a plugin's exit, not the upstream's status): at info, with the request
 * id the client got in X-Kong-Request-Id, the route and service, and the last peer tried, as nginx's error log
 * names the upstream.
 */
export function logOwnError(ctx: ProxyRequest, status: number, message: string): void {
  const match = ctx.match;
  const tries = ctx.stats.tries;
  const last = tries.length > 0 ? tries[tries.length - 1] : undefined;
  ctx.env.log.info({
    request_id: ctx.facts.requestId, status, reason: message,
    ...(match ? { route: match.route.name ?? match.route.id, service: match.service ? (match.service.name ?? match.service.id) : undefined } : {}),
    ...(last ? { upstream: `${last.ip}:${last.port}`, tries: tries.length } : {}),
  }, `answered ${status}`);
}

/**
 * The request the upstream gets, as Kong builds it and plugins left it: the peers to try, the path (strip_path,
 * path_handling, or a plugin's), the query, Kong's forwarded headers, plugins' header changes, the method and
 * the body; and what consistent hashing may read from the request.
 */
import type { Service } from '../declarative/config.ts';
import { applyHeaderOps, connectionListed, firstValue, isHopByHop, type Headers } from '../http/headers.ts';
import { parseQuery, withoutArgs } from '../http/query.ts';
import type { RouteMatch } from '../router/router.ts';
import { upstreamPath } from '../router/upstream-path.ts';
import { escapePath } from '../http/path.ts';
import type { BalanceContext, Balancer, Peer } from '../snapshot/balancer.ts';
import type { Snapshot } from '../snapshot/snapshot.ts';
import type { UpstreamCall } from '../upstream/exchange.ts';
import type { ProxyRequest } from './proxy-request.ts';

/** A host and port as a balancer of one peer. */
export function singlePeer(host: string, port: number): Balancer {
  const peer: Peer = { host, port, target: `${host}:${port}` };
  return { empty: false, next: (exclude) => (exclude.has(peer.target) ? undefined : peer), release: () => undefined };
}

/** A service's peers: the named upstream's balancer, else the service's host itself. */
function pickPeers(ctx: ProxyRequest, snapshot: Snapshot, service: Service, upstreamName: string | undefined): Balancer | undefined {
  const balanced = upstreamName ? snapshot.upstreams.get(upstreamName) : undefined;
  if (balanced) return balanced.balancer.empty ? undefined : balanced.balancer;
  const known = ctx.env.servicePeers;
  let peers = known.get(service);
  if (!peers) known.set(service, (peers = singlePeer(service.host, service.port)));
  return peers;
}

/** The upstream request for a matched route with a service, or undefined when there is no peer to send it to. */
export function buildUpstreamCall(ctx: ProxyRequest, match: RouteMatch, service: Service): UpstreamCall | undefined {
  const { snapshot, facts, pdk, req } = ctx;
  const { route } = match;
  const override = pdk?.upstreamOverride;
  const upstreamName = override ? (override.kind === 'upstream' ? override.name : undefined) : snapshot.upstreams.has(service.host) ? service.host : undefined;
  const peers = override?.kind === 'target' ? singlePeer(override.host, override.port) : pickPeers(ctx, snapshot, service, upstreamName);
  if (!peers) return undefined;
  const headers = forwardedHeaders(ctx, match);
  if (pdk) applyHeaderOps(headers, pdk.headerOps);
  // After plugins' changes: nginx's proxy_set_header X-Kong-Request-Id wins over them and over the client's.
  if (ctx.env.headers.upstreamRequestId) headers['x-kong-request-id'] = facts.requestId;
  // The client's Host is never copied into `headers`: one there was set by a plugin, and wins (Kong's
  // set_header("host") sets $upstream_host).
  const pluginHost = firstValue(headers.host);
  let query = pdk?.upstreamQuery !== undefined ? (pdk.upstreamQuery === '' ? '' : `?${pdk.upstreamQuery}`) : facts.query;
  if (pdk && pdk.removedQueryArgs.size > 0) query = withoutArgs(query, pdk.removedQueryArgs);
  // Kong: var.upstream_uri = escape(match_t.upstream_uri); a plugin's path was escaped when set.
  const target = (pdk?.upstreamPath ?? escapePath(upstreamPath({ servicePath: service.path, requestPath: facts.path, matched: match.matchedPath, stripPath: route.strip_path }))) + query;
  ctx.stats.upstreamUri = target;
  const balanced = upstreamName !== undefined ? snapshot.upstreams.get(upstreamName) : undefined;
  // Only consistent-hashing reads the request; the other balancers need nothing built per request.
  const balance = balanced?.upstream.algorithm === 'consistent-hashing' ? balanceContext(ctx, match) : undefined;
  const hasBody = facts.hasBody;
  return {
    service,
    preservedHost: pluginHost ?? (route.preserve_host && req.headers.host ? req.headers.host : undefined),
    peers,
    balanced,
    balance,
    tls: snapshot.upstreamTls.get(service.id),
    method: pdk?.upstreamMethod ?? req.method ?? 'GET',
    target,
    headers,
    body: pdk ? pdk.upstreamBody(hasBody) : hasBody ? req : null,
    buffered: ctx.phases.response.length > 0 || pdk?.bufferingEnabled === true,
    bodyLimit: pdk?.bodyLimit,
    started: facts.started,
    requestId: facts.requestId,
    stats: ctx.stats,
  };
}

/** What the balancer may hash on, computed only if it asks. */
function balanceContext(ctx: ProxyRequest, m: RouteMatch): BalanceContext {
  const { facts, req } = ctx;
  let cookies: Map<string, string> | undefined;
  let args: ReturnType<typeof parseQuery> | undefined;
  return {
    clientIp: facts.forwardedIp,
    path: facts.path,
    consumerId: ctx.pdk?.consumer?.id,
    header: (name) => firstValue(req.headers[name.toLowerCase()]),
    cookie: (name) => {
      cookies ??= new Map(
        (firstValue(req.headers.cookie) ?? '').split(';').map((c) => c.trim()).filter(Boolean).map((c) => {
          const eq = c.indexOf('=');
          return [eq < 0 ? c : c.slice(0, eq), eq < 0 ? '' : c.slice(eq + 1)] as [string, string];
        }),
      );
      return cookies.get(name);
    },
    queryArg: (name) => {
      args ??= parseQuery(facts.rawQuery);
      // Kong's normalization (kong/runloop/balancer/init.lua get_query_arg): `true` for an argument without a
      // value, repeats sorted and joined with commas.
      const v = args[name];
      if (v === undefined) return undefined;
      if (!Array.isArray(v)) return v === true ? 'true' : v;
      return v.map((x) => (x === true ? 'true' : x)).sort().join(',');
    },
    uriCapture: (name) => {
      const captures = m.captures;
      if (!captures) return undefined;
      return /^\d+$/.test(name) ? captures.unnamed[Number(name)] : captures.named[name];
    },
    setCookie: (header) => void (ctx.setCookies ??= []).push(header),
  };
}

/** LuaJIT prints 1.0 and 2.0 as 1 and 2. */
const INBOUND_VERSION: Readonly<Record<string, string>> = { '1.0': '1', '2.0': '2' };

/** The client's headers without hop-by-hop ones, and Kong's X-Forwarded-*, X-Real-IP and request id. */
function forwardedHeaders(ctx: ProxyRequest, m: RouteMatch): Headers {
  const { facts, req } = ctx;
  const trusted = facts.trusted;
  const listed = connectionListed(req.headers.connection);
  const out: Headers = {};
  const incoming = req.headers;
  for (const name in incoming) {
    const value = incoming[name];
    // nginx drops Expect upstream: the gateway itself answered it (or will, when it reads the body).
    if (value === undefined || isHopByHop(name, listed) || name === 'host' || name === 'expect') continue;
    out[name] = value;
  }
  const te = firstValue(req.headers.te);
  if (te && /\btrailers\b/i.test(te)) out.te = 'trailers';
  const peer = facts.peerIp;
  const incomingXff = req.headers['x-forwarded-for'];
  // Appended with the peer ($realip_remote_addr); when absent, the client as realip found it ($remote_addr).
  out['x-forwarded-for'] = incomingXff ? `${Array.isArray(incomingXff) ? incomingXff.join(', ') : incomingXff}, ${peer}` : facts.forwardedIp;
  const believe = (name: string, computed: string | undefined): void => {
    const given = trusted ? firstValue(req.headers[name]) : undefined;
    const value = given ?? computed;
    // Only a header the client sent is deleted (`delete` makes an object a slow dictionary).
    if (value === undefined || value === '') {
      if (out[name] !== undefined) delete out[name];
    } else {
      out[name] = value;
    }
  };
  believe('x-forwarded-proto', facts.scheme);
  believe('x-forwarded-host', facts.requestHost);
  // The port the gateway listens on, never the Host header's (Kong's ctx.host_port, else $server_port).
  believe('x-forwarded-port', String(facts.listener.hostPort));
  // The path as the client sent it ($request_uri without its query), not normalized.
  believe('x-forwarded-path', facts.query === '' ? facts.target : facts.target.slice(0, facts.target.length - facts.query.length));
  const prefix = m.route.strip_path && m.matchedPath && m.matchedPath !== '/' ? m.matchedPath : undefined;
  believe('x-forwarded-prefix', prefix);
  out['x-real-ip'] = facts.forwardedIp;
  // Kong's inbound Via, whatever --headers says: the client's version as ngx.req.http_version() prints it.
  const inbound = `${INBOUND_VERSION[req.httpVersion] ?? req.httpVersion} ${ctx.env.serverToken}`;
  const via = req.headers.via;
  out.via = via === undefined ? inbound : `${Array.isArray(via) ? via.join(', ') : via}, ${inbound}`;
  return out;
}

/**
 * Kong's stream router (traditional_compatible, the default flavour): routes whose first protocol is tcp, tls,
 * tls_passthrough or udp, matched by `snis`, `sources` and `destinations` as kong/router/transform.lua turns them
 * into expressions (get_expression, gen_for_nets) and ranks them (stream_get_priority):
 *
 * - `snis`: `(net.protocol != "tls" || tls.sni == ...)`: checked only when the connection has an SNI (Kong's
 *   scheme is "tls" exactly then, kong/router/atc.lua exec); `*.x` matches names ending in `.x`, `x.*` names
 *   starting with `x.`; a trailing dot does not count.
 * - `sources` / `destinations`: any entry, each its ip (an address, or a CIDR range) and its port.
 * - Priority: the SNI bit (2^61) with snis, or with sources and destinations both; then the sources' bits
 *   (IP 8, PORT 4, CIDR 1) shifted by 4, or-ed with the destinations' bits. Higher first; equal ones by route id,
 *   descending (the ATC router's order).
 *
 * The route's protocols are not part of the match (as in Kong): the listener decides what a match means.
 *
 * Expression routes (Kong's expressions flavour, kong/router/expressions.lua) come first, by `priority` then id:
 * their expression over the stream fields (`net.protocol`, `net.src.*`, `net.dst.*`, `tls.sni`), and
 * `net.protocol == <each protocol>` added (tls_passthrough as tcp) unless the route's one protocol is tls or
 * tls_passthrough.
 */
import type { Config, Route, Service } from '../declarative/config.ts';
import { STREAM_SUBSYSTEM } from '../entities/protocols.ts';
import { ipList, unmapIpv4, type IpCheck } from '../http/ip-list.ts';
import { compileExpression, fieldsOf, type ExpressionFacts } from './expression-matcher.ts';
import { parseExpression } from './expression-parser.ts';

/** What a connection offers the stream router. */
export interface StreamFacts {
  readonly srcIp: string;
  readonly srcPort: number;
  readonly dstIp: string;
  /** The listener's port (as clients reach it, behind port maps). */
  readonly dstPort: number;
  /** The TLS ClientHello's server name, when the connection is TLS and sent one. */
  readonly sni: string | undefined;
}

export interface StreamMatch {
  readonly route: Route;
  readonly service: Service | null;
}

export interface StreamRouter {
  match(facts: StreamFacts): StreamMatch | undefined;
  /** Whether any route exists (else every connection is refused without looking). */
  readonly empty: boolean;
}

type Endpoint = { readonly ip?: string | null; readonly port?: number | null };
type NetTest = (ip: string, port: number) => boolean;

interface ExpressionMatcher {
  readonly route: Route;
  readonly service: Service | null;
  readonly test: (facts: ExpressionFacts) => boolean;
}

/** The fields of Kong's stream schema (kong/router/fields.lua): an expression naming others matches nothing. */
const STREAM_FIELDS: ReadonlySet<string> = new Set(['net.protocol', 'tls.sni', 'net.src.ip', 'net.src.port', 'net.dst.ip', 'net.dst.port']);

function expressionMatcher(route: Route, service: Service | null): ExpressionMatcher | undefined {
  let test: ReturnType<typeof compileExpression>;
  try {
    const ast = parseExpression(route.expression ?? '');
    if ([...fieldsOf(ast)].some((f) => !STREAM_FIELDS.has(f))) return undefined;
    test = compileExpression(ast);
  } catch {
    return undefined; // validation refuses such a route
  }
  const protocols = route.protocols;
  if (protocols.length === 1 && (protocols[0] === 'tls' || protocols[0] === 'tls_passthrough')) return { route, service, test: (f) => test(f) !== undefined };
  const allowed: ReadonlySet<string> = new Set(protocols.map((p) => (p === 'tls_passthrough' ? 'tcp' : p)));
  return { route, service, test: (f) => allowed.has(f.protocol ?? '') && test(f) !== undefined };
}

interface Matcher {
  readonly route: Route;
  readonly service: Service | null;
  readonly priority: bigint;
  readonly sni: ((sni: string) => boolean) | undefined;
  readonly src: NetTest | undefined;
  readonly dst: NetTest | undefined;
}

const SNI_BIT = 1n << 61n;
const IP_BIT = 8n;
const PORT_BIT = 4n;
const CIDR_BIT = 1n;

function weight(list: readonly Endpoint[] | null | undefined): bigint {
  let w = 0n;
  for (const e of list ?? []) {
    if (e.ip != null) w |= e.ip.includes('/') ? CIDR_BIT : IP_BIT;
    if (e.port != null) w |= PORT_BIT;
  }
  return w;
}

const nonEmpty = <T>(list: readonly T[] | null | undefined): list is readonly T[] => Array.isArray(list) && list.length > 0;

export function streamPriority(route: Pick<Route, 'snis' | 'sources' | 'destinations'>): bigint {
  const both = nonEmpty(route.sources) && nonEmpty(route.destinations);
  const top = nonEmpty(route.snis) || both ? SNI_BIT : 0n;
  return top | (weight(route.sources) << 4n) | weight(route.destinations);
}

function netTest(list: readonly Endpoint[] | null | undefined): NetTest | undefined {
  if (!nonEmpty(list)) return undefined;
  const entries = list.map((e) => {
    const ip: IpCheck | undefined = e.ip != null ? ipList([e.ip]) : undefined;
    const port = e.port ?? undefined;
    return (addr: string, p: number) => (ip === undefined || ip(addr)) && (port === undefined || port === p);
  });
  return (addr, port) => entries.some((test) => test(addr, port));
}

function sniTest(snis: readonly string[] | null | undefined): ((sni: string) => boolean) | undefined {
  if (!nonEmpty(snis)) return undefined;
  const tests = snis.map((raw) => {
    const name = raw.toLowerCase();
    if (name.startsWith('*')) {
      const suffix = name.slice(1).replace(/(.)\.$/, '$1');
      return (s: string) => s.endsWith(suffix);
    }
    if (name.endsWith('*')) {
      const prefix = name.slice(0, -1);
      return (s: string) => s.startsWith(prefix);
    }
    const exact = name.length > 1 && name.endsWith('.') ? name.slice(0, -1) : name;
    return (s: string) => s === exact;
  });
  return (sni) => tests.some((test) => test(sni));
}

const descendingIds = (a: string, b: string): number => (a === b ? 0 : a < b ? 1 : -1);

/** Routes of a disabled service are left out, as on the HTTP side. */
export function compileStreamRouter(config: Pick<Config, 'routes' | 'services'>): StreamRouter {
  const services = new Map(config.services.map((s) => [s.id, s]));
  const matchers: Matcher[] = [];
  const expressions: ExpressionMatcher[] = [];
  for (const route of config.routes) {
    // Kong's is_stream_route looks at the first protocol; validation keeps a route's protocols in one family.
    if (!STREAM_SUBSYSTEM.has(route.protocols[0] ?? '')) continue;
    const service = route.service ? (services.get(route.service.id) ?? null) : null;
    if (service && !service.enabled) continue;
    if (route.expression !== null) {
      const m = expressionMatcher(route, service);
      if (m) expressions.push(m);
      continue;
    }
    matchers.push({
      route,
      service,
      priority: streamPriority(route),
      sni: sniTest(route.snis),
      src: netTest(route.sources),
      dst: netTest(route.destinations),
    });
  }
  matchers.sort((a, b) => (a.priority === b.priority ? descendingIds(a.route.id.toLowerCase(), b.route.id.toLowerCase()) : a.priority > b.priority ? -1 : 1));
  expressions.sort((a, b) => b.route.priority - a.route.priority || descendingIds(a.route.id.toLowerCase(), b.route.id.toLowerCase()));
  return {
    empty: matchers.length === 0 && expressions.length === 0,
    match(facts) {
      const src = unmapIpv4(facts.srcIp);
      const dst = unmapIpv4(facts.dstIp);
      // A trailing dot of the client's name does not count either (Kong strips it from route SNIs; nginx's
      // $ssl_server_name keeps it, but a name with one is not a valid SNI).
      const sni = facts.sni?.toLowerCase().replace(/\.$/, '');
      if (expressions.length > 0) {
        const ef: ExpressionFacts = {
          method: '', host: '', port: facts.dstPort, path: '', headers: {}, sni, scheme: 'http', protocol: sni !== undefined ? 'tls' : 'tcp',
          srcIp: src, srcPort: facts.srcPort, dstIp: dst, dstPort: facts.dstPort,
        };
        for (const e of expressions) if (e.test(ef)) return { route: e.route, service: e.service };
      }
      for (const m of matchers) {
        if (m.sni && sni !== undefined && !m.sni(sni)) continue;
        if (m.src && !m.src(src, facts.srcPort)) continue;
        if (m.dst && !m.dst(dst, facts.dstPort)) continue;
        return { route: m.route, service: m.service };
      }
      return undefined;
    },
  };
}

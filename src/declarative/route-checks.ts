/**
 * Kong's checks of routes that a JSON Schema cannot express: protocol families, the matchers each protocol
 * needs, paths (normalized, regexes in Kong's dialect), hosts, headers, SNIs, expressions, and the defaults that
 * depend on them (grpc routes do not strip the path).
 */
import { ROUTE_PROTOCOL_GROUPS, STREAM_PROTOCOLS, WEB_PROTOCOLS } from '../entities/protocols.ts';
import { normalizePath } from '../http/path.ts';
import { ExpressionError, parseExpression, usesNetPort, type Expr } from '../router/expression-parser.ts';
import { compileKongRegex } from '../router/kong-regex.ts';
import { isSet, list, quoteList, type Report } from './check-helpers.ts';
import { checkHostWithPort, isIPv4, isIPv6 } from './hosts.ts';

const HTTP_FAMILY: readonly string[] = WEB_PROTOCOLS;
const STREAM: readonly string[] = STREAM_PROTOCOLS;
const PROTOCOL_GROUPS: readonly (readonly string[])[] = ROUTE_PROTOCOL_GROUPS;

export function checkRoute(v: Record<string, unknown>, report: Report, raw: Readonly<Record<string, unknown>>): void {
  const protocols = list(v.protocols).map(String);
  const groups = PROTOCOL_GROUPS.filter((g) => protocols.some((p) => g.includes(p)));
  if (groups.length > 1) {
    report(['protocols'], `these sets are mutually exclusive: ${PROTOCOL_GROUPS.map((g) => `(${quoteList(g)})`).join(', ')}`);
    return;
  }
  const has = (f: string) => isSet(v[f]);
  const isGrpc = protocols.some((p) => p === 'grpc' || p === 'grpcs');
  const isHttp = protocols.some((p) => HTTP_FAMILY.includes(p));
  const isStream = protocols.some((p) => STREAM.includes(p));
  const expression = isSet(v.expression);
  if (isGrpc) {
    if (raw.strip_path === undefined || raw.strip_path === null) v.strip_path = false;
    else if (v.strip_path === true) report(['strip_path'], "cannot set 'strip_path' when 'protocols' is 'grpc' or 'grpcs'");
    if (has('methods')) report(['methods'], "cannot set 'methods' when 'protocols' is 'grpc' or 'grpcs'");
  }
  const tlsLike = ['https', 'grpcs', 'tls', 'tls_passthrough', 'wss'];
  if (has('snis') && !protocols.some((p) => tlsLike.includes(p))) {
    report(['snis'], "'snis' can only be set when 'protocols' is 'grpcs', 'https', 'tls', 'tls_passthrough' or 'wss'");
  }
  const cannotSet = (f: string) => report([f], `cannot set '${f}' when 'protocols' is ${quoteList(protocols)}`, { atKey: true });
  if (!isStream && !protocols.includes('tls_passthrough')) {
    for (const f of ['sources', 'destinations']) if (has(f)) cannotSet(f);
  }
  if (isStream || protocols.includes('tls_passthrough')) {
    for (const f of ['methods', 'hosts', 'paths', 'headers']) if (has(f)) cannotSet(f);
  }
  if (!expression) {
    if (isHttp) {
      const https = protocols.includes('https') || protocols.includes('wss');
      const fields = ['methods', 'hosts', 'headers', 'paths', ...(https ? ['snis'] : [])];
      if (!fields.some(has)) report([], `must set one of ${quoteList(fields)} when 'protocols' is '${https ? 'https' : protocols[0]}'`);
    } else if (isGrpc) {
      const fields = ['hosts', 'headers', 'paths', ...(protocols.includes('grpcs') ? ['snis'] : [])];
      if (!fields.some(has)) report([], `must set one of ${quoteList(fields)} when 'protocols' is 'grpc' or 'grpcs'`);
    } else if (isStream) {
      if (!['sources', 'destinations', 'snis'].some(has)) report([], "must set one of 'sources', 'destinations', 'snis' when 'protocols' is 'tcp', 'tls' or 'udp'");
    } else if (protocols.includes('tls_passthrough') && !has('snis')) {
      report([], "must set snis when 'protocols' is 'tls_passthrough'");
    }
  }
  list(v.hosts).forEach((h, i) => {
    const problem = typeof h === 'string' ? checkHostWithPort(h, { wildcard: true, port: true }) : undefined;
    if (problem) report(['hosts', i], problem);
  });
  list(v.snis).forEach((s, i) => {
    const problem = typeof s === 'string' ? checkSniName(s) : undefined;
    if (problem) report(['snis', i], problem);
  });
  list(v.paths).forEach((p, i) => {
    if (typeof p !== 'string') return;
    // Kong checks this first, on regex paths too.
    if (p.includes('//')) {
      report(['paths', i], 'must not have empty segments');
      return;
    }
    if (p.startsWith('~')) {
      const re = compileKongRegex(p.slice(1), { anchored: true, dialect: 'rust-path' });
      if (!re.ok) report(['paths', i], routerRegexMessage(p.slice(1), re.message));
      else if (!p.startsWith('~/')) report(['paths', i], 'must start with "/" or "~/"');
    } else if (!p.startsWith('/')) {
      report(['paths', i], 'must start with "/" or "~/"');
    } else {
      const normalized = normalizePath(p);
      if (normalized === undefined) report(['paths', i], 'invalid path: bad percent-encoding');
      else if (normalized !== p) report(['paths', i], `non-normalized path, consider use '${normalized}' instead`);
    }
  });
  const headers = v.headers;
  if (headers && typeof headers === 'object') {
    for (const [name, values] of Object.entries(headers as Record<string, unknown>)) {
      if (name.toLowerCase() === 'host') {
        report(['headers', name], "cannot contain 'host' header, which must be specified in the 'hosts' attribute", { atKey: true });
        continue;
      }
      if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) report(['headers', name], `invalid header name '${name}'`, { atKey: true });
      const vals = list(values);
      vals.forEach((val, i) => {
        if (typeof val === 'string' && val.startsWith('~*')) {
          if (vals.length > 1) report(['headers', name, i], 'a regex header value (~*) must be the only value of its header');
          // Kong's router sees the value lower-cased, the regex too.
          const source = val.slice(2).toLowerCase();
          const re = compileKongRegex(source, { anchored: false, dialect: 'rust' });
          if (!re.ok) report(['headers', name, i], routerRegexMessage(source, re.message));
        }
      });
    }
  }
  // Kong's expressions flavour (kong/db/schema/entities/routes.lua validate_route).
  const TRADITIONAL = "'methods', 'hosts', 'paths', 'headers', 'snis', 'sources' or 'destinations'";
  const traditional = ['snis', 'sources', 'destinations', 'methods', 'hosts', 'paths', 'headers'].some(has);
  if (expression && traditional) {
    report([], `Router Expression failed validation: cannot set 'expression' with ${TRADITIONAL} simultaneously`);
    return;
  }
  if (expression && typeof v.regex_priority === 'number' && v.regex_priority !== 0) {
    report([], "Router Expression failed validation: cannot set 'regex_priority' with 'expression' simultaneously");
    return;
  }
  if (traditional && typeof v.priority === 'number' && v.priority !== 0) {
    report([], `Router Expression failed validation: cannot set 'priority' with ${TRADITIONAL} simultaneously`);
    return;
  }
  if (expression) {
    try {
      const ast = parseExpression(String(v.expression));
      // Kong's stream schema (kong/router/fields.lua) has no http.* fields.
      const httpOnly = isStream || protocols.includes('tls_passthrough') ? exprFields(ast).find((f) => !STREAM_EXPRESSION_FIELDS.has(f)) : undefined;
      if (httpOnly) report(['expression'], `Router Expression failed validation: Unknown LHS field '${httpOnly}' (the stream fields are net.protocol, tls.sni, net.src.ip, net.src.port, net.dst.ip, net.dst.port)`);
    } catch (err) {
      const at = err instanceof ExpressionError ? ` (at character ${err.offset + 1})` : '';
      report(['expression'], `Router Expression failed validation: ${(err as Error).message}${at}`);
    }
    if (usesNetPort(String(v.expression))) {
      report(['expression'], "The field 'net.port' of expression is deprecated and will be removed in the upcoming major release, please use 'net.dst.port' instead.", { warning: true });
    }
  }
  if (protocols.includes('udp')) {
    report(['protocols'], "'udp' is not proxied by this gateway (its stream listeners are TCP only): connections of this route's other protocols are", { warning: true });
  }
  // Kong's default router flavour (traditional_compatible) joins paths the v0 way whatever the route says.
  if (v.path_handling === 'v1') {
    report(['path_handling'], "path_handling='v1' is deprecated and will not work under 'expressions' or 'traditional_compatible' router_flavor, please use path_handling='v0' instead", { warning: true });
  }
}

/** Kong's stream schema: the fields an expression of a stream route may read. */
const STREAM_EXPRESSION_FIELDS: ReadonlySet<string> = new Set(['net.protocol', 'tls.sni', 'net.src.ip', 'net.src.port', 'net.dst.ip', 'net.dst.port']);

function exprFields(expr: Expr): string[] {
  if (expr.type === 'predicate') return [expr.field];
  if (expr.type === 'not') return exprFields(expr.expr);
  return [...exprFields(expr.left), ...exprFields(expr.right)];
}

export function checkSniName(name: string): string | undefined {
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  if (isIPv4(bare) || isIPv6(bare)) return 'must not be an IP';
  if (/:\d+$/.test(bare)) return 'must not have a port';
  return checkHostWithPort(bare, { wildcard: true, port: false });
}

/**
 * Kong's two layers of checks for a route regex: PCRE refuses what is not a regex at all (`invalid regex: ...`),
 * then the router's Rust regex refuses what PCRE takes but Rust does not (look-around, backreferences), as
 * `Router Expression failed validation: ...` (kong/db/schema/typedefs.lua, kong/db/schema/entities/routes.lua).
 */
function routerRegexMessage(source: string, message: string): string {
  let backtrackingTakesIt = true;
  try {
    new RegExp(source.replace(/\(\?P</g, '(?<'));
  } catch {
    backtrackingTakesIt = false;
  }
  return backtrackingTakesIt ? `Router Expression failed validation: regex parse error: ${message}` : `invalid regex: '${source}' (${message})`;
}

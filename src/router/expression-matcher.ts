/**
 * An expression route's AST compiled into a closure, once per snapshot. Evaluation also records what the path
 * predicate that decided the match matched (for strip_path) and its regex captures.
 */
import { BlockList, isIPv6 } from 'node:net';
import type { Expr, Value } from './expression-parser.ts';
import { compileKongRegex, type RegexMatch } from './kong-regex.ts';
import { hasGroups, type Captures, type RequestFacts } from './matcher.ts';
import { unmapIpv4 } from '../http/ip-list.ts';

export interface ExpressionFacts extends RequestFacts {
  readonly rawQuery?: string;
  readonly srcIp?: string;
  readonly srcPort?: number;
  readonly dstIp?: string;
  readonly dstPort?: number;
  /** `net.protocol` when it is not the HTTP scheme: a stream connection's (tcp or tls). */
  readonly protocol?: string;
}

export interface PathOutcome {
  matchedPath: string | null;
  captures: Captures | null;
}

type Test = (req: ExpressionFacts, out: PathOutcome) => boolean;

function queryValues(raw: string | undefined, name: string): string[] {
  if (!raw) return [];
  const out: string[] = [];
  for (const part of raw.split('&')) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    if (safeDecode(key) === name) out.push(eq < 0 ? '' : safeDecode(part.slice(eq + 1)));
  }
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/**
 * `/a/b/c/` → [a, b, c]: the path after its first `/`, split on `/`, trailing empty segments dropped (as Kong's
 * fields.lua; the path is normalized, so inner empty segments do not occur).
 */
function segmentsOf(path: string): string[] {
  const parts = path.slice(1).split('/');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** `http.path.segments.N` or `.N_M` (segments N to M joined by `/`), as Kong's fields.lua reads them. */
function segmentReader(range: string): (req: ExpressionFacts) => readonly string[] {
  const sep = range.indexOf('_');
  if (sep < 0) {
    const at = Number(range);
    return (r) => {
      const v = segmentsOf(r.path)[at];
      return v === undefined ? [] : [v];
    };
  }
  const [from, to] = [Number(range.slice(0, sep)), Number(range.slice(sep + 1))];
  return (r) => {
    const segs = segmentsOf(r.path);
    if (from >= to || from >= segs.length || to >= segs.length) return [];
    return [segs.slice(from, to + 1).join('/')];
  };
}

/** The values a field has in a request: none when absent (a predicate on an absent field is false, as in ATC). */
function reader(field: string): (req: ExpressionFacts) => readonly (string | number)[] {
  switch (field) {
    case 'http.method': return (r) => [r.method];
    case 'http.host': return (r) => [r.host];
    case 'http.path': return (r) => [r.path];
    case 'http.path.segments.len': return (r) => [segmentsOf(r.path).length];
    case 'net.protocol': return (r) => [r.protocol ?? r.scheme];
    case 'tls.sni': return (r) => (r.sni === undefined ? [] : [r.sni]);
    case 'net.src.ip': return (r) => (r.srcIp === undefined ? [] : [r.srcIp]);
    case 'net.dst.ip': return (r) => (r.dstIp === undefined ? [] : [r.dstIp]);
    case 'net.src.port': return (r) => (r.srcPort === undefined ? [] : [r.srcPort]);
    // Kong: the Host header's port, else the port the request came in on.
    case 'net.dst.port': return (r) => [r.port];
  }
  if (field.startsWith('http.path.segments.')) return segmentReader(field.slice('http.path.segments.'.length));
  if (field.startsWith('http.headers.')) {
    // nginx's header table: the name as written (underscores), else with dashes.
    const name = field.slice('http.headers.'.length).toLowerCase();
    const dashed = name.replace(/_/g, '-');
    return (r) => {
      const all = r.headerValues ?? r.headers;
      const v = all[name] ?? all[dashed];
      return v === undefined ? [] : typeof v === 'string' ? [v] : v;
    };
  }
  const name = field.slice('http.queries.'.length);
  return (r) => queryValues(r.rawQuery, name);
}

function ipCheck(value: Value): (ip: string) => boolean {
  const [addr, bits] = String(value.value).split('/') as [string, string | undefined];
  const family = isIPv6(addr) ? 'ipv6' : 'ipv4';
  const list = new BlockList();
  if (bits === undefined) list.addAddress(addr, family);
  else list.addSubnet(addr, Number(bits), family);
  return (ip) => {
    const plain = unmapIpv4(ip);
    return list.check(plain, isIPv6(plain) ? 'ipv6' : 'ipv4');
  };
}

function recordRegex(out: PathOutcome, isPath: boolean, m: RegexMatch): void {
  if (isPath) out.matchedPath = m.values[0]!;
  // ATC keeps every regex's captures in one table, a later match overwriting an earlier one's keys.
  const unnamed = out.captures ? [...out.captures.unnamed] : [];
  const named: Record<string, string> = out.captures ? { ...out.captures.named } : {};
  m.values.forEach((g, i) => {
    if (g !== undefined) unnamed[i] = g;
  });
  for (const k in m.groups) named[k] = m.groups[k]!;
  out.captures = { unnamed: Array.from(unnamed), named };
}

/** One value against the predicate; records what ATC records (the path's match, regex captures). */
type One = (v: string | number, out: PathOutcome) => boolean;

function operator(expr: Extract<Expr, { type: 'predicate' }>): One {
  const isPath = expr.field === 'http.path';
  const value = expr.value.value;
  if (expr.value.kind === 'ip') {
    // An address compares as an address (a v4-mapped client address equals its v4 form).
    const same = ipCheck(expr.value);
    return expr.op === '!=' ? (v) => !same(String(v)) : (v) => same(String(v));
  }
  switch (expr.op) {
    case '==': return (v, out) => v === value && (!isPath || record(out, String(value)));
    case '!=': return (v) => v !== value;
    case '^=': return (v, out) => String(v).startsWith(String(value)) && (!isPath || record(out, String(value)));
    case '=^': return (v, out) => String(v).endsWith(String(value)) && (!isPath || record(out, String(value)));
    case 'contains': return (v) => String(v).includes(String(value));
    case '~': {
      const compiled = compileKongRegex(String(value), { anchored: false, dialect: 'rust' });
      // The parser refused bad regexes already; a config reaching here has good ones.
      if (!compiled.ok) return () => false;
      const re = compiled.regex;
      return (v, out) => {
        const m = re.exec(String(v));
        if (!m) return false;
        recordRegex(out, isPath, m);
        return true;
      };
    }
    case '>': return (v) => Number(v) > Number(value);
    case '>=': return (v) => Number(v) >= Number(value);
    case '<': return (v) => Number(v) < Number(value);
    case '<=': return (v) => Number(v) <= Number(value);
    case 'in': {
      const inRange = ipCheck(expr.value);
      return (v) => inRange(String(v));
    }
    case 'not in': {
      const inRange = ipCheck(expr.value);
      return (v) => !inRange(String(v));
    }
  }
}

function compile(expr: Expr): Test {
  switch (expr.type) {
    case 'and': {
      const [l, r] = [compile(expr.left), compile(expr.right)];
      return (req, out) => l(req, out) && r(req, out);
    }
    case 'or': {
      const [l, r] = [compile(expr.left), compile(expr.right)];
      return (req, out) => l(req, out) || r(req, out);
    }
    case 'not': {
      const inner = compile(expr.expr);
      return (req, out) => !inner(req, out);
    }
    case 'predicate':
      break;
  }
  const read = reader(expr.field);
  const one = operator(expr);
  const lower = expr.lower;
  if (expr.any) {
    return (req, out) => {
      for (const v of read(req)) if (one(lower ? String(v).toLowerCase() : v, out)) return true;
      return false;
    };
  }
  // ATC's default: every value of the field must match (a repeated header, a repeated query argument).
  return (req, out) => {
    const values = read(req);
    for (const v of values) if (!one(lower ? String(v).toLowerCase() : v, out)) return false;
    return values.length > 0;
  };
}

function record(out: PathOutcome, matched: string): true {
  out.matchedPath = matched;
  return true;
}

export function compileExpression(expr: Expr): (req: ExpressionFacts) => PathOutcome | undefined {
  const test = compile(expr);
  return (req) => {
    const out: PathOutcome = { matchedPath: null, captures: null };
    if (!test(req, out)) return undefined;
    if (out.captures && !hasGroups(out.captures.unnamed)) out.captures = null;
    return out;
  };
}

/** Fields an expression reads, for the router's cache key. */
export function fieldsOf(expr: Expr): Set<string> {
  if (expr.type === 'predicate') return new Set([expr.field]);
  if (expr.type === 'not') return fieldsOf(expr.expr);
  return new Set([...fieldsOf(expr.left), ...fieldsOf(expr.right)]);
}

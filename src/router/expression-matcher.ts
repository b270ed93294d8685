/**
 * An expression route's AST compiled into a closure, once per snapshot. Evaluation also records what the path
 * predicate that decided the match matched (for strip_path) and its regex captures.
 */
import { BlockList, isIPv6 } from 'node:net';
import type { Expr, Value } from './expression-parser.ts';
import { compileKongRegex } from './kong-regex.ts';
import type { Captures, RequestFacts } from './matcher.ts';
import { unmapIpv4 } from '../http/ip-list.ts';

export interface ExpressionFacts extends RequestFacts {
  readonly rawQuery?: string;
  readonly srcIp?: string;
  readonly srcPort?: number;
  readonly dstIp?: string;
  readonly dstPort?: number;
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

/** The values a field has in a request: none when absent (a predicate on an absent field is false, as in ATC). */
function reader(field: string): (req: ExpressionFacts) => readonly (string | number)[] {
  switch (field) {
    case 'http.method': return (r) => [r.method];
    case 'http.host': return (r) => [r.host];
    case 'http.path': return (r) => [r.path];
    case 'net.protocol': return (r) => [r.scheme];
    case 'tls.sni': return (r) => (r.sni === undefined ? [] : [r.sni]);
    case 'net.src.ip': return (r) => (r.srcIp === undefined ? [] : [r.srcIp]);
    case 'net.dst.ip': return (r) => (r.dstIp === undefined ? [] : [r.dstIp]);
    case 'net.src.port': return (r) => (r.srcPort === undefined ? [] : [r.srcPort]);
    case 'net.dst.port': return (r) => (r.dstPort === undefined ? [] : [r.dstPort]);
  }
  if (field.startsWith('http.headers.')) {
    const name = field.slice('http.headers.'.length).toLowerCase().replace(/_/g, '-');
    return (r) => {
      const v = r.headers[name];
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
      // What a negated predicate matched is not a match: keep it out of the outcome.
      return (req) => !inner(req, { matchedPath: null, captures: null });
    }
    case 'predicate':
      break;
  }
  const read = reader(expr.field);
  const isPath = expr.field === 'http.path';
  const norm = expr.lower ? (v: string | number) => String(v).toLowerCase() : (v: string | number) => v;
  const value = expr.value.value;
  let one: (v: string | number, out: PathOutcome) => boolean;
  switch (expr.op) {
    case '==': one = (v, out) => norm(v) === value && (!isPath || record(out, String(v))); break;
    case '^=': one = (v, out) => String(norm(v)).startsWith(String(value)) && (!isPath || record(out, String(v).slice(0, String(value).length))); break;
    case '=^': one = (v) => String(norm(v)).endsWith(String(value)); break;
    case 'contains': one = (v) => String(norm(v)).includes(String(value)); break;
    case '~': {
      const compiled = compileKongRegex(String(value), { anchored: false, dialect: 'rust' });
      // The parser refused bad regexes already; a config reaching here has good ones.
      if (!compiled.ok) return () => false;
      const re = compiled.regex;
      one = (v, out) => {
        const m = re.exec(String(norm(v)));
        if (!m) return false;
        if (isPath && out.matchedPath === null && m.index === 0) {
          out.matchedPath = m.values[0]!;
          const named: Record<string, string> = {};
          for (const k in m.groups) named[k] = m.groups[k]!;
          out.captures = { unnamed: m.values.map((g) => g ?? ''), named };
        }
        return true;
      };
      break;
    }
    case '>': one = (v) => Number(v) > Number(value); break;
    case '>=': one = (v) => Number(v) >= Number(value); break;
    case '<': one = (v) => Number(v) < Number(value); break;
    case '<=': one = (v) => Number(v) <= Number(value); break;
    case 'in': {
      const inRange = ipCheck(expr.value);
      one = (v) => inRange(String(v));
      break;
    }
    case 'not in': {
      const inRange = ipCheck(expr.value);
      one = (v) => !inRange(String(v));
      break;
    }
    case '!=':
      // Several values (a repeated header): true when none equals.
      return (req) => {
        const values = read(req);
        return values.length > 0 && values.every((v) => norm(v) !== value);
      };
  }
  return (req, out) => {
    const values = read(req);
    for (const v of values) if (one(v, out)) return true;
    return false;
  };
}

function record(out: PathOutcome, matched: string): true {
  if (out.matchedPath === null) out.matchedPath = matched;
  return true;
}

export function compileExpression(expr: Expr): (req: ExpressionFacts) => PathOutcome | undefined {
  const test = compile(expr);
  return (req) => {
    const out: PathOutcome = { matchedPath: null, captures: null };
    return test(req, out) ? out : undefined;
  };
}

/** Fields an expression reads, for the router's cache key. */
export function fieldsOf(expr: Expr): Set<string> {
  if (expr.type === 'predicate') return new Set([expr.field]);
  if (expr.type === 'not') return fieldsOf(expr.expr);
  return new Set([...fieldsOf(expr.left), ...fieldsOf(expr.right)]);
}

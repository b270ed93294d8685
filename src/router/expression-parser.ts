/**
 * Kong's router expression language (ATC, `Kong/atc-router` 1.7, the version Kong 3.10 ships), as routes write
 * it in `expression`:
 *
 *   (http.path ^= "/api" || http.path == "/health") && any(lower(http.headers.x_env)) != "test"
 *
 * Predicates `field op value`; operators `==` `!=` `^=` (prefix) `=^` (suffix) `~` (regex) `in` `not in`
 * (IP in CIDR) `contains` `>` `>=` `<` `<=`; the transformations `lower(field)` and `any(field)`; `&&`, `||`,
 * `!(...)` and parentheses. As in ATC, `||` binds tighter than `&&` (`a && b || c` is `a && (b || c)`).
 * Values: "strings" (with \" \\ \n \r \t escapes), r#"raw strings"#, integers (decimal, 0x hex, 0 octal), IPs
 * and CIDRs. Kong's semantic checks, with Kong's messages. Pure: text → AST or an error with its offset.
 */
import { isIP } from 'node:net';
import { compileKongRegex } from './kong-regex.ts';

/** A field of Kong's HTTP schema (kong/router/fields.lua), `net.port` already read as `net.dst.port`. */
export type Field = string;

export type Operator = '==' | '!=' | '^=' | '=^' | '~' | 'in' | 'not in' | 'contains' | '>' | '>=' | '<' | '<=';

export type Value =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'ip'; readonly value: string }
  | { readonly kind: 'cidr'; readonly value: string };

export type Expr =
  | { readonly type: 'predicate'; readonly field: Field; readonly lower: boolean; readonly any: boolean; readonly op: Operator; readonly value: Value }
  | { readonly type: 'and' | 'or'; readonly left: Expr; readonly right: Expr }
  | { readonly type: 'not'; readonly expr: Expr };

export class ExpressionError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

type Kind = 'string' | 'int' | 'ip';

const SCHEMA: Readonly<Record<string, Kind>> = {
  'net.protocol': 'string', 'tls.sni': 'string', 'http.method': 'string', 'http.host': 'string', 'http.path': 'string',
  'http.path.segments.*': 'string', 'http.headers.*': 'string', 'http.queries.*': 'string',
  'net.src.port': 'int', 'net.dst.port': 'int', 'http.path.segments.len': 'int',
  'net.src.ip': 'ip', 'net.dst.ip': 'ip',
};

/** ATC's schema lookup: the field itself, else its parent with `.*`. */
function fieldKind(field: string): Kind | undefined {
  const exact = SCHEMA[field];
  if (exact) return exact;
  const dot = field.lastIndexOf('.');
  return dot < 0 ? undefined : SCHEMA[`${field.slice(0, dot)}.*`];
}

const SEGMENTS = 'http.path.segments.';

/** Kong's own check of `http.path.segments.N` and `.N_M` (kong/db/schema/entities/routes.lua). */
function segmentsFieldOk(field: string): boolean {
  if (!field.startsWith(SEGMENTS)) return true;
  const suffix = field.slice(SEGMENTS.length);
  if (suffix === 'len') return true;
  const m = /^(0|[1-9]\d*)(_([1-9]\d*))?$/.exec(suffix);
  return m !== null && (m[3] === undefined || Number(m[1]) < Number(m[3]));
}

const MSG = {
  unknownLhs: 'Unknown LHS field',
  mismatch: 'Type mismatch between the LHS and RHS values of predicate',
  lowerOnlyString: 'lower-case transformation function only supported with String type fields',
  regexOnlyString: 'Regex operators only supports string operands',
  prefixOnlyString: 'Prefix/Postfix operators only supports string operands',
  onlyInt: 'Greater/GreaterOrEqual/Less/LessOrEqual operators only supports integer operands',
  onlyCidr: 'In/NotIn operators only supports IP in CIDR',
  containsOnlyString: 'Contains operator only supports string operands',
};

/** Kong's semantic checks of one predicate (atc-router src/semantics.rs), or undefined when it is fine. */
function semanticError(kind: Kind | undefined, lower: boolean, op: Operator, value: Value): string | undefined {
  if (kind === undefined) return MSG.unknownLhs;
  const rhs = value.kind === 'cidr' ? 'cidr' : value.kind;
  if (op !== '~' && op !== 'in' && op !== 'not in' && kind !== rhs) return MSG.mismatch;
  if (lower && kind !== 'string') return MSG.lowerOnlyString;
  switch (op) {
    case '~': return kind === 'string' ? undefined : MSG.regexOnlyString;
    case '^=': case '=^': return value.kind === 'string' ? undefined : MSG.prefixOnlyString;
    case '>': case '>=': case '<': case '<=': return value.kind === 'int' ? undefined : MSG.onlyInt;
    case 'in': case 'not in': return kind === 'ip' && value.kind === 'cidr' ? undefined : MSG.onlyCidr;
    case 'contains': return value.kind === 'string' ? undefined : MSG.containsOnlyString;
    default: return undefined;
  }
}

const OPERATORS = ['==', '!=', '^=', '=^', '>=', '<=', '>', '<', '~', 'contains', 'in'] as const;

class Parser {
  #pos = 0;
  readonly #src: string;

  constructor(src: string) {
    this.#src = src;
  }

  parse(): Expr {
    const expr = this.#and();
    this.#ws();
    if (this.#pos < this.#src.length) this.#fail(`unexpected '${this.#src[this.#pos]}'`);
    return expr;
  }

  #fail(message: string, at = this.#pos): never {
    throw new ExpressionError(message, at);
  }

  #ws(): void {
    while (this.#pos < this.#src.length && ' \t\r\n'.includes(this.#src[this.#pos]!)) this.#pos++;
  }

  #eat(token: string): boolean {
    this.#ws();
    if (this.#src.startsWith(token, this.#pos)) {
      this.#pos += token.length;
      return true;
    }
    return false;
  }

  // ATC's Pratt parser gives `||` the higher precedence.
  #and(): Expr {
    let left = this.#or();
    while (this.#eat('&&')) left = { type: 'and', left, right: this.#or() };
    return left;
  }

  #or(): Expr {
    let left = this.#term();
    while (this.#eat('||')) left = { type: 'or', left, right: this.#term() };
    return left;
  }

  #term(): Expr {
    this.#ws();
    if (this.#src[this.#pos] === '!') {
      this.#pos++;
      if (!this.#eat('(')) this.#fail("'!' must be followed by a parenthesized expression");
      const expr = this.#and();
      if (!this.#eat(')')) this.#fail("expected ')'");
      return { type: 'not', expr };
    }
    if (this.#eat('(')) {
      const expr = this.#and();
      if (!this.#eat(')')) this.#fail("expected ')'");
      return expr;
    }
    return this.#predicate();
  }

  /** `ident` or `func(lhs)`, innermost first: `any(lower(x))` and `lower(any(x))` are the same. */
  #lhs(): { field: string; lower: boolean; any: boolean } {
    this.#ws();
    const at = this.#pos;
    const name = this.#ident();
    if (name === '') this.#fail('expected a field, e.g. http.path');
    if (!this.#eat('(')) return { field: name, lower: false, any: false };
    const inner = this.#lhs();
    if (!this.#eat(')')) this.#fail("expected ')'");
    if (name === 'lower') return { ...inner, lower: true };
    if (name === 'any') return { ...inner, any: true };
    return this.#fail(`unknown transformation function: ${name}`, at);
  }

  #predicate(): Expr {
    this.#ws();
    const start = this.#pos;
    const lhs = this.#lhs();
    // Kong amends the deprecated `net.port` to `net.dst.port` before ATC sees the expression.
    const field = lhs.field === 'net.port' ? 'net.dst.port' : lhs.field;
    this.#ws();
    const op = this.#operator();
    this.#ws();
    const valueAt = this.#pos;
    const value = this.#value();
    if (op === '~') {
      if (value.kind !== 'string') this.#fail('regex operator can only be used with String operands', valueAt);
      const compiled = compileKongRegex(value.value, { anchored: false, dialect: 'rust' });
      if (!compiled.ok) this.#fail(`regex parse error: ${compiled.message}`, valueAt);
    }
    const problem = semanticError(fieldKind(field), lhs.lower, op, value);
    if (problem) this.#fail(problem, start);
    if (!segmentsFieldOk(field)) this.#fail('illformed http.path.segments.* field', start);
    return { type: 'predicate', field, lower: lhs.lower, any: lhs.any, op, value };
  }

  #ident(): string {
    const m = /^[A-Za-z][A-Za-z0-9_.]*/.exec(this.#src.slice(this.#pos));
    if (!m) return '';
    this.#pos += m[0].length;
    return m[0];
  }

  #operator(): Operator {
    const rest = this.#src.slice(this.#pos);
    const not = /^not\s+in/.exec(rest);
    if (not) {
      this.#pos += not[0].length;
      return 'not in';
    }
    for (const op of OPERATORS) {
      if (rest.startsWith(op)) {
        this.#pos += op.length;
        return op;
      }
    }
    return this.#fail('expected an operator (==, !=, ^=, =^, ~, in, not in, contains, >, >=, <, <=)');
  }

  #value(): Value {
    const rest = this.#src.slice(this.#pos);
    if (rest.startsWith('"')) return { kind: 'string', value: this.#string() };
    if (rest.startsWith('r#"')) {
      const end = this.#src.indexOf('"#', this.#pos + 3);
      if (end < 0) this.#fail('unterminated raw string');
      const value = this.#src.slice(this.#pos + 3, end);
      this.#pos = end + 2;
      return { kind: 'string', value };
    }
    const v4 = /^[0-9]{1,3}(\.[0-9]{1,3}){3}(\/[0-9]{1,2})?/.exec(rest);
    const v6 = v4 ? null : /^(:|[0-9A-Fa-f]{1,4}):([0-9A-Fa-f]{1,4}|:)*(\/[0-9]{1,3})?/.exec(rest);
    const ip = v4 ?? v6;
    if (ip) {
      const [addr, bits] = ip[0].split('/') as [string, string | undefined];
      if (isIP(addr) === 0) this.#fail(`invalid IP address syntax`);
      if (bits !== undefined && Number(bits) > (v4 ? 32 : 128)) this.#fail('invalid CIDR prefix length');
      this.#pos += ip[0].length;
      return bits === undefined ? { kind: 'ip', value: addr } : { kind: 'cidr', value: ip[0] };
    }
    const int = /^(-?)(?:0x([0-9A-Fa-f]+)|0([0-7]+)|([0-9]+))/.exec(rest);
    if (int) {
      this.#pos += int[0].length;
      const n = int[2] !== undefined ? parseInt(int[2], 16) : int[3] !== undefined ? parseInt(int[3], 8) : Number(int[4]);
      return { kind: 'int', value: int[1] === '-' ? -n : n };
    }
    return this.#fail('expected a value: "string", r#"raw"#, an integer or an IP');
  }

  #string(): string {
    let out = '';
    this.#pos++;
    while (this.#pos < this.#src.length) {
      const ch = this.#src[this.#pos++]!;
      if (ch === '"') return out;
      if (ch === '\\') {
        const next = this.#src[this.#pos++];
        const escapes: Record<string, string> = { '"': '"', '\\': '\\', n: '\n', t: '\t', r: '\r' };
        if (next === undefined || escapes[next] === undefined) this.#fail(`invalid escape '\\${next ?? ''}'`, this.#pos - 2);
        out += escapes[next];
      } else {
        out += ch;
      }
    }
    return this.#fail('unterminated string');
  }
}

export function parseExpression(source: string): Expr {
  return new Parser(source).parse();
}

/** Whether the expression uses the deprecated `net.port` (Kong warns about it). */
export function usesNetPort(source: string): boolean {
  return /net\.port\s*[=><!]/.test(source);
}

/**
 * Kong's router expression language (ATC, `Kong/atc-router`), as routes write it in `expression`:
 *
 *   (http.path ^= "/api" || http.path == "/health") && lower(http.headers.x_env) != "test"
 *
 * Predicates `field op value`; operators `==` `!=` `^=` (prefix) `=^` (suffix) `~` (regex) `in` `not in`
 * (IP in CIDR) `contains` `>` `>=` `<` `<=`; `lower(field)`; `&&`, `||`, `!(...)` and parentheses.
 * Values: "strings" (with \" \\ \n \t escapes), r#"raw strings"#, integers, IPs and CIDRs.
 * Pure: text → AST or an error with its offset.
 */
import { compileKongRegex } from './kong-regex.ts';

export type Field =
  | 'http.method' | 'http.host' | 'http.path' | 'net.protocol' | 'tls.sni'
  | 'net.src.ip' | 'net.src.port' | 'net.dst.ip' | 'net.dst.port'
  | `http.headers.${string}` | `http.queries.${string}`;

export type Operator = '==' | '!=' | '^=' | '=^' | '~' | 'in' | 'not in' | 'contains' | '>' | '>=' | '<' | '<=';

export type Value = { readonly kind: 'string'; readonly value: string } | { readonly kind: 'int'; readonly value: number } | { readonly kind: 'ip'; readonly value: string };

export type Expr =
  | { readonly type: 'predicate'; readonly field: Field; readonly lower: boolean; readonly op: Operator; readonly value: Value }
  | { readonly type: 'and' | 'or'; readonly left: Expr; readonly right: Expr }
  | { readonly type: 'not'; readonly expr: Expr };

export class ExpressionError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

const STRING_FIELDS = new Set(['http.method', 'http.host', 'http.path', 'net.protocol', 'tls.sni']);
const INT_FIELDS = new Set(['net.src.port', 'net.dst.port']);
const IP_FIELDS = new Set(['net.src.ip', 'net.dst.ip']);

function fieldKind(field: string): 'string' | 'int' | 'ip' | undefined {
  if (STRING_FIELDS.has(field) || /^http\.(headers|queries)\.[A-Za-z0-9_]+$/.test(field)) return 'string';
  if (INT_FIELDS.has(field)) return 'int';
  if (IP_FIELDS.has(field)) return 'ip';
  return undefined;
}

const OPS_BY_KIND: Record<'string' | 'int' | 'ip', readonly Operator[]> = {
  string: ['==', '!=', '^=', '=^', '~', 'contains'],
  int: ['==', '!=', '>', '>=', '<', '<='],
  ip: ['==', '!=', 'in', 'not in'],
};

class Parser {
  #pos = 0;
  readonly #src: string;

  constructor(src: string) {
    this.#src = src;
  }

  parse(): Expr {
    const expr = this.#or();
    this.#ws();
    if (this.#pos < this.#src.length) this.#fail(`unexpected '${this.#src[this.#pos]}'`);
    return expr;
  }

  #fail(message: string, at = this.#pos): never {
    throw new ExpressionError(message, at);
  }

  #ws(): void {
    while (this.#pos < this.#src.length && /\s/.test(this.#src[this.#pos]!)) this.#pos++;
  }

  #eat(token: string): boolean {
    this.#ws();
    if (this.#src.startsWith(token, this.#pos)) {
      this.#pos += token.length;
      return true;
    }
    return false;
  }

  #or(): Expr {
    let left = this.#and();
    while (this.#eat('||')) left = { type: 'or', left, right: this.#and() };
    return left;
  }

  #and(): Expr {
    let left = this.#unary();
    while (this.#eat('&&')) left = { type: 'and', left, right: this.#unary() };
    return left;
  }

  #unary(): Expr {
    this.#ws();
    if (this.#src[this.#pos] === '!' && this.#src[this.#pos + 1] !== '=') {
      this.#pos++;
      if (!this.#eat('(')) this.#fail("'!' must be followed by a parenthesized expression");
      const expr = this.#or();
      if (!this.#eat(')')) this.#fail("expected ')'");
      return { type: 'not', expr };
    }
    if (this.#eat('(')) {
      const expr = this.#or();
      if (!this.#eat(')')) this.#fail("expected ')'");
      return expr;
    }
    return this.#predicate();
  }

  #predicate(): Expr {
    this.#ws();
    const start = this.#pos;
    let lower = false;
    let field = this.#ident();
    if (field === 'lower') {
      if (!this.#eat('(')) this.#fail("expected '(' after lower");
      this.#ws();
      field = this.#ident();
      if (!this.#eat(')')) this.#fail("expected ')'");
      lower = true;
    }
    const kind = fieldKind(field);
    if (!kind) this.#fail(field === '' ? 'expected a field, e.g. http.path' : `unknown field '${field}'`, start);
    if (lower && kind !== 'string') this.#fail(`lower() applies to string fields, not '${field}'`, start);
    this.#ws();
    const opAt = this.#pos;
    const op = this.#operator();
    if (!OPS_BY_KIND[kind].includes(op)) this.#fail(`operator '${op}' does not apply to '${field}'`, opAt);
    this.#ws();
    const valueAt = this.#pos;
    const value = this.#value();
    const expected = kind === 'ip' ? (op === 'in' || op === 'not in' ? 'ip' : 'ip') : kind;
    if (value.kind !== expected) this.#fail(`'${field}' compares with ${kind === 'int' ? 'an integer' : kind === 'ip' ? 'an IP address or CIDR' : 'a string'}`, valueAt);
    if (op === '~') {
      const compiled = compileKongRegex(value.value as string, { anchored: false, dialect: 'rust' });
      if (!compiled.ok) this.#fail(`invalid regex: ${compiled.message}`, valueAt);
    }
    return { type: 'predicate', field: field as Field, lower, op, value };
  }

  #ident(): string {
    const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(this.#src.slice(this.#pos));
    if (!m) return '';
    this.#pos += m[0].length;
    return m[0];
  }

  #operator(): Operator {
    for (const op of ['==', '!=', '^=', '=^', '>=', '<=', '>', '<', '~', 'not in', 'in', 'contains'] as const) {
      if (this.#src.startsWith(op, this.#pos)) {
        const after = this.#src[this.#pos + op.length];
        if (/^[a-z]/.test(op) && after !== undefined && /[A-Za-z0-9_]/.test(after)) continue;
        this.#pos += op.length;
        return op;
      }
    }
    return this.#fail('expected an operator (==, !=, ^=, =^, ~, in, not in, contains, >, >=, <, <=)');
  }

  #value(): Value {
    const rest = this.#src.slice(this.#pos);
    if (rest.startsWith('"')) return { kind: 'string', value: this.#string() };
    const raw = /^r(#*)"/.exec(rest);
    if (raw) {
      const close = `"${raw[1]}`;
      const end = this.#src.indexOf(close, this.#pos + raw[0].length);
      if (end < 0) this.#fail('unterminated raw string');
      const value = this.#src.slice(this.#pos + raw[0].length, end);
      this.#pos = end + close.length;
      return { kind: 'string', value };
    }
    const ip = /^([0-9]{1,3}(\.[0-9]{1,3}){3}|[0-9A-Fa-f]*:[0-9A-Fa-f:.]+)(\/[0-9]{1,3})?/.exec(rest);
    if (ip && (ip[0].includes('.') || ip[0].includes(':'))) {
      this.#pos += ip[0].length;
      return { kind: 'ip', value: ip[0] };
    }
    const int = /^-?[0-9]+/.exec(rest);
    if (int) {
      this.#pos += int[0].length;
      return { kind: 'int', value: Number(int[0]) };
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

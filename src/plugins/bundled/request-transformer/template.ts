/**
 * Kong's request-transformer templates (penlight's `$(...)` over a sandboxed Lua expression), for the forms Kong
 * documents: `headers`, `query_params`, `uri_captures` and `shared` read by `.name` or `["name"]` (captures also
 * by number), string literals (Kong's documented escape `$('$(x)')`), and `or` between them (Kong's documented
 * fallback `$(headers.x or "default")`). Anything else is refused when the config loads, with the character it
 * stops at: this gateway runs no Lua, and a template it cannot evaluate must not go out as literal text.
 */

export type Source = 'headers' | 'query_params' | 'uri_captures' | 'shared';

type Operand = { readonly kind: 'literal'; readonly value: string } | { readonly kind: 'ref'; readonly source: Source; readonly key: string | number };

/** A parsed template: text pieces and expressions (each a list of `or` alternatives). */
export type Template = readonly (string | readonly Operand[])[];

/** What a template reads from the request; each table is loaded once per request, on first use. */
export interface TemplateEnv {
  lookup(source: Source, key: string | number): unknown;
}

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

const SOURCES: ReadonlySet<string> = new Set(['headers', 'query_params', 'uri_captures', 'shared']);
const SUPPORTED = 'supported: $(headers.NAME), $(headers["NAME"]), the same for query_params, uri_captures (also [1]) and shared, quoted strings, and "or" between them';

/** Where penlight's `%b()` would close the parenthesis at `open`, or -1 (then `$(` is plain text, as in Kong). */
function balanced(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '(') depth++;
    else if (s[i] === ')' && --depth === 0) return i;
  }
  return -1;
}

/**
 * Parses a config value; throws a TemplateError naming the 1-based character where it gives up (counted from
 * `offset` characters before the value: where it starts in its config entry).
 */
export function parseTemplate(text: string, offset = 0): Template {
  const out: (string | readonly Operand[])[] = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    const at = text.indexOf('$(', i);
    if (at < 0) break;
    const close = balanced(text, at + 1);
    if (close < 0) {
      literal += text.slice(i, at + 2);
      i = at + 2;
      continue;
    }
    literal += text.slice(i, at);
    if (literal) out.push(literal);
    literal = '';
    out.push(new ExpressionParser(text, at + 2, close, offset).parse());
    i = close + 1;
  }
  literal += text.slice(i);
  if (literal) out.push(literal);
  return out;
}

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v', '\\': '\\', '"': '"', "'": "'", '\n': '\n' };

class ExpressionParser {
  #pos: number;
  readonly #text: string;
  readonly #end: number;
  readonly #start: number;
  readonly #offset: number;

  constructor(text: string, start: number, end: number, offset: number) {
    this.#offset = offset;
    this.#text = text;
    this.#pos = start;
    this.#start = start;
    this.#end = end;
  }

  #fail(reason: string, at = this.#pos): never {
    const expression = this.#text.slice(this.#start - 2, this.#end + 1);
    throw new TemplateError(`unsupported template ${expression} (character ${at + 1 + this.#offset}: ${reason}); ${SUPPORTED}`);
  }

  #space(): void {
    while (this.#pos < this.#end && /\s/.test(this.#text[this.#pos]!)) this.#pos++;
  }

  #identifier(): string | undefined {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.#text.slice(this.#pos, this.#end));
    if (!m) return undefined;
    this.#pos += m[0].length;
    return m[0];
  }

  parse(): readonly Operand[] {
    const alternatives: Operand[] = [];
    for (;;) {
      this.#space();
      alternatives.push(this.#operand());
      this.#space();
      if (this.#pos >= this.#end) return alternatives;
      const word = this.#pos;
      if (this.#identifier() !== 'or') this.#fail('expected "or" or the end of the expression', word);
    }
  }

  #operand(): Operand {
    const c = this.#text[this.#pos];
    if (c === '"' || c === "'") return { kind: 'literal', value: this.#string() };
    const at = this.#pos;
    const name = this.#identifier();
    if (name === undefined) this.#fail(this.#pos >= this.#end ? 'expected a value' : 'expected a name or a quoted string');
    if (!SOURCES.has(name)) this.#fail(`'${name}' is not one of headers, query_params, uri_captures, shared`, at);
    this.#space();
    const next = this.#text[this.#pos];
    let key: string | number;
    if (next === '.') {
      this.#pos++;
      this.#space();
      const id = this.#identifier();
      if (id === undefined) this.#fail('expected a name after "."');
      key = id;
    } else if (next === '[') {
      this.#pos++;
      this.#space();
      const q = this.#text[this.#pos];
      if (q === '"' || q === "'") key = this.#string();
      else {
        const m = /^\d+/.exec(this.#text.slice(this.#pos, this.#end));
        if (!m) this.#fail('expected a quoted name or a number inside [ ]');
        key = Number(m[0]);
        this.#pos += m[0].length;
      }
      this.#space();
      if (this.#text[this.#pos] !== ']') this.#fail('expected "]"');
      this.#pos++;
    } else {
      this.#fail(`expected .name or ["name"] after ${name}`);
    }
    this.#space();
    const after = this.#text[this.#pos];
    if (this.#pos < this.#end && (after === '.' || after === '[' || after === '(' || after === ':')) this.#fail('only one level of lookup is supported');
    return { kind: 'ref', source: name as Source, key };
  }

  /** A Lua short string: the usual escapes, `\ddd` and `\xXX`. */
  #string(): string {
    const quote = this.#text[this.#pos]!;
    let out = '';
    this.#pos++;
    while (this.#pos < this.#end) {
      const c = this.#text[this.#pos]!;
      if (c === quote) {
        this.#pos++;
        return out;
      }
      if (c === '\n') break;
      if (c !== '\\') {
        out += c;
        this.#pos++;
        continue;
      }
      const e = this.#text[this.#pos + 1] ?? '';
      const mapped = ESCAPES[e];
      if (mapped !== undefined) {
        out += mapped;
        this.#pos += 2;
        continue;
      }
      const dec = /^\d{1,3}/.exec(this.#text.slice(this.#pos + 1, this.#end));
      const hex = /^x[0-9A-Fa-f]{2}/.exec(this.#text.slice(this.#pos + 1, this.#end));
      if (dec && Number(dec[0]) < 256) {
        out += String.fromCharCode(Number(dec[0]));
        this.#pos += 1 + dec[0].length;
      } else if (hex) {
        out += String.fromCharCode(parseInt(hex[0].slice(1), 16));
        this.#pos += 3;
      } else {
        this.#fail(`invalid escape sequence '\\${e}'`);
      }
    }
    return this.#fail('unfinished string');
  }
}

/** True when the value has an expression: without one, the plugin uses the text as is. */
export const isConstant = (t: Template): boolean => t.every((p) => typeof p === 'string');

/** Lua's truthiness: only nil and false are false. */
const truthy = (v: unknown) => v !== undefined && v !== null && v !== false;

/**
 * A value as the template writes it (Lua's `tostring`). A repeated header or argument is a list: its first value
 * is written (Kong writes Lua's `table: 0x…`).
 */
function render(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(14)));
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.length > 0 ? render(v[0]) : '';
  return v === undefined || v === null ? '' : JSON.stringify(v);
}

export function evaluate(template: Template, env: TemplateEnv): string {
  let out = '';
  for (const piece of template) {
    if (typeof piece === 'string') {
      out += piece;
      continue;
    }
    let value: unknown;
    for (const operand of piece) {
      value = operand.kind === 'literal' ? operand.value : env.lookup(operand.source, operand.key);
      if (truthy(value)) break;
    }
    out += truthy(value) ? render(value) : '';
  }
  return out;
}

/**
 * Regexes a config or a client can reach (route paths `~`, header values `~*`, the expression language's `~`,
 * cors origins, bot-detection rules), always matched in time linear in the input: a route `~/(a+)+$` must not
 * hold the event loop for seconds on a 30-character path.
 *
 * Kong's router evaluates regexes with Rust's `regex` crate, whose dialect is RE2's: no look-around, no
 * backreferences. Those are refused here with Kong's words; so is anything RE2 does not parse. Matching then
 * takes one of two engines, decided once per regex:
 * - V8's own (backtracking, ~60-100 ns for a typical route) when V8's linear-time engine can also run the regex:
 *   V8 then switches to that engine for a match that backtracks too much (the flags below). This covers almost
 *   every route regex;
 * - RE2JS (RE2's algorithm in JavaScript, ~600-900 ns) for the rest: case-insensitive (`(?i)`), Unicode classes
 *   (`\pL`), POSIX classes, `\A`/`\z`, large counted repetitions.
 * Measured on the development machine with typical route regexes (see the README's Limits).
 */
import { setFlagsFromString } from 'node:v8';
import { RE2JS } from 're2js';

// Per process: the `l` flag (linear engine) is known, and a backtracking match falls back to it after too many
// backtracks. Both affect only regexes the linear engine can run, and never what they match.
setFlagsFromString('--enable-experimental-regexp-engine');
setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');

/** What a match gives: the whole match (0) and each group, the groups by name, where it starts. */
export interface RegexMatch {
  readonly index: number;
  /** Index 0 is the whole match; groups that did not take part are undefined. */
  readonly values: readonly (string | undefined)[];
  readonly groups: Readonly<Record<string, string>>;
}

export interface KongRegex {
  readonly source: string;
  /** `v8` or `re2`: which engine runs it (for tests and diagnostics). */
  readonly engine: 'v8' | 're2';
  exec(input: string): RegexMatch | null;
  test(input: string): boolean;
}

/**
 * A refusal: `message` as RE2 (and Rust) put it; `linear` when only this gateway refuses it (look-around and
 * backreferences in a PCRE dialect, which cannot match in linear time).
 */
export type RegexResult = { readonly ok: true; readonly regex: KongRegex } | { readonly ok: false; readonly message: string; readonly linear?: boolean };

export interface RegexOptions {
  /** Matched at the start of the input only (route paths). */
  readonly anchored: boolean;
  /** Matched against the whole input (cors origins, as Kong appends `$`). */
  readonly whole?: boolean;
  /**
   * `rust` for the router (Kong's route paths: `?<` is read as `?P<`, as Kong rewrites it), `pcre` for plugins
   * Kong evaluates with PCRE (cors, bot-detection), where the same refusals are a difference of this gateway.
   */
  readonly dialect: 'rust' | 'rust-path' | 'pcre';
}

const NO_GROUPS: Readonly<Record<string, string>> = Object.freeze(Object.create(null) as Record<string, string>);

/** Kong's words for what Rust's regex crate refuses (regex-syntax's ErrorKind messages). */
function refusal(source: string, reason: string): string {
  const lookAround = /\(\?(?:=|!|<=|<!)/.test(source);
  const kind = lookAround
    ? 'look-around, including look-ahead and look-behind, is not supported'
    : /\\[1-9]/.test(source) && /invalid escape sequence: `\\[1-9]/.test(reason)
      ? 'backreferences are not supported'
      : /invalid named capture: `\(\?P?<[=!]/.test(reason)
        ? 'invalid capture group character'
        : reason.replace(/^error parsing regexp: /, '');
  return kind;
}

const LINEAR_ONLY = 'this gateway matches regexes in linear time, which rules out look-around and backreferences';

/** Flags written as a leading `(?imsx)` group, Rust's way. */
function leadingFlags(source: string): { flags: string; rest: string } {
  const m = /^\(\?([imsxU]+)\)/.exec(source);
  return m ? { flags: m[1]!, rest: source.slice(m[0].length) } : { flags: '', rest: source };
}

/**
 * The same regex for V8, when V8 reads it the same way RE2 does and its linear engine can run it: RE2 syntax
 * V8 lacks (Unicode and POSIX classes, `\A`, `\z`, `\Q`, inline flag groups, hex escapes in braces) and flags
 * its linear engine lacks (`i`) leave it to RE2JS.
 */
function forV8(source: string, flags: string, options: RegexOptions): RegExp | undefined {
  if (flags.includes('i') || flags.includes('x') || flags.includes('U')) return undefined;
  if (/\\[pPAzZQECx]|\[\[:|\(\?(?![:P<]|<[A-Za-z_])|[\uD800-\uDFFF]/.test(source)) return undefined;
  const js = source.replace(/\(\?P</g, '(?<');
  const wrapped = options.whole ? `^(?:${js})$` : options.anchored ? `^(?:${js})` : js;
  const jsFlags = (flags.includes('s') ? 's' : '') + (flags.includes('m') ? 'm' : '');
  try {
    // Only a regex the linear engine accepts gets V8's fast path: it is what V8 falls back to.
    new RegExp(wrapped, `${jsFlags}l`);
    return new RegExp(wrapped, jsFlags);
  } catch {
    return undefined;
  }
}

function v8Regex(source: string, re: RegExp): KongRegex {
  return {
    source,
    engine: 'v8',
    test: (input) => re.test(input),
    exec(input) {
      const m = re.exec(input);
      if (!m) return null;
      return { index: m.index, values: m, groups: m.groups ?? NO_GROUPS };
    },
  };
}

function re2Regex(source: string, compiled: RE2JS): KongRegex {
  const names = Object.keys(compiled.namedGroups());
  const count = compiled.groupCount();
  return {
    source,
    engine: 're2',
    test: (input) => compiled.matcher(input).find(),
    exec(input) {
      const m = compiled.matcher(input);
      if (!m.find()) return null;
      const values: (string | undefined)[] = [];
      for (let i = 0; i <= count; i++) values.push(m.group(i) ?? undefined);
      const groups: Record<string, string> = Object.create(null);
      for (const name of names) {
        const v = m.group(name);
        if (v !== null && v !== undefined) groups[name] = v;
      }
      return { index: m.start(), values, groups };
    },
  };
}

export function compileKongRegex(source: string, options: RegexOptions): RegexResult {
  // Kong's router reads every `?<` of a path as `?P<` (kong/router/transform.lua): look-behind then fails as a
  // bad group name, as it does in Kong.
  const written = options.dialect === 'rust-path' ? source.replace(/\?</g, '?P<') : source;
  const { flags, rest } = leadingFlags(written);
  const re2Flags = (flags.includes('i') ? RE2JS.CASE_INSENSITIVE : 0) | (flags.includes('s') ? RE2JS.DOTALL : 0) | (flags.includes('m') ? RE2JS.MULTILINE : 0);
  try {
    // The source as written first, so that a message quotes what the user wrote.
    RE2JS.compile(rest, re2Flags);
  } catch (err) {
    const message = refusal(written, (err as Error).message);
    if (options.dialect === 'pcre' && /^(look-around|backreferences)/.test(message)) return { ok: false, message: `${message}: ${LINEAR_ONLY}`, linear: true };
    return { ok: false, message };
  }
  const compiled = RE2JS.compile(options.whole ? `^(?:${rest})$` : options.anchored ? `^(?:${rest})` : rest, re2Flags);
  if (flags.includes('x') || flags.includes('U')) return { ok: false, message: `the '${flags.includes('x') ? 'x' : 'U'}' flag is not supported` };
  const v8 = forV8(rest, flags, options);
  return { ok: true, regex: v8 ? v8Regex(source, v8) : re2Regex(source, compiled) };
}

/**
 * Route regex paths (`~/...`) and header regexes (`~*...`) in Kong's dialect, compiled as JavaScript RegExps.
 *
 * Kong 3.x (router flavor traditional_compatible) evaluates them with Rust's `regex` crate. What we accept is the
 * JavaScript RegExp syntax (with the `u` flag), plus the common Rust/PCRE spellings rewritten:
 * `(?P<name>...)` → `(?<name>...)`, and a leading inline flag group such as `(?i)` → RegExp flags.
 * Look-around and backreferences, which Rust's regex rejects, are accepted by us (a documented difference).
 */
export type RegexResult = { readonly ok: true; readonly regex: RegExp } | { readonly ok: false; readonly message: string };

export function compileKongRegex(source: string, options: { anchored: boolean }): RegexResult {
  let pattern = source.replace(/\(\?P</g, '(?<');
  let flags = 'u';
  const inline = /^\(\?([imsx]+)\)/.exec(pattern);
  if (inline) {
    if (inline[1]!.includes('x')) return { ok: false, message: "the 'x' (extended) flag is not supported" };
    flags += inline[1];
    pattern = pattern.slice(inline[0].length);
  }
  try {
    return { ok: true, regex: new RegExp(options.anchored ? `^(?:${pattern})` : pattern, flags) };
  } catch (err) {
    // V8 says "Invalid regular expression: /<our wrapped source>/u: <reason>"; the reason is what the user needs.
    return { ok: false, message: (err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '') };
  }
}

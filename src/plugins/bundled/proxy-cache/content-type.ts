// Kong: kong/tools/mime_type.lua (parse_mime_type, an RFC 2045 grammar) and handler.lua's cacheable_response.

export interface MediaType {
  readonly type: string;
  readonly subtype: string;
  /** Parameter names lower-cased, values as written (quotes removed). */
  readonly params: Readonly<Record<string, string>>;
  readonly paramCount: number;
}

// token: US-ASCII without controls and separators.
const TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
const TYPES = new RegExp(`^(?:(${TOKEN})/(${TOKEN})|\\*)`, 'y');
// spacing ";" spacing attribute "=" (token | quoted-string); a quoted string holds no quote and no control byte.
const PARAM = new RegExp(`[ \\t]*;[ \\t]*(${TOKEN})=(?:(${TOKEN})|"([^"\\x00-\\x1f\\x7f]*)")`, 'y');

/** Kong's parse_mime_type: the whole text must match the grammar, else undefined. `*` alone is `*` / `*`. */
export function parseMediaType(text: string): MediaType | undefined {
  TYPES.lastIndex = 0;
  const t = TYPES.exec(text);
  if (!t) return undefined;
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  let at = TYPES.lastIndex;
  while (at < text.length) {
    PARAM.lastIndex = at;
    const p = PARAM.exec(text);
    if (!p) return undefined;
    params[p[1]!.toLowerCase()] = p[2] ?? p[3]!;
    at = PARAM.lastIndex;
  }
  const star = t[1] === undefined;
  return { type: star ? '*' : t[1]!.toLowerCase(), subtype: star ? '*' : t[2]!.toLowerCase(), params, paramCount: Object.keys(params).length };
}

const NO_PARAMS: MediaType = { type: '', subtype: '', params: {}, paramCount: 0 };

/**
 * Whether the answer's Content-Type is one of the configured ones (Kong's loop): types equal or `*`, and the
 * same parameters with the same values (names case-insensitive, values exact). An answer's type that does not
 * parse still matches `*` / `*` without parameters, as in Kong.
 */
export function contentTypeMatches(expected: readonly MediaType[], contentType: string): boolean {
  const got = parseMediaType(contentType);
  const have = got ?? NO_PARAMS;
  for (const exp of expected) {
    if (exp.type !== '*' && (got === undefined || got.type !== exp.type)) continue;
    if (exp.subtype !== '*' && (got === undefined || got.subtype !== exp.subtype)) continue;
    if (have.paramCount !== exp.paramCount) continue;
    let same = true;
    for (const name in exp.params) {
      if (have.params[name] !== exp.params[name]) {
        same = false;
        break;
      }
    }
    if (same) return true;
  }
  return false;
}

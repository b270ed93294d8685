// Kong: kong/plugins/cors/handler.lua (normalize_origin, the origin entries' types)
import { compileKongRegex, type KongRegex, type RegexResult } from '../../../router/kong-regex.ts';

/** An origin as Kong compares it: `scheme://host[:port]` without the scheme's default port, and its host. */
export interface Origin {
  readonly domain: string;
  readonly host: string;
}

/**
 * Kong's normalize_origin, over LuaSocket's url.parse: no lower-casing; without an authority (`example.test`,
 * `null`) the origin stays as it is; user info, path and query are dropped.
 */
export function normalizeOrigin(origin: string): Origin {
  let rest = origin;
  let scheme: string | undefined;
  const schemeMatch = /^([A-Za-z0-9][A-Za-z0-9+\-.]*):/.exec(rest);
  if (schemeMatch) {
    scheme = schemeMatch[1];
    rest = rest.slice(schemeMatch[0].length);
  }
  const authorityMatch = /^\/\/([^/]*)/.exec(rest);
  if (!authorityMatch) return { domain: origin, host: origin };
  let port: string | undefined;
  const authority = authorityMatch[1]!.replace(/^[^@]*@/, '').replace(/:([^:\]]*)$/, (_, p: string) => {
    port = p;
    return '';
  });
  if (authority === '') return { domain: origin, host: origin };
  const host = /^\[(.+)\]$/.exec(authority)?.[1] ?? authority;
  if ((scheme === 'http' && port === '80') || (scheme === 'https' && port === '443')) port = undefined;
  return { domain: `${scheme !== undefined ? `${scheme}://` : ''}${host}${port !== undefined ? `:${port}` : ''}`, host };
}

/** Kong takes an origin with a character beyond `A-Za-z0-9.:/-` for a regex; the others are compared as they are. */
export const isRegexOrigin = (origin: string): boolean => /[^A-Za-z0-9.:/-]/.test(origin);

/**
 * An origin regex as Kong runs it: a leading `^` dropped, `$` appended unless it ends with one, matched from the
 * start (ngx.re.find's `a`), so `a|b` anchors `b` at the end only, as in Kong. In linear time, as every regex a
 * config can reach.
 */
export function compileOriginRegex(origin: string): RegexResult {
  let source = origin.endsWith('$') ? origin : `${origin}$`;
  if (source.startsWith('^')) source = source.slice(1);
  return compileKongRegex(source, { anchored: true, dialect: 'pcre' });
}

export type OriginEntry =
  | { readonly kind: 'exact'; readonly domain: string }
  /** `byHost`: an entry without `:` is matched against the request origin's host only. */
  | { readonly kind: 'regex'; readonly regex: KongRegex; readonly byHost: boolean };

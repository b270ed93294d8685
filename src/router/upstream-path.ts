/**
 * The path sent upstream: Kong's `strip_path` joining rules (kong/router/utils.lua `get_upstream_uri_v0`). Kong's
 * default router flavour (traditional_compatible, and expressions) joins every route this way: a route's
 * `path_handling: v1` is accepted with Kong's deprecation warning and joins as v0. Pure; the inputs are already
 * normalized.
 */

/** What `strip_path` removes: the matched prefix or regex match, then one leftover dot segment at the start. */
export function stripMatched(requestPath: string, matched: string): string {
  const rest = requestPath.slice(matched.length);
  if (rest === '.' || rest === '..') return '';
  if (rest.startsWith('./')) return rest.slice(2);
  if (rest.startsWith('../')) return rest.slice(3);
  return rest;
}

export interface JoinInput {
  /** The service's `path`, or null. */
  readonly servicePath: string | null;
  /** The normalized request path, without query. */
  readonly requestPath: string;
  /** What the route matched at the start of the path (prefix or regex match), or null when no path matched. */
  readonly matched: string | null;
  readonly stripPath: boolean;
}

export function upstreamPath(input: JoinInput): string {
  const base = input.servicePath ?? '/';
  const request = input.requestPath;
  const strip = input.stripPath && input.matched !== null;
  if (!strip) {
    if (base.endsWith('/')) return base + request.slice(1);
    return request === '/' ? base : base + request;
  }
  const postfix = stripMatched(request, input.matched!);
  if (base.endsWith('/')) {
    if (postfix === '') {
      if (base === '/') return '/';
      return request.endsWith('/') ? base : base.slice(0, -1);
    }
    return postfix.startsWith('/') ? base.slice(0, -1) + postfix : base + postfix;
  }
  if (postfix === '') return request.endsWith('/') && request !== '/' ? `${base}/` : base;
  return postfix.startsWith('/') ? base + postfix : `${base}/${postfix}`;
}

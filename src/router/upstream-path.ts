/**
 * The path sent upstream: Kong's `strip_path` and `path_handling` (v0, the default, and v1) joining rules
 * (kong/router/utils.lua). Pure; the inputs are already normalized.
 */

/** What `strip_path` removes: the matched prefix or regex match, then leftover dot segments at the start. */
export function stripMatched(requestPath: string, matched: string): string {
  let rest = requestPath.slice(matched.length);
  for (;;) {
    const m = /^(\.\.?\/|\.\.?$)/.exec(rest);
    if (!m) return rest;
    rest = rest.slice(m[0].length);
  }
}

export interface JoinInput {
  /** The service's `path`, or null. */
  readonly servicePath: string | null;
  /** The normalized request path, without query. */
  readonly requestPath: string;
  /** What the route matched at the start of the path (prefix or regex match), or null when no path matched. */
  readonly matched: string | null;
  readonly stripPath: boolean;
  readonly pathHandling: 'v0' | 'v1';
}

export function upstreamPath(input: JoinInput): string {
  const base = input.servicePath ?? '/';
  const request = input.requestPath;
  const strip = input.stripPath && input.matched !== null;
  if (input.pathHandling === 'v1') {
    if (!strip) return base + request.slice(1);
    const postfix = stripMatched(request, input.matched!);
    return base.endsWith('/') && postfix.startsWith('/') ? base + postfix.slice(1) : base + postfix;
  }
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

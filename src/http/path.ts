/**
 * Kong's URI path normalization (kong/tools/uri.lua): percent-decode unreserved characters, upper-case the hex of
 * the rest, resolve `.` and `..` segments, merge repeated slashes. Prefix paths in routes must already be in this
 * form, and the router compares requests after applying it.
 */
const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** Returns the normalized path, or undefined when the path holds an invalid percent-encoding. */
export function normalizePath(path: string): string | undefined {
  // The common request path has nothing to decode: no copy is made for it (this runs for every request).
  if (!path.includes('%')) return removeDotSegments(path.includes('//') ? path.replace(/\/{2,}/g, '/') : path);
  let decoded = '';
  for (let i = 0; i < path.length; i++) {
    const ch = path[i]!;
    if (ch !== '%') {
      decoded += ch;
      continue;
    }
    const hex = path.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
    const c = String.fromCharCode(parseInt(hex, 16));
    decoded += UNRESERVED.test(c) ? c : `%${hex.toUpperCase()}`;
    i += 2;
  }
  return removeDotSegments(decoded.replace(/\/{2,}/g, '/'));
}

/** RFC 3986 §5.2.4, as Kong applies it (a trailing slash is kept). */
export function removeDotSegments(path: string): string {
  if (!path.includes('.')) return path;
  const input = path.split('/');
  const out: string[] = [];
  for (let i = 0; i < input.length; i++) {
    const seg = input[i]!;
    const last = i === input.length - 1;
    if (seg === '.') {
      if (last) out.push('');
    } else if (seg === '..') {
      if (out.length > 1) out.pop();
      if (last) out.push('');
    } else {
      out.push(seg);
    }
  }
  const joined = out.join('/');
  return joined.startsWith('/') || !path.startsWith('/') ? joined : `/${joined}`;
}

/**
 * Kong's URI path normalization (kong/tools/uri.lua): percent-decode every character but the reserved ones
 * (unreserved ones and "others", a space or UTF-8 text alike), upper-case the hex of the reserved ones, resolve `.`
 * and `..` segments, merge repeated slashes. Prefix paths in routes must already be in this form, and the router
 * compares requests after applying it; `escapePath` encodes what is not safe again on the way upstream.
 */
const RESERVED = new Set([..."!*'();:@&=+$,/?%#[]"].map((c) => c.charCodeAt(0)));
const HEX = '0123456789ABCDEF';
const hexOf = (b: number) => `%${HEX[b >> 4]}${HEX[b & 15]}`;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Returns the normalized path, or undefined when the path holds an invalid percent-encoding. */
export function normalizePath(path: string): string | undefined {
  // The common request path has nothing to decode: no copy is made for it (this runs for every request).
  if (!path.includes('%')) return removeDotSegments(path.includes('//') ? path.replace(/\/{2,}/g, '/') : path);
  let decoded = '';
  // Bytes of a multi-byte character, decoded together; bytes that are not UTF-8 stay percent-encoded (Kong keeps
  // them as raw bytes, which a JavaScript string cannot hold).
  let pending: number[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    try {
      decoded += UTF8.decode(Uint8Array.from(pending));
    } catch {
      decoded += pending.map(hexOf).join('');
    }
    pending = [];
  };
  for (let i = 0; i < path.length; i++) {
    const ch = path[i]!;
    if (ch !== '%') {
      flush();
      decoded += ch;
      continue;
    }
    const hex = path.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
    const b = parseInt(hex, 16);
    i += 2;
    if (b >= 0x80) {
      pending.push(b);
      continue;
    }
    flush();
    decoded += RESERVED.has(b) ? hexOf(b) : String.fromCharCode(b);
  }
  flush();
  return removeDotSegments(decoded.replace(/\/{2,}/g, '/'));
}

// What Kong leaves as is in a path it sends (kong/tools/uri.lua's ESCAPE_PATTERN); anything else goes
// percent-encoded, as UTF-8.
const PATH_UNSAFE = /[^!#$&'()*+,/:;=?@[\]A-Za-z0-9\-_.~%]/g;
const HAS_UNSAFE = new RegExp(PATH_UNSAFE.source);

export function escapePath(path: string): string {
  if (!HAS_UNSAFE.test(path)) return path;
  return path.replace(PATH_UNSAFE, (c) => [...Buffer.from(c, 'utf8')].map(hexOf).join(''));
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

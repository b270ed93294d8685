// Kong: handler.lua's hop_by_hop_headers and overwritable_header, and what resp_get_headers sees.

type HeaderMap = Readonly<Record<string, string | readonly string[]>>;

// What the gateway's head adds after Kong's plugins run (Kong's header filter adds them after proxy-cache has
// copied the headers, and adds them afresh to a hit): not stored.
const GATEWAY_ADDED = new Set(['via', 'x-kong-upstream-latency', 'x-kong-proxy-latency', 'x-kong-request-id', 'x-kong-upstream-status']);

// The names proxy-cache itself sets, kept in Kong's case (as resp_get_headers returns them raw): the admin API
// shows them so.
const OWN_CASE: Readonly<Record<string, string>> = { 'x-cache-status': 'X-Cache-Status', 'x-cache-key': 'X-Cache-Key' };

/** The answer's headers as the store keeps them (a copy: plugins after this one may change the live head). */
export function storedHeaders(head: HeaderMap): Record<string, string | readonly string[]> {
  const out: Record<string, string | readonly string[]> = {};
  for (const name in head) {
    if (GATEWAY_ADDED.has(name)) continue;
    const v = head[name]!;
    out[OWN_CASE[name] ?? name] = typeof v === 'string' ? v : [...v];
  }
  return out;
}

// Hop-by-hop (RFC 2616 13.5.1), and Content-Length, which the answer sets itself.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailers', 'transfer-encoding', 'upgrade', 'content-length']);
// Age and the diagnostic headers are set afresh on every hit.
const RESET = new Set(['age', 'x-cache-status', 'x-cache-key']);

/** The stored headers a hit is answered with: no hop-by-hop header, no rate-limit counter (it would be stale). */
export function servedHeaders(stored: HeaderMap): Record<string, string | readonly string[]> {
  const out: Record<string, string | readonly string[]> = {};
  for (const name in stored) {
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || RESET.has(lower) || lower.includes('ratelimit-remaining')) continue;
    out[lower] = stored[name]!;
  }
  return out;
}

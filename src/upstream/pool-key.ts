/**
 * Which keep-alive pool a request to a peer uses: one per origin, connect timeout and TLS settings. Pure, so the
 * pools a snapshot will use can be listed when it is swapped in, and those no config uses any more closed.
 */
import type { Service } from '../declarative/config.ts';
import { parseTarget } from '../declarative/hosts.ts';
import type { Snapshot } from '../snapshot/snapshot.ts';
import type { UpstreamTls } from '../snapshot/upstream-tls.ts';

export interface PoolKey {
  readonly protocol: 'http' | 'https';
  readonly host: string;
  readonly port: number;
  readonly connectTimeout: number;
  readonly servername: string | undefined;
  /** For https: verification, trusted CAs, client certificate (the service's settings). */
  readonly tls: UpstreamTls | undefined;
}

const IP_LITERAL = /^[\d.]+$|:/;

/** The pool key of a service's request to one peer. */
export function poolKeyFor(service: Service, peer: { readonly host: string; readonly port: number }, tls: UpstreamTls | undefined): PoolKey {
  const protocol = service.protocol === 'https' ? 'https' : 'http';
  return {
    protocol, host: peer.host, port: peer.port, connectTimeout: service.connect_timeout,
    // SNI names a host, never an address.
    servername: protocol === 'https' && !IP_LITERAL.test(peer.host) ? peer.host : undefined,
    tls,
  };
}

/** `protocol://host:port|timeout|tls|servername`: the origin first, so it can be read back. */
export function poolId(key: PoolKey): string {
  return `${key.protocol}://${key.host.includes(':') ? `[${key.host}]` : key.host}:${key.port}|${key.connectTimeout}|${key.tls?.id ?? ''}|${key.servername ?? ''}`;
}

/** Every pool the snapshot's services can send to: the service's host, or each target of its upstream. */
export function poolIdsOf(snapshot: Snapshot): Set<string> {
  const out = new Set<string>();
  for (const service of snapshot.config.services) {
    const tls = snapshot.upstreamTls.get(service.id);
    const upstream = snapshot.upstreams.get(service.host);
    if (!upstream) {
      out.add(poolId(poolKeyFor(service, service, tls)));
      continue;
    }
    for (const target of upstream.weights.keys()) out.add(poolId(poolKeyFor(service, parseTarget(target), tls)));
  }
  return out;
}

/**
 * What a service's upstream connections present and trust, from its `tls_verify`, `ca_certificates` and
 * `client_certificate` (or its upstream's `client_certificate`). Computed once per snapshot; `id` keys the
 * connection pools, so services with the same settings share connections. It names the certificates' contents,
 * not their ids: pools outlive a reload, and one that changes the PEM behind an id must not reuse old connections
 * (or their TLS sessions), as Kong's PATCH of a certificate takes effect at once.
 */
import { createHash } from 'node:crypto';
import type { Config, Service } from '../declarative/config.ts';

export interface UpstreamTls {
  readonly id: string;
  readonly verify: boolean;
  /** Kong's tls_verify_depth, when verifying. */
  readonly verifyDepth: number | undefined;
  readonly ca: readonly string[] | undefined;
  readonly cert: string | undefined;
  readonly key: string | undefined;
}

export function compileUpstreamTls(config: Pick<Config, 'services' | 'upstreams' | 'certificates' | 'ca_certificates'>): ReadonlyMap<string, UpstreamTls> {
  const cas = new Map(config.ca_certificates.map((c) => [c.id, c.cert]));
  const certs = new Map(config.certificates.map((c) => [c.id, c]));
  const upstreams = new Map(config.upstreams.map((u) => [u.name, u]));
  const digest = (...pems: string[]) => createHash('sha256').update(pems.join('\0')).digest('base64url').slice(0, 22);
  const out = new Map<string, UpstreamTls>();
  for (const s of config.services as readonly Service[]) {
    if (s.protocol !== 'https' && s.protocol !== 'tls' && s.protocol !== 'wss') continue;
    const clientId = s.client_certificate?.id ?? upstreams.get(s.host)?.client_certificate?.id;
    const client = clientId ? certs.get(clientId) : undefined;
    const ca = s.ca_certificates?.map((id) => cas.get(id)).filter((c): c is string => c !== undefined);
    // Kong's default (proxy_ssl_verify off): upstream certificates are not verified unless the service asks.
    const verify = s.tls_verify === true;
    const verifyDepth = verify && typeof s.tls_verify_depth === 'number' ? s.tls_verify_depth : undefined;
    out.set(s.id, Object.freeze({
      id: `${verify ? 'v' : 'n'}${verifyDepth ?? ''}|${ca && ca.length > 0 ? digest(...ca) : ''}|${client ? digest(client.cert, client.key) : ''}`,
      verify,
      verifyDepth,
      ca: ca && ca.length > 0 ? ca : undefined,
      cert: client?.cert,
      key: client?.key,
    }));
  }
  return out;
}

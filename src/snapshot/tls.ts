/**
 * Server certificates by SNI, from the config's certificates and snis: exact names first, then the longest
 * wildcard (`*.example.com` suffix or `example.*` prefix), then the default (the first certificate). Built once
 * per snapshot; a handshake reads the current snapshot's table.
 */
import { createSecureContext, type SecureContext } from 'node:tls';
import type { Config } from '../declarative/config.ts';

export interface CertificateTable {
  /** The context for a server name, or the default; undefined when the config has no certificate. */
  lookup(servername: string | undefined): SecureContext | undefined;
  /** The default certificate as PEM, for handshakes that send no SNI at all (node skips SNICallback then). */
  readonly defaultPem: { readonly cert: string | string[]; readonly key: string | string[] } | undefined;
}

export function compileCertificates(config: Pick<Config, 'certificates' | 'snis'>): CertificateTable {
  const contexts = new Map<string, SecureContext>();
  for (const c of config.certificates) {
    const cert = c.cert_alt ? [c.cert, c.cert_alt] : c.cert;
    const key = c.key_alt ? [c.key, c.key_alt] : c.key;
    contexts.set(c.id, createSecureContext({ cert, key }));
  }
  const exact = new Map<string, SecureContext>();
  const suffixes: [string, SecureContext][] = [];
  const prefixes: [string, SecureContext][] = [];
  for (const sni of config.snis) {
    const ctx = sni.certificate ? contexts.get(sni.certificate.id) : undefined;
    if (!ctx) continue;
    const name = sni.name.toLowerCase().replace(/\.$/, '');
    if (name.startsWith('*.')) suffixes.push([name.slice(1), ctx]);
    else if (name.endsWith('.*')) prefixes.push([name.slice(0, -1), ctx]);
    else exact.set(name, ctx);
  }
  // Longest wildcard first: the most specific one wins.
  suffixes.sort((a, b) => b[0].length - a[0].length);
  prefixes.sort((a, b) => b[0].length - a[0].length);
  const first = config.certificates[0];
  const fallback = first ? contexts.get(first.id) : undefined;
  return {
    defaultPem: first ? { cert: first.cert_alt ? [first.cert, first.cert_alt] : first.cert, key: first.key_alt ? [first.key, first.key_alt] : first.key } : undefined,
    lookup(servername) {
      if (servername) {
        const name = servername.toLowerCase().replace(/\.$/, '');
        const found = exact.get(name)
          ?? suffixes.find(([s]) => name.length > s.length && name.endsWith(s))?.[1]
          ?? prefixes.find(([p]) => name.length > p.length && name.startsWith(p))?.[1];
        if (found) return found;
      }
      return fallback;
    },
  };
}

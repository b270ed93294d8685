/**
 * Server certificates by SNI, from the config's certificates and snis, looked up as Kong's
 * kong/runloop/certificate.lua does: the exact name, then `*.` for its first label (`a.example.com` →
 * `*.example.com`), then `.*` for its last one (`example.com` → `example.*`), then the SNI named `*`; else the
 * default: Kong's `ssl_cert` or the certificate it made (the listeners have it from the settings, `lookupSni`).
 * `lookup` and `defaultPem` fall back on the `*` SNI's certificate, or the first in the file, for listeners given
 * no default. Built once per snapshot; a handshake reads the current snapshot's table.
 */
import { createSecureContext, type SecureContext } from 'node:tls';
import type { Config } from '../declarative/config.ts';

export interface CertificateTable {
  /** The context for a server name, or the default; undefined when the config has no certificate. */
  lookup(servername: string | undefined): SecureContext | undefined;
  /** As Kong looks a name up: exact, wildcards, then the `*` SNI; undefined when none matches (Kong's default cert). */
  lookupSni(servername: string): SecureContext | undefined;
  /** The default certificate as PEM, for handshakes that send no SNI at all (node skips SNICallback then). */
  readonly defaultPem: { readonly cert: string | string[]; readonly key: string | string[] } | undefined;
}

type Certificate = Config['certificates'][number];

function pem(c: Certificate): { cert: string | string[]; key: string | string[] } {
  return { cert: c.cert_alt ? [c.cert, c.cert_alt] : c.cert, key: c.key_alt ? [c.key, c.key_alt] : c.key };
}

/** Kong's produce_wild_snis: the names that could serve `name` after its exact one, most specific first. */
function wildcardsOf(name: string): string[] {
  const found: string[] = [];
  const first = name.indexOf('.');
  // `([^.]+)(\.[^.]+\.\S+)` → `*$2`: only with three labels or more.
  if (first > 0 && name.indexOf('.', first + 1) > first + 1) found.push(`*${name.slice(first)}`);
  const last = name.lastIndexOf('.');
  // `([^.]+\.)([^.]+)$` → `$1*`.
  if (last > 0 && last < name.length - 1 && name[last - 1] !== '.') found.push(`${name.slice(0, last + 1)}*`);
  return found;
}

export function compileCertificates(config: Pick<Config, 'certificates' | 'snis'>): CertificateTable {
  const byId = new Map<string, Certificate>();
  const contexts = new Map<string, SecureContext>();
  for (const c of config.certificates) {
    byId.set(c.id, c);
    contexts.set(c.id, createSecureContext(pem(c)));
  }
  const byName = new Map<string, SecureContext>();
  let star: Certificate | undefined;
  for (const sni of config.snis) {
    const ctx = sni.certificate ? contexts.get(sni.certificate.id) : undefined;
    if (!ctx || !sni.certificate) continue;
    const name = sni.name.toLowerCase().replace(/\.$/, '');
    byName.set(name, ctx);
    if (name === '*') star = byId.get(sni.certificate.id);
  }
  const lookupSni = (servername: string) => {
    const name = servername.toLowerCase().replace(/\.$/, '');
    return byName.get(name) ?? wildcardsOf(name).reduce<SecureContext | undefined>((hit, w) => hit ?? byName.get(w), undefined) ?? byName.get('*');
  };
  const fallbackCert = star ?? config.certificates[0];
  const fallback = fallbackCert ? contexts.get(fallbackCert.id) : undefined;
  return {
    defaultPem: fallbackCert ? pem(fallbackCert) : undefined,
    lookupSni,
    lookup(servername) {
      return (servername ? lookupSni(servername) : undefined) ?? fallback;
    },
  };
}

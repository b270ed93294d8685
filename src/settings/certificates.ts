/**
 * Kong's `ssl_cert` / `ssl_cert_key` (and the admin_ and status_ ones): the certificates a listener serves when
 * nothing else is chosen. As in Kong each is a list (one per key type, e.g. RSA and ECDSA), paired by position, and
 * each entry is a file, the PEM itself, or the PEM in base64.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { GatewayError } from '../errors.ts';
import type { PemPair } from './self-signed.ts';

function pemOf(label: string, entry: string): string {
  if (entry.startsWith('-----BEGIN')) return entry;
  const decoded = /^[A-Za-z0-9+/=\s]+$/.test(entry) ? Buffer.from(entry, 'base64').toString('utf8') : '';
  if (decoded.startsWith('-----BEGIN')) return decoded;
  try {
    return readFileSync(entry, 'utf8');
  } catch (err) {
    throw new GatewayError('BAD_USAGE', `${label}: cannot read ${entry}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export function readCertificates(certLabel: string, certs: readonly string[], keyLabel: string, keys: readonly string[]): PemPair | undefined {
  if (certs.length === 0 && keys.length === 0) return undefined;
  if (certs.length === 0 || keys.length === 0) throw new GatewayError('BAD_USAGE', `${certs.length === 0 ? certLabel : keyLabel} must be specified, with ${certs.length === 0 ? keyLabel : certLabel}`);
  if (certs.length !== keys.length) {
    throw new GatewayError('BAD_USAGE', `${certLabel} and ${keyLabel}: as many keys as certificates are needed (got ${certs.length} and ${keys.length})`);
  }
  const cert = certs.map((c) => pemOf(certLabel, c));
  const key = keys.map((k) => pemOf(keyLabel, k));
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    throw new GatewayError('BAD_USAGE', `${certLabel}: not a certificate and key that go together: ${(err as Error).message}`);
  }
  return { cert, key };
}

/** PEM certificate and key checks with node:crypto, worded as Kong words them. */
import { createHash, createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';

export type PemResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

const reason = (err: unknown) => (err as Error).message.replace(/^error:[0-9A-F]+:[^:]*:[^:]*:/, '').trim();

export function parseCertificate(pem: string): PemResult<X509Certificate> {
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) return { ok: false, message: 'invalid certificate: not a PEM certificate' };
  try {
    return { ok: true, value: new X509Certificate(pem) };
  } catch (err) {
    return { ok: false, message: `invalid certificate: ${reason(err)}` };
  }
}

export function parsePrivateKey(pem: string): PemResult<KeyObject> {
  try {
    return { ok: true, value: createPrivateKey(pem) };
  } catch (err) {
    return { ok: false, message: `invalid key: ${reason(err)}` };
  }
}

export function parsePublicKey(pem: string): PemResult<KeyObject> {
  try {
    return { ok: true, value: createPublicKey(pem) };
  } catch (err) {
    return { ok: false, message: `invalid key: ${reason(err)}` };
  }
}

export function countCertificates(pem: string): number {
  return pem.split('-----BEGIN CERTIFICATE-----').length - 1;
}

/** sha256 hex of the DER encoding, Kong's `cert_digest`. */
export function certificateDigest(cert: X509Certificate): string {
  return createHash('sha256').update(cert.raw).digest('hex');
}

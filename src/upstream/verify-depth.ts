/**
 * Kong's `tls_verify_depth` (nginx's proxy_ssl_verify_depth, OpenSSL's verify depth): the longest certificate
 * chain an upstream may present. Node has no such option, so it is checked once the handshake has verified the
 * chain. As in OpenSSL, depth N allows levels 0 (the server's certificate) to N+1 (the trust anchor): a chain of
 * at most N+2 certificates.
 */
import type { TLSSocket } from 'node:tls';
import type { PeerCertificate, DetailedPeerCertificate } from 'node:tls';

/** The verified chain's length, server certificate to trust anchor. */
export function chainLength(socket: TLSSocket): number {
  let cert: PeerCertificate | DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  let length = 0;
  const seen = new Set<string>();
  while (cert && Object.keys(cert).length > 0 && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    length++;
    cert = (cert as DetailedPeerCertificate).issuerCertificate;
  }
  return length;
}

/** An error when the chain is longer than `depth` allows, else undefined. */
export function checkVerifyDepth(socket: TLSSocket, depth: number | undefined): Error | undefined {
  if (depth === undefined) return undefined;
  const length = chainLength(socket);
  if (length <= depth + 2) return undefined;
  return Object.assign(new Error(`upstream certificate chain of ${length} exceeds tls_verify_depth ${depth}`), { code: 'ERR_TLS_VERIFY_DEPTH' });
}

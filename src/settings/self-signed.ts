/**
 * Kong's default certificate: with no certificate of its own, Kong serves one it generated for `localhost`
 * (kong/cmd/utils/prefix_handler.lua's gen_default_ssl_cert), so that its default `ssl` listeners start and
 * answer. Here it is made once per start, in memory: an ECDSA P-256 key and a self-signed X.509 v3 certificate
 * for CN=localhost (subjectAltName DNS:localhost), valid for ten years. Node has no certificate builder, so the
 * few DER structures are written here.
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';

export interface PemPair {
  readonly cert: string | string[];
  readonly key: string | string[];
  /** Made here (no certificate was configured). */
  readonly selfSigned?: boolean;
}

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const tlv = (tag: number, ...parts: Buffer[]) => {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
};
const seq = (...parts: Buffer[]) => tlv(0x30, ...parts);

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [a! * 40 + b!];
  for (const n of rest) {
    const chunk = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime, YYMMDDHHMMSSZ (dates before 2050). */
const utcTime = (d: Date) => tlv(0x17, Buffer.from(`${d.toISOString().slice(2, 19).replace(/[-T:]/g, '')}Z`));

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';

export function selfSignedCertificate(commonName = 'localhost', now = new Date()): PemPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const name = seq(tlv(0x31, seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(commonName)))));
  const serial = randomBytes(16);
  serial[0]! &= 0x7f;
  const notAfter = new Date(now.getTime() + 10 * 365 * 86_400_000);
  const subjectAltName = seq(oid('2.5.29.17'), tlv(0x04, seq(tlv(0x82, Buffer.from(commonName)))));
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))),
    tlv(0x02, serial),
    seq(oid(ECDSA_WITH_SHA256)),
    name,
    seq(utcTime(new Date(now.getTime() - 86_400_000)), utcTime(notAfter)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    tlv(0xa3, seq(subjectAltName)),
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = seq(tbs, seq(oid(ECDSA_WITH_SHA256)), tlv(0x03, Buffer.from([0]), signature));
  const base64 = der.toString('base64').replace(/.{1,64}/g, '$&\n');
  return {
    cert: `-----BEGIN CERTIFICATE-----\n${base64}-----END CERTIFICATE-----\n`,
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    selfSigned: true,
  };
}

// Kong's `jwt_parser.encode` for tests: the token Kong's specs build, signed with node's crypto.
import { constants, createHmac, sign } from 'node:crypto';

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');
const HASH: Record<string, string> = { 256: 'sha256', 384: 'sha384', 512: 'sha512' };

/** Kong's `jwt_parser.encode(data, key, alg, header)`. */
export function encode(claims: Record<string, unknown>, key: string, alg = 'HS256', header: Record<string, unknown> = { typ: 'JWT', alg }): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const hash = HASH[alg.slice(2)]!;
  let signature: Buffer;
  if (alg.startsWith('HS')) signature = createHmac(hash, key).update(input).digest();
  else if (alg === 'EdDSA') signature = sign(null, Buffer.from(input), key);
  else if (alg.startsWith('ES')) signature = sign(hash, Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  else if (alg.startsWith('PS')) signature = sign(hash, Buffer.from(input), { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
  else signature = sign(hash, Buffer.from(input), key);
  return `${input}.${b64url(signature)}`;
}

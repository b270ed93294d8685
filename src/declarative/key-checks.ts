/** Kong's checks of `keys` (keys.lua, typedefs.jwk and typedefs.pem) and `vaults` (vaults.lua, the env vault). */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { isSet, str, type Report } from './check-helpers.ts';
import { isReference } from './vault-reference.ts';

/** Fields of Kong's JWK typedef (any other is refused as Kong's schema refuses it). */
const JWK_FIELDS = new Set(['issuer', 'kty', 'use', 'key_ops', 'alg', 'kid', 'x5u', 'x5c', 'x5t', 'x5t#S256', 'k', 'x', 'y', 'crv', 'n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'r', 't']);

function loadJwk(jwk: Record<string, unknown>): KeyObject | undefined {
  try {
    return typeof jwk.d === 'string' ? createPrivateKey({ key: jwk as never, format: 'jwk' }) : createPublicKey({ key: jwk as never, format: 'jwk' });
  } catch {
    return undefined;
  }
}

export function checkKey(v: Record<string, unknown>, report: Report): void {
  const hasJwk = isSet(v.jwk);
  const hasPem = isSet(v.pem);
  if (hasJwk && hasPem) {
    report([], "only one of these fields must be non-empty: 'jwk', 'pem'");
    return;
  }
  if (!hasJwk && !hasPem) {
    report([], "at least one of these fields must be non-empty: 'jwk', 'pem'");
    return;
  }
  const jwkText = str(v.jwk);
  if (jwkText !== undefined && !isReference(jwkText)) {
    let jwk: unknown;
    try {
      jwk = JSON.parse(jwkText);
    } catch {
      report(['jwk'], 'could not json decode jwk string');
      return;
    }
    if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
      report(['jwk'], 'could not load JWK, likely not a valid key');
      return;
    }
    const record = jwk as Record<string, unknown>;
    if (record.kid !== v.kid) {
      report(['jwk'], 'kid in jwk.kid must be equal to keys.kid');
      return;
    }
    const unknown = Object.keys(record).filter((k) => !JWK_FIELDS.has(k));
    if (unknown.length > 0) {
      report(['jwk'], `${unknown[0]}: unknown field`);
      return;
    }
    if (!loadJwk(record)) report(['jwk'], 'could not load JWK, likely not a valid key');
  }
  const pem = v.pem as Record<string, unknown> | null | undefined;
  if (hasPem && pem) checkPem(pem, report);
}

function checkPem(pem: Record<string, unknown>, report: Report): void {
  const pub = str(pem.public_key);
  const priv = str(pem.private_key);
  if (pub === undefined && priv === undefined) {
    report(['pem'], 'need to supply a PEM formatted public and/or private key.');
    return;
  }
  if (isReference(pub) || isReference(priv)) return;
  let publicKey: KeyObject | undefined;
  let privateKey: KeyObject | undefined;
  if (pub !== undefined) {
    try {
      publicKey = createPublicKey({ key: pub, format: 'pem' });
      if (publicKey.type !== 'public') throw new Error('not a public key');
    } catch {
      report(['pem', 'public_key'], 'could not load public key');
      return;
    }
  }
  if (priv !== undefined) {
    try {
      privateKey = createPrivateKey({ key: priv, format: 'pem' });
    } catch {
      report(['pem', 'private_key'], 'could not load private key');
      return;
    }
  }
  if (publicKey && privateKey) {
    const derived = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' });
    if (derived !== publicKey.export({ type: 'spki', format: 'pem' })) report(['pem'], 'public key does not match private key');
  }
}

/** Kong 3.10 OSS bundles one vault, `env`; its config has one field. */
export function checkVault(v: Record<string, unknown>, report: Report): void {
  const name = str(v.name);
  if (v.prefix === 'env') report(['prefix'], "expected none of: env");
  if (name !== undefined && name !== 'env') {
    report(['name'], `vault '${name}' is not installed (Kong 3.10's open-source vault is 'env'; aws, gcp, hcv, azure and conjur are Kong Enterprise's)`);
    return;
  }
  const config = v.config;
  if (config === undefined || config === null) return;
  for (const [key, value] of Object.entries(config as Record<string, unknown>)) {
    if (key !== 'prefix') report(['config', key], 'unknown field', { atKey: true });
    else if (value !== null && (typeof value !== 'string' || !/^[A-Za-z_-][A-Za-z0-9_-]*$/.test(value))) {
      report(['config', 'prefix'], 'invalid value: must be letters, digits, `_` and `-`, not starting with a digit');
    }
  }
}

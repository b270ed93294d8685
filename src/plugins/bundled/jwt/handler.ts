// Kong: kong/plugins/jwt/handler.lua and jwt_parser.lua
import { createHmac, createPublicKey, verify as verifySignature, constants, type KeyObject } from 'node:crypto';
import { definePluginHandler } from '../../types.ts';
import type { PluginConfig } from '../../schema-types.ts';
import type { JsonValue, JwtEntry, Kong } from '../../../pdk/kong.ts';
import { alreadyAuthenticated, decodeBase64, failOrAnonymous, sameSecret, setConsumer } from '../authentication.ts';
import type schema from './schema.ts';

type Config = PluginConfig<typeof schema>;

/** A failed authentication: Kong's message, or the claim errors it sends as the body instead. */
interface Failure {
  readonly message?: string;
  readonly errors?: Readonly<Record<string, string>>;
  /** The bare challenge (no token at all) or the one naming invalid_token. */
  readonly invalid: boolean;
}

const HASHES: Readonly<Record<string, string>> = { 256: 'sha256', 384: 'sha384', 512: 'sha512' };

interface Decoded {
  readonly header: Record<string, unknown>;
  readonly claims: Record<string, unknown>;
  readonly signingInput: string;
  readonly signature: Buffer;
}

/**
 * Kong's jwt_parser: the token cut at its first two dots (the rest, dots included, is the signature), each part
 * strict base64url; JSON header and claims; a supported `alg`; then a signature that decodes.
 */
function decode(token: string): Decoded | string {
  const first = token.indexOf('.');
  const second = first < 0 ? -1 : token.indexOf('.', first + 1);
  if (second < 0) return 'invalid JSON';
  const header64 = token.slice(0, first);
  const claims64 = token.slice(first + 1, second);
  let header: unknown;
  let claims: unknown;
  try {
    header = JSON.parse(decodeBase64(header64, true)?.toString('utf8') ?? '');
    claims = JSON.parse(decodeBase64(claims64, true)?.toString('utf8') ?? '');
  } catch {
    return 'invalid JSON';
  }
  if (!isObject(header) || !isObject(claims)) return 'invalid JSON';
  if (typeof header.alg !== 'string' || !SUPPORTED.has(header.alg)) return 'invalid alg';
  const signature = decodeBase64(token.slice(second + 1), true);
  if (!signature) return 'invalid signature';
  return { header, claims, signingInput: `${header64}.${claims64}`, signature };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const SUPPORTED = new Set(['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'EdDSA']);

function signatureValid(alg: string, decoded: Decoded, found: JwtEntry, material: string | Buffer): boolean {
  const input = Buffer.from(decoded.signingInput);
  const family = alg.slice(0, 2);
  if (family === 'HS') return sameSecret(createHmac(HASHES[alg.slice(2)]!, material).update(input).digest(), decoded.signature);
  // The configured key is parsed once per config (the credential index keeps it); a base64-decoded one per use.
  const key = typeof material === 'string' && material === found.credential.rsa_public_key ? found.publicKey : safeKey(material);
  if (!key) return false;
  try {
    if (alg === 'EdDSA') return verifySignature(null, input, key, decoded.signature);
    const hash = HASHES[alg.slice(2)]!;
    if (family === 'ES') return verifySignature(hash, input, { key, dsaEncoding: 'ieee-p1363' }, decoded.signature);
    if (family === 'PS') return verifySignature(hash, input, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, decoded.signature);
    return verifySignature(hash, input, key, decoded.signature);
  } catch {
    return false;
  }
}

function safeKey(material: string | Buffer): KeyObject | null {
  try {
    return createPublicKey(material);
  } catch {
    return null;
  }
}

/** Kong's registered claims: exp and nbf must be numbers; exp in the future, nbf in the past. */
function claimErrors(claims: Record<string, unknown>, toVerify: readonly string[], now: number): Record<string, string> | undefined {
  let errors: Record<string, string> | undefined;
  for (const name of toVerify) {
    const value = claims[name];
    let error: string | undefined;
    if (typeof value !== 'number') error = 'must be a number';
    else if (name === 'exp' && value <= now) error = 'token expired';
    else if (name === 'nbf' && value > now) error = 'token not valid yet';
    if (error) (errors ??= {})[name] = error;
  }
  return errors;
}

/** Tokens from the query arguments, cookies and headers Kong looks in; several different ones are an error. */
function tokensOf(kong: Kong, config: Config): (string | true)[] {
  // `true` is a bare `?jwt` argument: Kong counts it as a token, one it cannot read.
  const found = new Set<string | true>();
  const query = kong.request.getQuery();
  for (const name of config.uri_param_names) {
    const v = query[name];
    for (const t of Array.isArray(v) ? v : [v]) if (t === true || (typeof t === 'string' && t !== '')) found.add(t);
  }
  const headers = kong.request.getHeaders();
  if (config.cookie_names.length > 0) {
    // nginx's $cookie_NAME: the first cookie of that name, compared case-insensitively, over every Cookie header.
    const cookies = new Map<string, string>();
    const raw = headers.cookie;
    const text = raw === undefined ? '' : typeof raw === 'string' ? raw : raw.join(';');
    for (const part of text.split(';')) {
      const eq = part.indexOf('=');
      const name = eq > 0 ? part.slice(0, eq).trim().toLowerCase() : '';
      if (name !== '' && !cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim());
    }
    for (const name of config.cookie_names) {
      const v = cookies.get(name.toLowerCase());
      if (v) found.add(v);
    }
  }
  for (const name of config.header_names) {
    const lower = name.toLowerCase();
    const raw = headers[lower] ?? headers[lower.replaceAll('_', '-')];
    const value = Array.isArray(raw) ? raw[0] : raw;
    // Unanchored, as Kong's pattern.
    const m = typeof value === 'string' ? /\s*[Bb]earer\s+(.+)/.exec(value) : null;
    if (m && m[1] !== '') found.add(m[1]!);
  }
  return [...found];
}

function authenticate(kong: Kong, config: Config): Failure | undefined {
  const tokens = tokensOf(kong, config);
  if (tokens.length === 0) return { message: 'Unauthorized', invalid: false };
  if (tokens.length > 1) return { message: 'Multiple tokens provided', invalid: true };
  const token = tokens[0]!;
  if (token === true) return { message: 'Unrecognizable token', invalid: true };
  const decoded = decode(token);
  if (typeof decoded === 'string') return { message: `Bad token; ${decoded}`, invalid: true };
  const claimName = config.key_claim_name;
  const keyValue = decoded.claims[claimName] ?? decoded.header[claimName];
  if (keyValue === undefined || keyValue === null) return { message: `No mandatory '${claimName}' in claims`, invalid: true };
  if (keyValue === '' || typeof keyValue !== 'string') return { message: `Invalid '${claimName}' in claims`, invalid: true };
  const found = kong.client.credentials.jwt(keyValue);
  if (!found) return { message: `No credentials found for given '${claimName}'`, invalid: true };
  const secret = found.credential;
  const algorithm = secret.algorithm ?? 'HS256';
  if (decoded.header.alg !== algorithm) return { message: 'Invalid algorithm', invalid: true };
  const symmetric = algorithm.startsWith('HS');
  let material: string | Buffer | null | undefined = symmetric ? secret.secret : secret.rsa_public_key;
  // secret_is_base64 is about HMAC secrets only: a public key is used as written.
  if (symmetric && config.secret_is_base64 && typeof material === 'string') material = Buffer.from(material, 'base64');
  if (!material || material.length === 0) return { message: 'Invalid key/secret', invalid: true };
  if (!signatureValid(algorithm, decoded, found, material)) return { message: 'Invalid signature', invalid: true };
  const now = Math.floor(Date.now() / 1000);
  const errors = claimErrors(decoded.claims, config.claims_to_verify ?? [], now);
  if (errors) return { errors, invalid: true };
  if (config.maximum_expiration > 0) {
    const exp = decoded.claims.exp;
    if (typeof exp !== 'number' || exp - now > config.maximum_expiration) return { errors: { exp: 'exceeds maximum allowed expiration' }, invalid: true };
  }
  setConsumer(kong, found.consumer, secret, secret.key);
  kong.ctx.shared.authenticated_jwt_token = token;
  return undefined;
}

interface Prepared {
  /** Kong 3.10's challenges: `Bearer realm="…"` (or the bare `Bearer`), and that with `error="invalid_token"`. */
  readonly challenge: string;
  readonly invalidChallenge: string;
}

export default definePluginHandler<Config, Prepared>({
  version: '1.0.0',
  priority: 1450,
  prepare: (config) => {
    const challenge = config.realm ? `Bearer realm="${config.realm}"` : 'Bearer';
    return { challenge, invalidChallenge: config.realm ? `${challenge}, error="invalid_token"` : `${challenge} error="invalid_token"` };
  },
  access(kong, config, prepared) {
    if (!config.run_on_preflight && kong.request.getMethod() === 'OPTIONS') return;
    if (alreadyAuthenticated(kong, config.anonymous)) return;
    const failure = authenticate(kong, config);
    if (!failure) return;
    failOrAnonymous(kong, config.anonymous, () => {
      const headers = { 'WWW-Authenticate': failure.invalid ? prepared.invalidChallenge : prepared.challenge };
      kong.response.exit(401, (failure.errors ?? { message: failure.message! }) as JsonValue, headers);
    });
  },
});

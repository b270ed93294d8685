// Kong: kong/plugins/hmac-auth/access.lua
import { createHash, createHmac } from 'node:crypto';
import { definePluginHandler } from '../../types.ts';
import type { PluginConfig } from '../../schema-types.ts';
import type { Kong } from '../../../pdk/kong.ts';
import { alreadyAuthenticated, decodeBase64, failOrAnonymous, sameSecret, setConsumer } from '../authentication.ts';
import { parseHttpDate } from './http-date.ts';
import type schema from './schema.ts';

type Config = PluginConfig<typeof schema>;

const NOT_VALID = 'HMAC signature cannot be verified';
const NOT_SAME = 'HMAC signature does not match';
const NO_DATE = 'HMAC signature cannot be verified, a valid date or x-date header is required for HMAC Authentication';

const ALGORITHMS: Readonly<Record<string, string>> = { 'hmac-sha1': 'sha1', 'hmac-sha256': 'sha256', 'hmac-sha384': 'sha384', 'hmac-sha512': 'sha512' };

interface Params {
  readonly username: string;
  readonly algorithm: string;
  readonly headers: readonly string[];
  readonly signature: string;
}

/** `hmac username="…", algorithm="…", headers="…", signature="…"`, as Kong's pattern reads it. */
function paramsOf(value: string | undefined): Params | undefined {
  const m = value === undefined ? null : /\s*[Hh]mac\s*username="(.+)",\s*algorithm="(.+)",\s*headers="(.+)",\s*signature="(.+)"/.exec(value);
  return m ? { username: m[1]!, algorithm: m[2]!, headers: m[3]!.split(' '), signature: m[4]! } : undefined;
}

/** The Date or X-Date header is an HTTP date within clock_skew seconds of now. */
function dateValid(kong: Kong, name: string, skew: number): boolean {
  const value = kong.request.getHeader(name);
  if (value === undefined) return false;
  const at = parseHttpDate(value);
  // Whole seconds, as Kong compares ngx.time() with the parsed date.
  return at !== undefined && Math.abs(Math.floor(Date.now() / 1000) - at / 1000) <= skew;
}

/**
 * Kong's signing string: each listed header as `name: value`, one per line; `request-line` is the request line and
 * `@request-target` the lower-case method and the path with its query.
 */
function signingString(kong: Kong, headers: readonly string[]): string {
  const uri = kong.request.getPathWithQuery();
  return headers.map((header) => {
    const value = kong.request.getHeader(header);
    if (value !== undefined) return `${header}: ${value}`;
    if (header === 'request-line') return `${kong.request.getMethod()} ${uri} HTTP/${kong.request.getHttpVersion().toFixed(1)}`;
    if (header === '@request-target') return `@request-target: ${kong.request.getMethod().toLowerCase()} ${uri}`;
    return `${header}:`;
  }).join('\n');
}

function paramsProblem(params: Params | undefined, config: Config): string | undefined {
  if (!params) return 'username or signature missing';
  const missing = config.enforce_headers.find((h) => !params.headers.includes(h));
  if (missing !== undefined) return 'enforced header not used for signature creation';
  if (!(config.algorithms as readonly string[]).includes(params.algorithm)) return `algorithm ${params.algorithm} not supported`;
  return undefined;
}

async function authenticate(kong: Kong, config: Config): Promise<string | undefined> {
  const authorization = kong.request.getHeader('Authorization');
  const proxyAuthorization = kong.request.getHeader('Proxy-Authorization');
  if (authorization === undefined && proxyAuthorization === undefined) return 'Unauthorized';
  if (!dateValid(kong, 'X-Date', config.clock_skew) && !dateValid(kong, 'Date', config.clock_skew)) return NO_DATE;
  // Proxy-Authorization first, then Authorization, as Kong reads them.
  let params = paramsOf(proxyAuthorization);
  if (params) {
    if (config.hide_credentials) kong.service.request.clearHeader('Proxy-Authorization');
  } else {
    params = paramsOf(authorization);
    // Kong clears Authorization once it falls back to it, whether or not it parses.
    if (config.hide_credentials) kong.service.request.clearHeader('Authorization');
  }
  const problem = paramsProblem(params, config);
  if (problem || !params) {
    kong.log.debug(problem ?? 'no hmac parameters');
    return NOT_VALID;
  }
  const found = kong.client.credentials.hmacauth(params.username);
  if (!found) return NOT_VALID;
  const hash = ALGORITHMS[params.algorithm]!;
  // ngx.decode_base64: a signature that does not decode matches nothing.
  const given = decodeBase64(params.signature);
  const expected = createHmac(hash, found.credential.secret).update(signingString(kong, params.headers)).digest();
  if (!given || !sameSecret(expected, given)) return NOT_SAME;
  if (config.validate_request_body) {
    const body = (await kong.request.getRawBody()) ?? Buffer.alloc(0);
    const digest = kong.request.getHeader('Digest');
    const ok = digest === undefined ? body.length === 0 : sameSecret(`SHA-256=${createHash('sha256').update(body).digest('base64')}`, digest);
    if (!ok) return NOT_SAME;
  }
  setConsumer(kong, found.consumer, found.credential, found.credential.username);
  return undefined;
}

export default definePluginHandler<Config>({
  version: '1.0.0',
  priority: 1030,
  async access(kong, config) {
    if (alreadyAuthenticated(kong, config.anonymous)) return;
    const failure = await authenticate(kong, config);
    if (!failure) return;
    const headers = { 'WWW-Authenticate': config.realm ? `hmac realm="${config.realm}"` : 'hmac' };
    failOrAnonymous(kong, config.anonymous, () => kong.response.error(401, failure, headers));
  },
});

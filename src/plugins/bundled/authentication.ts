/**
 * What Kong's authentication plugins share: the upstream headers naming the consumer, `kong.client.authenticate`
 * (which makes consumer-scoped plugins apply), the `anonymous` fallback, the "logical OR" between several
 * authentication plugins, and comparing secrets in constant time.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Consumer, Kong } from '../../pdk/kong.ts';

/** Kong's upstream headers for an authenticated (or anonymous) consumer; each cleared when it does not apply. */
export function setConsumer(
  kong: Kong, consumer: Consumer, credential: Readonly<Record<string, unknown>> | null, identifier: string | undefined,
): void {
  const request = kong.service.request;
  setOrClear(request, 'X-Consumer-ID', consumer.id);
  setOrClear(request, 'X-Consumer-Custom-ID', consumer.custom_id);
  setOrClear(request, 'X-Consumer-Username', consumer.username);
  setOrClear(request, 'X-Credential-Identifier', credential ? identifier : null);
  setOrClear(request, 'X-Anonymous-Consumer', credential ? null : 'true');
  kong.client.authenticate(consumer, credential);
}

function setOrClear(request: Kong['service']['request'], name: string, value: string | null | undefined): void {
  if (value) request.setHeader(name, value);
  else request.clearHeader(name);
}

/** Several authentication plugins with `anonymous`: one that succeeded is enough (Kong's "logical OR"). */
export function alreadyAuthenticated(kong: Kong, anonymous: string | null | undefined): boolean {
  return Boolean(anonymous) && kong.client.getCredential() !== null;
}

/**
 * After a failed authentication: the anonymous consumer when one is configured (Kong's 500 when it does not
 * exist), else the plugin's own answer.
 */
export function failOrAnonymous(kong: Kong, anonymous: string | null | undefined, fail: () => void): void {
  if (!anonymous) return fail();
  const consumer = kong.client.credentials.consumer(anonymous);
  if (!consumer) return kong.response.error(500, `anonymous consumer ${anonymous} is configured but doesn't exist`);
  setConsumer(kong, consumer, null, undefined);
}

/** Equal strings, compared in time that depends only on their lengths. */
export function sameSecret(a: string | Buffer, b: string | Buffer): boolean {
  const x = typeof a === 'string' ? Buffer.from(a) : a;
  const y = typeof b === 'string' ? Buffer.from(b) : b;
  return x.length === y.length && timingSafeEqual(x, y);
}

const BASE64 = /^[A-Za-z0-9+/]*$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Base64 (or base64url) decoded as nginx's `ngx_decode_base64` does (Kong's `ngx.decode_base64` and
 * `decode_base64url`): what follows the first `=` is ignored, the rest must be of the alphabet and not one
 * character past a whole group; undefined otherwise (Node's decoder would skip what it cannot read).
 */
export function decodeBase64(text: string, url = false): Buffer | undefined {
  const eq = text.indexOf('=');
  const data = eq < 0 ? text : text.slice(0, eq);
  if (data.length % 4 === 1 || !(url ? BASE64URL : BASE64).test(data)) return undefined;
  return Buffer.from(data, url ? 'base64url' : 'base64');
}

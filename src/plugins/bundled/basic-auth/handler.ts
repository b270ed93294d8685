// Kong: kong/plugins/basic-auth/access.lua
import { createHash } from 'node:crypto';
import { definePluginHandler } from '../../types.ts';
import type { PluginConfig } from '../../schema-types.ts';
import type { Kong } from '../../../pdk/kong.ts';
import { alreadyAuthenticated, decodeBase64, failOrAnonymous, sameSecret, setConsumer } from '../authentication.ts';
import type schema from './schema.ts';

type Config = PluginConfig<typeof schema>;

/** `Basic base64(username:password)` → its parts; undefined when the header is not that. */
function credentialsFrom(value: string | undefined): { username: string; password: string } | undefined {
  // Unanchored, as Kong's pattern: the scheme may come anywhere in the header.
  const m = value === undefined ? null : /\s*[Bb]asic\s*(.+)/.exec(value);
  const decoded = m ? decodeBase64(m[1]!) : undefined;
  if (!decoded) return undefined;
  // Kong's unanchored `([^:]+):(.*)`, whose `.` stops at a line end.
  const parts = /([^:]+):(.*)/.exec(decoded.toString('utf8'));
  return parts ? { username: parts[1]!, password: parts[2]! } : undefined;
}

/** Kong stores sha1(password .. consumer id) in hex; the given password is hashed the same way and compared. */
function passwordMatches(stored: string, given: string, consumerId: string): boolean {
  return sameSecret(stored, createHash('sha1').update(`${given}${consumerId}`).digest('hex'));
}

function authenticate(kong: Kong, config: Config): boolean {
  const authorization = kong.request.getHeader('Authorization');
  const proxyAuthorization = kong.request.getHeader('Proxy-Authorization');
  if (authorization === undefined && proxyAuthorization === undefined) return false;
  // Proxy-Authorization first, then Authorization, as Kong tries them.
  for (const [header, value] of [['Proxy-Authorization', proxyAuthorization], ['Authorization', authorization]] as const) {
    const given = credentialsFrom(value);
    if (value !== undefined && config.hide_credentials) kong.service.request.clearHeader(header);
    if (!given) continue;
    const found = kong.client.credentials.basicauth(given.username);
    if (!found) continue;
    if (!passwordMatches(found.credential.password, given.password, found.consumer.id)) return false;
    setConsumer(kong, found.consumer, found.credential, found.credential.username);
    return true;
  }
  return false;
}

export default definePluginHandler<Config>({
  version: '1.0.0',
  priority: 1100,
  access(kong, config) {
    if (alreadyAuthenticated(kong, config.anonymous)) return;
    if (authenticate(kong, config)) return;
    failOrAnonymous(kong, config.anonymous, () => kong.response.error(401, 'Unauthorized', { 'WWW-Authenticate': `Basic realm="${config.realm}"` }));
  },
});

// Kong: kong/plugins/key-auth/handler.lua
import { definePluginHandler } from '../../types.ts';
import type { PluginConfig } from '../../schema-types.ts';
import type { Kong } from '../../../pdk/kong.ts';
import { alreadyAuthenticated, failOrAnonymous, setConsumer } from '../authentication.ts';
import type schema from './schema.ts';

type Config = PluginConfig<typeof schema>;

export default definePluginHandler<Config>({
  version: '1.0.0',
  priority: 1250,
  access(kong, config) {
    if (!config.run_on_preflight && kong.request.getMethod() === 'OPTIONS') return;
    if (alreadyAuthenticated(kong, config.anonymous)) return;
    const fail = (failure: string) => () => kong.response.error(401, failure, { 'WWW-Authenticate': `Key realm="${config.realm ?? 'kong'}"` });
    const failure = authenticate(kong, config);
    if (failure instanceof Promise) {
      return failure.then((f) => {
        if (f) failOrAnonymous(kong, config.anonymous, fail(f));
      });
    }
    if (failure) failOrAnonymous(kong, config.anonymous, fail(failure));
  },
});

type Found = string | { key: string };

/**
 * The key from a header or a query argument named in key_names, in that order per name; undefined when none,
 * Kong's message when the request is wrong.
 */
function keyFromRequest(kong: Kong, config: Config, name: string): Found | undefined {
  const fromHeader = config.key_in_header ? kong.request.getHeaders()[name.toLowerCase()] : undefined;
  const fromQuery = config.key_in_query && fromHeader === undefined ? kong.request.getQuery()[name] : undefined;
  const value = fromHeader ?? fromQuery;
  if (value === undefined || value === true) return undefined;
  if (Array.isArray(value)) return 'Duplicate API key found';
  if (config.hide_credentials) {
    if (fromHeader !== undefined) kong.service.request.clearHeader(name);
    else kong.service.request.clearQueryArg(name);
  }
  return { key: value as string };
}

/** Finds and checks the key; returns Kong's 401 message when that fails (a promise when the body is read). */
function authenticate(kong: Kong, config: Config): string | undefined | Promise<string | undefined> {
  for (const name of config.key_names) {
    const found = keyFromRequest(kong, config, name);
    if (typeof found === 'string') return found;
    if (found) return check(kong, found.key);
  }
  if (config.key_in_body) return fromBody(kong, config);
  return 'No API key found in request';
}

/** key_in_body: the key as a field of a JSON or form body (removed from it with hide_credentials). */
async function fromBody(kong: Kong, config: Config): Promise<string | undefined> {
  const { body, mimeType } = await kong.request.getBody();
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'No API key found in request';
  const fields = body as Record<string, unknown>;
  for (const name of config.key_names) {
    const value = fields[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) return 'Duplicate API key found';
    if (typeof value !== 'string') continue;
    if (config.hide_credentials) {
      const { [name]: _removed, ...rest } = fields;
      kong.service.request.setBody(rest as never, mimeType === 'application/x-www-form-urlencoded' ? mimeType : 'application/json');
    }
    return check(kong, value);
  }
  return 'No API key found in request';
}

function check(kong: Kong, key: string): string | undefined {
  const found = kong.client.credentials.keyauth(key);
  if (!found) return 'Unauthorized';
  setConsumer(kong, found.consumer, found.credential, found.credential.id);
  return undefined;
}

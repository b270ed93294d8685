// Kong: kong/plugins/key-auth/handler.lua
import { definePluginHandler } from '../../types.ts';
import type { PluginConfig } from '../../schema-types.ts';
import type { Kong } from '../../../pdk/kong.ts';
import type { Consumer } from '../../../declarative/config.ts';
import type schema from './schema.ts';

type Config = PluginConfig<typeof schema>;

/** Kong's upstream headers for an authenticated (or anonymous) consumer; each cleared when it does not apply. */
export function setConsumer(kong: Kong, consumer: Consumer, credential: { id: string } | null, anonymous: boolean): void {
  const set = (name: string, value: string | null | undefined) => {
    if (value) kong.service.request.setHeader(name, value);
    else kong.service.request.clearHeader(name);
  };
  set('X-Consumer-ID', consumer.id);
  set('X-Consumer-Custom-ID', consumer.custom_id);
  set('X-Consumer-Username', consumer.username);
  set('X-Credential-Identifier', credential?.id);
  set('X-Anonymous-Consumer', anonymous ? 'true' : null);
  kong.client.authenticate(consumer, credential);
}

export default definePluginHandler<Config>({
  version: '1.0.0',
  priority: 1250,
  access(kong, config) {
    if (!config.run_on_preflight && kong.request.getMethod() === 'OPTIONS') return;
    // Several auth plugins with anonymous: one that succeeded is enough (Kong's "logical OR").
    if (config.anonymous && kong.client.getCredential()) return;
    const failure = authenticate(kong, config);
    if (!failure) return;
    if (config.anonymous) {
      const anonymous = kong.client.credentials.consumer(config.anonymous);
      if (!anonymous) {
        kong.response.error(500, `anonymous consumer ${config.anonymous} is configured but doesn't exist`);
        return;
      }
      setConsumer(kong, anonymous, null, true);
      return;
    }
    kong.response.error(401, failure, { 'WWW-Authenticate': `Key realm="${config.realm ?? 'kong'}"` });
  },
});

/** Finds and checks the key; returns Kong's 401 message when that fails. */
function authenticate(kong: Kong, config: Config): string | undefined {
  let key: string | undefined;
  for (const name of config.key_names) {
    const fromHeader = config.key_in_header ? kong.request.getHeaders()[name.toLowerCase()] : undefined;
    const fromQuery = config.key_in_query && fromHeader === undefined ? kong.request.getQuery()[name] : undefined;
    const value = fromHeader ?? fromQuery;
    if (value === undefined) continue;
    if (Array.isArray(value)) return 'Duplicate API key found';
    if (typeof value !== 'string') continue;
    key = value;
    if (config.hide_credentials) {
      if (fromHeader !== undefined) kong.service.request.clearHeader(name);
      else kong.service.request.clearQueryArg(name);
    }
    break;
  }
  if (!key) return 'No API key found in request';
  const found = kong.client.credentials.keyauth(key);
  if (!found) return 'Unauthorized';
  setConsumer(kong, found.consumer, found.credential, false);
  return undefined;
}

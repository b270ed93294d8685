// Kong: kong/plugins/acl/handler.lua
import { definePluginHandler } from '../../types.ts';
import type { PluginConfig } from '../../schema-types.ts';
import type schema from './schema.ts';

type Config = PluginConfig<typeof schema>;

const FORBIDDEN = 'You cannot consume this service';

interface Prepared {
  readonly deny: boolean;
  readonly groups: ReadonlySet<string>;
}

/** A consumer's groups as the header lists them; the snapshot's lists are the same arrays on every request. */
const joinedLists = new WeakMap<readonly string[], string>();
function joined(groups: readonly string[]): string {
  let text = joinedLists.get(groups);
  if (text === undefined) joinedLists.set(groups, (text = groups.join(', ')));
  return text;
}

export default definePluginHandler<Config, Prepared>({
  version: '1.0.0',
  priority: 950,
  /** The group list as a set, and whether it is a deny list. */
  prepare(config) {
    const deny = (config.deny ?? []).length > 0;
    return { deny, groups: new Set(deny ? config.deny : config.allow) };
  },
  access(kong, config, prepared) {
    const consumer = kong.client.getConsumer();
    if (!consumer) {
      // Kong: an authenticated credential without a consumer is forbidden; nobody authenticated is unauthorized.
      if (kong.client.getCredential()) kong.response.error(403, FORBIDDEN);
      else kong.response.error(401);
      return;
    }
    const acls = kong.client.credentials.groups(consumer.id);
    const groups = config.include_consumer_groups ? [...acls, ...kong.client.credentials.consumerGroups(consumer.id)] : acls;
    const { deny, groups: listed } = prepared;
    const inList = groups.some((g) => listed.has(g));
    if (deny ? inList : !inList) {
      kong.response.error(403, FORBIDDEN);
      return;
    }
    if (!config.hide_groups_header && groups.length > 0) kong.service.request.setHeader('X-Consumer-Groups', groups === acls ? joined(acls) : groups.join(', '));
    else kong.service.request.clearHeader('X-Consumer-Groups');
  },
});

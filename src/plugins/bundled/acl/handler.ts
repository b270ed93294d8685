// Kong: kong/plugins/acl/handler.lua, kong/plugins/acl/groups.lua
import { definePluginHandler } from '../../types.ts';
import type { PluginConfig } from '../../schema-types.ts';
import type { Kong } from '../../../pdk/kong.ts';
import type schema from './schema.ts';

type Config = PluginConfig<typeof schema>;

const FORBIDDEN = 'You cannot consume this service';
const CONSUMER_GROUPS = 'X-Consumer-Groups';
const AUTHENTICATED_GROUPS = 'X-Authenticated-Groups';

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

/** Kong's get_current_consumer_id: the consumer, else the consumer the credential names. */
function currentConsumerId(kong: Kong): string | undefined {
  const consumer = kong.client.getConsumer();
  if (consumer) return consumer.id;
  const owner = kong.client.getCredential()?.consumer;
  const id = owner !== null && typeof owner === 'object' ? (owner as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id : undefined;
}

/** Groups an earlier plugin authenticated (`kong.ctx.shared.authenticated_groups`), as Kong's get_authenticated_groups. */
function authenticatedGroups(kong: Kong): readonly string[] | undefined {
  const groups = kong.ctx.shared.authenticated_groups;
  if (groups === undefined || groups === null) return undefined;
  if (!Array.isArray(groups)) {
    kong.log.warn('invalid authenticated_groups, a table was expected');
    return undefined;
  }
  return groups.filter((g): g is string => typeof g === 'string');
}

function unauthenticated(kong: Kong): void {
  // Kong: an authenticated credential without a consumer is forbidden; nobody authenticated is unauthorized.
  if (kong.client.getCredential()) kong.response.error(403, FORBIDDEN);
  else kong.response.error(401);
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
    const consumerId = currentConsumerId(kong);
    // Authenticated groups count without a consumer, for an anonymous one (no credential), or always when asked.
    const authenticated = consumerId === undefined || !kong.client.getCredential() || config.always_use_authenticated_groups
      ? authenticatedGroups(kong)
      : undefined;
    let groups: readonly string[];
    let header: string;
    let text: string | undefined;
    if (authenticated) {
      groups = authenticated;
      header = AUTHENTICATED_GROUPS;
    } else if (consumerId === undefined) {
      return unauthenticated(kong);
    } else {
      const acls = kong.client.credentials.groups(consumerId);
      groups = config.include_consumer_groups ? [...acls, ...kong.client.credentials.consumerGroups(consumerId)] : acls;
      if (groups === acls) text = joined(acls);
      // A consumer without groups cannot be in an allow list: Kong answers as if nobody were authenticated.
      if (groups.length === 0 && !prepared.deny) return unauthenticated(kong);
      header = CONSUMER_GROUPS;
    }
    const { deny, groups: listed } = prepared;
    const inList = groups.some((g) => listed.has(g));
    if (deny ? inList : !inList) return kong.response.error(403, FORBIDDEN);
    // The header the gateway sets is its own: one the client sent is never passed on as if it were ours.
    kong.service.request.clearHeader(header === CONSUMER_GROUPS ? AUTHENTICATED_GROUPS : CONSUMER_GROUPS);
    if (config.hide_groups_header) kong.service.request.clearHeader(header);
    else kong.service.request.setHeader(header, text ?? groups.join(', '));
  },
});

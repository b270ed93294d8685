// Kong: kong/plugins/ip-restriction/handler.lua
import { BlockList, isIPv6 } from 'node:net';
import { definePluginHandler } from '../../types.ts';
import type { PluginConfig } from '../../schema-types.ts';
import type schema from './schema.ts';

type Config = PluginConfig<typeof schema>;

function blockList(entries: readonly string[] | null | undefined): BlockList | undefined {
  if (!entries || entries.length === 0) return undefined;
  const list = new BlockList();
  for (const entry of entries) {
    const [addr, bits] = entry.split('/') as [string, string | undefined];
    const family = isIPv6(addr) ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(addr, family);
    else list.addSubnet(addr, Number(bits), family);
  }
  return list;
}

/** Per config, its lists as BlockLists: built once, not per request. */
const prepared = new WeakMap<Config, { deny: BlockList | undefined; allow: BlockList | undefined }>();

export default definePluginHandler<Config>({
  version: '1.0.0',
  priority: 990,
  access(kong, config) {
    let lists = prepared.get(config);
    if (!lists) prepared.set(config, (lists = { deny: blockList(config.deny), allow: blockList(config.allow) }));
    const ip = kong.client.getForwardedIp();
    const family = isIPv6(ip) ? 'ipv6' : 'ipv4';
    const status = config.status ?? 403;
    const message = config.message ?? 'Your IP address is not allowed';
    // Kong checks deny first, then allow.
    if (lists.deny?.check(ip, family)) {
      kong.response.error(status, message);
      return;
    }
    if (lists.allow && !lists.allow.check(ip, family)) kong.response.error(status, message);
  },
});

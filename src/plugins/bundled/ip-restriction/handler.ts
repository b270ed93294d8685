// Kong: kong/plugins/ip-restriction/handler.lua
import { ipList, type IpCheck } from '../../../http/ip-list.ts';
import type { Kong } from '../../../pdk/kong.ts';
import { definePluginHandler } from '../../types.ts';
import type { PluginConfig } from '../../schema-types.ts';
import type schema from './schema.ts';

type Config = PluginConfig<typeof schema>;

interface Prepared {
  readonly deny: IpCheck | undefined;
  readonly allow: IpCheck | undefined;
  readonly status: number;
  /** The configured message; without one, Kong's names the address. */
  readonly message: string | undefined;
}

const listOf = (entries: readonly string[] | null | undefined) => (entries && entries.length > 0 ? ipList(entries) : undefined);

function restrict(kong: Kong, p: Prepared, ip: string): void {
  // Kong checks deny first, then allow.
  if (p.deny?.(ip) || (p.allow && !p.allow(ip))) {
    const message = p.message ?? `IP address not allowed: ${ip}`;
    kong.log.warn(message);
    kong.response.error(p.status, message);
  }
}

export default definePluginHandler<Config, Prepared>({
  version: '1.0.0',
  priority: 990,
  prepare: (config) => ({
    deny: listOf(config.deny),
    allow: listOf(config.allow),
    status: config.status ?? 403,
    message: config.message ?? undefined,
  }),
  access(kong, _config, p) {
    restrict(kong, p, kong.client.getForwardedIp());
  },
  // Stream connections: the peer's address; Kong closes the connection with the status (ngx.exit).
  preread(kong, _config, p) {
    restrict(kong, p, kong.client.getIp());
  },
});

// Kong: kong/plugins/udp-log/handler.lua
import type { Kong } from '../../../pdk/kong.ts';
import type { PluginConfig } from '../../schema-types.ts';
import { definePluginHandler } from '../../types.ts';
import { recordJson } from '../log-record.ts';
import { refuseLuaFields } from '../lua-code.ts';
import { Senders } from '../senders.ts';
import { UdpSender } from '../udp-sender.ts';
import type schema from './schema.ts';

type Config = PluginConfig<typeof schema>;

const PLUGIN = 'udp-log';
const keyOf = (c: Config) => JSON.stringify([c.host, c.port, c.timeout]);
const senders = new Senders<UdpSender>((key, onClosed) => {
  const [host, port, timeout] = JSON.parse(key) as [string, number, number];
  return new UdpSender(PLUGIN, host, port, timeout, onClosed);
});

export default definePluginHandler<Config, string>({
  version: '3.10.0',
  priority: 8,
  prepare(config) {
    refuseLuaFields(config);
    return keyOf(config);
  },
  configure(configs) {
    senders.retainOnly((configs ?? []).map(keyOf));
  },
  log(kong: Kong, _config, key) {
    // One datagram per record: Kong's JSON, no newline.
    const data = Buffer.from(recordJson(kong), 'utf8');
    senders.get(key).send(data, kong.log);
  },
});

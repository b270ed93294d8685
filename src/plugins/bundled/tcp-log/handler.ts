// Kong: kong/plugins/tcp-log/handler.lua
import type { Kong } from '../../../pdk/kong.ts';
import type { PluginConfig } from '../../schema-types.ts';
import { definePluginHandler } from '../../types.ts';
import { recordJson } from '../log-record.ts';
import { refuseLuaFields } from '../lua-code.ts';
import { Senders } from '../senders.ts';
import { TcpSender, type TcpTarget } from './tcp-sender.ts';
import type schema from './schema.ts';

type Config = PluginConfig<typeof schema>;

const targetOf = (c: Config): TcpTarget => ({ host: c.host, port: c.port, timeout: c.timeout, keepalive: c.keepalive, tls: c.tls, tls_sni: c.tls_sni ?? null });
// Kong's pool is per host:port; keyed by every connection setting, a plain and a TLS config never share one.
const keyOf = (c: Config) => JSON.stringify(targetOf(c));
const senders = new Senders<TcpSender>((key, onClosed) => new TcpSender(JSON.parse(key) as TcpTarget, onClosed));

const STOP_DRAIN_MS = 2_000;

async function drained(list: readonly TcpSender[]): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const cap = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, STOP_DRAIN_MS);
    timer.unref();
  });
  await Promise.race([Promise.all(list.map((s) => s.drained())), cap]);
  clearTimeout(timer);
}

export default definePluginHandler<Config, string>({
  version: '3.10.0',
  priority: 7,
  prepare(config) {
    refuseLuaFields(config);
    return keyOf(config);
  },
  async configure(configs) {
    // On stop, what is in flight may finish first (not for long: the socket has its timeout too).
    if (configs === null) await drained([...senders.values()]);
    senders.retainOnly((configs ?? []).map(keyOf));
  },
  log(kong: Kong, _config, key) {
    // Kong's framing: the JSON record and a newline.
    senders.get(key).send(`${recordJson(kong)}\n`, kong.log);
  },
});

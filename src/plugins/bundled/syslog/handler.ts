// Kong: kong/plugins/syslog/handler.lua
/**
 * Kong writes through the local syslog(3) (lsyslog); Node has no syslog(3) nor unix datagram sockets, so the
 * messages go over UDP to `--syslog-address` (127.0.0.1:514 by default: the local syslog daemon's network input).
 */
import type { Kong } from '../../../pdk/kong.ts';
import type { PluginConfig } from '../../schema-types.ts';
import { definePluginHandler } from '../../types.ts';
import { recordJson } from '../log-record.ts';
import { refuseLuaFields } from '../lua-code.ts';
import { UdpSender } from '../udp-sender.ts';
import { SEVERITY_CODES, syslogMessage, type Severity } from './message.ts';
import type schema from './schema.ts';

type Config = PluginConfig<typeof schema>;

const PLUGIN = 'syslog';
/** Kong's settimeout default for the message's socket (lsyslog has none; the connect of a UDP socket). */
const TIMEOUT_MS = 10_000;

let address = { host: '127.0.0.1', port: 514 };
let sender: UdpSender | undefined;

/** The gateway's `--syslog-address` (a static setting; main.ts sets it before the first config). */
export function setSyslogAddress(to: { readonly host: string; readonly port: number }): void {
  address = { host: to.host, port: to.port };
  sender?.close();
  sender = undefined;
}

/** Kong's rule: 5xx, then 4xx, then every other status has its severity. */
function severityOf(config: Config, status: number): Severity {
  if (status >= 500) return config.server_errors_severity;
  if (status >= 400) return config.client_errors_severity;
  return config.successful_severity;
}

export default definePluginHandler<Config>({
  version: '3.10.0',
  priority: 4,
  prepare(config) {
    refuseLuaFields(config);
  },
  configure(configs) {
    if (configs && configs.length > 0) return;
    sender?.close();
    sender = undefined;
  },
  log(kong: Kong, config) {
    const record = kong.log.serialize();
    // A stream connection's record has its status in `session` (Kong's handler reads `response` only, and fails there).
    const status = Number((record.response as { status?: unknown } | undefined)?.status ?? (record.session as { status?: unknown } | undefined)?.status ?? 0);
    const severity = severityOf(config, status);
    // Only what is at least as severe as log_level (LOG_PRIORITIES[severity] <= LOG_PRIORITIES[log_level]).
    if (SEVERITY_CODES[severity] > SEVERITY_CODES[config.log_level]) return;
    const message = syslogMessage(config.facility, severity, recordJson(kong));
    sender ??= new UdpSender(PLUGIN, address.host, address.port, TIMEOUT_MS);
    sender.send(Buffer.from(message, 'utf8'), kong.log);
  },
});

// Kong: kong/plugins/syslog/schema.lua
import { definePluginSchema } from '../../schema-types.ts';
import { Rec, Type } from '../../../schema/kit.ts';
import { ANY_PROTOCOLS, CustomFieldsByLua } from '../shared-schemas.ts';

/** syslog's severities, most verbose first (Kong's names: `err`, `warning`, ...). */
export const SEVERITIES = ['debug', 'info', 'notice', 'warning', 'err', 'crit', 'alert', 'emerg'] as const;

export const FACILITIES = [
  'auth', 'authpriv', 'cron', 'daemon', 'ftp', 'kern', 'lpr', 'mail', 'news', 'syslog', 'user', 'uucp',
  'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
] as const;

const Severity = (description: string) => Type.Enum([...SEVERITIES], { default: 'info', description });

export default definePluginSchema({
  name: 'syslog',
  protocols: ANY_PROTOCOLS,
  config: Rec({
    log_level: Severity('The least severe severity that is logged.'),
    successful_severity: Severity('Severity of a request answered 1xx-3xx.'),
    client_errors_severity: Severity('Severity of a request answered 4xx.'),
    server_errors_severity: Severity('Severity of a request answered 5xx.'),
    custom_fields_by_lua: CustomFieldsByLua(),
    facility: Type.Enum([...FACILITIES], {
      default: 'user',
      description: 'The facility is used by the operating system to decide how to handle each log message.',
    }),
  }),
});

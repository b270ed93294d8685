// Kong: kong/plugins/file-log/schema.lua
import { definePluginSchema } from '../../schema-types.ts';
import { Rec, Type } from '../../../schema/kit.ts';
import { ANY_PROTOCOLS, CustomFieldsByLua } from '../shared-schemas.ts';

export default definePluginSchema({
  name: 'file-log',
  protocols: ANY_PROTOCOLS,
  config: Rec({
    path: Type.String({
      // Kong's Lua pattern ^[^%s*&%%\`][^*&%%\`]*[^%s*&%%\`]$: no *, &, %, backslash (no escape in a Lua
      // pattern) or backtick, no white space (Lua's %s) at either end, at least two characters.
      pattern: '^[^ \\t\\n\\v\\f\\r*&%\\\\`][^*&%\\\\`]*[^ \\t\\n\\v\\f\\r*&%\\\\`]$',
      patternErrorMessage: 'not a valid filename',
      description: 'File the log lines are appended to.',
    }),
    reopen: Type.Boolean({ default: false, description: 'Reopen the file for every line (for log rotation).' }),
    custom_fields_by_lua: CustomFieldsByLua(),
  }),
});

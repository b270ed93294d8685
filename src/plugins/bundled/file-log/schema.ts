// Kong: kong/plugins/file-log/schema.lua
import { definePluginSchema } from '../../schema-types.ts';
import { Rec, Type } from '../../../schema/kit.ts';
import { ANY_PROTOCOLS, CustomFieldsByLua } from '../shared-schemas.ts';

export default definePluginSchema({
  name: 'file-log',
  protocols: ANY_PROTOCOLS,
  config: Rec({
    path: Type.String({
      // Kong's Lua pattern [^*&%%\`] leaves out the backslash too (it is no escape in a Lua pattern).
      pattern: '^[^*&%\\\\`]+$',
      patternErrorMessage: 'not a valid filename',
      description: 'File the log lines are appended to.',
    }),
    reopen: Type.Boolean({ default: false, description: 'Reopen the file for every line (for log rotation).' }),
    custom_fields_by_lua: CustomFieldsByLua(),
  }),
});

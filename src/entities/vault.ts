// Kong: kong/db/schema/entities/vaults.lua, kong/vaults/env/schema.lua (Kong 3.10 OSS bundles the `env` vault only)
import { Nullable, Rec, Tags, Type } from '../schema/kit.ts';
import { commonFields, type EntityDef } from './entity.ts';

export const vaultFields = Rec({
  ...commonFields,
  prefix: Type.String({
    pattern: '^[a-z][a-z0-9-]*[a-z0-9]$',
    patternErrorMessage: 'invalid value: must be lower case letters, digits and dashes, starting with a letter',
    description: 'The name references use: {vault://<prefix>/<secret>}.',
  }),
  name: Type.String({ minLength: 1, description: 'The vault: `env` (environment variables).' }),
  description: Nullable(Type.String({ description: 'What this vault is for.' })),
  config: Nullable(Type.Object({}, { description: "The vault's configuration (env: `prefix`)." })),
  tags: Tags(),
});

export const vaultDef: EntityDef = {
  collection: 'vaults',
  singular: 'vault',
  fields: vaultFields,
  endpointKey: 'prefix',
  cacheKey: ['prefix'],
  unique: ['prefix'],
};

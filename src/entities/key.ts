// Kong: kong/db/schema/entities/keys.lua, key_sets.lua (and typedefs.pem, typedefs.jwk)
import { Nullable, Rec, Tags, Type } from '../schema/kit.ts';
import { commonFields, ForeignRef, type EntityDef } from './entity.ts';

export const keySetFields = Rec({
  ...commonFields,
  name: Nullable(Type.String({ minLength: 1, description: 'The name of the key set.' })),
  tags: Tags(),
});

export const keySetDef: EntityDef = {
  collection: 'key_sets',
  singular: 'key_set',
  fields: keySetFields,
  endpointKey: 'name',
  unique: ['name'],
  children: { keys: 'keys' },
};

export const keyFields = Rec({
  ...commonFields,
  set: ForeignRef('The key set (name or id) the key belongs to.'),
  name: Nullable(Type.String({ minLength: 1, description: 'The name of the key.' })),
  kid: Type.String({ minLength: 1, description: 'The key id; a JWK\'s own `kid` must equal it.' }),
  jwk: Nullable(Type.String({ minLength: 1, description: 'A JSON Web Key, as a JSON string (or a vault reference).' })),
  pem: Nullable(Rec({
    private_key: Nullable(Type.String({ minLength: 1, description: 'PEM private key (or a vault reference).' })),
    public_key: Nullable(Type.String({ minLength: 1, description: 'PEM public key (or a vault reference).' })),
  }, { description: 'A PEM public and/or private key.' })),
  tags: Tags(),
});

export const keyDef: EntityDef = {
  collection: 'keys',
  singular: 'key',
  fields: keyFields,
  endpointKey: 'name',
  cacheKey: ['kid', 'set'],
  unique: ['name'],
  foreign: { set: 'key_sets' },
  secrets: ['jwk', 'pem'],
  referenceable: [['jwk'], ['pem', 'private_key'], ['pem', 'public_key']],
};

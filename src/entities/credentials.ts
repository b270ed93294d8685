// Kong: the DAOs of kong/plugins/{key-auth,basic-auth,jwt,hmac-auth,acl}/daos.lua
import { Nullable, Rec, Tags, Type } from '../schema/kit.ts';
import { commonFields, ForeignRef, type EntityDef } from './entity.ts';

const consumerRef = () => ForeignRef('Consumer (username or id) the credential belongs to.');

export const keyauthCredentialFields = Rec({
  ...commonFields,
  consumer: consumerRef(),
  key: Type.Optional(Type.String({ minLength: 1, description: 'The API key. Generated when absent.' })),
  ttl: Nullable(Type.Integer({ minimum: 0, maximum: 100000000, description: 'Seconds the key is valid after the config is loaded.' })),
  tags: Tags(),
});

export const keyauthCredentialDef: EntityDef = {
  collection: 'keyauth_credentials',
  singular: 'keyauth_credential',
  fields: keyauthCredentialFields,
  cacheKey: ['key'],
  unique: ['key'],
  foreign: { consumer: 'consumers' },
  requiredForeign: ['consumer'],
  secrets: ['key'],
};

export const basicauthCredentialFields = Rec({
  ...commonFields,
  consumer: consumerRef(),
  username: Type.String({ minLength: 1 }),
  password: Type.String({ description: 'Plain text; stored hashed once loaded (unless `_transform: false`, where it is the hash).' }),
  tags: Tags(),
});

export const basicauthCredentialDef: EntityDef = {
  collection: 'basicauth_credentials',
  singular: 'basicauth_credential',
  fields: basicauthCredentialFields,
  cacheKey: ['username'],
  unique: ['username'],
  foreign: { consumer: 'consumers' },
  requiredForeign: ['consumer'],
  secrets: ['password'],
};

export const JWT_ALGORITHMS = [
  'HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'EdDSA',
] as const;

export const jwtSecretFields = Rec({
  ...commonFields,
  consumer: consumerRef(),
  key: Type.Optional(Type.String({ minLength: 1, description: 'Value of the key claim (iss by default). Generated when absent.' })),
  secret: Type.Optional(Type.String({ minLength: 1, description: 'HMAC secret. Generated when absent.' })),
  algorithm: Type.Enum([...JWT_ALGORITHMS], { default: 'HS256' }),
  rsa_public_key: Nullable(Type.String({ minLength: 1, description: 'PEM public key for RS*, PS*, ES* and EdDSA.' })),
  tags: Tags(),
});

export const jwtSecretDef: EntityDef = {
  collection: 'jwt_secrets',
  singular: 'jwt_secret',
  fields: jwtSecretFields,
  cacheKey: ['key'],
  unique: ['key'],
  foreign: { consumer: 'consumers' },
  requiredForeign: ['consumer'],
  secrets: ['secret'],
};

export const hmacauthCredentialFields = Rec({
  ...commonFields,
  consumer: consumerRef(),
  username: Type.String({ minLength: 1 }),
  secret: Type.Optional(Type.String({ minLength: 1, description: 'Generated when absent.' })),
  tags: Tags(),
});

export const hmacauthCredentialDef: EntityDef = {
  collection: 'hmacauth_credentials',
  singular: 'hmacauth_credential',
  fields: hmacauthCredentialFields,
  cacheKey: ['username'],
  unique: ['username'],
  foreign: { consumer: 'consumers' },
  requiredForeign: ['consumer'],
  secrets: ['secret'],
};

export const aclFields = Rec({
  ...commonFields,
  consumer: consumerRef(),
  group: Type.String({ minLength: 1 }),
  tags: Tags(),
});

export const aclDef: EntityDef = {
  collection: 'acls',
  singular: 'acl',
  fields: aclFields,
  cacheKey: ['consumer', 'group'],
  foreign: { consumer: 'consumers' },
  requiredForeign: ['consumer'],
};

/**
 * What the declarative loader needs to know about an entity type: its fields (a schema module), its keys, its
 * foreign keys, which children may be nested in it, and how Kong derives its id.
 */
import { Nullable, Type, Uuid, type TObject } from '../schema/kit.ts';

export type CollectionName =
  | 'services' | 'routes' | 'consumers' | 'consumer_groups' | 'consumer_group_consumers' | 'plugins'
  | 'upstreams' | 'targets' | 'certificates' | 'snis' | 'ca_certificates'
  | 'keyauth_credentials' | 'basicauth_credentials' | 'jwt_secrets' | 'hmacauth_credentials' | 'acls'
  | 'keys' | 'key_sets' | 'vaults';

export interface EntityDef {
  readonly collection: CollectionName;
  /** Singular name, as Kong's `entity_type` in flattened errors (`service`, `basicauth_credential`). */
  readonly singular: string;
  /** The flat entity as stored: fields with Kong's defaults. Nested children are not part of it. */
  readonly fields: TObject;
  /** Kong's endpoint key: the field a reference by name uses (`name`, `username`). */
  readonly endpointKey?: string;
  /** Kong's cache key fields, from which DB-less derives ids. */
  readonly cacheKey?: readonly string[];
  /** Fields that must be unique across the collection (besides `id`). */
  readonly unique?: readonly string[];
  /** Foreign-key field → referenced collection. */
  readonly foreign?: Readonly<Record<string, CollectionName>>;
  /** Foreign keys that must be set. */
  readonly requiredForeign?: readonly string[];
  /** Nested array key → child collection. The child's foreign key to this collection is set from the parent. */
  readonly children?: Readonly<Record<string, CollectionName>>;
  /** Fields holding secrets: never logged, never hashed into ids. */
  readonly secrets?: readonly string[];
  /** Fields that may hold a vault reference (`{vault://env/NAME}`), Kong's `referenceable = true`, as paths. */
  readonly referenceable?: readonly (readonly string[])[];
}

/** A reference to another entity: its endpoint key (name, username) or id, or `{ id }` as Kong exports it. */
export const ForeignRef = (description: string) =>
  Nullable(
    Type.Union([
      Type.String({ minLength: 1 }),
      Type.Object(
        { id: Type.Optional(Type.String({ minLength: 1 })), name: Type.Optional(Type.String({ minLength: 1 })), username: Type.Optional(Type.String({ minLength: 1 })) },
        { additionalProperties: false, minProperties: 1 },
      ),
    ], { description }),
  );

/** Fields every entity has. */
export const commonFields = {
  id: Type.Optional(Uuid({ description: 'Entity id. When absent, a deterministic id is derived (as Kong DB-less does).' })),
  created_at: Nullable(Type.Integer({ minimum: 0, description: 'Unix time in seconds.' })),
  updated_at: Nullable(Type.Integer({ minimum: 0 })),
  _comment: Nullable(Type.String({ description: 'Ignored by the gateway.' })),
  _ignore: Nullable(Type.Array(Type.Unknown(), { description: 'Ignored by the gateway.' })),
};

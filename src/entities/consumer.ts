// Kong: kong/db/schema/entities/consumers.lua; consumer groups are Kong Enterprise (3.4+ core entity).
import { Nullable, Rec, Tags, Type, Utf8Name } from '../schema/kit.ts';
import { commonFields, ForeignRef, type EntityDef } from './entity.ts';

export const consumerFields = Rec({
  ...commonFields,
  username: Nullable(Type.String({ minLength: 1 })),
  custom_id: Nullable(Type.String({ minLength: 1 })),
  tags: Tags(),
});

export const consumerDef: EntityDef = {
  collection: 'consumers',
  singular: 'consumer',
  fields: consumerFields,
  endpointKey: 'username',
  unique: ['username', 'custom_id'],
  children: {
    plugins: 'plugins',
    keyauth_credentials: 'keyauth_credentials',
    basicauth_credentials: 'basicauth_credentials',
    jwt_secrets: 'jwt_secrets',
    hmacauth_credentials: 'hmacauth_credentials',
    acls: 'acls',
  },
};

/** decK's membership sugar: `consumers[].groups: [{ name }]`. */
export const consumerGroupsSugar = Type.Array(ForeignRef('Consumer group (name or id) this consumer belongs to.'), {
  description: "decK's way to write consumer group membership.",
});

export const consumerGroupFields = Rec({
  ...commonFields,
  name: Utf8Name(),
  tags: Tags(),
});

export const consumerGroupDef: EntityDef = {
  collection: 'consumer_groups',
  singular: 'consumer_group',
  fields: consumerGroupFields,
  endpointKey: 'name',
  unique: ['name'],
  children: { plugins: 'plugins' },
};

/** decK's membership sugar: `consumer_groups[].consumers: [{ username }]`. */
export const groupConsumersSugar = Type.Array(ForeignRef('Consumer (username or id) in this group.'), {
  description: "decK's way to write consumer group membership.",
});

export const consumerGroupConsumerFields = Rec({
  consumer: ForeignRef('Consumer (username or id).'),
  consumer_group: ForeignRef('Consumer group (name or id).'),
  _comment: Nullable(Type.String()),
  _ignore: Nullable(Type.Array(Type.Unknown())),
}, { required: ['consumer', 'consumer_group'] });

export const consumerGroupConsumerDef: EntityDef = {
  collection: 'consumer_group_consumers',
  singular: 'consumer_group_consumer',
  fields: consumerGroupConsumerFields,
  foreign: { consumer: 'consumers', consumer_group: 'consumer_groups' },
  requiredForeign: ['consumer', 'consumer_group'],
};

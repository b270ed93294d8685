// Kong: kong/db/schema/entities/plugins.lua (+ Enterprise/decK `consumer_group` and `ordering`)
import { ALL_PROTOCOLS } from './protocols.ts';
import { KongSet, Nullable, Rec, Tags, Type, Utf8Name } from '../schema/kit.ts';
import { commonFields, ForeignRef, type EntityDef } from './entity.ts';

const PluginNames = () => Type.Array(Type.String({ minLength: 1 }));
const PhaseOrder = () => Nullable(Rec({ access: Nullable(PluginNames()) }));

export const pluginFields = Rec({
  ...commonFields,
  name: Type.String({ minLength: 1, description: 'The plugin to run.' }),
  instance_name: Nullable(Utf8Name()),
  config: Type.Object({}, { default: {}, description: "The plugin's configuration." }),
  enabled: Type.Boolean({ default: true }),
  protocols: Nullable(KongSet(Type.Enum([...ALL_PROTOCOLS]), { minItems: 1, description: 'Protocols the plugin runs on (default: the plugin\'s own).' })),
  route: ForeignRef('Route (name or id) the plugin is scoped to.'),
  service: ForeignRef('Service (name or id) the plugin is scoped to.'),
  consumer: ForeignRef('Consumer (username or id) the plugin is scoped to.'),
  consumer_group: ForeignRef('Consumer group (name or id) the plugin is scoped to.'),
  ordering: Nullable(Rec({ before: PhaseOrder(), after: PhaseOrder() }, { description: 'Dynamic ordering of the access phase.' })),
  tags: Tags(),
});

export const pluginDef: EntityDef = {
  collection: 'plugins',
  singular: 'plugin',
  fields: pluginFields,
  cacheKey: ['name', 'route', 'service', 'consumer'],
  unique: ['instance_name'],
  foreign: { route: 'routes', service: 'services', consumer: 'consumers', consumer_group: 'consumer_groups' },
};

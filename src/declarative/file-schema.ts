/**
 * The JSON Schema of a whole declarative file, assembled from the entity and plugin schema modules.
 *
 * Two flavours from one builder:
 * - `editor`: what `schemas/kong.schema.json` holds. Each plugin entry's `config` is checked against that plugin's
 *   schema (if/then on `name`), and `name` offers the available plugins for completion.
 * - `runtime`: the structural pass of `validate`. Plugin configs are left to `plugin-config.ts`, which fills
 *   their defaults and runs their cross-field rules, so each problem is reported once, in Kong's words.
 */
import { COLLECTIONS, ENTITIES, type CollectionName } from '../entities/index.ts';
import { consumerGroupsSugar, groupConsumersSugar } from '../entities/consumer.ts';
import type { PluginSchemaModule } from '../plugins/schema-types.ts';
import { inputSchema } from '../schema/input-schema.ts';

export const FORMAT_VERSIONS = ['3.0', '2.1', '1.1'] as const;

type JsonSchema = Record<string, unknown>;

export interface FileSchemaOptions {
  readonly flavour: 'editor' | 'runtime';
  readonly plugins: readonly PluginSchemaModule[];
}

const defRef = (collection: CollectionName) => ({ $ref: `#/definitions/${collection}` });

function entityDefinition(collection: CollectionName, options: FileSchemaOptions): JsonSchema {
  const def = ENTITIES[collection];
  const schema = inputSchema(def.fields) as JsonSchema & { properties: Record<string, unknown> };
  schema.title = def.singular;
  for (const [key, child] of Object.entries(def.children ?? {})) {
    const items = collection === 'certificates' && child === 'snis'
      ? { anyOf: [{ type: 'string', minLength: 1 }, defRef('snis')] }
      : defRef(child);
    schema.properties[key] = { type: 'array', items, description: `${ENTITIES[child].singular} entities nested here get this ${def.singular} set automatically.` };
  }
  if (collection === 'consumers') schema.properties.groups = inputSchema(consumerGroupsSugar);
  if (collection === 'consumer_groups') schema.properties.consumers = inputSchema(groupConsumersSugar);
  if (collection === 'plugins' && options.flavour === 'editor') {
    const names = options.plugins.map((p) => p.name).sort();
    schema.properties.name = { type: 'string', enum: names, description: 'The plugin to run.' };
    schema.allOf = options.plugins.map((p) => ({
      if: { properties: { name: { const: p.name } }, required: ['name'] },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword, not a thenable
      then: { properties: { config: { $ref: `#/definitions/plugin_${p.name}` } } },
    }));
  }
  return schema;
}

export function buildFileSchema(options: FileSchemaOptions): JsonSchema {
  const definitions: Record<string, unknown> = {};
  for (const c of COLLECTIONS) definitions[c] = entityDefinition(c, options);
  if (options.flavour === 'editor') {
    for (const p of options.plugins) definitions[`plugin_${p.name}`] = { title: `${p.name} config`, ...inputSchema(p.config) };
  }
  const properties: Record<string, unknown> = {
    _format_version: { type: 'string', enum: [...FORMAT_VERSIONS], description: 'Version of the declarative format; "3.0" for Kong 3.x.' },
    _transform: { type: 'boolean', default: true, description: 'false: values are taken as stored (e.g. basic-auth passwords already hashed).' },
    _comment: { type: 'string' },
    _ignore: { type: 'array' },
    _info: { type: 'object', description: 'decK metadata; accepted and ignored, with a warning.' },
    _workspace: { type: 'string', description: 'decK workspace; accepted and ignored (DB-less has one workspace), with a warning.' },
  };
  for (const c of COLLECTIONS) properties[c] = { type: 'array', items: defRef(c) };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Kong declarative configuration (kong.yaml)',
    type: 'object',
    additionalProperties: false,
    required: ['_format_version'],
    properties,
    definitions,
  };
}

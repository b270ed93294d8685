/**
 * The files of `schemas/`, generated from the schema modules: one per entity, one per plugin `config`, and
 * `kong.schema.json` for whole files (for editors: each plugin entry's `config` is checked against its plugin).
 */
import { buildFileSchema } from '../declarative/file-schema.ts';
import { COLLECTIONS, ENTITIES } from '../entities/index.ts';
import type { PluginSchemaModule } from '../plugins/schema-types.ts';
import { inputSchema } from '../schema/input-schema.ts';

const DRAFT = 'http://json-schema.org/draft-07/schema#';
const render = (schema: unknown) => `${JSON.stringify(schema, null, 2)}\n`;

/** Relative path (with `/`) → file content. */
export function generateSchemaFiles(plugins: readonly PluginSchemaModule[]): Map<string, string> {
  const files = new Map<string, string>();
  const sorted = [...plugins].sort((a, b) => a.name.localeCompare(b.name));
  files.set('kong.schema.json', render(buildFileSchema({ flavour: 'editor', plugins: sorted })));
  for (const c of COLLECTIONS) {
    const def = ENTITIES[c];
    files.set(`entities/${def.singular}.json`, render({ $schema: DRAFT, title: def.singular, ...inputSchema(def.fields) }));
  }
  for (const p of sorted) {
    files.set(`plugins/${p.name}.json`, render({ $schema: DRAFT, title: `${p.name} config`, ...inputSchema(p.config) }));
  }
  return files;
}

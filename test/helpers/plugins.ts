/** Custom plugins written for a test: a folder per plugin under a fresh --plugins-path directory. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './temp.ts';

export interface TestPlugin {
  readonly name: string;
  /** The handler module's source (an ES module with a default export). */
  readonly handler: string;
  /** JSON Schema of `config`'s properties; none by default. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** The schema's `protocols` (allowed, and the default of an instance's); Kong's HTTP ones if absent. */
  readonly protocols?: { readonly allowed: readonly string[]; readonly default: readonly string[] };
}

/** Writes the plugins and returns the directory to pass as --plugins-path. */
export function writePlugins(plugins: readonly TestPlugin[]): string {
  const dir = tempDir('test-plugins');
  for (const p of plugins) {
    mkdirSync(join(dir, p.name));
    const schema = { name: p.name, ...(p.protocols ? { protocols: p.protocols } : {}), config: { type: 'object', properties: p.config ?? {}, additionalProperties: false } };
    writeFileSync(join(dir, p.name, 'schema.mjs'), `export default ${JSON.stringify(schema)};\n`);
    writeFileSync(join(dir, p.name, 'handler.mjs'), p.handler);
  }
  return dir;
}

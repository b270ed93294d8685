/** `gateway schemas`: regenerate `schemas/` from the schema modules (or `--check` that it is up to date). */
import type { Dirent } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { generateSchemaFiles } from './schema-files.ts';
import type { PluginSchemaModule } from '../plugins/schema-types.ts';
import type { CliIO } from './validate.ts';

async function existingJson(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (sub: string) => {
    let entries: Dirent[];
    try {
      entries = await readdir(join(dir, sub), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const rel = sub === '' ? e.name : `${sub}/${e.name}`;
      if (e.isDirectory()) await walk(rel);
      else if (e.name.endsWith('.json')) out.push(rel);
    }
  };
  await walk('');
  return out;
}

export async function runSchemas(plugins: readonly PluginSchemaModule[], options: { out: string; check: boolean }, io: CliIO): Promise<number> {
  const files = generateSchemaFiles(plugins);
  const stale = (await existingJson(options.out)).filter((f) => !files.has(f));
  if (options.check) {
    const differ: string[] = [];
    for (const [rel, content] of files) {
      const current = await readFile(join(options.out, rel), 'utf8').catch(() => undefined);
      if (current !== content) differ.push(rel);
    }
    differ.push(...stale);
    if (differ.length === 0) {
      io.out(`${options.out}: up to date (${files.size} files)`);
      return 0;
    }
    io.err(`${options.out}: out of date, run 'npm run schemas': ${differ.join(', ')}`);
    return 1;
  }
  for (const [rel, content] of files) {
    const path = join(options.out, rel);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  }
  for (const rel of stale) await rm(join(options.out, rel));
  io.out(`${options.out}: wrote ${files.size} files${stale.length ? `, removed ${stale.length} stale` : ''}`);
  return 0;
}

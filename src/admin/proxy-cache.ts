/**
 * proxy-cache's admin endpoints (Kong: kong/plugins/proxy-cache/api.lua), which Kong 3.10 serves in DB-less
 * mode too: they read plugin entities and purge the in-memory cache, never write to a database (Kong's purge
 * broadcast to other nodes is a no-op without one).
 *   DELETE /proxy-cache                               flush every proxy-cache instance's store → 204
 *   GET|DELETE /proxy-cache/:cache_key                the first instance whose store holds the key → 200 | 204, else 404
 *   GET|DELETE /proxy-cache/:plugin_id/caches/:key    that instance's store → 200 | 204, else 404
 */
import type { Config } from '../declarative/config.ts';
import { entryRecord, fetchEntry, flushStore, purgeEntry } from '../plugins/bundled/proxy-cache/store.ts';

export interface AdminAnswer {
  readonly status: number;
  readonly body?: unknown;
}

const NOT_FOUND: AdminAnswer = { status: 404 };
const NO_CONTENT: AdminAnswer = { status: 204 };
const NOT_ALLOWED: AdminAnswer = { status: 405, body: { message: 'Method not allowed' } };

type PluginEntity = Config['plugins'][number];

function dictionaryOf(plugin: PluginEntity): string {
  const memory = (plugin.config as { memory?: { dictionary_name?: unknown } } | undefined)?.memory;
  return typeof memory?.dictionary_name === 'string' ? memory.dictionary_name : 'kong_db_cache';
}

/** The answer for a path under /proxy-cache (`parts` after it), or undefined when the path is not one of them. */
export function proxyCacheEndpoint(config: Config, method: string, parts: readonly string[]): AdminAnswer | undefined {
  const instances = config.plugins.filter((p) => p.name === 'proxy-cache');
  if (parts.length === 0) {
    if (method !== 'DELETE') return NOT_ALLOWED;
    for (const dictionary of new Set(instances.map(dictionaryOf))) flushStore(dictionary);
    return NO_CONTENT;
  }
  if (parts.length === 1) {
    const key = parts[0]!;
    if (method !== 'GET' && method !== 'DELETE') return NOT_ALLOWED;
    for (const plugin of instances) {
      const dictionary = dictionaryOf(plugin);
      const entry = fetchEntry(dictionary, key);
      if (!entry) continue;
      if (method === 'GET') return { status: 200, body: entryRecord(entry) };
      purgeEntry(dictionary, key);
      return NO_CONTENT;
    }
    return NOT_FOUND;
  }
  if (parts.length === 3 && parts[1] === 'caches') {
    if (method !== 'GET' && method !== 'DELETE') return NOT_ALLOWED;
    const plugin = instances.find((p) => p.id === parts[0]);
    if (!plugin) return NOT_FOUND;
    const dictionary = dictionaryOf(plugin);
    const entry = fetchEntry(dictionary, parts[2]!);
    if (!entry) return NOT_FOUND;
    if (method === 'GET') return { status: 200, body: entryRecord(entry) };
    purgeEntry(dictionary, parts[2]!);
    return NO_CONTENT;
  }
  return undefined;
}

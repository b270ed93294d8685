// Kong: kong/plugins/bot-detection/handler.lua
import { definePluginHandler } from '../../types.ts';
import type { PluginConfig } from '../../schema-types.ts';
import { BOT_PATTERNS } from './rules.ts';
import type schema from './schema.ts';
import { compileKongRegex, type KongRegex } from '../../../router/kong-regex.ts';

type Config = PluginConfig<typeof schema>;

const ALLOWED = 1;
const DENIED = 2;
const BOT = 3;
const NONE = 0;

/** Matched in linear time, as every regex a config can reach (validation refused what cannot be). */
function regex(source: string): KongRegex {
  const compiled = compileKongRegex(source, { anchored: false, dialect: 'pcre' });
  if (!compiled.ok) throw new Error(`not a valid regex: ${source} (${compiled.message})`);
  return compiled.regex;
}

const BOTS = BOT_PATTERNS.map(regex);
const CACHE_SIZE = 10_000;
const CACHEABLE_LENGTH = 512;

/** An instance's regexes, and what each User-Agent seen came out as (bounded, oldest out). */
interface Prepared {
  readonly allow: readonly KongRegex[];
  readonly deny: readonly KongRegex[];
  readonly seen: Map<string, number>;
}

function examine(userAgent: string, p: Prepared): number {
  const ua = userAgent.trim();
  if (p.allow.some((re) => re.test(ua))) return ALLOWED;
  if (p.deny.some((re) => re.test(ua))) return DENIED;
  if (BOTS.some((re) => re.test(ua))) return BOT;
  return NONE;
}

export default definePluginHandler<Config, Prepared>({
  version: '1.0.0',
  priority: 2500,
  prepare: (config) => ({ allow: config.allow.map(regex), deny: config.deny.map(regex), seen: new Map() }),
  access(kong, _config, p) {
    const userAgent = kong.request.getHeaders()['user-agent'];
    if (Array.isArray(userAgent)) return kong.response.error(400, 'Only one User-Agent header allowed');
    if (typeof userAgent !== 'string') return;
    let verdict = p.seen.get(userAgent);
    if (verdict === undefined) {
      verdict = examine(userAgent, p);
      // Long User-Agents are examined every time: the cache's memory stays bounded whatever clients send.
      if (userAgent.length <= CACHEABLE_LENGTH) {
        if (p.seen.size >= CACHE_SIZE) p.seen.delete(p.seen.keys().next().value!);
        p.seen.set(userAgent, verdict);
      }
    }
    if (verdict > ALLOWED) kong.response.error(403);
  },
});

// Kong: kong/plugins/cors/handler.lua
import { definePluginHandler } from '../../types.ts';
import type { PluginConfig } from '../../schema-types.ts';
import type { Kong } from '../../../pdk/kong.ts';
import type schema from './schema.ts';
import { compileKongRegex, type KongRegex } from '../../../router/kong-regex.ts';

type Config = PluginConfig<typeof schema>;

const ALL_METHODS = 'GET,HEAD,PUT,PATCH,POST,DELETE,OPTIONS,TRACE,CONNECT';

interface Prepared {
  readonly allowAll: boolean;
  /** Plain origins, normalized (lower case, default port dropped). */
  readonly exact: ReadonlySet<string>;
  /** Origins with characters beyond `A-Za-z0-9.:/-` are regexes, matched against the whole origin. */
  readonly patterns: readonly KongRegex[];
  readonly methods: string;
}

/** `scheme://host[:port]` lower-cased, without the scheme's default port (Kong's normalize_origin). */
export function normalizeOrigin(origin: string): string {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/:]+|\[[^\]]+\])(?::(\d+))?/i.exec(origin);
  if (!m) return origin.toLowerCase();
  const scheme = m[1]!.toLowerCase();
  const host = m[2]!.toLowerCase();
  const port = m[3];
  const implicit = (scheme === 'http' && port === '80') || (scheme === 'https' && port === '443');
  return `${scheme}://${host}${port && !implicit ? `:${port}` : ''}`;
}

/** Matched in linear time, as every regex a config can reach (validation refused what cannot be). */
function regex(source: string): KongRegex {
  const compiled = compileKongRegex(source, { anchored: true, whole: true, dialect: 'pcre' });
  if (!compiled.ok) throw new Error(`'${source}' is not a valid regex (${compiled.message})`);
  return compiled.regex;
}

/** Regexes compiled, plain origins normalized. */
function prepare(config: Config): Prepared {
  const origins = config.origins ?? [];
  const exact = new Set<string>();
  const patterns: KongRegex[] = [];
  for (const origin of origins) {
    if (origin === '*') continue;
    if (/[^A-Za-z0-9.:/-]/.test(origin)) patterns.push(regex(origin));
    else exact.add(normalizeOrigin(origin));
  }
  return {
    allowAll: origins.length === 0 || (origins.length === 1 && origins[0] === '*'),
    exact,
    patterns,
    methods: config.methods.length > 0 ? config.methods.join(',') : ALL_METHODS,
  };
}

function addVary(kong: Kong): void {
  const vary = kong.response.getHeader('Vary');
  if (!vary) return kong.response.setHeader('Vary', 'Origin');
  if (!vary.split(',').some((v) => v.trim().toLowerCase() === 'origin')) kong.response.setHeader('Vary', `${vary}, Origin`);
}

/** Access-Control-Allow-Origin for this request; true when every origin is allowed (`*`). */
function configureOrigin(kong: Kong, p: Prepared): boolean {
  if (p.allowAll) {
    kong.response.setHeader('Access-Control-Allow-Origin', '*');
    return true;
  }
  const origin = kong.request.getHeader('Origin');
  if (origin !== undefined) {
    const normalized = normalizeOrigin(origin);
    if (p.exact.has(normalized) || p.patterns.some((re) => re.test(normalized))) {
      kong.response.setHeader('Access-Control-Allow-Origin', normalized);
      addVary(kong);
      return false;
    }
  }
  kong.response.clearHeader('Access-Control-Allow-Origin');
  return false;
}

function configureCredentials(kong: Kong, config: Config, allowAll: boolean): void {
  if (!config.credentials) return;
  if (!allowAll) {
    kong.response.setHeader('Access-Control-Allow-Credentials', 'true');
    return;
  }
  // With credentials, `*` is not allowed as the origin: answer with the request's own origin.
  const origin = kong.request.getHeader('Origin');
  if (origin === undefined) return;
  kong.response.setHeader('Access-Control-Allow-Origin', origin);
  kong.response.setHeader('Access-Control-Allow-Credentials', 'true');
  addVary(kong);
}

export default definePluginHandler<Config, Prepared>({
  version: '1.0.0',
  priority: 2000,
  prepare,
  access(kong, config, p) {
    const preflight = kong.request.getMethod() === 'OPTIONS'
      && kong.request.getHeader('Origin') !== undefined
      && kong.request.getHeader('Access-Control-Request-Method') !== undefined;
    if (!preflight) return;
    // The preflight is answered here (its headers set below), or delegated upstream untouched.
    kong.ctx.plugin.skipResponseHeaders = true;
    if (config.preflight_continue) return;
    // Headers set before the answer exists go on the answer (here, the exit below).
    const allowAll = configureOrigin(kong, p);
    configureCredentials(kong, config, allowAll);
    if (config.headers && config.headers.length > 0) kong.response.setHeader('Access-Control-Allow-Headers', config.headers.join(','));
    else {
      const requested = kong.request.getHeader('Access-Control-Request-Headers');
      if (requested !== undefined) kong.response.setHeader('Access-Control-Allow-Headers', requested);
    }
    kong.response.setHeader('Access-Control-Allow-Methods', p.methods);
    if (config.max_age !== null && config.max_age !== undefined) kong.response.setHeader('Access-Control-Max-Age', String(config.max_age));
    if (config.private_network && kong.request.getHeader('Access-Control-Request-Private-Network') === 'true') {
      kong.response.setHeader('Access-Control-Allow-Private-Network', 'true');
    }
    kong.response.exit(200);
  },
  headerFilter(kong, config, p) {
    if (kong.ctx.plugin.skipResponseHeaders) return;
    if (!config.allow_origin_absent && kong.request.getHeader('Origin') === undefined) return;
    const allowAll = configureOrigin(kong, p);
    configureCredentials(kong, config, allowAll);
    if (config.exposed_headers && config.exposed_headers.length > 0) {
      kong.response.setHeader('Access-Control-Expose-Headers', config.exposed_headers.join(','));
    }
  },
});

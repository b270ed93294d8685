// Kong: kong/plugins/cors/handler.lua
import { definePluginHandler } from '../../types.ts';
import type { PluginConfig } from '../../schema-types.ts';
import type { Kong } from '../../../pdk/kong.ts';
import type schema from './schema.ts';
import { compileOriginRegex, isRegexOrigin, normalizeOrigin, type OriginEntry } from './origins.ts';

type Config = PluginConfig<typeof schema>;

const ALL_METHODS = 'GET,HEAD,PUT,PATCH,POST,DELETE,OPTIONS,TRACE,CONNECT';

interface Prepared {
  /** No origins, or only `*`. */
  readonly allowAll: boolean;
  /** A single origin that is no regex: Kong sends it as it is, whatever the request's origin. */
  readonly single: string | undefined;
  /** `*` among several origins: any request with an origin is allowed. */
  readonly star: boolean;
  readonly entries: readonly OriginEntry[];
  readonly methods: string;
  readonly headers: string | undefined;
  readonly exposedHeaders: string | undefined;
  readonly maxAge: string | undefined;
}

/** Origin entries typed and compiled, header values joined. */
function prepare(config: Config): Prepared {
  const origins = config.origins ?? [];
  const entries: OriginEntry[] = [];
  for (const origin of origins) {
    if (origin === '*') continue;
    if (!isRegexOrigin(origin)) {
      entries.push({ kind: 'exact', domain: normalizeOrigin(origin).domain });
      continue;
    }
    const compiled = compileOriginRegex(origin);
    if (!compiled.ok) throw new Error(`'${origin}' is not a valid regex (${compiled.message})`);
    entries.push({ kind: 'regex', regex: compiled.regex, byHost: !origin.includes(':') });
  }
  const joined = (list: readonly string[] | null | undefined) => (list && list.length > 0 ? list.join(',') : undefined);
  return {
    allowAll: origins.length === 0 || (origins.length === 1 && origins[0] === '*'),
    single: origins.length === 1 && !isRegexOrigin(origins[0]!) ? origins[0] : undefined,
    star: origins.includes('*'),
    entries,
    methods: joined(config.methods) ?? ALL_METHODS,
    headers: joined(config.headers),
    exposedHeaders: joined(config.exposed_headers),
    maxAge: config.max_age === null || config.max_age === undefined ? undefined : String(config.max_age),
  };
}

/** Kong sets Vary on its own answer (the preflight) and adds one to a proxied answer's. */
function addVary(kong: Kong, headerFilter: boolean): void {
  if (headerFilter) kong.response.addHeader('Vary', 'Origin');
  else kong.response.setHeader('Vary', 'Origin');
}

/** Access-Control-Allow-Origin for this request; true when every origin is allowed (`*`). */
function configureOrigin(kong: Kong, p: Prepared, headerFilter: boolean, origin: string | undefined): boolean {
  if (p.allowAll) {
    kong.response.setHeader('Access-Control-Allow-Origin', '*');
    return true;
  }
  // Always, whether the origin is allowed or not: caches must key on it.
  addVary(kong, headerFilter);
  if (p.single !== undefined) {
    kong.response.setHeader('Access-Control-Allow-Origin', p.single);
    return false;
  }
  if (origin !== undefined) {
    if (p.star) {
      kong.response.setHeader('Access-Control-Allow-Origin', '*');
      return true;
    }
    const requested = normalizeOrigin(origin);
    for (const entry of p.entries) {
      const found = entry.kind === 'exact' ? requested.domain === entry.domain : entry.regex.test(entry.byHost ? requested.host : requested.domain);
      if (found) {
        kong.response.setHeader('Access-Control-Allow-Origin', requested.domain);
        return false;
      }
    }
  }
  kong.response.clearHeader('Access-Control-Allow-Origin');
  return false;
}

function configureCredentials(kong: Kong, config: Config, allowAll: boolean, headerFilter: boolean, origin: string | undefined): void {
  if (!config.credentials) return;
  if (!allowAll) {
    kong.response.setHeader('Access-Control-Allow-Credentials', 'true');
    return;
  }
  // With credentials, `*` is not allowed as the origin: answer with the request's own origin.
  if (origin === undefined) return;
  addVary(kong, headerFilter);
  kong.response.setHeader('Access-Control-Allow-Origin', origin);
  kong.response.setHeader('Access-Control-Allow-Credentials', 'true');
}

/** The request's Origin; an empty one counts as none, as in Kong. */
function requestOrigin(kong: Kong): string | undefined {
  const origin = kong.request.getHeader('Origin');
  return origin === '' ? undefined : origin;
}

export default definePluginHandler<Config, Prepared>({
  version: '1.0.0',
  priority: 2000,
  prepare,
  access(kong, config, p) {
    const origin = requestOrigin(kong);
    if (kong.request.getMethod() !== 'OPTIONS' || origin === undefined || !kong.request.getHeader('Access-Control-Request-Method')) return;
    // The preflight is answered here (its headers set below), or delegated upstream untouched.
    kong.ctx.plugin.skipResponseHeaders = true;
    if (config.preflight_continue) return;
    // Headers set before the answer exists go on the answer (here, the exit below).
    const allowAll = configureOrigin(kong, p, false, origin);
    configureCredentials(kong, config, allowAll, false, origin);
    const allowHeaders = p.headers ?? kong.request.getHeader('Access-Control-Request-Headers');
    if (allowHeaders !== undefined) kong.response.setHeader('Access-Control-Allow-Headers', allowHeaders);
    else kong.response.clearHeader('Access-Control-Allow-Headers');
    kong.response.setHeader('Access-Control-Allow-Methods', p.methods);
    if (p.maxAge !== undefined) kong.response.setHeader('Access-Control-Max-Age', p.maxAge);
    if (config.private_network && kong.request.getHeader('Access-Control-Request-Private-Network') === 'true') {
      kong.response.setHeader('Access-Control-Allow-Private-Network', 'true');
    }
    kong.response.exit(200);
  },
  headerFilter(kong, config, p) {
    if (kong.ctx.plugin.skipResponseHeaders) return;
    const origin = requestOrigin(kong);
    if (origin === undefined && !config.allow_origin_absent) return;
    const allowAll = configureOrigin(kong, p, true, origin);
    configureCredentials(kong, config, allowAll, true, origin);
    if (p.exposedHeaders !== undefined) kong.response.setHeader('Access-Control-Expose-Headers', p.exposedHeaders);
  },
});

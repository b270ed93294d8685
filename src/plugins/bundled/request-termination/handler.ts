// Kong: kong/plugins/request-termination/handler.lua
import { definePluginHandler } from '../../types.ts';
import type { PluginConfig } from '../../schema-types.ts';
import type { JsonValue, Kong } from '../../../pdk/kong.ts';
import type schema from './schema.ts';

type Config = PluginConfig<typeof schema>;

/** Kong's messages for the statuses it names; another status without a message gets no body. */
const DEFAULT_RESPONSE: Readonly<Record<number, string>> = {
  401: 'Unauthorized',
  404: 'Not found',
  405: 'Method not allowed',
  500: 'An unexpected error occurred',
  502: 'Bad Gateway',
  503: 'Service unavailable',
};

const asJson = (value: unknown): JsonValue => JSON.parse(JSON.stringify(value ?? null)) as JsonValue;

/** Kong's echo: the request as the gateway read it, and the route and service it matched. */
async function echo(kong: Kong, config: Config): Promise<void> {
  const raw = await kong.request.getRawBody();
  const { body } = await kong.request.getBody();
  const captures = kong.router.getCaptures();
  const message = config.message ?? DEFAULT_RESPONSE[config.status_code];
  kong.response.exit(config.status_code, {
    ...(message !== undefined ? { message } : {}),
    kong: { node_id: kong.node.getId(), worker_pid: process.pid, hostname: kong.node.getHostname() },
    request: {
      scheme: kong.request.getScheme(),
      host: kong.request.getHost(),
      port: kong.request.getPort(),
      headers: asJson(kong.request.getHeaders()),
      query: asJson(kong.request.getQuery()),
      ...(body !== undefined ? { body: asJson(body) } : {}),
      raw_body: raw === undefined ? null : raw.toString('utf8'),
      method: kong.request.getMethod(),
      path: kong.request.getPath(),
      // Kong's get_uri_captures: the groups from 1 (Kong's index 0 is the whole match) and by name.
      uri_captures: { named: asJson(captures?.named ?? {}), unnamed: captures ? captures.unnamed.slice(1).map((v) => v ?? null) : [] },
    },
    matched_route: asJson(kong.router.getRoute()),
    matched_service: asJson(kong.router.getService()),
  });
}

export default definePluginHandler<Config>({
  version: '1.0.0',
  priority: 2,
  access(kong, config) {
    if (config.trigger) {
      // Only requests that carry the trigger, as a header or a query argument, are terminated.
      if (kong.request.getHeader(config.trigger) === undefined && kong.request.getQuery()[config.trigger] === undefined) return;
    }
    if (config.echo) return echo(kong, config);
    if (config.body) {
      // Kong sends the body as it is, with no Content-Type unless one is configured (nginx's default_type '').
      kong.response.exit(config.status_code, config.body, config.content_type ? { 'Content-Type': config.content_type } : {});
      return;
    }
    const message = config.message ?? DEFAULT_RESPONSE[config.status_code];
    kong.response.exit(config.status_code, message !== undefined ? { message } : undefined);
  },
});

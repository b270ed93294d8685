// Kong: kong/plugins/prometheus/handler.lua, exporter.lua (log)
/**
 * Counts each request of a route into Kong's per-request families (series.ts) in the log phase: a WeakMap
 * lookup for the route's series, a Map lookup for the status code's counter, additions. The text is built only
 * on a scrape of the admin API's /metrics (exporter.ts).
 */
import { definePluginHandler } from '../../types.ts';
import type { PluginConfig } from '../../schema-types.ts';
import type schema from './schema.ts';
import { routeSeries } from './series.ts';
import { configureExport } from './state.ts';

type Config = PluginConfig<typeof schema>;

interface Prepared {
  readonly perConsumer: boolean;
  readonly status: boolean;
  readonly latency: boolean;
  readonly bandwidth: boolean;
  readonly any: boolean;
}

const STREAM_PROTOCOLS: ReadonlySet<string> = new Set(['tcp', 'tls', 'tls_passthrough', 'udp']);

export default definePluginHandler<Config, Prepared>({
  version: '1.0.0',
  priority: 13,
  prepare: (config) => Object.freeze({
    perConsumer: config.per_consumer,
    status: config.status_code_metrics,
    latency: config.latency_metrics,
    bandwidth: config.bandwidth_metrics,
    any: config.status_code_metrics || config.latency_metrics || config.bandwidth_metrics,
  }),
  configure: (configs) => configureExport(configs),
  log(kong, _config, p) {
    if (!p.any) return;
    // Kong counts nothing for a request no route took. A stream connection's are Kong's kong_stream_* families,
    // not exported here: not counted as HTTP requests either.
    const route = kong.router.getRoute();
    if (route === null || STREAM_PROTOCOLS.has(route.protocols[0] ?? '')) return;
    const series = routeSeries(route, kong.router.getService());
    let labelled = series.anonymous;
    if (p.perConsumer) {
      const consumer = kong.client.getConsumer();
      if (consumer !== null) labelled = series.forConsumer(consumer);
    }
    if (p.bandwidth) {
      const sizes = kong.log.getSizes();
      if (sizes.request > 0) labelled.ingress.value += sizes.request;
      if (sizes.response > 0) labelled.egress.value += sizes.response;
    }
    if (p.status) {
      const status = kong.response.getStatus();
      if (status !== undefined) labelled.status(status, kong.response.getSource() === 'service').value++;
    }
    if (p.latency) {
      const l = kong.log.getLatencies();
      const h = series.latency;
      if (l.request >= 0) h.request.observe(l.request);
      if (l.proxy >= 0) h.upstream.observe(l.proxy);
      if (l.kong >= 0) h.kong.observe(l.kong);
    }
  },
});

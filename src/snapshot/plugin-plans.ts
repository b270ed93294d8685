/**
 * Which plugins run for a route, in which order, with which config: resolved once per snapshot, so a request
 * never searches precedence. One instance per plugin name, the most specific scope winning (Kong's order among
 * the scopes without a consumer: route+service, route, service, global), then by priority (higher first; equal
 * priorities by name, descending, as Kong).
 *
 * Not yet: consumer and consumer-group scopes (they need an authenticated consumer), dynamic `ordering`.
 */
import type { Config, Plugin } from '../declarative/config.ts';
import type { PluginHandler } from '../plugins/types.ts';

export interface PlannedPlugin {
  readonly name: string;
  readonly id: string;
  readonly handler: PluginHandler;
  readonly config: Readonly<Record<string, unknown>>;
}

export interface PluginPlans {
  /** The plugins of a matched route. */
  forRoute(routeId: string): readonly PlannedPlugin[];
}

const HTTP_FAMILY = new Set(['http', 'https', 'grpc', 'grpcs', 'ws', 'wss']);

export function compilePluginPlans(config: Pick<Config, 'plugins' | 'routes'>, handlers: ReadonlyMap<string, PluginHandler>): PluginPlans {
  const usable = config.plugins.filter(
    (p) => p.enabled && handlers.has(p.name) && p.consumer === null && p.consumer_group === null && p.protocols.some((x) => HTTP_FAMILY.has(x)),
  );
  const specificity = (p: Plugin, routeId: string, serviceId: string | undefined): number => {
    const onRoute = p.route?.id === routeId;
    const onService = p.service !== null && p.service.id === serviceId;
    if (p.route !== null && !onRoute) return -1;
    if (p.service !== null && !onService) return -1;
    if (onRoute && onService) return 3;
    if (onRoute) return 2;
    if (onService) return 1;
    return 0;
  };
  const plans = new Map<string, readonly PlannedPlugin[]>();
  for (const route of config.routes) {
    const best = new Map<string, { plugin: Plugin; rank: number }>();
    for (const p of usable) {
      const rank = specificity(p, route.id, route.service?.id);
      if (rank < 0) continue;
      const current = best.get(p.name);
      if (!current || rank > current.rank) best.set(p.name, { plugin: p, rank });
    }
    const planned = [...best.values()].map(({ plugin }): PlannedPlugin => Object.freeze({
      name: plugin.name, id: plugin.id, handler: handlers.get(plugin.name)!, config: plugin.config,
    }));
    planned.sort((a, b) => b.handler.priority - a.handler.priority || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
    plans.set(route.id, Object.freeze(planned));
  }
  const none: readonly PlannedPlugin[] = Object.freeze([]);
  return { forRoute: (routeId) => plans.get(routeId) ?? none };
}

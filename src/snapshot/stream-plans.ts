/**
 * Which plugins run on a stream connection: instances whose `protocols` name a protocol of the stream subsystem
 * (Kong's should_process_plugin), one per plugin name by the precedence levels that need no consumer (route +
 * service, route, service, global: nothing authenticates a stream connection), worked out once per snapshot.
 * Phases run in Kong's order (priority descending, then name descending).
 */
import type { Config, Plugin } from '../declarative/config.ts';
import type { Kong } from '../pdk/kong.ts';
import type { PluginHandler } from '../plugins/types.ts';
import { STREAM_SUBSYSTEM } from '../entities/protocols.ts';
import { byPriority, type PlannedPlugin } from './plugin-plans.ts';

export interface StreamStep {
  readonly plugin: PlannedPlugin;
  readonly run: (kong: Kong, config: Readonly<Record<string, unknown>>, prepared: unknown) => void | Promise<void>;
}

export interface StreamPhases {
  readonly preread: readonly StreamStep[];
  readonly log: readonly StreamStep[];
}

export interface StreamPlans {
  /** The plugins of a matched stream route. */
  forRoute(routeId: string): StreamPhases;
  /** Global instances (the certificate phase, before a route is known). */
  readonly global: readonly PlannedPlugin[];
}

const NONE: StreamPhases = Object.freeze({ preread: Object.freeze([]), log: Object.freeze([]) });

function levelOf(p: Plugin, routeId: string, serviceId: string | undefined): number {
  if (p.consumer !== null || p.consumer_group !== null) return 0;
  if (p.route !== null && p.route.id !== routeId) return 0;
  if (p.service !== null && p.service.id !== serviceId) return 0;
  const r = p.route !== null;
  const s = p.service !== null;
  return r && s ? 7 : r ? 10 : s ? 11 : 12;
}

function phasesOf(plugins: readonly PlannedPlugin[]): StreamPhases {
  const of = (phase: 'preread' | 'log'): readonly StreamStep[] => Object.freeze(plugins.flatMap((plugin) => {
    const run = plugin.handler[phase];
    return run ? [{ plugin, run }] : [];
  }));
  return Object.freeze({ preread: of('preread'), log: of('log') });
}

export function compileStreamPlans(config: Pick<Config, 'plugins' | 'routes'>, handlers: ReadonlyMap<string, PluginHandler>): StreamPlans {
  const usable = config.plugins.filter((p) => p.enabled && handlers.has(p.name) && p.protocols.some((x) => STREAM_SUBSYSTEM.has(x)));
  const planned = new Map<Plugin, PlannedPlugin>(usable.map((p) => {
    const handler = handlers.get(p.name)!;
    const instance = { id: p.id, routeId: p.route?.id ?? null, serviceId: p.service?.id ?? null, consumerId: null };
    const prepared = handler.prepare ? handler.prepare(p.config, instance) : undefined;
    return [p, Object.freeze({ name: p.name, id: p.id, priority: handler.priority, handler, config: p.config, prepared })];
  }));
  const plans = new Map<string, StreamPhases>();
  for (const route of config.routes) {
    if (!STREAM_SUBSYSTEM.has(route.protocols[0] ?? '')) continue;
    const best = new Map<string, { level: number; plugin: PlannedPlugin }>();
    for (const p of usable) {
      const level = levelOf(p, route.id, route.service?.id);
      if (level === 0) continue;
      const current = best.get(p.name);
      if (!current || level < current.level) best.set(p.name, { level, plugin: planned.get(p)! });
    }
    plans.set(route.id, phasesOf([...best.values()].map((b) => b.plugin).sort(byPriority)));
  }
  const global = Object.freeze(usable.filter((p) => levelOf(p, '', undefined) === 12).map((p) => planned.get(p)!).sort(byPriority));
  return { forRoute: (routeId) => plans.get(routeId) ?? NONE, global };
}

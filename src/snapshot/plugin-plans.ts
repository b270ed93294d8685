/**
 * Which plugins run for a request, in which order, with which config: worked out once per snapshot, so that a
 * request never searches Kong's precedence list. One instance per plugin name; the most specific scope wins:
 *
 *   1 consumer+route+service   2 consumer-group+route+service   3 consumer+route   4 consumer+service
 *   5 consumer-group+route     6 consumer-group+service         7 route+service    8 consumer
 *   9 consumer-group          10 route                         11 service         12 global
 *
 * Levels without a consumer (7, 10-12) are fixed per route. Levels with one apply once an authentication plugin
 * has identified the consumer: for those, a route's step holds a map by consumer id and one by consumer group id,
 * so resolving them is a couple of map lookups. Phases run in descending priority (equal priorities by name,
 * descending, as Kong sorts them); the access phase follows the instances' dynamic `ordering` where they set one.
 */
import type { Config, Plugin } from '../declarative/config.ts';
import type { Kong } from '../pdk/kong.ts';
import { HTTP_SUBSYSTEM } from '../entities/protocols.ts';
import type { PluginHandler } from '../plugins/types.ts';

export interface PlannedPlugin {
  readonly name: string;
  readonly id: string;
  /** The handler's priority (Kong's PRIORITY). */
  readonly priority: number;
  readonly handler: PluginHandler;
  readonly config: Readonly<Record<string, unknown>>;
  /** What the handler's `prepare(config)` made of the config (its phases' third argument). */
  readonly prepared: unknown;
}

/** One plugin name of a route's access phase: its fixed instance, and the consumer-scoped ones if any. */
export interface PlanStep {
  readonly name: string;
  readonly priority: number;
  /** The winner among the levels without a consumer (7, 10, 11, 12), if any. */
  readonly fixed: Scoped | undefined;
  /** Levels 1, 3, 4, 8 by consumer id; levels 2, 5, 6, 9 by consumer group id. Absent: nothing consumer-scoped. */
  readonly byConsumer: ReadonlyMap<string, Scoped> | undefined;
  readonly byGroup: ReadonlyMap<string, Scoped> | undefined;
}

interface Scoped {
  readonly level: number;
  readonly planned: PlannedPlugin;
}

/** One plugin's function for one phase, taken out of its handler when the plan is made. */
export interface PhaseStep {
  readonly plugin: PlannedPlugin;
  readonly run: (kong: Kong, config: Readonly<Record<string, unknown>>, prepared: unknown) => void | Promise<void>;
}

/**
 * The phases after access, each with only the plugins that have it, in the list's order: decided once per list,
 * so a request neither looks a phase up in every handler nor calls past those without it. A WebSocket service's
 * list has only its own phases (the frames and the close), an HTTP one only the HTTP phases.
 */
export interface PhaseSteps {
  readonly rewrite: readonly PhaseStep[];
  readonly response: readonly PhaseStep[];
  readonly headerFilter: readonly PhaseStep[];
  readonly bodyFilter: readonly PhaseStep[];
  readonly log: readonly PhaseStep[];
  readonly wsClientFrame: readonly PhaseStep[];
  readonly wsUpstreamFrame: readonly PhaseStep[];
  readonly wsClose: readonly PhaseStep[];
}

const NO_STEPS: readonly PhaseStep[] = Object.freeze([]);

function stepsOf(plugins: readonly PlannedPlugin[], phase: keyof PhaseSteps): readonly PhaseStep[] {
  const steps = plugins.flatMap((plugin) => {
    const run = plugin.handler[phase];
    return run ? [{ plugin, run }] : [];
  });
  return steps.length === 0 ? NO_STEPS : Object.freeze(steps);
}

export function phaseSteps(plugins: readonly PlannedPlugin[]): PhaseSteps {
  const of = (phase: keyof PhaseSteps) => stepsOf(plugins, phase);
  return Object.freeze({
    rewrite: of('rewrite'), response: of('response'), headerFilter: of('headerFilter'), bodyFilter: of('bodyFilter'), log: of('log'),
    wsClientFrame: NO_STEPS, wsUpstreamFrame: NO_STEPS, wsClose: NO_STEPS,
  });
}

/** A WebSocket service's phases after the handshake: none of the HTTP ones run for it. */
export function webSocketSteps(plugins: readonly PlannedPlugin[]): PhaseSteps {
  const of = (phase: keyof PhaseSteps) => stepsOf(plugins, phase);
  return Object.freeze({
    rewrite: NO_STEPS, response: NO_STEPS, headerFilter: NO_STEPS, bodyFilter: NO_STEPS, log: NO_STEPS,
    wsClientFrame: of('wsClientFrame'), wsUpstreamFrame: of('wsUpstreamFrame'), wsClose: of('wsClose'),
  });
}

export const NO_PHASES: PhaseSteps = phaseSteps([]);

export interface RoutePlan {
  /** Every phase but access, when no step has a consumer-scoped instance: the fixed instances by priority. */
  readonly phases: PhaseSteps;
  /** The same for a WebSocket service's route: its frame and close phases (the handshake runs the `access` steps). */
  readonly ws: PhaseSteps;
  /** The access phase's steps, in priority order or as `ordering` rearranges them. */
  readonly access: readonly PlanStep[];
  /** True when some step depends on the consumer: the handler resolves each step as the access phase reaches it. */
  readonly consumerScoped: boolean;
}

export interface PluginPlans {
  /** The plugins of a matched route. */
  forRoute(routeId: string): RoutePlan;
  /** Global instances by priority: the rewrite phase (no route is known yet). */
  readonly global: readonly PlannedPlugin[];
  readonly globalPhases: PhaseSteps;
  /** Whether any instance has a log phase (else requests need not wait for their end). */
  readonly anyLog: boolean;
}


/** The consumer-scoped instance that applies, if it beats the fixed one. */
export function resolveStep(step: PlanStep, consumerId: string | undefined, groupIds: readonly string[]): PlannedPlugin | undefined {
  let best = step.fixed;
  if (consumerId !== undefined) {
    const own = step.byConsumer?.get(consumerId);
    if (own && (!best || own.level < best.level)) best = own;
    if (step.byGroup) {
      for (const g of groupIds) {
        const viaGroup = step.byGroup.get(g);
        if (viaGroup && (!best || viaGroup.level < best.level)) best = viaGroup;
      }
    }
  }
  return best?.planned;
}

/** Kong's order of plugins in every phase: priority descending, then name descending. */
export const byPriority = (a: { readonly priority: number; readonly name: string }, b: { readonly priority: number; readonly name: string }): number =>
  b.priority - a.priority || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0);

/** The precedence level of an instance for a route of a service, or 0 when it does not apply there. */
function levelOf(p: Plugin, routeId: string, serviceId: string | undefined): number {
  if (p.route !== null && p.route.id !== routeId) return 0;
  if (p.service !== null && p.service.id !== serviceId) return 0;
  const r = p.route !== null;
  const s = p.service !== null;
  if (p.consumer !== null) return r && s ? 1 : r ? 3 : s ? 4 : 8;
  if (p.consumer_group !== null) return r && s ? 2 : r ? 5 : s ? 6 : 9;
  return r && s ? 7 : r ? 10 : s ? 11 : 12;
}

/** Kong runs an instance on a subsystem its `protocols` name (no check of each request's scheme). */
export function compilePluginPlans(config: Pick<Config, 'plugins' | 'routes'>, handlers: ReadonlyMap<string, PluginHandler>): PluginPlans {
  const steps = pluginPlanSteps(config, handlers);
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
}

/** Routes planned between two yields of pluginPlanSteps (see the router's routerSteps). */
const ROUTES_PER_STEP = 500;
const PREPARED_PER_STEP = 200;

export function* pluginPlanSteps(config: Pick<Config, 'plugins' | 'routes'>, handlers: ReadonlyMap<string, PluginHandler>): Generator<void, PluginPlans> {
  const usable = config.plugins.filter((p) => p.enabled && handlers.has(p.name) && p.protocols.some((x) => HTTP_SUBSYSTEM.has(x)));
  const planned = new Map<Plugin, PlannedPlugin>();
  for (const p of usable) {
    if (planned.size % PREPARED_PER_STEP === PREPARED_PER_STEP - 1) yield;
    const handler = handlers.get(p.name)!;
    // Validation ran prepare too (a config it cannot prepare is refused there, with a position).
    const instance = { id: p.id, routeId: p.route?.id ?? null, serviceId: p.service?.id ?? null, consumerId: p.consumer?.id ?? null };
    const prepared = handler.prepare ? handler.prepare(p.config, instance) : undefined;
    planned.set(p, Object.freeze({ name: p.name, id: p.id, priority: handler.priority, handler, config: p.config, prepared }));
  }
  const plans = new Map<string, RoutePlan>();
  const candidates = candidatesOf(usable);
  let routesDone = 0;
  for (const route of config.routes) {
    if (++routesDone % ROUTES_PER_STEP === 0) yield;
    const steps = new Map<string, { fixed?: Scoped; byConsumer?: Map<string, Scoped>; byGroup?: Map<string, Scoped>; ordering: Plugin['ordering'] }>();
    for (const p of candidates(route.id, route.service?.id)) {
      const level = levelOf(p, route.id, route.service?.id);
      if (level === 0) continue;
      let step = steps.get(p.name);
      if (!step) steps.set(p.name, (step = { ordering: null }));
      const scoped: Scoped = { level, planned: planned.get(p)! };
      if (p.consumer !== null) {
        step.byConsumer ??= new Map();
        keepBest(step.byConsumer, p.consumer.id, scoped);
      } else if (p.consumer_group !== null) {
        step.byGroup ??= new Map();
        keepBest(step.byGroup, p.consumer_group.id, scoped);
      } else if (!step.fixed || level < step.fixed.level) {
        step.fixed = scoped;
      }
      if (p.ordering && (!step.ordering || p.consumer === null)) step.ordering = p.ordering;
    }
    const list: PlanStep[] = [...steps].map(([name, s]) => Object.freeze({
      name, priority: handlers.get(name)!.priority, fixed: s.fixed, byConsumer: s.byConsumer, byGroup: s.byGroup,
    }));
    list.sort(byPriority);
    const orderings = new Map([...steps].filter(([, s]) => s.ordering).map(([name, s]) => [name, s.ordering!]));
    const fixed = list.flatMap((s) => (s.fixed ? [s.fixed.planned] : []));
    plans.set(route.id, Object.freeze({
      phases: phaseSteps(fixed),
      ws: webSocketSteps(fixed),
      access: Object.freeze(orderings.size > 0 ? applyOrdering(list, orderings) : list),
      consumerScoped: list.some((s) => s.byConsumer || s.byGroup),
    }));
  }
  const global = Object.freeze(
    usable.filter((p) => levelOf(p, '', undefined) === 12).map((p) => planned.get(p)!).sort(byPriority),
  );
  const none: RoutePlan = Object.freeze({ phases: NO_PHASES, ws: NO_PHASES, access: Object.freeze([]), consumerScoped: false });
  const anyLog = usable.some((p) => handlers.get(p.name)!.log !== undefined || handlers.get(p.name)!.wsClose !== undefined);
  return { forRoute: (routeId) => plans.get(routeId) ?? none, global, globalPhases: phaseSteps(global), anyLog };
}

/**
 * The instances that may apply to a route, in the config's order (the order the precedence loop relies on): those
 * scoped to the route, to its service, or to neither. Without this index every route would visit every instance
 * (10,000 routes × 1,000 instances is 10 million visits, a third of a second per compile).
 */
function candidatesOf(usable: readonly Plugin[]): (routeId: string, serviceId: string | undefined) => readonly Plugin[] {
  const byRoute = new Map<string, number[]>();
  const byService = new Map<string, number[]>();
  const unscoped: number[] = [];
  usable.forEach((p, i) => {
    const [map, key] = p.route !== null ? [byRoute, p.route.id] : p.service !== null ? [byService, p.service.id] : [undefined, undefined];
    if (!map) {
      unscoped.push(i);
      return;
    }
    let list = map.get(key!);
    if (!list) map.set(key!, (list = []));
    list.push(i);
  });
  return (routeId, serviceId) => {
    const own = byRoute.get(routeId);
    const viaService = serviceId === undefined ? undefined : byService.get(serviceId);
    if (!own && !viaService) return unscoped.map((i) => usable[i]!);
    return [...unscoped, ...(own ?? []), ...(viaService ?? [])].sort((a, b) => a - b).map((i) => usable[i]!);
  };
}

function keepBest(map: Map<string, Scoped>, key: string, scoped: Scoped): void {
  const current = map.get(key);
  if (!current || scoped.level < current.level) map.set(key, scoped);
}

/**
 * Kong's dynamic ordering of the access phase: `before.access` and `after.access` name plugins this one must run
 * before or after. A topological order that keeps priority order wherever the constraints leave a choice; names
 * not on the route are ignored, and an edge that would close a cycle is dropped (priority decides there).
 */
export function applyOrdering<T extends { readonly name: string }>(
  byPriorityList: readonly T[],
  orderings: ReadonlyMap<string, NonNullable<Plugin['ordering']>>,
): readonly T[] {
  const index = new Map(byPriorityList.map((s, i) => [s.name, i]));
  const after = byPriorityList.map(() => new Set<number>());
  const reaches = (from: number, to: number): boolean => {
    const seen = new Set<number>();
    const stack = [from];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (n === to) return true;
      if (seen.has(n)) continue;
      seen.add(n);
      for (const m of after[n]!) stack.push(m);
    }
    return false;
  };
  // after[i] holds the steps that must run after step i.
  const edge = (first: number | undefined, second: number | undefined) => {
    if (first === undefined || second === undefined || first === second) return;
    if (!reaches(second, first)) after[first]!.add(second);
  };
  for (const [name, ordering] of orderings) {
    const self = index.get(name);
    for (const other of ordering.before?.access ?? []) edge(self, index.get(other));
    for (const other of ordering.after?.access ?? []) edge(index.get(other), self);
  }
  const waiting = byPriorityList.map(() => 0);
  for (const set of after) for (const m of set) waiting[m]!++;
  const out: T[] = [];
  const done = new Set<number>();
  while (out.length < byPriorityList.length) {
    // The first step in priority order that nothing still pending must precede.
    const next = byPriorityList.findIndex((_, i) => !done.has(i) && waiting[i] === 0);
    done.add(next);
    out.push(byPriorityList[next]!);
    for (const m of after[next]!) waiting[m]!--;
  }
  return out;
}

/**
 * The only place plugin code is called: a loop over the plan the snapshot prepared. Awaits only when a phase
 * returns a promise; stops as soon as a plugin answered; a throw becomes Kong's 500 and a log line naming the
 * plugin and the phase, and the gateway keeps serving.
 */
import type { Logger } from 'pino';
import type { Kong } from '../pdk/kong.ts';
import type { Phase } from '../plugins/types.ts';
import type { PhaseStep, PlannedPlugin } from '../snapshot/plugin-plans.ts';

export interface PhaseState {
  /** Set once a plugin has answered the request (kong.response.exit/error). */
  exited: boolean;
}

export type KongFor = (plugin: PlannedPlugin) => Kong;

const same = (p: PlannedPlugin) => p;

/**
 * Runs `phase` over `items` in order. `pick` turns an item into the instance to run, or nothing (the access
 * phase resolves consumer-scoped steps as it reaches them, after earlier plugins may have authenticated someone).
 * (An instance's `protocols` only decide the subsystem, as in Kong: they are applied when plans are compiled.)
 */
export function runPhase<T = PlannedPlugin>(
  phase: Phase,
  items: readonly T[],
  kongFor: KongFor,
  state: PhaseState,
  log: Logger,
  onError: () => void,
  pick: (item: T) => PlannedPlugin | undefined = same as unknown as (item: T) => PlannedPlugin,
  from = 0,
): void | Promise<void> {
  for (let i = from; i < items.length; i++) {
    if (state.exited) return;
    const plugin = pick === same ? (items[i] as unknown as PlannedPlugin) : pick(items[i]!);
    if (!plugin) continue;
    const fn = plugin.handler[phase];
    if (!fn) continue;
    let result: void | Promise<void>;
    try {
      result = fn(kongFor(plugin), plugin.config);
    } catch (err) {
      return failed(phase, plugin, err, state, log, onError);
    }
    if (result instanceof Promise) {
      return result.then(
        () => runPhase(phase, items, kongFor, state, log, onError, pick, i + 1),
        (err: unknown) => failed(phase, plugin, err, state, log, onError),
      );
    }
  }
}

/**
 * Runs one phase's steps (the plugins that have it, their function taken out when the plan was made): the phases
 * after access, where the plan is fixed.
 */
export function runSteps(
  phase: Phase,
  steps: readonly PhaseStep[],
  kongFor: KongFor,
  state: PhaseState,
  log: Logger,
  onError: () => void,
  from = 0,
): void | Promise<void> {
  for (let i = from; i < steps.length; i++) {
    if (state.exited) return;
    const step = steps[i]!;
    let result: void | Promise<void>;
    try {
      result = step.run(kongFor(step.plugin), step.plugin.config);
    } catch (err) {
      return failed(phase, step.plugin, err, state, log, onError);
    }
    if (result instanceof Promise) {
      return result.then(
        () => runSteps(phase, steps, kongFor, state, log, onError, i + 1),
        (err: unknown) => failed(phase, step.plugin, err, state, log, onError),
      );
    }
  }
}

/** A plugin threw or rejected: logged with its name and phase, and the request ends with `onError`. */
function failed(phase: Phase, plugin: PlannedPlugin, err: unknown, state: PhaseState, log: Logger, onError: () => void): void {
  log.error({ plugin: plugin.name, plugin_id: plugin.id, phase, err: (err as Error)?.message ?? String(err) }, 'plugin failed');
  state.exited = true;
  onError();
}

/**
 * The only place plugin code is called: a loop over the plan the snapshot prepared. Awaits only when a phase
 * returns a promise; stops as soon as a plugin answered; a throw becomes Kong's 500 and a log line naming the
 * plugin and the phase, and the gateway keeps serving.
 */
import type { Logger } from 'pino';
import type { RequestState } from '../pdk/request-state.ts';
import type { Phase } from '../plugins/types.ts';
import type { PhaseStep, PlannedPlugin, PlanStep } from '../snapshot/plugin-plans.ts';

export interface PhaseState {
  /** Set once a plugin has answered the request (kong.response.exit/error). */
  exited: boolean;
}

/**
 * The access phase over a route's steps, in order. `pick` turns a step into the instance to run, or nothing
 * (consumer-scoped steps resolve as the phase reaches them, after earlier plugins may have authenticated someone).
 * (An instance's `protocols` only decide the subsystem, as in Kong: they are applied when plans are compiled.)
 */
export function runAccess(
  steps: readonly PlanStep[],
  pick: (step: PlanStep) => PlannedPlugin | undefined,
  kong: RequestState,
  state: PhaseState,
  log: Logger,
  onError: () => void,
  from = 0,
): void | Promise<void> {
  for (let i = from; i < steps.length; i++) {
    if (state.exited) return;
    const plugin = pick(steps[i]!);
    const run = plugin?.handler.access;
    if (!run) continue;
    const pending = invoke('access', plugin, run, kong, state, log, onError);
    if (pending) return pending.then(() => runAccess(steps, pick, kong, state, log, onError, i + 1));
  }
}

/**
 * Runs one phase's steps (the plugins that have it, their function taken out when the plan was made): the phases
 * after access, where the plan is fixed.
 */
export function runSteps(
  phase: Phase,
  steps: readonly PhaseStep[],
  kong: RequestState,
  state: PhaseState,
  log: Logger,
  onError: () => void,
  from = 0,
): void | Promise<void> {
  for (let i = from; i < steps.length; i++) {
    if (state.exited) return;
    const step = steps[i]!;
    const pending = invoke(phase, step.plugin, step.run, kong, state, log, onError);
    if (pending) return pending.then(() => runSteps(phase, steps, kong, state, log, onError, i + 1));
  }
}

/**
 * One plugin's phase function. A throw or a rejection is logged with the plugin and the phase, marks the request
 * exited (the loops stop there) and calls `onError`. Returns a promise only when the function returned one.
 */
function invoke(
  phase: Phase, plugin: PlannedPlugin, run: PhaseStep['run'], kong: RequestState, state: PhaseState, log: Logger, onError: () => void,
): Promise<void> | undefined {
  let result: void | Promise<void>;
  kong.phase = phase;
  try {
    result = run(kong.forPlugin(plugin.id, plugin.name), plugin.config, plugin.prepared);
  } catch (err) {
    failed(phase, plugin, err, state, log, onError);
    return undefined;
  }
  return result instanceof Promise ? result.catch((err: unknown) => failed(phase, plugin, err, state, log, onError)) : undefined;
}

function failed(phase: Phase, plugin: PlannedPlugin, err: unknown, state: PhaseState, log: Logger, onError: () => void): void {
  log.error({ plugin: plugin.name, plugin_id: plugin.id, phase, err: (err as Error)?.message ?? String(err) }, 'plugin failed');
  state.exited = true;
  onError();
}

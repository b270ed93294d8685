/**
 * The only place plugin code is called: a loop over the plan the snapshot prepared. Awaits only when a phase
 * returns a promise, and then no longer than the plugin time limit; stops as soon as a plugin answered; a throw
 * (of anything), a rejection or a phase that does not settle in time becomes a log line naming the plugin and the
 * phase, and the caller's `onError` (Kong's 500 for the request). The gateway keeps serving.
 */
import type { Logger } from 'pino';
import { describeError } from '../errors.ts';
import type { RequestState } from '../pdk/request-state.ts';
import type { Phase } from '../plugins/types.ts';
import type { PhaseStep, PlannedPlugin, PlanStep } from '../snapshot/plugin-plans.ts';

export interface PhaseState {
  /** Set once a plugin has answered the request (kong.response.exit/error), or failed. */
  exited: boolean;
}

export interface RunnerEnv {
  readonly log: Logger;
  /** How long a phase that returned a promise may take to settle. */
  readonly pluginTimeoutMs: number;
}

/** Called with the index of the step that failed. */
export type OnError = (failedAt: number) => void;

/**
 * The access phase over a route's steps, in order (or a WebSocket service's handshake, its access phase). `pick`
 * turns a step into the instance to run, or nothing (consumer-scoped steps resolve as the phase reaches them,
 * after earlier plugins may have authenticated someone). (An instance's `protocols` only decide the subsystem, as
 * in Kong: they are applied when plans are compiled.)
 */
export function runAccess(
  steps: readonly PlanStep[],
  pick: (step: PlanStep) => PlannedPlugin | undefined,
  kong: RequestState,
  state: PhaseState,
  env: RunnerEnv,
  onError: OnError,
  from = 0,
  phase: 'access' | 'wsHandshake' = 'access',
): void | Promise<void> {
  for (let i = from; i < steps.length; i++) {
    if (state.exited) return;
    const plugin = pick(steps[i]!);
    const run = plugin?.handler[phase];
    if (!run) continue;
    const pending = invoke(phase, plugin, run, kong, state, env, onError, i);
    if (pending) return pending.then(() => runAccess(steps, pick, kong, state, env, onError, i + 1, phase));
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
  env: RunnerEnv,
  onError: OnError,
  from = 0,
): void | Promise<void> {
  for (let i = from; i < steps.length; i++) {
    if (state.exited) return;
    const step = steps[i]!;
    const pending = invoke(phase, step.plugin, step.run, kong, state, env, onError, i);
    if (pending) return pending.then(() => runSteps(phase, steps, kong, state, env, onError, i + 1));
  }
}

class PhaseTimeout extends Error {
  constructor(ms: number) {
    super(`the phase did not settle within ${ms} ms`);
  }
}

/**
 * The phase's promise, or a rejection once the time limit passes (whichever comes first). Time spent waiting for
 * the client's body does not count: that wait has its own limit (the body timeout, between two reads).
 */
function settled(pending: Promise<void>, ms: number, kong: RequestState): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(function expired() {
      if (kong.readingBody) timer.refresh();
      else reject(new PhaseTimeout(ms));
    }, ms);
    timer.unref();
    pending.then(() => {
      clearTimeout(timer);
      resolve();
    }, (err: unknown) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/**
 * One plugin's phase function. A failure is logged with the plugin and the phase, marks the request exited (the
 * loops stop there) and calls `onError`. Returns a promise only when the function returned one.
 */
function invoke(
  phase: Phase, plugin: PlannedPlugin, run: PhaseStep['run'], kong: RequestState, state: PhaseState, env: RunnerEnv, onError: OnError, index: number,
): Promise<void> | undefined {
  let result: void | Promise<void>;
  kong.phase = phase;
  try {
    result = run(kong.forPlugin(plugin.id, plugin.name), plugin.config, plugin.prepared);
  } catch (err) {
    failed(phase, plugin, err, kong, state, env, onError, index);
    return undefined;
  }
  if (!(result instanceof Promise)) return undefined;
  return settled(result, env.pluginTimeoutMs, kong).then(undefined, (err: unknown) => failed(phase, plugin, err, kong, state, env, onError, index));
}

function failed(phase: Phase, plugin: PlannedPlugin, err: unknown, kong: RequestState, state: PhaseState, env: RunnerEnv, onError: OnError, index: number): void {
  env.log.error({ plugin: plugin.name, plugin_id: plugin.id, phase, request_id: kong.facts.requestId, err: describeError(err) }, 'plugin failed');
  state.exited = true;
  onError(index);
}

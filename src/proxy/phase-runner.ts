/**
 * The only place plugin code is called: a loop over the plan the snapshot prepared. Awaits only when a phase
 * returns a promise; stops as soon as a plugin answered; a throw becomes Kong's 500 and a log line naming the
 * plugin and the phase, and the gateway keeps serving.
 */
import type { Logger } from 'pino';
import type { Kong } from '../pdk/kong.ts';
import type { Phase } from '../plugins/types.ts';
import type { PlannedPlugin } from '../snapshot/plugin-plans.ts';

export interface PhaseState {
  /** Set once a plugin has answered the request (kong.response.exit/error). */
  exited: boolean;
}

export type KongFor = (plugin: PlannedPlugin) => Kong;

export function runPhase(phase: Phase, plan: readonly PlannedPlugin[], kongFor: KongFor, state: PhaseState, log: Logger, onError: () => void): void | Promise<void> {
  for (let i = 0; i < plan.length; i++) {
    if (state.exited) return;
    const plugin = plan[i]!;
    const fn = plugin.handler[phase];
    if (!fn) continue;
    let result: void | Promise<void>;
    try {
      result = fn(kongFor(plugin), plugin.config);
    } catch (err) {
      return fail(plugin, err);
    }
    if (result instanceof Promise) {
      return result.then(
        () => runPhase(phase, plan.slice(i + 1), kongFor, state, log, onError),
        (err: unknown) => fail(plugin, err),
      );
    }
  }

  function fail(plugin: PlannedPlugin, err: unknown): void {
    log.error({ plugin: plugin.name, plugin_id: plugin.id, phase, err: (err as Error)?.message ?? String(err) }, 'plugin failed');
    state.exited = true;
    onError();
  }
}

/**
 * The stream phases' runner: a loop over the steps the snapshot planned for the route, awaiting only a phase that
 * returns a promise (and then no longer than the plugin time limit). In `preread` it stops once a plugin refused
 * the connection; a throw there refuses it with nginx's 500, as Kong. In `log` a failing plugin is logged and the
 * next one still runs. Each failure is a log line naming the plugin and the phase.
 */
import type { Logger } from 'pino';
import { describeError } from '../errors.ts';
import type { StreamPhase, StreamState } from '../pdk/stream-state.ts';
import type { StreamStep } from '../snapshot/stream-plans.ts';

export interface StreamRunnerEnv {
  readonly log: Logger;
  readonly pluginTimeoutMs: number;
}

function within(pending: Promise<void>, ms: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the phase did not settle within ${ms} ms`)), ms);
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

export async function runStreamPhase(phase: StreamPhase, steps: readonly StreamStep[], state: StreamState, env: StreamRunnerEnv): Promise<void> {
  for (const step of steps) {
    if (phase === 'preread' && state.exit) return;
    const plugin = step.plugin;
    state.phase = phase;
    try {
      const result = step.run(state.forPlugin(plugin.id, plugin.name), plugin.config, plugin.prepared);
      if (result instanceof Promise) await within(result, env.pluginTimeoutMs);
    } catch (err) {
      env.log.error({ plugin: plugin.name, plugin_id: plugin.id, phase, connection: state.facts.connectionId, err: describeError(err) }, 'plugin failed');
      if (phase === 'preread') {
        state.exit = { status: 500, body: undefined, kind: 'error' };
        state.status = 500;
        return;
      }
    }
  }
}

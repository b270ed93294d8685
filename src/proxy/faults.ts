/**
 * What no request handler caught: a throw in a timer a plugin set, a promise it left rejected, a bug in the
 * gateway. Node would end the process; the gateway logs it and keeps serving (nginx logs an error in a Lua timer
 * and carries on). When custom plugins are loaded, each request runs inside `requestScope`, so the log line names
 * the request it came from, its stage, and the plugins that had run for it (otherwise the fault is logged alone).
 * A request it left waiting still gets its answer: a phase that never settles meets the plugin time limit.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'pino';
import { describeError } from '../errors.ts';

/** What the log line says of the request a fault came from. */
export interface FaultContext {
  readonly requestId: string;
  readonly stage: string;
  readonly phase: string | undefined;
  readonly plugins: readonly string[];
}

/**
 * The request whose handling is under way, for the async work it starts (one `run` per request). Everything
 * created inside keeps this record (pooled upstream connections too, for their life), so it holds the request
 * only weakly: the request id stays, the rest goes with the request.
 */
export interface FaultScope {
  readonly requestId: string;
  readonly request: WeakRef<{ fault(): FaultContext }>;
}

export const requestScope = new AsyncLocalStorage<FaultScope>();

let installed: Logger | undefined;

/** Once per process; the latest logger wins (tests start several gateways in one process). */
export function installFaultHandlers(log: Logger): void {
  const first = installed === undefined;
  installed = log;
  if (!first) return;
  const report = (kind: string, err: unknown) => {
    const scope = requestScope.getStore();
    let where: FaultContext | undefined;
    try {
      where = scope && (scope.request.deref()?.fault() ?? { requestId: scope.requestId, stage: 'after the answer', phase: undefined, plugins: [] });
    } catch {
      where = undefined;
    }
    try {
      installed!.error({
        err: describeError(err),
        ...(where ? { request_id: where.requestId, stage: where.stage, phase: where.phase, plugins: where.plugins } : {}),
      }, `${kind} (the gateway keeps running)`);
    } catch {
      // Nothing left to tell it to.
    }
  };
  process.on('uncaughtException', (err) => report('uncaught exception', err));
  process.on('unhandledRejection', (reason) => report('unhandled promise rejection', reason));
}

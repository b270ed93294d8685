/** `kong.log`: a pino child naming the plugin and the request (made on the first line), and Kong's serializer. */
import type { Logger } from 'pino';
import type { KongLog } from './kong.ts';
import type { RequestState } from './request-state.ts';
import { applySerializeValues } from './serialize-values.ts';

/** Methods on a prototype: each plugin's `kong.log` is one small object, its pino child made on the first line. */
class LogApi implements KongLog {
  readonly #state: RequestState;
  readonly #pluginName: string;
  #logger: Logger | undefined;

  constructor(state: RequestState, pluginName: string) {
    this.#state = state;
    this.#pluginName = pluginName;
  }

  #child(): Logger {
    return (this.#logger ??= this.#state.facts.log.child({ plugin: this.#pluginName, request_id: this.#state.facts.requestId }));
  }

  debug(message: string, fields?: Record<string, unknown>): void { this.#child().debug(fields ?? {}, message); }
  info(message: string, fields?: Record<string, unknown>): void { this.#child().info(fields ?? {}, message); }
  warn(message: string, fields?: Record<string, unknown>): void { this.#child().warn(fields ?? {}, message); }
  error(message: string, fields?: Record<string, unknown>): void { this.#child().error(fields ?? {}, message); }

  // The values plugins set are applied to each record made (the log phase's is shared: applying again is the same).
  serialize() {
    const state = this.#state;
    return state.serializeValues ? applySerializeValues(state.facts.serialize(), state.serializeValues) : state.facts.serialize();
  }

  setSerializeValue(key: string, value: unknown, options?: { mode?: 'set' | 'add' | 'replace' }): void {
    if (typeof key !== 'string') throw new TypeError('key must be a string');
    const mode = options?.mode ?? 'set';
    if (mode !== 'set' && mode !== 'add' && mode !== 'replace') throw new TypeError("mode must be 'set', 'add' or 'replace'");
    (this.#state.serializeValues ??= []).push({ key, value, mode });
  }

  getLatencies() { return this.#state.facts.measures.latencies(); }
  getSizes() { return this.#state.facts.measures.sizes(); }
}

export function createLogApi(state: RequestState, pluginName: string): KongLog {
  return new LogApi(state, pluginName);
}

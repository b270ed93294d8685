/** `kong.log`: a pino child naming the plugin and the request (made on the first line), and Kong's serializer. */
import type { Logger } from 'pino';
import type { KongLog } from './kong.ts';
import type { RequestState } from './request-state.ts';
import { applySerializeValues } from './serialize-values.ts';

export function createLogApi(state: RequestState, pluginName: string): KongLog {
  const facts = state.facts;
  let logger: Logger | undefined;
  const child = () => (logger ??= facts.log.child({ plugin: pluginName, request_id: facts.requestId }));
  return {
    debug: (message, fields) => child().debug(fields ?? {}, message),
    info: (message, fields) => child().info(fields ?? {}, message),
    warn: (message, fields) => child().warn(fields ?? {}, message),
    error: (message, fields) => child().error(fields ?? {}, message),
    // The values plugins set are applied to each record made (the log phase's is shared: applying again is the same).
    serialize: () => (state.serializeValues ? applySerializeValues(facts.serialize(), state.serializeValues) : facts.serialize()),
    setSerializeValue: (key, value, options) => {
      if (typeof key !== 'string') throw new TypeError('key must be a string');
      const mode = options?.mode ?? 'set';
      if (mode !== 'set' && mode !== 'add' && mode !== 'replace') throw new TypeError("mode must be 'set', 'add' or 'replace'");
      (state.serializeValues ??= []).push({ key, value, mode });
    },
    getLatencies: () => facts.measures.latencies(),
    getSizes: () => facts.measures.sizes(),
  };
}

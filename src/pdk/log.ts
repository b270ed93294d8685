/** `kong.log`: a pino child naming the plugin and the request (made on the first line), and Kong's serializer. */
import type { Logger } from 'pino';
import type { KongLog } from './kong.ts';
import type { RequestFactsForPdk } from './request-state.ts';

export function createLogApi(facts: RequestFactsForPdk, pluginName: string): KongLog {
  let logger: Logger | undefined;
  const child = () => (logger ??= facts.log.child({ plugin: pluginName, request_id: facts.requestId }));
  return {
    debug: (message, fields) => child().debug(fields ?? {}, message),
    info: (message, fields) => child().info(fields ?? {}, message),
    warn: (message, fields) => child().warn(fields ?? {}, message),
    error: (message, fields) => child().error(fields ?? {}, message),
    serialize: () => facts.serialize(),
    getLatencies: () => facts.measures.latencies(),
    getSizes: () => facts.measures.sizes(),
  };
}

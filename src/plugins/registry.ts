/**
 * The bundled plugins, one entry each: name → schema module and handler. An explicit list (no directory
 * scanning), so what ships is what this file says. A plugin without a handler yet is validated but cannot be
 * used: a config with an enabled instance of it is refused (it would not run).
 */
import acl from './bundled/acl/handler.ts';
import aclSchema from './bundled/acl/schema.ts';
import basicAuth from './bundled/basic-auth/handler.ts';
import basicAuthSchema from './bundled/basic-auth/schema.ts';
import botDetection from './bundled/bot-detection/handler.ts';
import botDetectionSchema from './bundled/bot-detection/schema.ts';
import correlationId from './bundled/correlation-id/handler.ts';
import correlationIdSchema from './bundled/correlation-id/schema.ts';
import cors from './bundled/cors/handler.ts';
import corsSchema from './bundled/cors/schema.ts';
import fileLog from './bundled/file-log/handler.ts';
import fileLogSchema from './bundled/file-log/schema.ts';
import hmacAuth from './bundled/hmac-auth/handler.ts';
import hmacAuthSchema from './bundled/hmac-auth/schema.ts';
import httpLog from './bundled/http-log/handler.ts';
import httpLogSchema from './bundled/http-log/schema.ts';
import ipRestriction from './bundled/ip-restriction/handler.ts';
import ipRestrictionSchema from './bundled/ip-restriction/schema.ts';
import jwt from './bundled/jwt/handler.ts';
import jwtSchema from './bundled/jwt/schema.ts';
import keyAuth from './bundled/key-auth/handler.ts';
import keyAuthSchema from './bundled/key-auth/schema.ts';
import prometheus from './bundled/prometheus/handler.ts';
import prometheusSchema from './bundled/prometheus/schema.ts';
import proxyCache from './bundled/proxy-cache/handler.ts';
import proxyCacheSchema from './bundled/proxy-cache/schema.ts';
import rateLimiting from './bundled/rate-limiting/handler.ts';
import rateLimitingSchema from './bundled/rate-limiting/schema.ts';
import requestSizeLimiting from './bundled/request-size-limiting/handler.ts';
import requestSizeLimitingSchema from './bundled/request-size-limiting/schema.ts';
import requestTermination from './bundled/request-termination/handler.ts';
import requestTerminationSchema from './bundled/request-termination/schema.ts';
import requestTransformer from './bundled/request-transformer/handler.ts';
import requestTransformerSchema from './bundled/request-transformer/schema.ts';
import responseRatelimiting from './bundled/response-ratelimiting/handler.ts';
import responseRatelimitingSchema from './bundled/response-ratelimiting/schema.ts';
import responseTransformer from './bundled/response-transformer/handler.ts';
import responseTransformerSchema from './bundled/response-transformer/schema.ts';
import syslog from './bundled/syslog/handler.ts';
import syslogSchema from './bundled/syslog/schema.ts';
import tcpLog from './bundled/tcp-log/handler.ts';
import tcpLogSchema from './bundled/tcp-log/schema.ts';
import udpLog from './bundled/udp-log/handler.ts';
import udpLogSchema from './bundled/udp-log/schema.ts';
import type { PluginSchemaModule } from './schema-types.ts';
import type { PluginHandler } from './types.ts';

export interface PluginModule {
  readonly name: string;
  readonly schema: PluginSchemaModule;
  /** Undefined until the gateway runs this plugin. */
  readonly handler: PluginHandler | undefined;
}

// Each handler is typed by its own config; the registry holds them all under the general contract.
const bundled = <C, P>(schema: PluginSchemaModule, handler?: PluginHandler<C, P>): PluginModule =>
  Object.freeze({ name: schema.name, schema, handler: handler as unknown as PluginHandler | undefined });

/**
 * Kong Enterprise runs these access-phase plugins on a WebSocket service's handshake (its access phase), and the
 * log plugins when the connection is over: the same functions, under the WebSocket phases' names.
 */
const onHandshake = <C, P>(handler: PluginHandler<C, P>): PluginHandler<C, P> => Object.freeze({ ...handler, wsHandshake: handler.access });
const onClose = <C, P>(handler: PluginHandler<C, P>): PluginHandler<C, P> => Object.freeze({ ...handler, wsClose: handler.log });

export const BUNDLED_PLUGINS: readonly PluginModule[] = Object.freeze([
  bundled(keyAuthSchema as PluginSchemaModule, onHandshake(keyAuth)),
  bundled(basicAuthSchema as PluginSchemaModule, onHandshake(basicAuth)),
  bundled(jwtSchema as PluginSchemaModule, onHandshake(jwt)),
  bundled(hmacAuthSchema as PluginSchemaModule, onHandshake(hmacAuth)),
  bundled(aclSchema as PluginSchemaModule, onHandshake(acl)),
  bundled(ipRestrictionSchema as PluginSchemaModule, onHandshake(ipRestriction)),
  bundled(corsSchema as PluginSchemaModule, onHandshake(cors)),
  bundled(botDetectionSchema as PluginSchemaModule, botDetection),
  bundled(requestSizeLimitingSchema as PluginSchemaModule, requestSizeLimiting),
  bundled(rateLimitingSchema as PluginSchemaModule, onHandshake(rateLimiting)),
  bundled(responseRatelimitingSchema as PluginSchemaModule, responseRatelimiting),
  bundled(requestTransformerSchema as PluginSchemaModule, requestTransformer),
  bundled(responseTransformerSchema as PluginSchemaModule, responseTransformer),
  bundled(correlationIdSchema as PluginSchemaModule, correlationId),
  bundled(requestTerminationSchema as PluginSchemaModule, onHandshake(requestTermination)),
  bundled(proxyCacheSchema as PluginSchemaModule, proxyCache),
  bundled(prometheusSchema as PluginSchemaModule, prometheus),
  bundled(fileLogSchema as PluginSchemaModule, onClose(fileLog)),
  bundled(httpLogSchema as PluginSchemaModule, onClose(httpLog)),
  bundled(tcpLogSchema as PluginSchemaModule, onClose(tcpLog)),
  bundled(udpLogSchema as PluginSchemaModule, onClose(udpLog)),
  bundled(syslogSchema as PluginSchemaModule, onClose(syslog)),
]);

/** The schema modules alone (schema and validator generation, editors). */
export const BUNDLED_PLUGIN_SCHEMAS: readonly PluginSchemaModule[] = BUNDLED_PLUGINS.map((p) => p.schema);

/** The bundled plugins as a catalog would list them, by name. */
export const BUNDLED_CATALOG: ReadonlyMap<string, PluginModule> = new Map(BUNDLED_PLUGINS.map((p) => [p.name, p]));

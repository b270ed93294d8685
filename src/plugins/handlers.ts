/** The bundled plugins that have a handler (the others are validated and not run yet): an explicit list. */
import requestTermination from './bundled/request-termination/handler.ts';
import keyAuth from './bundled/key-auth/handler.ts';
import basicAuth from './bundled/basic-auth/handler.ts';
import jwt from './bundled/jwt/handler.ts';
import hmacAuth from './bundled/hmac-auth/handler.ts';
import acl from './bundled/acl/handler.ts';
import ipRestriction from './bundled/ip-restriction/handler.ts';
import correlationId from './bundled/correlation-id/handler.ts';
import cors from './bundled/cors/handler.ts';
import botDetection from './bundled/bot-detection/handler.ts';
import requestSizeLimiting from './bundled/request-size-limiting/handler.ts';
import type { PluginHandler } from './types.ts';

export const BUNDLED_HANDLERS: ReadonlyMap<string, PluginHandler> = new Map<string, PluginHandler>([
  ['request-termination', requestTermination as PluginHandler],
  ['key-auth', keyAuth as PluginHandler],
  ['basic-auth', basicAuth as PluginHandler],
  ['jwt', jwt as PluginHandler],
  ['hmac-auth', hmacAuth as PluginHandler],
  ['acl', acl as PluginHandler],
  ['ip-restriction', ipRestriction as PluginHandler],
  ['correlation-id', correlationId as PluginHandler],
  ['cors', cors as PluginHandler],
  ['bot-detection', botDetection as PluginHandler],
  ['request-size-limiting', requestSizeLimiting as PluginHandler],
]);

/**
 * The bundled plugins: an explicit list (no directory scanning), so what ships is what this file says.
 */
import keyAuth from './bundled/key-auth/schema.ts';
import basicAuth from './bundled/basic-auth/schema.ts';
import jwt from './bundled/jwt/schema.ts';
import hmacAuth from './bundled/hmac-auth/schema.ts';
import acl from './bundled/acl/schema.ts';
import ipRestriction from './bundled/ip-restriction/schema.ts';
import cors from './bundled/cors/schema.ts';
import botDetection from './bundled/bot-detection/schema.ts';
import requestSizeLimiting from './bundled/request-size-limiting/schema.ts';
import rateLimiting from './bundled/rate-limiting/schema.ts';
import responseRatelimiting from './bundled/response-ratelimiting/schema.ts';
import requestTransformer from './bundled/request-transformer/schema.ts';
import responseTransformer from './bundled/response-transformer/schema.ts';
import correlationId from './bundled/correlation-id/schema.ts';
import requestTermination from './bundled/request-termination/schema.ts';
import proxyCache from './bundled/proxy-cache/schema.ts';
import prometheus from './bundled/prometheus/schema.ts';
import fileLog from './bundled/file-log/schema.ts';
import httpLog from './bundled/http-log/schema.ts';
import tcpLog from './bundled/tcp-log/schema.ts';
import udpLog from './bundled/udp-log/schema.ts';
import type { PluginSchemaModule } from './schema-types.ts';

export const BUNDLED_PLUGIN_SCHEMAS: readonly PluginSchemaModule[] = [
  keyAuth,
  basicAuth,
  jwt,
  hmacAuth,
  acl,
  ipRestriction,
  cors,
  botDetection,
  requestSizeLimiting,
  rateLimiting,
  responseRatelimiting,
  requestTransformer,
  responseTransformer,
  correlationId,
  requestTermination,
  proxyCache,
  prometheus,
  fileLog,
  httpLog,
  tcpLog,
  udpLog,
] as PluginSchemaModule[];

export const BUNDLED_PLUGIN_NAMES: readonly string[] = BUNDLED_PLUGIN_SCHEMAS.map((p) => p.name);

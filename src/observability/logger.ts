/** The root logger: pino, JSON lines on stdout, with secrets redacted wherever they might appear. */
import { pino, type Logger } from 'pino';
import type { LogLevel } from '../settings/settings.ts';

/** Fields that hold secrets in entities and plugin configs; never printed. */
export const REDACTED_PATHS = [
  'password', 'key', 'secret', 'cert_key', 'key_alt', 'client_secret', 'token', 'authorization',
  '*.password', '*.key', '*.secret', '*.key_alt', '*.client_secret', '*.token', '*.authorization',
  'headers.authorization', 'headers["proxy-authorization"]', 'headers.apikey',
];

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { pid: process.pid }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
}

export type { Logger };

/**
 * Custom plugins' handler modules: `DIR/<name>/handler.ts` (or `.js`/`.mjs`) beside the schema module, default
 * export a PluginHandler. A broken one is a clear start-up error. Kong's rule: a plugin with `response` may not
 * also have `headerFilter` or `bodyFilter`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayError } from '../errors.ts';
import { importPluginFile } from './custom-schemas.ts';
import type { PluginHandler } from './types.ts';

const HANDLER_FILES = ['handler.ts', 'handler.mts', 'handler.js', 'handler.mjs'];
const FUNCTIONS = ['initWorker', 'prepare', 'configure', 'certificate', 'rewrite', 'access', 'response', 'headerFilter', 'bodyFilter', 'log'] as const;

export function checkHandlerShape(value: unknown, where: string): PluginHandler {
  const h = value as Record<string, unknown> | undefined;
  const fail = (why: string): never => {
    throw new GatewayError('BAD_PLUGIN', `${where}: ${why}`);
  };
  if (!h || typeof h !== 'object') return fail('must have a default export (the handler: { version, priority, ...phases })');
  if (typeof h.version !== 'string') fail("handler needs a 'version' string");
  if (typeof h.priority !== 'number' || !Number.isFinite(h.priority)) fail("handler needs a numeric 'priority'");
  for (const phase of FUNCTIONS) if (h[phase] !== undefined && typeof h[phase] !== 'function') fail(`'${phase}' must be a function`);
  if (h.response && (h.headerFilter || h.bodyFilter)) {
    fail("a plugin with a 'response' phase cannot also have 'headerFilter' or 'bodyFilter' (as in Kong)");
  }
  return h as unknown as PluginHandler;
}

/** The handler in a custom plugin's folder, or undefined when it has none. */
export async function loadCustomHandler(dir: string): Promise<PluginHandler | undefined> {
  const file = HANDLER_FILES.map((f) => join(dir, f)).find((f) => existsSync(f));
  if (!file) return undefined;
  const imported = await importPluginFile(file);
  return checkHandlerShape(imported.default, file);
}

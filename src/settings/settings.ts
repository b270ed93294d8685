/**
 * STATIC settings: from command-line flags, each with a `GATEWAY_*` environment twin (like Kong's `KONG_*`).
 * Read once at start, never hot-reloaded. Flags win over the environment.
 */
import { GatewayError } from '../errors.ts';

export interface Settings {
  /** The declarative config file (`-c`, `GATEWAY_DECLARATIVE_CONFIG`). */
  readonly configPath: string;
  /** `--plugins`: `bundled`, custom plugin names, or `off` (Kong's `plugins` property). */
  readonly plugins: readonly string[];
  /** `--plugins-path`: folders holding custom plugins, one sub-folder per plugin. */
  readonly pluginsPaths: readonly string[];
  readonly logLevel: LogLevel;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface SettingSpec {
  readonly flag: string;
  readonly env: string;
  readonly short?: string;
  readonly multiple?: boolean;
  readonly description: string;
}

/** Every setting, for parsing and for `--help`. */
export const SETTING_SPECS = {
  config: { flag: 'config', short: 'c', env: 'GATEWAY_DECLARATIVE_CONFIG', description: 'declarative config file (default ./kong.yaml)' },
  plugins: { flag: 'plugins', env: 'GATEWAY_PLUGINS', multiple: true, description: "plugins to enable: 'bundled', custom names, or 'off' (default bundled)" },
  pluginsPath: { flag: 'plugins-path', env: 'GATEWAY_PLUGINS_PATH', multiple: true, description: 'folder of custom plugins (repeatable; env: colon-separated)' },
  logLevel: { flag: 'log-level', env: 'GATEWAY_LOG_LEVEL', description: `one of ${LOG_LEVELS.join(', ')} (default info)` },
} as const satisfies Record<string, SettingSpec>;

export type FlagValues = Partial<Record<keyof typeof SETTING_SPECS, string | string[] | undefined>>;

const splitList = (values: readonly string[], separator: RegExp) =>
  values.flatMap((v) => v.split(separator)).map((v) => v.trim()).filter((v) => v !== '');

export function resolveSettings(flags: FlagValues, env: NodeJS.ProcessEnv): Settings {
  const pick = (key: keyof typeof SETTING_SPECS): string[] => {
    const flag = flags[key];
    if (flag !== undefined) return Array.isArray(flag) ? flag : [flag];
    const fromEnv = env[SETTING_SPECS[key].env];
    return fromEnv === undefined || fromEnv === '' ? [] : [fromEnv];
  };
  const logLevel = pick('logLevel')[0] ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new GatewayError('BAD_USAGE', `--log-level: expected one of ${LOG_LEVELS.join(', ')}, got '${logLevel}'`);
  }
  const plugins = splitList(pick('plugins'), /,/);
  return {
    configPath: pick('config')[0] ?? 'kong.yaml',
    plugins: plugins.length === 0 ? ['bundled'] : plugins,
    pluginsPaths: splitList(pick('pluginsPath'), /:/),
    logLevel: logLevel as LogLevel,
  };
}

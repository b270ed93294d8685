/**
 * The `gateway` command: argument parsing and dispatch only. Exit codes: 0 ok, 1 invalid config, 2 bad usage or
 * unreadable input.
 */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { GatewayError } from '../errors.ts';
import { buildPluginCatalog } from '../plugins/catalog.ts';
import { loadCustomPluginSchemas } from '../plugins/custom-schemas.ts';
import { BUNDLED_PLUGIN_SCHEMAS } from '../plugins/registry.ts';
import { resolveSettings, SETTING_SPECS, type FlagValues, type SettingSpec } from '../settings/settings.ts';
import { runValidate, type CliIO } from './validate.ts';

const HELP = `usage: gateway <command> [options]

commands:
  validate FILE...   check declarative config files; exit 0 valid, 1 invalid, 2 unreadable
    --json             print the issues as JSON
  start              load the config and serve it
  schemas            regenerate the JSON Schemas in schemas/ from the schema modules
    --out DIR          where to write (default schemas)
    --check            exit 1 when the files there are out of date

options (each has a GATEWAY_* environment twin and, where Kong has the setting, its KONG_* variable and
kong.conf key; precedence: flag > GATEWAY_* > KONG_* > --conf file > default). Note: -c is the declarative
file (kong.yaml) here; in Kong, -c names the settings file, kong.conf: here that is --conf.
${Object.values(SETTING_SPECS)
  .map((s: SettingSpec) => `${`  ${s.short ? `-${s.short}, ` : ''}--${s.flag} ${s.flag === 'config' || s.flag === 'conf' ? 'FILE' : 'VALUE'}`.padEnd(34)}${s.description} [${s.env}${s.kongEnv ? `, ${s.kongEnv}` : ''}]`)
  .join('\n')}
  -h, --help                      this help
  -v, --version                   print the version
`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Every setting's flag, from the one list of settings. */
const SETTING_OPTIONS = Object.fromEntries(Object.values(SETTING_SPECS).map((s: SettingSpec) => [
  s.flag, { type: 'string' as const, ...(s.multiple ? { multiple: true as const } : {}), ...(s.short ? { short: s.short } : {}) },
])) as Record<string, { type: 'string'; multiple?: true; short?: string }>;

function parseOptions(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      ...SETTING_OPTIONS,
      json: { type: 'boolean' },
      out: { type: 'string' },
      check: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
}

export async function main(argv: readonly string[], io: CliIO, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (err) {
    io.err(`${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    io.out(version());
    return 0;
  }
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') {
    io.out(HELP);
    return command === undefined && !values.help ? 2 : 0;
  }
  const given = values as Record<string, string | string[] | undefined>;
  const flags: FlagValues = Object.fromEntries(Object.entries(SETTING_SPECS).map(([key, spec]) => [key, given[spec.flag]]));
  try {
    const settings = resolveSettings(flags, env);
    switch (command) {
      case 'validate': {
        const catalog = await buildPluginCatalog(settings);
        return await runValidate(rest.length > 0 ? rest : [settings.configPath], catalog, { json: values.json ?? false }, io);
      }
      case 'schemas': {
        // Editors should know every custom plugin in --plugins-path, listed in --plugins or not.
        const custom = await loadCustomPluginSchemas(settings.pluginsPaths);
        const plugins = given.plugins ? [...(await buildPluginCatalog(settings)).values()].map((p) => p.schema) : [...BUNDLED_PLUGIN_SCHEMAS, ...[...custom.values()].map((c) => c.module)];
        const { runSchemas } = await import('./schemas.ts');
        return await runSchemas(plugins, { out: values.out ?? 'schemas', check: values.check ?? false }, io);
      }
      case 'start': {
        // Imported on demand: `validate`, which CI runs on every change, need not load the proxy, undici or pino.
        const { runStart } = await import('./start.ts');
        return await runStart(settings, io);
      }
      default:
        io.err(`unknown command '${command}'\n\n${HELP}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof GatewayError) {
      io.err(err.message);
      return 2;
    }
    throw err;
  }
}

/**
 * `gateway start`: load the declarative config with the very code `validate` uses. (Serving it arrives with the
 * proxy core; until then this loads, reports and exits.)
 */
import { formatIssue } from '../errors.ts';
import { loadConfigFile } from '../declarative/load-config.ts';
import { createLogger } from '../observability/logger.ts';
import { buildPluginCatalog } from '../plugins/catalog.ts';
import type { Settings } from '../settings/settings.ts';
import { summarize, type CliIO } from './validate.ts';

export async function runStart(settings: Settings, io: CliIO): Promise<number> {
  const log = createLogger(settings.logLevel);
  const catalog = await buildPluginCatalog(settings);
  const result = await loadConfigFile(settings.configPath, { plugins: catalog });
  for (const issue of result.issues) io.err(formatIssue(issue));
  if (!result.config) {
    io.err(`error parsing declarative config file ${settings.configPath}`);
    return 1;
  }
  log.info({ config: settings.configPath, configuration_hash: result.hash, plugins: [...catalog.keys()] }, `config loaded: ${summarize(result.config)}`);
  return 0;
}

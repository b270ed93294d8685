/** `gateway validate FILE...`: exit 0 valid, 1 invalid, 2 could not read / bad usage. */
import { GatewayError, formatIssue, type ConfigIssue } from '../errors.ts';
import type { Config } from '../declarative/config.ts';
import { loadConfigFile } from '../declarative/load-config.ts';
import type { PluginCatalog } from '../declarative/plugin-instances.ts';

export interface CliIO {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

export function summarize(config: Config): string {
  const counts: [string, number][] = [
    ['services', config.services.length],
    ['routes', config.routes.length],
    ['consumers', config.consumers.length],
    ['consumer groups', config.consumer_groups.length],
    ['plugins', config.plugins.length],
    ['upstreams', config.upstreams.length],
    ['targets', config.targets.length],
    ['certificates', config.certificates.length],
    ['credentials', config.keyauth_credentials.length + config.basicauth_credentials.length + config.jwt_secrets.length + config.hmacauth_credentials.length + config.acls.length],
  ];
  return counts.filter(([, n]) => n > 0).map(([what, n]) => `${n} ${what}`).join(', ') || 'empty';
}

function toJson(issue: ConfigIssue) {
  return {
    file: issue.file,
    line: issue.line,
    column: issue.column,
    path: issue.path,
    entity_type: issue.entity?.type ?? null,
    entity_name: issue.entity?.name ?? null,
    entity_id: issue.entity?.id ?? null,
    severity: issue.severity,
    message: issue.message,
  };
}

export async function runValidate(files: readonly string[], catalog: PluginCatalog, options: { json: boolean }, io: CliIO): Promise<number> {
  if (files.length === 0) {
    io.err('usage: gateway validate FILE... [--json]');
    return 2;
  }
  let exit = 0;
  const all: ConfigIssue[] = [];
  for (const file of files) {
    try {
      const result = await loadConfigFile(file, { plugins: catalog });
      all.push(...result.issues);
      const errors = result.issues.filter((i) => i.severity === 'error').length;
      const warnings = result.issues.length - errors;
      if (!options.json) {
        for (const issue of result.issues) io.err(formatIssue(issue));
        if (result.config) io.out(`${file}: valid (${summarize(result.config)})${warnings ? `, ${warnings} warning${warnings > 1 ? 's' : ''}` : ''}`);
        else io.err(`${file}: invalid: ${errors} error${errors > 1 ? 's' : ''}${warnings ? `, ${warnings} warning${warnings > 1 ? 's' : ''}` : ''}`);
      }
      if (!result.config) exit = Math.max(exit, 1);
    } catch (err) {
      // Only an unreadable file gets here: a file that does not validate is issues, not an exception.
      if (!(err instanceof GatewayError)) throw err;
      exit = 2;
      if (options.json) all.push({ file, line: 0, column: 0, path: '', message: err.message, severity: 'error' });
      else io.err(err.message);
    }
  }
  if (options.json) io.out(JSON.stringify(all.map(toJson), null, 2));
  return exit;
}

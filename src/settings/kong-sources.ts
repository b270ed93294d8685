/**
 * The values Kong's own settings give: `KONG_*` environment variables, then a `--conf` kong.conf (Kong's order:
 * the environment wins over the file). Each key is a setting's twin (its value is returned for it), refused
 * (an exit, naming it), of no effect here (a warning naming it, once) or not Kong's at all (a warning too).
 */
import { existsSync } from 'node:fs';
import { GatewayError } from '../errors.ts';
import type { KongConf } from './kong-conf.ts';
import { classifyKongKey } from './kong-keys.ts';
import type { SettingKey } from './settings.ts';

export interface KongValue {
  readonly value: string;
  /** Where it came from, for messages: `KONG_PROXY_LISTEN`, or `/etc/kong/kong.conf:12: proxy_listen`. */
  readonly origin: string;
}

/** Where Kong looks for its settings file when it is given none (kong/conf_loader/constants.lua's DEFAULT_PATHS). */
const KONG_DEFAULT_PATHS = ['/etc/kong/kong.conf', '/etc/kong.conf'];

/**
 * `twins`: Kong key → setting, from the specs' `kongEnv`. Warnings are pushed to `warnings`; a refused value
 * throws.
 */
export function kongValues(twins: ReadonlyMap<string, SettingKey>, env: NodeJS.ProcessEnv, conf: KongConf | undefined, warnings: string[]): Map<SettingKey, KongValue> {
  // Per Kong key, the environment wins over the file (for refusals and warnings too).
  const byKey = new Map<string, KongValue & { rank: number }>();
  const offer = (key: string, value: string, origin: string, rank: number) => {
    const text = value.trim();
    // As Kong: an empty value is no value; nor is NONE, Kong's word for it in its defaults.
    if (text === '' || text === 'NONE' || (byKey.get(key)?.rank ?? Infinity) <= rank) return;
    byKey.set(key, { value: text, origin, rank });
  };
  // Kong reads `KONG_` .. upper(key): a variable in other case is not Kong's.
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || !name.startsWith('KONG_') || name !== name.toUpperCase()) continue;
    offer(name.slice(5).toLowerCase(), value, name, 0);
  }
  if (conf) {
    warnings.push(...conf.warnings);
    for (const [key, entry] of conf.entries) offer(key, entry.value, `${entry.at}: ${key}`, 2);
  } else {
    const kongs = KONG_DEFAULT_PATHS.find((p) => existsSync(p));
    if (kongs) warnings.push(`${kongs} exists but is not read: Kong reads it when given no -c; here, name it with --conf ${kongs}`);
  }
  // Per setting, a lower rank wins: the environment over the file, a setting's own Kong name over an alias of it.
  const found = new Map<SettingKey, KongValue & { rank: number }>();
  for (const [key, { value, origin, rank }] of byKey) {
    const twin = twins.get(key);
    const rule = twin === undefined ? classifyKongKey(key) : undefined;
    const setting = twin ?? (rule?.kind === 'alias' ? rule.setting : undefined);
    if (setting !== undefined) {
      const r = rank + (twin === undefined ? 1 : 0);
      const seen = found.get(setting);
      if (!seen || r < seen.rank) found.set(setting, { value, origin, rank: r });
    } else if (rule?.kind === 'refused') {
      if (!rule.accepts.includes(value)) throw new GatewayError('BAD_USAGE', `${origin}: '${value}' is not supported (${rule.why})`);
    } else if (rule?.kind === 'no-effect') {
      if (!rule.fine.includes(value) && !rule.fine.includes(value.toLowerCase())) warnings.push(`${origin}: no effect here (${rule.why})`);
    } else if (rule?.kind === 'unknown') {
      warnings.push(`${origin}: ignored (${rule.why})`);
    }
  }
  return new Map([...found].map(([k, { value, origin }]) => [k, { value, origin }]));
}

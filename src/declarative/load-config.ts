/**
 * The one way a declarative config is loaded — by `gateway validate`, `gateway start`, reloads and `POST /config`
 * alike — so that a file that validates is a file that loads:
 *
 *   text → parse → structural pass (JSON Schema) → migrate → flatten → ids → references → entity and plugin
 *   checks → Config (frozen), or every issue found, sorted by position.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { CollectionName } from '../entities/index.ts';
import type { ConfigIssue } from '../errors.ts';
import { toProblems } from '../schema/ajv.ts';
import type { Config } from './config.ts';
import { checkEntity } from './entity-checks.ts';
import { Flattener, isRecord, type FlatCollections, type FlatEntity } from './flatten.ts';
import { IssueCollector } from './issues.ts';
import { badBytes, decodeConfig, md5, parseText, readConfigBytes, type TextFormat } from './load.ts';
import { migrateToV3 } from './migrate.ts';
import { checkDuplicateScopes, checkPluginInstance, type PluginCatalog } from './plugin-instances.ts';
import { buildIndexes, checkCaCertificateIds, resolveReferences } from './references.ts';
import { redactSecrets, rememberReferences, resolveVaultReferences } from './vaults.ts';
import type { Environment } from './vault-reference.ts';
// Compiled ahead of time from file-schema.ts (npm run schemas); a test keeps it in step.
import { validate as structuralValidate } from './structural-validator.generated.js';

export interface LoadOptions {
  /** The plugins the config may use. */
  readonly plugins: PluginCatalog;
  /** Where the `env` vault reads references from (default: the process's environment). */
  readonly env?: Environment;
}

export interface LoadResult {
  /** Set when there is no error (warnings may exist). */
  readonly config: Config | undefined;
  readonly issues: readonly ConfigIssue[];
  /** md5 of the text, Kong's `configuration_hash`. */
  readonly hash: string;
}


export async function loadConfigFile(path: string, options: LoadOptions): Promise<LoadResult> {
  return loadConfigBytes(await readConfigBytes(path), path, options);
}

/** A file's or a request's bytes: refused with a position when they are not UTF-8 (nor UTF-16 with its mark). */
export function loadConfigBytes(bytes: Uint8Array, file: string, options: LoadOptions, format?: TextFormat): LoadResult {
  const text = decodeConfig(bytes);
  const bad = utf8Issue(bytes, file);
  if (bad) return { config: undefined, issues: [bad], hash: md5(text) };
  return loadConfigText(text, file, options, format);
}

/** Kong's YAML parser refuses bytes that are not UTF-8; so does this loader, saying where. */
export function utf8Issue(bytes: Uint8Array, file: string): ConfigIssue | undefined {
  const at = badBytes(bytes);
  return at ? { file, ...at, path: '', message: 'failed parsing declarative configuration: invalid UTF-8 byte (save the file as UTF-8)', severity: 'error' } : undefined;
}

export function loadConfigText(text: string, file: string, options: LoadOptions, format?: TextFormat): LoadResult {
  const parsed = parseText(text, file, format);
  if (!parsed.ok) return { config: undefined, issues: parsed.issues, hash: createHash('md5').update(text).digest('hex') };
  const { loaded } = parsed;
  const issues = new IssueCollector();
  const { config, secrets } = buildConfig(loaded.data as Record<string, unknown>, issues, options);
  let resolved = issues.resolve(file, loaded.positions, loaded.data);
  if (secrets.length > 0) resolved = resolved.map((i) => ({ ...i, message: redactSecrets(i.message, secrets) }));
  return { config: issues.errorCount === 0 ? config : undefined, issues: resolved, hash: loaded.hash };
}

/** Takes ownership of `document` (freshly parsed): the format migration rewrites route paths in it. */
function buildConfig(document: Record<string, unknown>, issues: IssueCollector, options: LoadOptions): { config: Config; secrets: readonly string[] } {
  if (!structuralValidate(document)) {
    for (const p of toProblems(structuralValidate.errors)) issues.error(p.path, p.message, { atKey: p.message === 'unknown field' });
  }
  for (const key of ['_info', '_workspace'] as const) {
    if (document[key] !== undefined) issues.warn([key], `'${key}' is decK metadata; accepted and ignored`, { atKey: true });
  }
  const version = typeof document._format_version === 'string' ? document._format_version : '3.0';
  if (version === '1.1' || version === '2.1') migrateToV3(document, version, issues);

  const collections = new Flattener(issues).flatten(document);
  const duplicates = checkDuplicateScopes(collections.plugins, issues);
  const indexes = buildIndexes(collections, issues, { skipDuplicateIds: duplicates });
  resolveReferences(collections, indexes, issues);
  checkCaCertificateIds(collections, indexes, issues);
  const vaults = resolveVaultReferences(collections, issues, options.env ?? process.env, (name) => options.plugins.get(name)?.schema.referenceable);
  for (const [, entities] of entries(collections)) {
    for (const e of entities) checkEntity(e, issues);
  }
  for (const p of collections.plugins) checkPluginInstance(p, options.plugins, issues);
  const transform = document._transform !== false;
  const config = freeze(assemble(collections, version, transform));
  rememberReferences(config, vaults.references);
  return { config, secrets: vaults.secrets };
}

function entries(collections: FlatCollections): [CollectionName, FlatEntity[]][] {
  return Object.entries(collections) as [CollectionName, FlatEntity[]][];
}

/** Changes each stored entity in place (they are this load's own objects, not yet frozen). */
function fill<T>(list: T[], change: (item: T) => void): T[] {
  for (const item of list) change(item);
  return list;
}

/** Values Kong generates when a credential leaves them out. */
const randomSecret = () => randomUUID().replace(/-/g, '');

function assemble(collections: FlatCollections, version: string, transform: boolean): Config {
  const stored = (c: CollectionName) => collections[c].map((e) => e.value as Record<string, unknown> & { id: string });
  const memberships = new Map<string, { consumer: { id: string }; consumer_group: { id: string } }>();
  for (const m of collections.consumer_group_consumers) {
    const consumer = m.value.consumer as { id: string } | null;
    const group = m.value.consumer_group as { id: string } | null;
    if (consumer && group) memberships.set(`${consumer.id}|${group.id}`, { consumer, consumer_group: group });
  }
  const basicauth = stored('basicauth_credentials').map((c) => {
    // Kong stores sha1(password .. consumer_id); with `_transform: false` the file already holds that hash.
    if (!transform || typeof c.password !== 'string' || !isRecord(c.consumer)) return c;
    return { ...c, password: createHash('sha1').update(`${c.password}${String(c.consumer.id)}`).digest('hex') };
  });
  return {
    format_version: version,
    transform,
    services: stored('services') as never,
    routes: stored('routes') as never,
    consumers: stored('consumers') as never,
    consumer_groups: stored('consumer_groups') as never,
    consumer_group_consumers: [...memberships.values()],
    plugins: stored('plugins') as never,
    upstreams: stored('upstreams') as never,
    targets: stored('targets') as never,
    certificates: stored('certificates') as never,
    snis: stored('snis') as never,
    ca_certificates: stored('ca_certificates') as never,
    keyauth_credentials: fill(stored('keyauth_credentials'), (c) => void (c.key ??= randomSecret())) as never,
    basicauth_credentials: basicauth as never,
    jwt_secrets: fill(stored('jwt_secrets'), (c) => {
      c.key ??= randomSecret();
      c.secret ??= randomSecret();
    }) as never,
    hmacauth_credentials: fill(stored('hmacauth_credentials'), (c) => void (c.secret ??= randomSecret())) as never,
    acls: stored('acls') as never,
    keys: stored('keys') as never,
    key_sets: stored('key_sets') as never,
    vaults: fill(stored('vaults'), (v) => void (v.config ??= {})) as never,
  };
}

/** Freezes the Config, its collections, their entities and everything inside them. */
function freeze<T extends object>(value: T): T {
  Object.freeze(value);
  // The type test comes before the call: most values are strings and numbers, and this visits every one.
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) freeze(v);
    }
  } else {
    for (const k in value) {
      const v: unknown = value[k];
      if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) freeze(v);
    }
  }
  return value;
}

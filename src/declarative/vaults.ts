/**
 * Vault references, resolved at load: every field Kong marks `referenceable` (certificates' PEM, keys, some plugin
 * settings) may hold `{vault://env/NAME}` or `{vault://<vault prefix>/NAME}`; the value is read from the environment
 * before any check runs, so the checks and the running gateway see the secret itself. The reference is remembered
 * so that what the admin API shows is the reference, never the value.
 */
import type { PathSegment } from '../errors.ts';
import type { CollectionName } from '../entities/index.ts';
import { ENTITIES } from '../entities/index.ts';
import type { Config } from './config.ts';
import { isRecord, type FlatCollections, type FlatEntity } from './flatten.ts';
import type { IssueCollector } from './issues.ts';
import { entityLabel } from './references.ts';
import { isReference, parseReference, readEnvVault, type Environment } from './vault-reference.ts';

export interface ResolvedReference {
  readonly collection: CollectionName;
  readonly id: string;
  /** Where in the stored entity the value sits. */
  readonly path: readonly PathSegment[];
  readonly reference: string;
}

export interface Resolution {
  readonly references: readonly ResolvedReference[];
  /** The secrets read, so that no message repeats one. */
  readonly secrets: readonly string[];
}

/** The fields of `value` a path names (`*`: every value of a map), with their full paths. */
function* locate(value: unknown, path: readonly string[], at: PathSegment[] = []): Generator<{ holder: Record<string, unknown>; key: string; path: PathSegment[] }> {
  if (!isRecord(value) || path.length === 0) return;
  const [head, ...rest] = path as [string, ...string[]];
  const keys = head === '*' ? Object.keys(value) : [head];
  for (const key of keys) {
    if (rest.length === 0) yield { holder: value, key, path: [...at, key] };
    else yield* locate(value[key], rest, [...at, key]);
  }
}

export function resolveVaultReferences(
  collections: FlatCollections,
  issues: IssueCollector,
  env: Environment,
  pluginFields: (name: string) => readonly (readonly string[])[] | undefined,
): Resolution {
  const vaults = new Map<string, Record<string, unknown>>();
  for (const v of collections.vaults) if (typeof v.value.prefix === 'string') vaults.set(v.value.prefix, v.value);
  const references: ResolvedReference[] = [];
  const secrets: string[] = [];
  const resolveIn = (entity: FlatEntity, paths: readonly (readonly string[])[]) => {
    for (const path of paths) {
      for (const found of locate(entity.value, path)) {
        const reference = found.holder[found.key];
        if (!isReference(reference)) continue;
        const fail = (message: string) => issues.error([...entity.path, ...found.path], message, { entity: entityLabel(entity) });
        const ref = parseReference(reference);
        if (typeof ref === 'string') {
          fail(`invalid vault reference: ${ref}`);
          continue;
        }
        const vault = ref.name === 'env' ? { name: 'env', config: {} } : vaults.get(ref.name);
        if (!vault) {
          fail(`could not find vault (${ref.name}) for ${reference}: Kong 3.10's 'env' vault, or a 'vaults' entity with that prefix`);
          continue;
        }
        if (vault.name !== 'env') continue; // the vault itself is refused where it is declared
        const config = isRecord(vault.config) ? vault.config : {};
        const prefix = ref.config.prefix ?? (typeof config.prefix === 'string' ? config.prefix : undefined);
        const read = readEnvVault(ref, prefix, env);
        if (!read.ok) {
          fail(`could not resolve ${reference}: ${read.message}`);
          continue;
        }
        found.holder[found.key] = read.value;
        secrets.push(read.value);
        references.push({ collection: entity.collection, id: entity.id, path: found.path, reference });
      }
    }
  };
  for (const [collection, entities] of Object.entries(collections) as [CollectionName, FlatEntity[]][]) {
    const fields = ENTITIES[collection].referenceable;
    if (fields) for (const e of entities) resolveIn(e, fields);
  }
  for (const p of collections.plugins) {
    const fields = typeof p.value.name === 'string' ? pluginFields(p.value.name) : undefined;
    if (fields) resolveIn(p, fields.map((f) => ['config', ...f]));
  }
  return { references, secrets };
}

const REFERENCES = new WeakMap<Config, readonly ResolvedReference[]>();

export function rememberReferences(config: Config, references: readonly ResolvedReference[]): void {
  if (references.length > 0) REFERENCES.set(config, references);
}

const DISPLAYED = new WeakMap<Config, Config>();

/**
 * The config as the admin API shows it: each resolved secret replaced by the reference it came from. Worked out
 * once per config (the same object for every request on a snapshot).
 */
export function displayConfig(config: Config): Config {
  const references = REFERENCES.get(config);
  if (!references) return config;
  const cached = DISPLAYED.get(config);
  if (cached) return cached;
  const byEntity = new Map<string, ResolvedReference[]>();
  for (const r of references) {
    const key = `${r.collection}:${r.id}`;
    byEntity.set(key, [...(byEntity.get(key) ?? []), r]);
  }
  const out: Record<string, unknown> = { ...config };
  for (const collection of new Set(references.map((r) => r.collection))) {
    out[collection] = (config[collection as keyof Config] as readonly { id: string }[]).map((e) => {
      const refs = byEntity.get(`${collection}:${e.id}`);
      if (!refs) return e;
      const copy = structuredClone(e) as Record<string, unknown>;
      for (const r of refs) setAt(copy, r.path, r.reference);
      return Object.freeze(copy);
    });
  }
  const shown = Object.freeze(out) as unknown as Config;
  DISPLAYED.set(config, shown);
  return shown;
}

function setAt(target: Record<string, unknown>, path: readonly PathSegment[], value: unknown): void {
  let at: unknown = target;
  for (const segment of path.slice(0, -1)) at = isRecord(at) ? at[segment as string] : undefined;
  if (isRecord(at)) at[path.at(-1) as string] = value;
}

/** A message never repeats a secret read from a vault: the value is replaced by `<secret>`. */
export function redactSecrets(message: string, secrets: readonly string[]): string {
  let out = message;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join('<secret>');
  return out;
}

/**
 * Indexes of the flattened entities, Kong's uniqueness rules, and resolution of references (a name, username or
 * id; or `{ id }`) into `{ id }`.
 */
import { ENTITIES, type CollectionName } from '../entities/index.ts';
import { isRecord, refText, type FlatCollections, type FlatEntity } from './flatten.ts';
import type { IssueCollector } from './issues.ts';

export interface Index {
  readonly byId: ReadonlyMap<string, FlatEntity>;
  readonly byKey: ReadonlyMap<string, FlatEntity>;
}

export type Indexes = Record<CollectionName, Index>;

export function entityLabel(e: FlatEntity): { type: string; name?: string; id?: string } {
  const def = ENTITIES[e.collection];
  const name = def.endpointKey ? e.value[def.endpointKey] : e.collection === 'plugins' ? e.value.name : undefined;
  return { type: def.singular, ...(typeof name === 'string' ? { name } : {}), ...(e.id ? { id: e.id } : {}) };
}

/** Builds the indexes and reports duplicate ids, endpoint keys and unique fields, as Kong words them. */
export function buildIndexes(collections: FlatCollections, issues: IssueCollector, options: { skipDuplicateIds: ReadonlySet<FlatEntity> }): Indexes {
  const indexes = {} as Indexes;
  for (const [collection, entities] of Object.entries(collections) as [CollectionName, FlatEntity[]][]) {
    const def = ENTITIES[collection];
    const byId = new Map<string, FlatEntity>();
    const byKey = new Map<string, FlatEntity>();
    const uniques = new Map<string, Map<string, FlatEntity>>();
    for (const e of entities) {
      if (e.id !== '') {
        if (byId.has(e.id)) {
          // An id derived from a duplicated name repeats the name's error below; say it once.
          const fromName = e.derivedId && def.endpointKey !== undefined && typeof e.value[def.endpointKey] === 'string';
          if (!options.skipDuplicateIds.has(e) && !fromName) {
            issues.error(e.path, `uniqueness violation: '${collection}' entity with primary key set to '${e.id}' already declared`, { entity: entityLabel(e) });
          }
        } else {
          byId.set(e.id, e);
        }
      }
      for (const field of def.unique ?? []) {
        const v = e.value[field];
        if (typeof v !== 'string') continue;
        let seen = uniques.get(field);
        if (!seen) uniques.set(field, (seen = new Map()));
        if (seen.has(v)) {
          // Messages reach logs (reload failures): a secret's value is never part of one.
          const shown = def.secrets?.includes(field) ? '[redacted]' : v;
          issues.error([...e.path, field], `uniqueness violation: '${collection}' entity with ${field} set to '${shown}' already declared`, { entity: entityLabel(e) });
        } else {
          seen.set(v, e);
        }
      }
      const key = def.endpointKey ? e.value[def.endpointKey] : undefined;
      if (typeof key === 'string' && !byKey.has(key)) byKey.set(key, e);
    }
    indexes[collection] = { byId, byKey };
  }
  return indexes;
}

/** Looks a reference up as Kong does: by endpoint key first, then by id. */
export function findEntity(index: Index, ref: unknown): FlatEntity | undefined {
  if (typeof ref === 'string') return index.byKey.get(ref) ?? index.byId.get(ref.toLowerCase());
  if (isRecord(ref)) {
    if (typeof ref.id === 'string') return index.byId.get(ref.id.toLowerCase());
    const text = refText(ref);
    return text === undefined ? undefined : index.byKey.get(text);
  }
  return undefined;
}

const FOREIGN = new Map((Object.keys(ENTITIES) as CollectionName[]).map((c) => [c, Object.entries(ENTITIES[c].foreign ?? {})]));

/** Replaces every foreign field of every entity with `{ id }` (or `null`), reporting what does not resolve. */
export function resolveReferences(collections: FlatCollections, indexes: Indexes, issues: IssueCollector): void {
  for (const [collection, entities] of Object.entries(collections) as [CollectionName, FlatEntity[]][]) {
    const def = ENTITIES[collection];
    const foreign = FOREIGN.get(collection)!;
    if (foreign.length === 0) continue;
    for (const e of entities) {
      for (const [field, target] of foreign) {
        // A nested entity's link to its parent was set when flattening: nothing to look up.
        if (e.parent !== undefined && e.parent.field === field) continue;
        const ref = e.value[field];
        if (ref === undefined || ref === null) {
          e.value[field] = null;
          if (def.requiredForeign?.includes(field)) issues.error([...e.path, field], 'required field missing', { entity: entityLabel(e) });
          continue;
        }
        const found = findEntity(indexes[target], ref);
        if (found) {
          e.value[field] = { id: found.id };
        } else {
          const shown = typeof ref === 'string' ? ref : JSON.stringify(ref);
          const fieldPath = e.parent?.field === field ? e.path : [...e.path, field];
          issues.error(fieldPath, `invalid reference '${field}: ${shown}' (no such entry in '${target}')`, { entity: entityLabel(e) });
          e.value[field] = null;
        }
      }
    }
  }
}

/** `services[].ca_certificates` holds CA certificate ids: each must name one. */
export function checkCaCertificateIds(collections: FlatCollections, indexes: Indexes, issues: IssueCollector): void {
  for (const service of collections.services) {
    const ids = service.value.ca_certificates;
    if (!Array.isArray(ids)) continue;
    ids.forEach((id, i) => {
      if (typeof id === 'string' && !indexes.ca_certificates.byId.has(id.toLowerCase())) {
        issues.error([...service.path, 'ca_certificates', i], `invalid reference 'ca_certificates: ${id}' (no such entry in 'ca_certificates')`, { entity: entityLabel(service) });
      }
    });
  }
}

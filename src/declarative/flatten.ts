/**
 * Nested and flat declarative forms → one flat list per collection. Children nested in a parent get the parent's
 * reference; every entity gets its id (explicit, or derived as Kong DB-less derives it); decK's membership sugar
 * becomes `consumer_group_consumers` entries. Works on whatever the structural pass let through: anything that is
 * not an object is skipped here (it was already reported).
 */
import { ENTITIES, type CollectionName, type EntityDef } from '../entities/index.ts';
import type { PathSegment } from '../errors.ts';
import { storedValue } from './defaults.ts';
import { idFromCacheKey, idFromContent, idFromEndpointKey } from './ids.ts';
import type { IssueCollector } from './issues.ts';

export interface FlatEntity {
  readonly collection: CollectionName;
  readonly path: readonly PathSegment[];
  /** The entity as stored: `id` first, then its fields as written (minus nested children), normalized in place. */
  readonly value: Record<string, unknown>;
  /** The entity as written, untouched: for "was this field set?" questions after defaults are filled. */
  readonly input: Readonly<Record<string, unknown>>;
  readonly id: string;
  /** Set when the id was derived rather than written. */
  readonly derivedId: boolean;
  /** The entity it was nested in, and the field of ours that points to it. */
  readonly parent: { readonly entity: FlatEntity; readonly field: string } | undefined;
}

export type FlatCollections = Record<CollectionName, FlatEntity[]>;

/** Parents before children, so that a nested child can use its parent's id. */
const TOP_LEVEL_ORDER: readonly CollectionName[] = [
  'vaults', 'key_sets', 'keys', 'certificates', 'ca_certificates', 'snis', 'services', 'routes', 'consumer_groups', 'consumers',
  'consumer_group_consumers', 'upstreams', 'targets', 'plugins', 'keyauth_credentials', 'basicauth_credentials',
  'jwt_secrets', 'hmacauth_credentials', 'acls',
];

/** Cache-key fields whose value Kong generates (`auto`): an entity keyed on them gets no derived id in Kong. */
const AUTO_FIELDS: Partial<Record<CollectionName, readonly string[]>> = {
  keyauth_credentials: ['key'],
  jwt_secrets: ['key'],
};

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The string a reference was written as (`name`, or the `id`/`name`/`username` of an object form). */
export function refText(ref: unknown): string | undefined {
  if (typeof ref === 'string') return ref;
  if (isRecord(ref)) {
    for (const k of ['id', 'name', 'username']) if (typeof ref[k] === 'string') return ref[k];
  }
  return undefined;
}


/** What flattening needs of each entity type, worked out once: it runs for every entity of every load. */
interface Plan {
  readonly children: readonly (readonly [string, CollectionName])[];
  /** The children that references can name (routes under services): the name pre-pass visits only these. */
  readonly namedChildren: readonly (readonly [string, CollectionName])[];
  /** Parent collection → our field that points to it. */
  readonly parentFields: ReadonlyMap<CollectionName, string>;
  /** The cache key, unless Kong generates one of its fields (then Kong draws a random id). */
  readonly cacheKey: readonly string[] | undefined;
  readonly secrets: ReadonlySet<string>;
}

/** The collections that references name (by name or username). */
const NAMED: readonly CollectionName[] = ['services', 'routes', 'consumers', 'consumer_groups', 'upstreams'];

const PLANS = new Map<CollectionName, Plan>(
  (Object.keys(ENTITIES) as CollectionName[]).map((c) => {
    const def = ENTITIES[c];
    const auto = AUTO_FIELDS[c] ?? [];
    return [c, {
      children: Object.entries(def.children ?? {}),
      namedChildren: Object.entries(def.children ?? {}).filter(([, child]) => NAMED.includes(child)),
      parentFields: new Map(Object.entries(def.foreign ?? {}).map(([field, target]) => [target, field] as const).reverse()),
      cacheKey: def.cacheKey && !def.cacheKey.some((k) => auto.includes(k)) ? def.cacheKey : undefined,
      secrets: new Set(def.secrets ?? []),
    }];
  }),
);
const planOf = (c: CollectionName): Plan => PLANS.get(c)!;

/** Per referenceable collection: endpoint-key value → id, for every entity declared (nested or not). */
/** The first declaration of each name wins: its explicit id, or null when its id is derived from the name. */
type NameIds = Map<CollectionName, Map<string, string | null>>;

/** A pre-pass over the document: the ids that names will resolve to (explicit, or derived from the name). */
function collectNameIds(document: Record<string, unknown>): NameIds {
  const names: NameIds = new Map();
  const visit = (collection: CollectionName, items: unknown) => {
    if (!Array.isArray(items)) return;
    const def = ENTITIES[collection];
    for (const item of items) {
      if (!isRecord(item)) continue;
      const key = def.endpointKey ? item[def.endpointKey] : undefined;
      if (typeof key === 'string') {
        let map = names.get(collection);
        if (!map) names.set(collection, (map = new Map()));
        if (!map.has(key)) map.set(key, typeof item.id === 'string' ? item.id.toLowerCase() : null);
      }
      for (const [childKey, child] of planOf(collection).namedChildren) visit(child, item[childKey]);
    }
  };
  for (const c of NAMED) visit(c, document[c]);
  return names;
}

export class Flattener {
  readonly collections: FlatCollections;
  readonly #issues: IssueCollector;
  readonly #contentSeen = new Map<string, number>();
  #names: NameIds = new Map();
  readonly #derived = new Map<CollectionName, Map<string, string>>();

  constructor(issues: IssueCollector) {
    this.#issues = issues;
    this.collections = Object.fromEntries(Object.keys(ENTITIES).map((c) => [c, []])) as unknown as FlatCollections;
  }

  flatten(document: Record<string, unknown>): FlatCollections {
    this.#names = collectNameIds(document);
    for (const collection of TOP_LEVEL_ORDER) {
      const items = document[collection];
      if (!Array.isArray(items)) continue;
      for (let i = 0; i < items.length; i++) this.#add(collection, items[i], [collection, i], undefined);
    }
    return this.collections;
  }

  #add(collection: CollectionName, input: unknown, path: readonly PathSegment[], parent: FlatEntity | undefined): FlatEntity | undefined {
    const def = ENTITIES[collection];
    const plan = planOf(collection);
    if (collection === 'snis' && typeof input === 'string') input = { name: input };
    if (!isRecord(input)) return undefined;
    const value = collection === 'consumer_group_consumers'
      ? { consumer: input.consumer, consumer_group: input.consumer_group }
      : storedValue(def.fields, input);
    let parentLink: FlatEntity['parent'];
    if (parent) {
      const field = plan.parentFields.get(parent.collection);
      if (field) {
        const given = value[field];
        if (given !== undefined && given !== null && !this.#pointsTo(given, parent)) {
          this.#issues.error([...path, field], `value must be null (nested under a ${ENTITIES[parent.collection].singular}, which it belongs to)`, { atKey: true });
        }
        value[field] = { id: parent.id };
        parentLink = { entity: parent, field };
      }
    }
    const { id, derived } = this.#idFor(def, value, input, parentLink);
    if (collection !== 'consumer_group_consumers') value.id = id;
    const entity: FlatEntity = { collection, path, value, input, id, derivedId: derived, parent: parentLink };
    this.collections[collection].push(entity);

    for (const [key, childCollection] of plan.children) {
      const nested = input[key];
      if (!Array.isArray(nested)) continue;
      for (let i = 0; i < nested.length; i++) this.#add(childCollection, nested[i], [...path, key, i], entity);
    }
    if (collection === 'consumers' && Array.isArray(input.groups)) {
      input.groups.forEach((group, i) => {
        this.#membership({ id }, group, [...path, 'groups', i]);
      });
    }
    if (collection === 'consumer_groups' && Array.isArray(input.consumers)) {
      input.consumers.forEach((consumer, i) => {
        this.#membership(consumer, { id }, [...path, 'consumers', i]);
      });
    }
    return entity;
  }

  #membership(consumer: unknown, group: unknown, path: readonly PathSegment[]): void {
    const value = { consumer, consumer_group: group };
    this.collections.consumer_group_consumers.push({
      collection: 'consumer_group_consumers', path, value, input: value, id: '', derivedId: true, parent: undefined,
    });
  }

  #pointsTo(ref: unknown, parent: FlatEntity): boolean {
    const text = refText(ref);
    const key = ENTITIES[parent.collection].endpointKey;
    return text === parent.id || (key !== undefined && text === parent.value[key]);
  }

  /**
   * A reference as it enters an id: the referenced entity's id, nested (the parent's id) or flat (a name resolved
   * by the pre-pass), so one entity written either way gets one id. (Kong hashes a flat reference as written.)
   */
  #refValue(def: EntityDef, value: Record<string, unknown>, parent: FlatEntity['parent'], field: string): string {
    if (parent && field === parent.field) return parent.entity.id;
    const text = refText(value[field]);
    if (text === undefined) return '';
    const target = def.foreign?.[field];
    if (!target) return text;
    const declared = this.#names.get(target)?.get(text);
    if (declared === undefined) return text;
    return declared ?? this.#endpointId(target, text);
  }

  /** Ids derived from names that references use, computed once per load. */
  #endpointId = (collection: CollectionName, key: string): string => {
    let memo = this.#derived.get(collection);
    if (!memo) this.#derived.set(collection, (memo = new Map()));
    let id = memo.get(key);
    if (id === undefined) memo.set(key, (id = idFromEndpointKey(collection, key)));
    return id;
  };

  #idFor(def: EntityDef, value: Record<string, unknown>, input: Readonly<Record<string, unknown>>, parent: FlatEntity['parent']): { id: string; derived: boolean } {
    if (typeof input.id === 'string') return { id: input.id.toLowerCase(), derived: false };
    if (def.collection === 'consumer_group_consumers') return { id: '', derived: true };
    const key = def.endpointKey ? value[def.endpointKey] : undefined;
    // Hashed here once per entity; only names that references use are memoized (#endpointId).
    if (typeof key === 'string') return { id: idFromEndpointKey(def.collection, key), derived: true };
    const refValue = (field: string) => this.#refValue(def, value, parent, field);
    const plan = planOf(def.collection);
    if (plan.cacheKey) {
      const values = plan.cacheKey.map((k) => (def.foreign?.[k] ? refValue(k) : (refText(value[k]) ?? '')));
      // Enterprise scopes plugins to consumer groups too; only then is it part of the key, so OSS ids stay Kong's.
      if (def.collection === 'plugins' && refText(value.consumer_group) !== undefined) values.push(refValue('consumer_group'));
      return { id: idFromCacheKey(def.collection, values), derived: true };
    }
    // Kong would pick a random id here; we derive one from content so replicas and reloads agree.
    const secrets = plan.secrets;
    const content: Record<string, unknown> = {};
    for (const k in value) {
      const v = value[k];
      if (k === 'id' || v === undefined || v === null || secrets.has(k)) continue;
      content[k] = def.foreign?.[k] ? refValue(k) : v;
    }
    // Stored values are built in schema order, so the serialization is the same for the same entity.
    const text = JSON.stringify(content);
    const seenKey = `${def.collection}\u0000${text}`;
    const occurrence = this.#contentSeen.get(seenKey) ?? 0;
    this.#contentSeen.set(seenKey, occurrence + 1);
    return { id: idFromContent(def.collection, text, occurrence), derived: true };
  }
}

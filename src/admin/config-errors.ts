/**
 * Kong's shape for a refused `POST /config`: `fields` mirrors the input (arrays by position, a message where a
 * value is at fault, entity-level messages under `@entity`), and `flattened_errors` lists each entity at fault
 * with its errors (`field` as a dotted path relative to the entity).
 */
import { ENTITIES, type CollectionName } from '../entities/index.ts';
import type { ConfigIssue, PathSegment } from '../errors.ts';
import { parseText } from '../declarative/load.ts';

function pathOf(issue: ConfigIssue): PathSegment[] {
  const out: PathSegment[] = [];
  for (const m of issue.path.matchAll(/([A-Za-z_$][\w$-]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(JSON.parse(`"${m[3]}"`) as string);
  }
  return out;
}

/** How long a prefix of `path` names an entity (collection, index, child collection, index...). */
function entityPrefix(path: readonly PathSegment[]): { length: number; collection: CollectionName } | undefined {
  let children: Readonly<Record<string, CollectionName>> = Object.fromEntries(Object.keys(ENTITIES).map((c) => [c, c as CollectionName]));
  let found: { length: number; collection: CollectionName } | undefined;
  for (let i = 0; i + 1 < path.length; i += 2) {
    const collection = typeof path[i] === 'string' ? children[path[i] as string] : undefined;
    if (!collection || typeof path[i + 1] !== 'number') break;
    found = { length: i + 2, collection };
    children = ENTITIES[collection].children ?? {};
  }
  return found;
}

function setIn(target: Record<string, unknown> | unknown[], path: readonly PathSegment[], message: string): void {
  let node: Record<string, unknown> | unknown[] = target;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const last = i === path.length - 1;
    const slot = (node as Record<string | number, unknown>)[seg];
    if (last) {
      if (slot === undefined) (node as Record<string | number, unknown>)[seg] = message;
      else if (Array.isArray(slot) && typeof slot[0] === 'string') slot.push(message);
      else if (typeof slot === 'string') (node as Record<string | number, unknown>)[seg] = [slot, message];
      else if (typeof slot === 'object' && slot !== null) (((slot as Record<string, unknown>)['@entity'] ??= []) as string[]).push(message);
      return;
    }
    if (typeof slot !== 'object' || slot === null) {
      const fresh: Record<string, unknown> | unknown[] = typeof path[i + 1] === 'number' ? [] : {};
      (node as Record<string | number, unknown>)[seg] = fresh;
      node = fresh;
    } else {
      node = slot as Record<string, unknown>;
    }
  }
}

/** The object at `path`, creating arrays and objects on the way. */
function containerAt(root: Record<string, unknown>, path: readonly PathSegment[]): Record<string, unknown> {
  let node: Record<string | number, unknown> = root;
  path.forEach((seg, i) => {
    let next = node[seg];
    if (typeof next !== 'object' || next === null) {
      next = typeof path[i + 1] === 'number' ? [] : {};
      node[seg] = next;
    }
    node = next as Record<string | number, unknown>;
  });
  return node as Record<string, unknown>;
}

export function kongErrorFields(text: string, issues: readonly ConfigIssue[]): { fields: Record<string, unknown>; flattened: unknown[] } {
  const fields: Record<string, unknown> = {};
  const parsed = parseText(text, '<POST /config>', 'auto');
  const document = parsed.ok ? parsed.loaded.data : undefined;
  const byEntity = new Map<string, { entity_type: string; entity_name?: string; entity_id?: string; entity: unknown; errors: unknown[] }>();
  for (const issue of issues) {
    const path = pathOf(issue);
    if (path.length === 0) {
      setIn(fields, ['error'], issue.message);
      continue;
    }
    const prefix = entityPrefix(path);
    if (!prefix) {
      setIn(fields, path, issue.message);
      continue;
    }
    const entityPath = path.slice(0, prefix.length);
    const rest = path.slice(prefix.length);
    if (rest.length === 0) {
      const holder = containerAt(fields, entityPath);
      ((holder['@entity'] ??= []) as string[]).push(issue.message);
    } else {
      setIn(fields, path, issue.message);
    }
    const key = JSON.stringify(entityPath);
    let entry = byEntity.get(key);
    if (!entry) {
      let node: unknown = document;
      for (const seg of entityPath) node = (node as Record<string | number, unknown> | undefined)?.[seg];
      entry = {
        entity_type: ENTITIES[prefix.collection].singular,
        ...(issue.entity?.name ? { entity_name: issue.entity.name } : {}),
        ...(issue.entity?.id ? { entity_id: issue.entity.id } : {}),
        entity: node ?? null,
        errors: [],
      };
      byEntity.set(key, entry);
    }
    entry.errors.push(rest.length === 0 ? { type: 'entity', message: issue.message } : { type: 'field', field: rest.join('.'), message: issue.message });
  }
  return { fields, flattened: [...byEntity.values()] };
}

/**
 * Collects problems while a config is processed, as paths; positions are looked up once at the end (the lookup
 * builds the position index, which is only worth it when there is something to report).
 */
import { ENTITIES, type CollectionName } from '../entities/index.ts';
import { formatPath, type ConfigIssue, type PathSegment } from '../errors.ts';
import type { SourcePositions } from './source-positions.ts';

export interface EntityRef {
  readonly type: string;
  readonly name?: string;
  readonly id?: string;
}

interface Pending {
  readonly path: readonly PathSegment[];
  readonly message: string;
  readonly atKey: boolean;
  readonly entity: EntityRef | undefined;
  readonly severity: 'error' | 'warning';
}

export class IssueCollector {
  readonly #pending: Pending[] = [];
  readonly #seen = new Set<string>();

  error(path: readonly PathSegment[], message: string, options: { atKey?: boolean; entity?: EntityRef } = {}): void {
    this.#add(path, message, options, 'error');
  }

  warn(path: readonly PathSegment[], message: string, options: { atKey?: boolean; entity?: EntityRef } = {}): void {
    this.#add(path, message, options, 'warning');
  }

  #add(path: readonly PathSegment[], message: string, options: { atKey?: boolean; entity?: EntityRef }, severity: 'error' | 'warning'): void {
    const key = `${JSON.stringify(path)}\u0000${message}`;
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    this.#pending.push({ path: [...path], message, atKey: options.atKey ?? false, entity: options.entity, severity });
  }

  get errorCount(): number {
    return this.#pending.filter((p) => p.severity === 'error').length;
  }

  /**
   * Every issue with its position, sorted by position (then path). Issues found without an entity at hand (the
   * structural pass) get the innermost entity their path goes through, read from the `document` as written.
   */
  resolve(file: string, positions: SourcePositions, document?: unknown): ConfigIssue[] {
    const out = this.#pending.map((p): ConfigIssue => {
      const { line, column } = positions.locate(p.path, p.atKey);
      const entity = p.entity ?? (document === undefined ? undefined : entityAt(document, p.path));
      return {
        file, line, column, path: formatPath(p.path), message: p.message, severity: p.severity,
        ...(entity ? { entity } : {}),
      };
    });
    return out.sort((a, b) => a.line - b.line || a.column - b.column || a.path.localeCompare(b.path));
  }
}

/** The innermost entity a path goes through (`services[0].routes[1].paths[0]` → that route). */
export function entityAt(document: unknown, path: readonly PathSegment[]): EntityRef | undefined {
  let found: EntityRef | undefined;
  let node: unknown = document;
  let children: Readonly<Record<string, CollectionName>> = Object.fromEntries(Object.keys(ENTITIES).map((c) => [c, c as CollectionName]));
  for (let i = 0; i + 1 < path.length; i += 2) {
    const key = path[i];
    const index = path[i + 1];
    const collection = typeof key === 'string' ? children[key] : undefined;
    const list = (node as Record<string, unknown> | null)?.[String(key)];
    if (!collection || typeof index !== 'number' || !Array.isArray(list)) break;
    node = list[index];
    const def = ENTITIES[collection];
    const item = (typeof node === 'object' && node !== null ? node : {}) as Record<string, unknown>;
    const name = def.endpointKey ? item[def.endpointKey] : collection === 'plugins' ? item.name : undefined;
    found = { type: def.singular, ...(typeof name === 'string' ? { name } : {}), ...(typeof item.id === 'string' ? { id: item.id } : {}) };
    children = def.children ?? {};
  }
  return found;
}

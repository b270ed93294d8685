/**
 * `kong.log.setSerializeValue`: values plugins put in the request's log record, applied when the record is built,
 * as Kong's set_serialize_value and edit_result (dotted keys make sub-records; `\.` is a literal dot).
 */
export type SerializeMode = 'set' | 'add' | 'replace';

export interface SerializeValue {
  readonly key: string;
  readonly value: unknown;
  readonly mode: SerializeMode;
}

/** The key's parts: split at each `.` not escaped by a backslash. */
function keyParts(key: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 1; i < key.length; i++) {
    if (key[i] === '.' && key[i - 1] !== '\\') {
      parts.push(key.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(key.slice(start));
  return parts.map((p) => p.replaceAll('\\.', '.'));
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Applies the values in the order they were set; `undefined` removes a field (Kong's nil). */
export function applySerializeValues(root: Record<string, unknown>, values: readonly SerializeValue[]): Record<string, unknown> {
  for (const { key, value, mode } of values) {
    const parts = keyParts(key);
    const last = parts.pop()!;
    let node: Record<string, unknown> | undefined = root;
    for (const part of parts) {
      const next: unknown = node[part];
      if (next === undefined || next === null) {
        // replace needs the whole chain to exist already.
        if (mode === 'replace') {
          node = undefined;
          break;
        }
        node = node[part] = {};
      } else if (isRecord(next)) {
        // The record shares the config's frozen entities (route, service, consumer): those are copied, not changed.
        node = Object.isFrozen(next) ? (node[part] = { ...next }) : next;
      } else {
        throw new TypeError(`The key '${key}' could not be used as a serialize value. Subkey '${part}' is not a table. It's ${String(next)}`);
      }
    }
    if (!node) continue;
    if (Object.isFrozen(node)) continue;
    const existing = node[last];
    if (mode === 'set' || (mode === 'add' && existing === undefined) || (mode === 'replace' && existing !== undefined)) {
      if (value === undefined) delete node[last];
      else node[last] = value;
    }
  }
  return root;
}

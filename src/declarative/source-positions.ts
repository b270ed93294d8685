/**
 * Where each value of a config file is (line and column), for error messages.
 *
 * Values are parsed by a fast parser (see load.ts); positions come from the `yaml` package's document API with a
 * line counter, which is 10–15× slower on big files, so the document is only built the first time a position is
 * asked for — that is, only when there is something to report.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { PathSegment } from '../errors.ts';

export interface Position {
  readonly line: number;
  readonly column: number;
}

export class SourcePositions {
  readonly #text: string;
  #doc: Document.Parsed | undefined;
  #lines: LineCounter | undefined;

  constructor(text: string) {
    this.#text = text;
  }

  /**
   * Position of the value at `path`, or of its key when `atKey` is set (for "unknown field").
   * A path that goes further than the document (a missing field) resolves to the deepest node that exists.
   */
  locate(path: readonly PathSegment[], atKey = false): Position {
    if (!this.#doc) {
      this.#lines = new LineCounter();
      this.#doc = parseDocument(this.#text, { lineCounter: this.#lines, uniqueKeys: false, strict: false });
    }
    const doc = this.#doc;
    let node: unknown = doc.contents;
    let offset = rangeStart(node) ?? 0;
    for (let i = 0; i < path.length; i++) {
      if (isAlias(node)) node = node.resolve(doc);
      const seg = path[i];
      let next: unknown;
      let keyOffset: number | undefined;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        if (pair) {
          next = pair.value;
          keyOffset = rangeStart(pair.key);
        }
      } else if (isSeq(node) && typeof seg === 'number') {
        next = node.items[seg];
      }
      if (next === undefined && keyOffset === undefined) break;
      const last = i === path.length - 1;
      offset = (last && atKey ? keyOffset : (rangeStart(next) ?? keyOffset)) ?? offset;
      node = next;
    }
    const { line, col } = this.#lines!.linePos(offset);
    return { line, column: col };
  }
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}

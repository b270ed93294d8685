/**
 * A set of matchers indexed for lookup: prefix-path matchers in a character trie (Kong's prefixes are character
 * prefixes, not segments), the rest (regex paths, no path) in a list. A lookup yields the matchers that could
 * match a path, in rank order, without visiting those whose prefix the path does not start with.
 */
import type { Matcher } from './matcher.ts';

interface TrieNode {
  readonly children: Map<string, TrieNode>;
  readonly here: Matcher[];
}

const newNode = (): TrieNode => ({ children: new Map(), here: [] });

export class CandidateSet {
  readonly #root = newNode();
  readonly #others: Matcher[] = [];

  /** `matchers` must be in rank order. */
  constructor(matchers: readonly Matcher[]) {
    for (const m of matchers) {
      if (m.path?.kind !== 'prefix') {
        this.#others.push(m);
        continue;
      }
      let node = this.#root;
      for (const ch of m.path.prefix) {
        let next = node.children.get(ch);
        if (!next) node.children.set(ch, (next = newNode()));
        node = next;
      }
      node.here.push(m);
    }
  }

  /** The candidates for `path`, in rank order. */
  lookup(path: string): Matcher[] {
    const lists: Matcher[][] = [];
    if (this.#others.length > 0) lists.push(this.#others);
    let node: TrieNode | undefined = this.#root;
    for (let i = 0; node && i <= path.length; i++) {
      if (node.here.length > 0) lists.push(node.here);
      node = i < path.length ? node.children.get(path[i]!) : undefined;
    }
    if (lists.length === 1) return lists[0]!;
    return lists.flat().sort((a, b) => a.rank - b.rank);
  }
}

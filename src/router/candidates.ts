/**
 * A set of matchers indexed for lookup: prefix-path matchers in a compressed character trie (Kong's prefixes are
 * character prefixes, not segments; chains without a branch are one edge), the rest (regex paths, no path) in a
 * list. A lookup yields the matchers that could match a path, without visiting those whose prefix the path does
 * not start with.
 */
import type { Matcher } from './matcher.ts';

interface TrieNode {
  /** The characters on the edge into this node (after compression, often more than one). */
  label: string;
  readonly children: Map<string, TrieNode>;
  readonly here: Matcher[];
}

const newNode = (label: string): TrieNode => ({ label, children: new Map(), here: [] });

/** Merges chains of single-child nodes that hold no matcher into one edge: fewer hops per lookup. */
function compress(node: TrieNode): void {
  for (const [first, child] of node.children) {
    let merged = child;
    while (merged.here.length === 0 && merged.children.size === 1) {
      const only = merged.children.values().next().value!;
      only.label = merged.label + only.label;
      merged = only;
    }
    node.children.set(first, merged);
    compress(merged);
  }
}

export class CandidateSet {
  readonly #root = newNode('');
  readonly #others: Matcher[] = [];

  /** `matchers` must be in rank order. */
  constructor(matchers: readonly Matcher[] = []) {
    for (const m of matchers) this.#add(m);
    compress(this.#root);
  }

  /** The same set, built in steps (a yield every `perStep` matchers), for compiles that yield (routerSteps). */
  static *build(matchers: readonly Matcher[], perStep = 500): Generator<void, CandidateSet> {
    const set = new CandidateSet();
    for (let i = 0; i < matchers.length; i++) {
      if (i % perStep === perStep - 1) yield;
      set.#add(matchers[i]!);
    }
    yield;
    compress(set.#root);
    return set;
  }

  #add(m: Matcher): void {
    if (m.path?.kind !== 'prefix') {
      this.#others.push(m);
      return;
    }
    let node = this.#root;
    for (const ch of m.path.prefix) {
      let next = node.children.get(ch);
      if (!next) node.children.set(ch, (next = newNode(ch)));
      node = next;
    }
    node.here.push(m);
  }

  /**
   * Appends to `out` the lists of candidates for `path`, each in rank order: the matchers without a prefix path,
   * then those of every prefix of `path` that has some. Several routes can share a path's prefixes (`/svc/1` and
   * `/svc/12` both prefix `/svc/123`), so the caller merges the lists by rank instead of this sorting a copy.
   */
  collect(path: string, out: Matcher[][]): void {
    if (this.#others.length > 0) out.push(this.#others);
    let node = this.#root;
    let i = 0;
    for (;;) {
      if (node.here.length > 0) out.push(node.here);
      if (i >= path.length) return;
      const child = node.children.get(path[i]!);
      if (child === undefined || !path.startsWith(child.label, i)) return;
      i += child.label.length;
      node = child;
    }
  }
}

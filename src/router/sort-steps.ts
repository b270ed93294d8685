/**
 * A stable sort in steps, for compiles that yield between slices of their work (routerSteps): runs of CHUNK
 * sorted by Array.prototype.sort (stable), then merged pairwise, yielding after every CHUNK elements handled.
 * The same order as `items.sort(compare)`.
 */
const CHUNK = 1000;

export function* sortSteps<T>(items: T[], compare: (a: T, b: T) => number, chunk = CHUNK): Generator<void, T[]> {
  if (items.length <= chunk) return items.sort(compare);
  let runs: T[][] = [];
  for (let i = 0; i < items.length; i += chunk) {
    runs.push(items.slice(i, i + chunk).sort(compare));
    yield;
  }
  while (runs.length > 1) {
    const next: T[][] = [];
    for (let r = 0; r < runs.length; r += 2) {
      const left = runs[r]!;
      const right = runs[r + 1];
      if (!right) {
        next.push(left);
        continue;
      }
      const merged: T[] = new Array(left.length + right.length);
      let i = 0;
      let j = 0;
      let k = 0;
      while (i < left.length && j < right.length) {
        // Ties take the left run's first: the earlier items stay first, as a stable sort leaves them.
        merged[k++] = compare(left[i]!, right[j]!) <= 0 ? left[i++]! : right[j++]!;
        if (k % chunk === 0) yield;
      }
      while (i < left.length) merged[k++] = left[i++]!;
      while (j < right.length) merged[k++] = right[j++]!;
      next.push(merged);
    }
    runs = next;
  }
  return runs[0]!;
}

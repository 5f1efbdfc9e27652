/**
 * The k-th smallest value (0-based) of `a` by quickselect: median-of-three
 * pivot, Hoare partition, linear time on average. Reorders `a` in place; the
 * value returned does not depend on the order. Values must not be NaN.
 */
export function kthSmallestInPlace(a: Float32Array | Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const x = a[lo]!;
    const y = a[mid]!;
    const z = a[hi]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    // [lo, j] ≤ pivot ≤ [i, hi]; between them, values equal to the pivot
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

/**
 * Sorts candidate indices by value, largest first, equal values by index
 * (what `ids.sort((a, b) => values[b] - values[a] || a - b)` gives when no
 * value is NaN), by a bottom-up merge sort on typed arrays: no comparator
 * call and no boxed number per comparison. With a NaN that comparator is not
 * a consistent order, so the built-in sort is left to decide, as before.
 */
export function sortIndicesByValueDesc(ids: number[], values: ArrayLike<number>, work?: { a: Int32Array; b: Int32Array }): void {
  const n = ids.length;
  if (n < 2) return;
  for (let k = 0; k < n; k++) {
    if (Number.isNaN(values[ids[k]!]!)) {
      ids.sort((a, b) => values[b]! - values[a]! || a - b);
      return;
    }
  }
  let src = work && work.a.length >= n ? work.a : new Int32Array(n);
  let dst = work && work.b.length >= n ? work.b : new Int32Array(n);
  for (let k = 0; k < n; k++) src[k] = ids[k]!;
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let o = lo;
      while (i < mid && j < hi) {
        const a = src[i]!;
        const b = src[j]!;
        const va = values[a]!;
        const vb = values[b]!;
        // a first when larger, or equal with the smaller index.
        if (va > vb || (va === vb && a < b)) (dst[o++] = a), i++;
        else (dst[o++] = b), j++;
      }
      while (i < mid) dst[o++] = src[i++]!;
      while (j < hi) dst[o++] = src[j++]!;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  for (let k = 0; k < n; k++) ids[k] = src[k]!;
}

const BUCKETS = 256;

/**
 * The k-th smallest value of `a` for each k of `ks` (each what
 * kthSmallestInPlace would give), written to out[j]. One pass finds the
 * extremes, one counts the values into 256 equal buckets between them
 * (`work.counts` needs 4 × 256 entries to be used), and
 * only the bucket holding each wanted rank is searched (quickselect on its
 * few values). On the ~2,000 relevance values of a plan that is three short
 * loops with predictable branches instead of a partition per rank. Values
 * that are not finite make it fall back to quickselect on `a`, which is then
 * reordered; otherwise `a` is left as it is.
 */
export function kthSmallestMany(a: Float64Array, ks: readonly number[], out: Float64Array, work?: { counts: Int32Array; vals: Float64Array }): void {
  const n = a.length;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = a[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const span = max - min;
  if (!(span > 0 && span < Infinity)) {
    // All equal, empty, infinite or NaN: the plain selection decides.
    for (let j = 0; j < ks.length; j++) out[j] = kthSmallestInPlace(a, ks[j]!);
    return;
  }
  // Four histograms, summed after: neighbouring values often share a bucket, and one array would
  // make each count wait for the one before it.
  const counts = work && work.counts.length >= 4 * BUCKETS ? work.counts.fill(0, 0, 4 * BUCKETS) : new Int32Array(4 * BUCKETS);
  // Monotone in v: v ≤ w gives bucket(v) ≤ bucket(w).
  const scale = BUCKETS / span;
  let counted = 0;
  for (let i = 0; i < n; i++) {
    const b = Math.floor((a[i]! - min) * scale);
    if (b >= 0) (counts[(i & 3) * BUCKETS + (b < BUCKETS ? b : BUCKETS - 1)]!++, counted++);
  }
  for (let b = 0; b < BUCKETS; b++) counts[b] = counts[b]! + counts[BUCKETS + b]! + counts[2 * BUCKETS + b]! + counts[3 * BUCKETS + b]!;
  if (counted !== n) {
    // A NaN (neither below nor above anything) was not counted.
    for (let j = 0; j < ks.length; j++) out[j] = kthSmallestInPlace(a, ks[j]!);
    return;
  }
  let vals = work && work.vals.length >= n ? work.vals : null;
  for (let j = 0; j < ks.length; j++) {
    const k = ks[j]!;
    let below = 0;
    let b = 0;
    while (b < BUCKETS - 1 && below + counts[b]! <= k) below += counts[b++]!;
    const size = counts[b]!;
    if (!vals || vals.length < size) vals = new Float64Array(Math.max(size, n));
    let m = 0;
    for (let i = 0; i < n; i++) {
      const v = a[i]!;
      const vb = Math.floor((v - min) * scale);
      if ((vb < BUCKETS ? vb : BUCKETS - 1) === b) vals[m++] = v;
    }
    out[j] = kthSmallestInPlace(vals.subarray(0, m), k - below);
  }
}

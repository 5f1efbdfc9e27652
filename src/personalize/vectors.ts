/**
 * Sparse vectors over integer term ids, sorted by id, so that a dot product is
 * a linear merge. A build maps every stem it sees to one id (TermDict) once,
 * then all per-subscriber work runs on typed arrays.
 */
import { kthSmallestInPlace } from '../util/select.js';
import type { SparseVector } from '../model.js';

export interface PackedVector {
  ids: Int32Array;
  weights: Float64Array;
  /** L2 norm (1 for tagger vectors, but recomputed so any input is safe). */
  norm: number;
}

export const EMPTY_VECTOR: PackedVector = { ids: new Int32Array(0), weights: new Float64Array(0), norm: 0 };

export class TermDict {
  private readonly ids = new Map<string, number>();
  readonly terms: string[] = [];

  id(term: string): number {
    let i = this.ids.get(term);
    if (i === undefined) {
      i = this.terms.length;
      this.ids.set(term, i);
      this.terms.push(term);
    }
    return i;
  }

  get(term: string): number | undefined {
    return this.ids.get(term);
  }

  get size(): number {
    return this.terms.length;
  }
}

/** Packs a stored SparseVector; duplicate stems are summed, non-finite weights dropped. */
export function packVector(v: SparseVector | undefined, dict: TermDict): PackedVector {
  if (!v || !Array.isArray(v.terms) || v.terms.length === 0) return EMPTY_VECTOR;
  const acc = new Map<number, number>();
  const n = Math.min(v.terms.length, v.weights?.length ?? 0);
  for (let k = 0; k < n; k++) {
    const w = v.weights[k]!;
    if (!Number.isFinite(w) || w === 0) continue;
    const id = dict.id(v.terms[k]!);
    acc.set(id, (acc.get(id) ?? 0) + w);
  }
  return fromMap(acc);
}

export function fromMap(m: Map<number, number>): PackedVector {
  const ids = Int32Array.from(m.keys()).sort();
  const weights = new Float64Array(ids.length);
  let sq = 0;
  for (let k = 0; k < ids.length; k++) {
    const w = m.get(ids[k]!)!;
    weights[k] = w;
    sq += w * w;
  }
  return { ids, weights, norm: Math.sqrt(sq) };
}

export function dot(a: PackedVector, b: PackedVector): number {
  const ai = a.ids;
  const bi = b.ids;
  let i = 0;
  let j = 0;
  let s = 0;
  while (i < ai.length && j < bi.length) {
    const x = ai[i]!;
    const y = bi[j]!;
    if (x === y) {
      s += a.weights[i]! * b.weights[j]!;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return s;
}

export function cosine(a: PackedVector, b: PackedVector): number {
  if (a.norm === 0 || b.norm === 0) return 0;
  const c = dot(a, b) / (a.norm * b.norm);
  return c > 1 ? 1 : c < -1 ? -1 : c;
}

/** Keeps the k largest-magnitude entries (profiles stay small and fast to score). */
export function truncate(m: Map<number, number>, k: number): Map<number, number> {
  if (m.size <= k) return m;
  // Threshold from a numeric typed-array sort (much cheaper than sorting entry pairs).
  const mags = new Float64Array(m.size);
  let j = 0;
  for (const v of m.values()) mags[j++] = Math.abs(v);
  mags.sort();
  const threshold = mags[mags.length - k]!;
  const out = new Map<number, number>();
  for (const [id, v] of m) {
    if (Math.abs(v) > threshold && out.size < k) out.set(id, v);
  }
  for (const [id, v] of m) {
    if (out.size >= k) break;
    if (Math.abs(v) === threshold) out.set(id, v);
  }
  return out;
}

/**
 * A dense scratch row over the build's term ids: load one vector, then its
 * dot product with many others costs one lookup per term of the others.
 */
export class DenseScratch {
  private row: Float64Array;
  private loaded: PackedVector | null = null;

  constructor(size: number) {
    this.row = new Float64Array(Math.max(1, size));
  }

  load(v: PackedVector): void {
    if (this.loaded) this.clear();
    const ids = v.ids;
    let max = 0;
    for (let k = 0; k < ids.length; k++) if (ids[k]! > max) max = ids[k]!;
    if (max >= this.row.length) {
      const next = new Float64Array(Math.max(max + 1, this.row.length * 2));
      this.row = next;
    }
    for (let k = 0; k < ids.length; k++) this.row[ids[k]!] = v.weights[k]!;
    this.loaded = v;
  }

  dot(v: PackedVector): number {
    const row = this.row;
    const ids = v.ids;
    const w = v.weights;
    const len = row.length;
    let s = 0;
    let k = 0;
    // Four terms at a time, their row entries read before the sum (the same additions in the
    // same order: a term past the row adds +0, which changes no sum that starts at +0).
    for (; k + 3 < ids.length; k += 4) {
      const a = ids[k]!;
      const b = ids[k + 1]!;
      const c = ids[k + 2]!;
      const d = ids[k + 3]!;
      const pa = a < len ? row[a]! * w[k]! : 0;
      const pb = b < len ? row[b]! * w[k + 1]! : 0;
      const pc = c < len ? row[c]! * w[k + 2]! : 0;
      const pd = d < len ? row[d]! * w[k + 3]! : 0;
      s = s + pa + pb + pc + pd;
    }
    for (; k < ids.length; k++) {
      const id = ids[k]!;
      if (id < len) s += row[id]! * w[k]!;
    }
    return s;
  }

  /** Cosine of the loaded vector with v. */
  cosine(v: PackedVector): number {
    const a = this.loaded;
    if (!a || a.norm === 0 || v.norm === 0) return 0;
    const c = this.dot(v) / (a.norm * v.norm);
    return c > 1 ? 1 : c < -1 ? -1 : c;
  }

  clear(): void {
    const a = this.loaded;
    if (!a) return;
    for (let k = 0; k < a.ids.length; k++) this.row[a.ids[k]!] = 0;
    this.loaded = null;
  }
}

/**
 * Sums many packed vectors into a dense row with a list of touched ids, then
 * packs the heaviest terms and resets — much cheaper than a Map per profile.
 */
export class SparseAccumulator {
  private row: Float64Array;
  private touched: Int32Array;
  private count = 0;
  private mags = new Float64Array(0);
  /** The touched terms' values, in touched order (take). */
  private vals = new Float64Array(0);
  /** The ids take keeps, in touched order, before they are sorted. */
  private picked = new Int32Array(0);

  constructor(size = 1024) {
    this.row = new Float64Array(Math.max(1, size));
    this.touched = new Int32Array(256);
  }

  add(v: PackedVector, scale: number): void {
    this.addRange(v.ids, v.weights, 0, v.ids.length, scale);
  }

  /** Adds entries start … end − 1 of a packed vector's ids and weights (sorted ids), times scale. */
  addRange(ids: Int32Array, w: Float64Array, start: number, end: number, scale: number): void {
    const len = end - start;
    // Grown once per vector (not checked per term): the largest id decides,
    // which is the last one, packed ids being sorted (packVector, fromMap, take, topTerms).
    const max = len > 0 ? ids[end - 1]! : -1;
    if (max >= this.row.length) {
      const next = new Float64Array(Math.max(max + 1, this.row.length * 2));
      next.set(this.row);
      this.row = next;
    }
    // Room for every term of the vector, made before the loop so it runs on locals.
    if (this.count + len > this.touched.length) {
      const t = new Int32Array(Math.max(this.count + len, this.touched.length * 2));
      t.set(this.touched.subarray(0, this.count));
      this.touched = t;
    }
    const row = this.row;
    const touched = this.touched;
    let count = this.count;
    let k = start;
    // Four terms at a time, their row entries read first: the same updates in the same order
    // while the ids ascend (distinct, so no read can come before a write it depends on).
    for (; k + 3 < end; k += 4) {
      const a = ids[k]!;
      const b = ids[k + 1]!;
      const c = ids[k + 2]!;
      const d = ids[k + 3]!;
      if (!(a < b && b < c && c < d)) break;
      const ra = row[a]!;
      const rb = row[b]!;
      const rc = row[c]!;
      const rd = row[d]!;
      const na = ra + w[k]! * scale;
      const nb = rb + w[k + 1]! * scale;
      const nc = rc + w[k + 2]! * scale;
      const nd = rd + w[k + 3]! * scale;
      if (ra === 0) touched[count++] = a;
      row[a] = na === 0 ? Number.MIN_VALUE : na;
      if (rb === 0) touched[count++] = b;
      row[b] = nb === 0 ? Number.MIN_VALUE : nb;
      if (rc === 0) touched[count++] = c;
      row[c] = nc === 0 ? Number.MIN_VALUE : nc;
      if (rd === 0) touched[count++] = d;
      row[d] = nd === 0 ? Number.MIN_VALUE : nd;
    }
    for (; k < end; k++) {
      const id = ids[k]!;
      const cur = row[id]!;
      if (cur === 0) touched[count++] = id;
      const next = cur + w[k]! * scale;
      // An exact zero would look untouched; keep a tiny value instead.
      row[id] = next === 0 ? Number.MIN_VALUE : next;
    }
    this.count = count;
  }

  get size(): number {
    return this.count;
  }

  /** The maxTerms heaviest (by magnitude) as a packed vector; resets the accumulator. */
  take(maxTerms: number): PackedVector {
    const n = this.count;
    if (n === 0) return EMPTY_VECTOR;
    // The touched values are copied out in touched order and the row reset; then,
    // when there are more than maxTerms, the maxTerms-th largest magnitude (the
    // value a quickselect of all n would give) is found with a min-heap of maxTerms.
    if (this.vals.length < n) this.vals = new Float64Array(Math.max(n, this.vals.length * 2));
    const vals = this.vals;
    const touched = this.touched;
    const row = this.row;
    // The values first, four at a time (touched ids are distinct: each read comes before any reset).
    let g = 0;
    for (; g + 3 < n; g += 4) {
      const a = touched[g]!;
      const b = touched[g + 1]!;
      const c = touched[g + 2]!;
      const d = touched[g + 3]!;
      const va = row[a]!;
      const vb = row[b]!;
      const vc = row[c]!;
      const vd = row[d]!;
      vals[g] = va;
      vals[g + 1] = vb;
      vals[g + 2] = vc;
      vals[g + 3] = vd;
      row[a] = 0;
      row[b] = 0;
      row[c] = 0;
      row[d] = 0;
    }
    for (; g < n; g++) {
      const id = touched[g]!;
      vals[g] = row[id]!;
      row[id] = 0;
    }
    let threshold = -1;
    if (n > maxTerms) {
      if (this.mags.length < maxTerms) this.mags = new Float64Array(Math.max(maxTerms, this.mags.length * 2));
      const heap = this.mags;
      const k = maxTerms;
      let size = 0;
      for (let t = 0; t < n; t++) {
        const x = Math.abs(vals[t]!);
        if (size < k) {
          // Sift up.
          let i = size++;
          while (i > 0) {
            const parent = (i - 1) >> 1;
            if (heap[parent]! <= x) break;
            heap[i] = heap[parent]!;
            i = parent;
          }
          heap[i] = x;
        } else if (x > heap[0]!) {
          // Replace the minimum and sift down.
          let i = 0;
          for (;;) {
            const l = 2 * i + 1;
            if (l >= k) break;
            const r = l + 1;
            const c = r < k && heap[r]! < heap[l]! ? r : l;
            if (heap[c]! >= x) break;
            heap[i] = heap[c]!;
            i = c;
          }
          heap[i] = x;
        }
      }
      threshold = heap[0]!;
    }
    this.count = 0;
    // The first maxTerms (in touched order) at or above the threshold, their values put back in the
    // row for a moment: the ids are then sorted as numbers (no comparator) and the values read back.
    if (this.picked.length < maxTerms) this.picked = new Int32Array(Math.max(maxTerms, this.picked.length * 2));
    const picked = this.picked;
    let m = 0;
    for (let t = 0; t < n && m < maxTerms; t++) {
      const v = vals[t]!;
      if (Math.abs(v) >= threshold) {
        const id = touched[t]!;
        picked[m++] = id;
        row[id] = v;
      }
    }
    const ids = picked.slice(0, m);
    ids.sort();
    const weights = new Float64Array(m);
    let sq = 0;
    for (let j = 0; j < m; j++) {
      const w = row[ids[j]!]!;
      row[ids[j]!] = 0;
      weights[j] = w;
      sq += w * w;
    }
    return { ids, weights, norm: Math.sqrt(sq) };
  }
}

/** The k-th smallest value (0-based) by quickselect; reorders `a`. */
export function kthSmallest(a: Float64Array, k: number): number {
  return kthSmallestInPlace(a, k);
}

/** The k heaviest terms of a vector (same ids, re-normed); the vector itself when it is short. */
export function topTerms(v: PackedVector, k: number): PackedVector {
  if (v.ids.length <= k) return v;
  const mags = Float64Array.from(v.weights, Math.abs);
  const threshold = kthSmallest(mags, v.ids.length - k);
  const ids: number[] = [];
  const ws: number[] = [];
  for (let j = 0; j < v.ids.length && ids.length < k; j++) {
    if (Math.abs(v.weights[j]!) > threshold) (ids.push(v.ids[j]!), ws.push(v.weights[j]!));
  }
  for (let j = 0; j < v.ids.length && ids.length < k; j++) {
    if (Math.abs(v.weights[j]!) === threshold) (ids.push(v.ids[j]!), ws.push(v.weights[j]!));
  }
  const order = ids.map((_, j) => j).sort((a, b) => ids[a]! - ids[b]!);
  const out = { ids: Int32Array.from(order, (j) => ids[j]!), weights: Float64Array.from(order, (j) => ws[j]!), norm: 0 };
  out.norm = Math.sqrt(out.weights.reduce((a, w) => a + w * w, 0));
  return out;
}

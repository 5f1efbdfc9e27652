/**
 * Sparse vectors over integer term ids, sorted by id, so that a dot product is
 * a linear merge. A build maps every stem it sees to one id (TermDict) once,
 * then all per-subscriber work runs on typed arrays.
 */
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
  const entries = [...m.entries()].sort((x, y) => Math.abs(y[1]) - Math.abs(x[1])).slice(0, k);
  return new Map(entries);
}

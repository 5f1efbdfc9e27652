import { describe, expect, it } from 'vitest';
import { cosine, DenseScratch, fromMap, kthSmallest, packVector, SparseAccumulator, TermDict, topTerms, type PackedVector } from '../../src/personalize/vectors.js';
import { seededRng } from '../../src/util/random.js';

describe('sparse vectors', () => {
  const dict = new TermDict();
  const a = packVector({ terms: ['x', 'y', 'z'], weights: [0.6, 0.8, 0] }, dict);
  const b = packVector({ terms: ['y', 'w', 'x'], weights: [1, 1, Number.NaN] }, dict);

  it('packs, drops bad weights and computes cosine', () => {
    expect(a.ids.length).toBe(2);
    expect(b.ids.length).toBe(2);
    expect(cosine(a, a)).toBeCloseTo(1);
    expect(cosine(a, b)).toBeCloseTo(0.8 / Math.SQRT2);
  });

  it('dense scratch and accumulator agree with the sparse merge', () => {
    const s = new DenseScratch(2);
    s.load(a);
    expect(s.cosine(b)).toBeCloseTo(cosine(a, b));
    s.clear();
    const acc = new SparseAccumulator(1);
    acc.add(a, 1);
    acc.add(b, 2);
    const v = acc.take(10);
    expect(v.ids.length).toBe(3);
    expect(acc.size).toBe(0);
    acc.add(a, 1);
    acc.add(b, 2);
    const top = acc.take(1);
    expect(top.ids.length).toBe(1);
    expect(dict.terms[top.ids[0]!]).toBe('y');
  });

  it('take keeps the maxTerms largest magnitudes, the first in order of addition among equals, and resets', () => {
    const r = seededRng(9);
    const acc = new SparseAccumulator(4);
    for (let round = 0; round < 200; round++) {
      const sum = new Map<number, number>();
      const order: number[] = [];
      const vecs = Array.from({ length: 1 + Math.floor(r() * 6) }, () => {
        const m = new Map<number, number>();
        for (let k = 0; k < 1 + Math.floor(r() * 12); k++) m.set(Math.floor(r() * 40), Math.round((r() - 0.3) * 4) / 2 || 0.5);
        return [...m].sort((x, y) => x[0] - y[0]);
      });
      for (const v of vecs) {
        acc.add({ ids: Int32Array.from(v, (e) => e[0]), weights: Float64Array.from(v, (e) => e[1]), norm: 1 }, 1);
        for (const [id, w] of v) {
          if (!sum.has(id)) order.push(id);
          sum.set(id, (sum.get(id) ?? 0) + w);
        }
      }
      const maxTerms = 1 + Math.floor(r() * 10);
      // Reference: the maxTerms-th largest magnitude, then the first maxTerms at or above it in order of addition.
      const mags = order.map((id) => Math.abs(sum.get(id)!) || Number.MIN_VALUE).sort((x, y) => y - x);
      const threshold = order.length > maxTerms ? mags[maxTerms - 1]! : -1;
      const kept = order.filter((id) => (Math.abs(sum.get(id)!) || Number.MIN_VALUE) >= threshold).slice(0, maxTerms).sort((x, y) => x - y);
      const got = acc.take(maxTerms);
      expect(Array.from(got.ids)).toEqual(kept);
      expect(Array.from(got.weights)).toEqual(kept.map((id) => sum.get(id) || Number.MIN_VALUE));
      expect(acc.size).toBe(0);
    }
  });

  it('quickselect matches sorting; topTerms keeps the heaviest', () => {
    const r = seededRng(5);
    for (let t = 0; t < 300; t++) {
      const n = 1 + Math.floor(r() * 40);
      const xs = Float64Array.from({ length: n }, () => Math.floor(r() * 7));
      const k = Math.floor(r() * n);
      const sorted = Float64Array.from(xs).sort();
      expect(kthSmallest(xs, k)).toBe(sorted[k]);
    }
    const v = packVector({ terms: ['a', 'b', 'c', 'd'], weights: [0.1, 0.9, 0.3, 0.2] }, dict);
    const t2 = topTerms(v, 2);
    expect(t2.ids.length).toBe(2);
    expect([...t2.ids].map((i) => dict.terms[i]).sort()).toEqual(['b', 'c']);
  });

  it('dot products and accumulated sums come out as one term at a time makes them, bit for bit', () => {
    const r = seededRng(23);
    const vec = (terms: number, vocab: number): PackedVector => {
      const m = new Map<number, number>();
      for (let k = 0; k < terms; k++) m.set(Math.floor(r() * vocab), (r() - 0.3) * 2);
      return fromMap(m);
    };
    const dense = new DenseScratch(4);
    const acc = new SparseAccumulator(4);
    for (let round = 0; round < 60; round++) {
      const loaded = vec(1 + (round % 13), 50);
      dense.load(loaded);
      const row = new Map(Array.from(loaded.ids, (id, k) => [id, loaded.weights[k]!]));
      // Ids past the loaded vector's (and past the row) add nothing.
      const other = vec(round % 11, 50 + round * 5);
      let want = 0;
      for (let k = 0; k < other.ids.length; k++) if (row.has(other.ids[k]!)) want += row.get(other.ids[k]!)! * other.weights[k]!;
      expect(dense.dot(other)).toBe(want);
      dense.clear();
      // Ranges of ascending ids, and of ids out of order (repeats included), which go one at a time.
      const ids = round % 3 === 0 ? Int32Array.from({ length: 9 }, () => Math.floor(r() * 6)) : other.ids;
      const w = round % 3 === 0 ? Float64Array.from({ length: 9 }, () => r() - 0.5) : other.weights;
      const sums = new Map<number, number>();
      const order: number[] = [];
      for (const v of [loaded, { ids, weights: w }]) {
        for (let k = 0; k < v.ids.length; k++) {
          const id = v.ids[k]!;
          if (!sums.get(id)) order.push(id);
          const next = (sums.get(id) ?? 0) + v.weights[k]! * 0.7;
          sums.set(id, next === 0 ? Number.MIN_VALUE : next);
        }
      }
      acc.addRange(loaded.ids, loaded.weights, 0, loaded.ids.length, 0.7);
      acc.addRange(ids, w, 0, ids.length, 0.7);
      const got = acc.take(1000);
      const byId = new Map(Array.from(got.ids, (id, k) => [id, got.weights[k]!]));
      expect(got.ids.length).toBe(order.length);
      for (const id of order) expect(byId.get(id)).toBe(sums.get(id));
    }
  });
});

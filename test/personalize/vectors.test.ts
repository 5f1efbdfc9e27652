import { describe, expect, it } from 'vitest';
import { cosine, DenseScratch, kthSmallest, packVector, SparseAccumulator, TermDict, topTerms } from '../../src/personalize/vectors.js';
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
});

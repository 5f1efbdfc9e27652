import { describe, expect, it } from 'vitest';
import { scatterAdd, scatterMax, scatterSet } from '../../src/util/scatter.js';
import { seededRng } from '../../src/util/random.js';

describe('scattered updates', () => {
  it('give bit for bit what one entry at a time gives, repeated indices and every tail length included', () => {
    const rng = seededRng(31);
    for (let round = 0; round < 200; round++) {
      const size = 1 + Math.floor(rng() * 12);
      const len = Math.floor(rng() * 11);
      // Small ranges repeat indices (within four entries too); from/to cut a window out of the arrays.
      const idx = Int32Array.from({ length: len + 4 }, () => Math.floor(rng() * size));
      const w = Float64Array.from({ length: len + 4 }, () => (rng() - 0.4) * 3);
      const from = Math.floor(rng() * 3);
      const to = Math.min(idx.length, from + len);
      const q = rng() < 0.1 ? -0 : (rng() - 0.3) * 2;
      const start = Float64Array.from({ length: size }, () => (rng() < 0.2 ? 0 : rng() - 0.5));
      const want = { add: Float64Array.from(start), max: Float64Array.from(start) };
      for (let j = from; j < to; j++) {
        want.add[idx[j]!] += q * w[j]!;
        if (q > want.max[idx[j]!]!) want.max[idx[j]!] = q;
      }
      const add = Float64Array.from(start);
      scatterAdd(add, idx, w, from, to, q);
      const max = Float64Array.from(start);
      scatterMax(max, idx, from, to, q);
      expect(Array.from(add)).toEqual(Array.from(want.add));
      expect(Array.from(max)).toEqual(Array.from(want.max));
      // scatterSet writes one value everywhere: the last write of each index is that value.
      const set = Float64Array.from(start);
      scatterSet(set, idx, from, to, 7);
      for (let j = from; j < to; j++) expect(set[idx[j]!]).toBe(7);
      const touched = new Set(idx.subarray(from, to));
      for (let i = 0; i < size; i++) if (!touched.has(i)) expect(set[i]).toBe(start[i]);
    }
  });
});

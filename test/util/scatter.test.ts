import { describe, expect, it } from 'vitest';
import { scatter, type ScatterOp } from '../../src/util/scatter.js';
import { seededRng } from '../../src/util/random.js';

describe('scatter', () => {
  it('gives bit for bit what one entry at a time gives, repeated indices and every tail length included', () => {
    const rng = seededRng(31);
    const one: Record<ScatterOp, (out: Float64Array, i: number, q: number, w: number) => void> = {
      add: (out, i, q, w) => (out[i] += q * w),
      max: (out, i, q) => void (q > out[i]! && (out[i] = q)),
      set: (out, i, q) => void (out[i] = q),
    };
    for (let round = 0; round < 300; round++) {
      const size = 1 + Math.floor(rng() * 12);
      const len = Math.floor(rng() * 11);
      // Small ranges repeat indices (within four entries too); from/to cut a window out of the arrays.
      const idx = Int32Array.from({ length: len + 4 }, () => Math.floor(rng() * size));
      const w = Float64Array.from({ length: len + 4 }, () => (rng() - 0.4) * 3);
      const from = Math.floor(rng() * 3);
      const to = Math.min(idx.length, from + len);
      const q = rng() < 0.1 ? -0 : (rng() - 0.3) * 2;
      const start = Float64Array.from({ length: size }, () => (rng() < 0.2 ? 0 : rng() - 0.5));
      for (const op of ['add', 'max', 'set'] as const) {
        const want = Float64Array.from(start);
        for (let j = from; j < to; j++) one[op](want, idx[j]!, q, w[j]!);
        const got = Float64Array.from(start);
        scatter(op, got, idx, from, to, q, w);
        expect(Array.from(got)).toEqual(Array.from(want));
      }
    }
  });
});

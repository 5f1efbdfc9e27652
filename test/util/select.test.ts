import { describe, expect, it } from 'vitest';
import { kthSmallestInPlace, kthSmallestMany, sortIndicesByValueDesc } from '../../src/util/select.js';
import { seededRng } from '../../src/util/random.js';

const byComparator = (ids: number[], values: ArrayLike<number>) => [...ids].sort((a, b) => values[b]! - values[a]! || a - b);

describe('sortIndicesByValueDesc', () => {
  it('orders as the comparator sort does: largest first, equal values by index', () => {
    const rng = seededRng(3);
    for (const n of [0, 1, 2, 3, 7, 31, 32, 33, 190, 257]) {
      // Few distinct values (many ties), signed zeros and infinities among them.
      const pick = [0, -0, 0.25, 0.5, 0.5000000000000001, 1, Infinity, -Infinity, 0.75];
      const values = Float64Array.from({ length: n + 5 }, () => pick[Math.floor(rng() * pick.length)]!);
      const ids = Array.from({ length: n }, (_, k) => k + 5).sort(() => rng() - 0.5);
      const want = byComparator(ids, values);
      const work = { a: new Int32Array(300), b: new Int32Array(300) };
      sortIndicesByValueDesc(ids, values, work);
      expect(ids).toEqual(want);
    }
  });

  it('leaves arrays holding NaN to the built-in sort, as before', () => {
    const values = [0.5, Number.NaN, 0.7, 0.1];
    const ids = [3, 1, 0, 2];
    const want = byComparator(ids, values);
    sortIndicesByValueDesc(ids, values);
    expect(ids).toEqual(want);
  });
});

describe('kthSmallestInPlace', () => {
  it('finds the k-th smallest whatever the order', () => {
    const rng = seededRng(4);
    const a = Float64Array.from({ length: 101 }, () => Math.floor(rng() * 20));
    const sorted = [...a].sort((x, y) => x - y);
    for (const k of [0, 1, 50, 99, 100]) expect(kthSmallestInPlace(Float64Array.from(a), k)).toBe(sorted[k]);
  });
});

describe('kthSmallestMany', () => {
  const sorted = (a: Float64Array) => Float64Array.from(a).sort();

  it('gives the k-th smallest values quickselect gives, for several ranks at once, leaving the input as it was', () => {
    const rng = seededRng(11);
    const shapes: ((i: number) => number)[] = [
      () => rng(),
      () => Math.floor(rng() * 4) / 4, // few distinct values
      () => (rng() < 0.9 ? 0.1 : 0.1 + rng() * 1e-12), // almost all equal, a thin spread above
      () => Math.pow(rng(), 8) * 3 - 1, // crowded at the bottom, sparse at the top, negatives
      (i) => i, // sorted
    ];
    // Reused from call to call (as a build reuses them), too small (its own arrays then), or none.
    const reused = { counts: new Int32Array(1024), vals: new Float64Array(16) };
    const small = { counts: new Int32Array(256), vals: new Float64Array(4) };
    for (const shape of shapes) {
      for (const [n, work] of [1, 2, 5, 60, 61, 300, 2000].flatMap((n) => [[n, reused], [n, small], [n, undefined]] as const)) {
        const a = Float64Array.from({ length: n }, (_, i) => shape(i));
        const before = Float64Array.from(a);
        const ks = [Math.floor(n / 2), n - 1, 0, Math.max(0, n - 80)];
        const out = new Float64Array(ks.length);
        kthSmallestMany(a, ks, out, work);
        const s = sorted(a);
        ks.forEach((k, j) => expect(out[j]! === s[k]!).toBe(true));
        expect(Array.from(a)).toEqual(Array.from(before));
      }
    }
  });

  it('falls back to quickselect for infinities and NaN', () => {
    for (const odd of [Infinity, -Infinity, Number.NaN]) {
      const a = Float64Array.from([0.3, 0.1, odd, 0.7, 0.5, 0.2]);
      const copy = Float64Array.from(a);
      const out = new Float64Array(2);
      kthSmallestMany(a, [1, 4], out);
      expect([out[0], out[1]]).toEqual([kthSmallestInPlace(copy, 1), kthSmallestInPlace(copy, 4)]);
    }
    const same = new Float64Array(5).fill(0.4);
    const out = new Float64Array(1);
    kthSmallestMany(same, [3], out);
    expect(out[0]).toBe(0.4);
  });
});

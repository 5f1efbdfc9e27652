import { describe, expect, it } from 'vitest';
import { kthSmallestInPlace, sortIndicesByValueDesc } from '../../src/util/select.js';
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

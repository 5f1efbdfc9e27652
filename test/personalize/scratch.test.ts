import { describe, expect, it } from 'vitest';
import { FRESH_ARRAYS, ScratchArrays } from '../../src/personalize/scratch.js';

describe('ScratchArrays', () => {
  it('hands the same memory back under a name, zeroed or filled again', () => {
    const arrays = new ScratchArrays();
    const a = arrays.float64('x', 4);
    a.set([1, 2, 3, 4]);
    const b = arrays.float64('x', 4);
    expect(b).toBe(a);
    expect([...b]).toEqual([0, 0, 0, 0]);
    const c = arrays.int32('y', 3, -1);
    expect([...c]).toEqual([-1, -1, -1]);
    c[0] = 7;
    expect([...arrays.int32('y', 3, -1)]).toEqual([-1, -1, -1]);
  });

  it('gives the asked length, growing when a longer array is asked for', () => {
    const arrays = new ScratchArrays();
    expect(arrays.uint8('z', 2).length).toBe(2);
    const long = arrays.uint8('z', 10);
    expect(long.length).toBe(10);
    long.fill(9);
    const short = arrays.uint8('z', 3);
    expect(short.length).toBe(3);
    expect([...short]).toEqual([0, 0, 0]);
  });

  it('keeps names apart, and FRESH_ARRAYS never reuses', () => {
    const arrays = new ScratchArrays();
    expect(arrays.float64('a', 2)).not.toBe(arrays.float64('b', 2));
    expect(FRESH_ARRAYS.float64('a', 2)).not.toBe(FRESH_ARRAYS.float64('a', 2));
    expect([...FRESH_ARRAYS.int32('a', 2, -1)]).toEqual([-1, -1]);
  });
});

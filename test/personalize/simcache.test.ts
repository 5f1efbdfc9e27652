import { describe, expect, it } from 'vitest';
import { CachedSimilarity } from '../../src/personalize/simcache.js';
import { DenseScratch, EMPTY_VECTOR, fromMap, type PackedVector } from '../../src/personalize/vectors.js';
import { seededRng } from '../../src/util/random.js';

function randomVec(rng: () => number, terms = 20, vocab = 60): PackedVector {
  const m = new Map<number, number>();
  for (let k = 0; k < terms; k++) m.set(Math.floor(rng() * vocab), rng() - 0.2);
  return fromMap(m);
}

describe('CachedSimilarity', () => {
  it('gives the plain scratch cosines, remembered or not: in single precision between candidates, exactly otherwise', () => {
    const rng = seededRng(5);
    const cands = [...Array.from({ length: 30 }, () => randomVec(rng)), EMPTY_VECTOR];
    const others = Array.from({ length: 5 }, () => randomVec(rng));
    const plain = new DenseScratch(10);
    const cached = new CachedSimilarity(10, cands);
    for (let round = 0; round < 3; round++) {
      for (const a of [...cands, ...others]) {
        plain.load(a);
        cached.load(a);
        for (const b of [...cands, ...others]) {
          const pair = cands.includes(a) && cands.includes(b) && a.norm > 0 && b.norm > 0;
          expect(cached.cosine(b)).toBe(pair ? Math.fround(plain.cosine(b)) : plain.cosine(b));
          expect(cached.dot(b)).toBe(plain.dot(b));
        }
        plain.clear();
        cached.clear();
      }
    }
  });

  it('keeps no table above the candidate bound', () => {
    const rng = seededRng(6);
    const cands = Array.from({ length: 5 }, () => randomVec(rng));
    const cached = new CachedSimilarity(10, cands, 4);
    cached.load(cands[0]!);
    expect(cached.cosine(cands[0]!)).toBeCloseTo(1, 12);
    expect((cached as unknown as { table: unknown }).table).toBeNull();
  });

  it('raises maxSim to the plain cosines (1 within a story; single precision when tabled), skipping chosen candidates', () => {
    const rng = seededRng(7);
    const cands = [...Array.from({ length: 24 }, () => randomVec(rng)), EMPTY_VECTOR];
    const clusters = cands.map((_, i) => (i % 5 === 0 ? 'story' : `c${i}`));
    const pool = cands.map((_, i) => i).filter((i) => i !== 3);
    for (const bound of [4000, 4]) {
      const plain = new DenseScratch(10);
      const cached = new CachedSimilarity(10, cands, bound);
      const chosen = new Uint8Array(cands.length);
      const got = new Float64Array(cands.length).fill(-1);
      const want = new Float64Array(cands.length).fill(-1);
      // Three rounds: the later ones answer from the table.
      for (const i of [0, 7, 12, 0, 7, 12, 19]) {
        cached.load(cands[i]!);
        cached.raiseMaxSim(pool, chosen, clusters, clusters[i], got);
        cached.clear();
        plain.load(cands[i]!);
        for (const j of pool) {
          if (chosen[j]) continue;
          const c = plain.cosine(cands[j]!);
          const s = clusters[j] === clusters[i] ? 1 : bound === 4000 ? Math.fround(c) : c;
          if (s > want[j]!) want[j] = s;
        }
        plain.clear();
        if (i === 12) chosen[5] = chosen[6] = 1;
      }
      expect(Array.from(got)).toEqual(Array.from(want));
      expect(got[3]).toBe(-1);
    }
  });
});

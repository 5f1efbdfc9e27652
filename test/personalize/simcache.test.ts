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
  it('gives exactly the plain scratch cosines, remembered or not, for candidates and other vectors', () => {
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
          expect(cached.cosine(b)).toBe(plain.cosine(b));
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
});

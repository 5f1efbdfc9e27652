import { describe, expect, it } from 'vitest';
import { bubbleGuard, diversify, editionFloorBits, klDivergence } from '../../src/personalize/diversify.js';
import { editionMetrics, entropy, intraListDiversity } from '../../src/personalize/metrics.js';
import { TermDict, packVector } from '../../src/personalize/vectors.js';
import { seededRng } from '../../src/util/random.js';
import { vectorOf } from './fixtures.js';

const dict = new TermDict();
// 12 candidates: 0–5 topic 0 (near-duplicates), 6–8 topic 1, 9–11 topic 2; relevance falls with the index.
const n = 12;
const T = 3;
const topicOf = (i: number) => (i < 6 ? 0 : i < 9 ? 1 : 2);
const vecs = Array.from({ length: n }, (_, i) => packVector(vectorOf(i < 6 ? ['same', 'story', `x${i}`] : [`t${topicOf(i)}`, `y${i}`]), dict));
const topicDist = new Float64Array(n * T);
for (let i = 0; i < n; i++) topicDist[i * T + topicOf(i)] = 1;
const base = {
  pool: Array.from({ length: n }, (_, i) => i),
  relevance: Float64Array.from({ length: n }, (_, i) => 1 - i * 0.05),
  vecs,
  clusterIds: Array.from({ length: n }, (_, i) => `c${i}`),
  feedIds: Array.from({ length: n }, (_, i) => `f${i % 2}`),
  topicDist,
  topicCount: T,
  geo: new Uint8Array(n).fill(1),
  size: 4,
  lambda: 1,
  calibrationStrength: 0,
  targetTopics: Float64Array.from([1 / 3, 1 / 3, 1 / 3]),
  alpha: 0.01,
  geoStrength: 0,
  targetGeo: Float64Array.from([0, 1, 0]),
  maxPerSource: 10,
  exploreSlots: 0,
};

describe('diversify', () => {
  it('with λ = 1 and no calibration is the relevance order', () => {
    expect(diversify(base).order).toEqual([0, 1, 2, 3]);
  });

  it('MMR avoids near-duplicates', () => {
    const d = diversify({ ...base, lambda: 0.5 });
    expect(d.order.filter((i) => i < 6).length).toBeLessThan(3);
  });

  it('calibration brings the topic mix toward the target (KL penalty or proportional seats)', () => {
    const kl = diversify({ ...base, size: 3, calibrationStrength: 0.5, calibrationMethod: 'kl' });
    expect(new Set(kl.order.map(topicOf)).size).toBe(3);
    const seats = diversify({ ...base, size: 3, calibrationStrength: 1, calibrationMethod: 'seats' });
    expect(new Set(seats.order.map(topicOf)).size).toBe(3);
    expect(seats.seated.size).toBe(3);
    // Half the slots seated: the first goes to relevance, then seats alternate.
    const half = diversify({ ...base, size: 6, calibrationStrength: 0.5, targetTopics: Float64Array.from([0.5, 0.25, 0.25]) });
    expect(half.order[0]).toBe(0);
    expect(half.seated.size).toBe(3);
    expect(new Set(half.order.map(topicOf)).size).toBe(3);
  });

  it('caps items per source and keeps pinned items first', () => {
    const d = diversify({ ...base, maxPerSource: 1, fixed: [7] });
    expect(d.order[0]).toBe(7);
    const perFeed = new Map<string, number>();
    for (const i of d.order) perFeed.set(base.feedIds[i]!, (perFeed.get(base.feedIds[i]!) ?? 0) + 1);
    expect(Math.max(...perFeed.values())).toBe(1);
  });

  it('fills exploration slots reproducibly with the seeded rng', () => {
    const opts = { ...base, exploreSlots: 2, exploreEligible: (i: number) => topicOf(i) !== 0 };
    const a = diversify({ ...opts, rng: seededRng(3) });
    const b = diversify({ ...opts, rng: seededRng(3) });
    expect(a.order).toEqual(b.order);
    expect(a.explore.size).toBe(2);
    expect(new Set([...a.explore].map(topicOf)).size).toBe(2);
  });

  it('fills a seat with a story unlike the edition when seatLambda is low', () => {
    // 0: topic 0; 1: tagged topic 1 but the same story as 0; 2: topic 1, a different story, a little less relevant.
    const d2 = new TermDict();
    const v = [['same', 'story', 'a'], ['same', 'story', 'a'], ['other', 'matter']].map((w) => packVector(vectorOf(w), d2));
    const td = Float64Array.from([1, 0, 0, 1, 0, 1]);
    const three = {
      ...base,
      pool: [0, 1, 2],
      relevance: Float64Array.from([1, 0.9, 0.8]),
      vecs: v,
      clusterIds: ['a', 'b', 'c'],
      feedIds: ['f0', 'f1', 'f2'],
      topicDist: td,
      topicCount: 2,
      geo: new Uint8Array(3).fill(1),
      size: 2,
      calibrationStrength: 0.5,
      targetTopics: Float64Array.from([0.5, 0.5]),
    };
    // Slot 1 by relevance (0), slot 2 a seat for topic 1.
    expect(diversify({ ...three, lambda: 1 }).order).toEqual([0, 1]);
    const distinct = diversify({ ...three, lambda: 1, seatLambda: 0.5 });
    expect(distinct.order).toEqual([0, 2]);
    expect([...distinct.seated]).toEqual([2]);
  });

  it('KL is 0 for a matching mix and positive otherwise', () => {
    expect(klDivergence([0.5, 0.5], [0.5, 0.5], 0.01)).toBeCloseTo(0);
    expect(klDivergence([0.5, 0.5], [1, 0], 0.01)).toBeGreaterThan(1);
  });
});

describe('edition floor', () => {
  // λ = 1, no calibration: the relevance order is 0, 1, 2, 3, all topic 0 (entropy 0).
  const floor = { ...base, floorBits: 1.5, floorSlots: 3 };
  const h = (order: number[]) => entropy([0, 1, 2].map((g) => order.filter((i) => topicOf(i) === g).length));

  it('swaps the weakest items of the main topic for other topics until the floor holds', () => {
    const d = diversify(floor);
    // 3 gives way to 6 (topic 1, most relevant), then 2 to 9 (topic 2: a larger gain than a second topic-1 story).
    expect(d.order).toEqual([0, 1, 9, 6]);
    expect([...d.broadened].sort()).toEqual([6, 9]);
    expect(h(d.order)).toBeGreaterThanOrEqual(1.5);
  });

  it('is off at 0 bits or 0 slots, and swaps at most floorSlots items', () => {
    expect(diversify({ ...floor, floorBits: 0 }).order).toEqual([0, 1, 2, 3]);
    expect(diversify({ ...floor, floorSlots: 0 }).broadened.size).toBe(0);
    const one = diversify({ ...floor, floorSlots: 1 });
    expect(one.order).toEqual([0, 1, 2, 6]);
    expect(one.broadened.size).toBe(1);
  });

  it("goes to the subscriber's next-best topic first", () => {
    // Topic 2 is of much more interest than topic 1: its story comes in first although less relevant.
    const d = diversify({ ...floor, floorSlots: 1, topicInterest: Float64Array.from([1, 0.05, 1]) });
    expect(d.order).toEqual([0, 1, 2, 9]);
    // Power 0: interest ignored, the most relevant story of another topic comes in.
    expect(diversify({ ...floor, floorSlots: 1, topicInterest: Float64Array.from([1, 0.05, 1]), floorInterestPower: 0 }).order).toEqual([0, 1, 2, 6]);
    // A mild gap (0.75 vs 0.9): power 1 still takes the more relevant 6, power 4 keeps to topic 2.
    const mild = { ...floor, floorSlots: 1, topicInterest: Float64Array.from([1, 0.75, 0.9]) };
    expect(diversify(mild).order).toEqual([0, 1, 2, 6]);
    expect(diversify({ ...mild, floorInterestPower: 4 }).order).toEqual([0, 1, 2, 9]);
  });

  it('weighs relevance against likeness to the edition by floorLambda', () => {
    // 6 is the most relevant topic-1 story but tells the edition's story again; 7 is a different one.
    const like = [...vecs];
    like[6] = packVector(vectorOf(['same', 'story', 'x6']), dict);
    const one = { ...floor, vecs: like, floorSlots: 1 };
    expect(diversify({ ...one, floorLambda: 1 }).order).toEqual([0, 1, 2, 6]);
    expect(diversify({ ...one, floorLambda: 0.5 }).order).toEqual([0, 1, 2, 7]);
    // Absent, it follows seatLambda.
    expect(diversify({ ...one, seatLambda: 0.5 }).order).toEqual([0, 1, 2, 7]);
  });

  it('keeps pinned and exploration items, and the per-source cap', () => {
    const pinned = diversify({ ...floor, fixed: [3] });
    expect(pinned.order[0]).toBe(3);
    expect(pinned.broadened.has(3)).toBe(false);
    // Two per source (f0: even, f1: odd): 3 (f1) can only give way to a story of f1 or to one that frees nothing.
    const capped = diversify({ ...floor, floorSlots: 1, maxPerSource: 2 });
    expect(capped.order).toEqual([0, 1, 2, 7]);
  });
});

describe('edition floor bits', () => {
  const g = { holdBits: 2, holdSlots: 4, holdRampClicks: 10 };
  it('grows with the profile: none without clicks, half at holdRampClicks, toward holdBits', () => {
    expect(editionFloorBits(g, 0)).toBe(0);
    expect(editionFloorBits(g, 10)).toBeCloseTo(1);
    expect(editionFloorBits(g, 990)).toBeCloseTo(1.98);
    expect(editionFloorBits(g, 10, 1.5)).toBeCloseTo(1.5);
    expect(editionFloorBits({ ...g, holdRampClicks: 0 }, 1)).toBe(2);
  });
  it('is off without slots or bits, and ignores broken weights', () => {
    expect(editionFloorBits({ ...g, holdSlots: 0 }, 50)).toBe(0);
    expect(editionFloorBits({ ...g, holdBits: 0 }, 50)).toBe(0);
    expect(editionFloorBits(g, Number.NaN)).toBe(0);
    expect(editionFloorBits(g, -3)).toBe(0);
  });
});

describe('bubble guard', () => {
  const g = { floorBits: 1.5, editions: 3, explorationBoost: 0.2, baselineBoost: 0.5 };
  it('does nothing without history, above the floor, or when switched off', () => {
    expect(bubbleGuard(undefined, g)).toEqual({ shortfall: 0, historyScale: 1, extraExploration: 0 });
    expect(bubbleGuard([], g).shortfall).toBe(0);
    expect(bubbleGuard([2, 1.8, 1.6], g).shortfall).toBe(0);
    expect(bubbleGuard([0, 0, 0], { ...g, floorBits: 0 }).shortfall).toBe(0);
  });
  it('widens in proportion to how far the latest editions fell below the floor', () => {
    // Only the latest 3 count: mean 0.75 is half the floor.
    const half = bubbleGuard([3, 3, 0.75, 0.75, 0.75], g);
    expect(half.shortfall).toBeCloseTo(0.5);
    expect(half.historyScale).toBeCloseTo(0.75);
    expect(half.extraExploration).toBeCloseTo(0.1);
    // A new subscriber's first editions (fewer than the window) are not judged yet.
    expect(bubbleGuard([0, 0], g).shortfall).toBe(0);
    const single = bubbleGuard([0, 0, 0], g);
    expect(single).toEqual({ shortfall: 1, historyScale: 0.5, extraExploration: 0.2 });
    // Broken figures are ignored, not propagated.
    expect(bubbleGuard([Number.NaN, -1, 1.5], g).shortfall).toBe(0);
  });
});

describe('metrics', () => {
  it('computes entropy, ILD, coverage, sources and geo shares', () => {
    expect(entropy([1, 1])).toBeCloseTo(1);
    expect(entropy([])).toBe(0);
    expect(intraListDiversity([vecs[0]!, vecs[0]!])).toBeCloseTo(0);
    const m = editionMetrics(
      [
        { vec: vecs[0]!, topics: [{ id: 'sport', score: 1 }], feedId: 'f1', geo: 'local' },
        { vec: vecs[6]!, topics: [{ id: 'culture', score: 1 }], feedId: 'f2', geo: 'world' },
      ],
      { target: new Map([['sport', 0.5], ['culture', 0.5]]), taxonomySize: 12 },
    );
    expect(m.topicEntropy).toBe(1);
    expect(m.topicCoverage).toBeCloseTo(2 / 12, 3);
    expect(m.calibrationKl).toBeCloseTo(0, 3);
    expect(m.sources).toBe(2);
    expect(m.localShare).toBe(0.5);
    expect(m.worldShare).toBe(0.5);
    expect(m.intraListDiversity).toBeGreaterThan(0.5);
  });
});

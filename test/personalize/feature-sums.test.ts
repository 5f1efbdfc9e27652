import { describe, expect, it } from 'vitest';
import { prepareArticle, type PreparedArticle } from '../../src/personalize/articles.js';
import { OrderedSums, ProfileScratch } from '../../src/personalize/feature-sums.js';
import { buildProfile, type Profile } from '../../src/personalize/profile.js';
import { TermDict } from '../../src/personalize/vectors.js';
import { seededRng } from '../../src/util/random.js';
import { article, BERLIN, hoursAgo, LYON, NOW, PARIS, TOPICS } from './fixtures.js';

describe('OrderedSums', () => {
  it('sums by number and hands the sums back in first-touch order, then starts afresh', () => {
    const s = new OrderedSums();
    s.add(300, 1); // past the first size: the rows grow
    s.add(2, 0.5);
    s.add(300, 0.25);
    s.add(0, 0);
    expect([...s.take(Object.assign([], { 0: 'a', 2: 'c', 300: 'z' }))]).toEqual([
      ['z', 1.25],
      ['c', 0.5],
      ['a', 0],
    ]);
    s.add(2, 2);
    expect([...s.take(['a', 'b', 'c'])]).toEqual([['c', 2]]);
    expect(s.take([]).size).toBe(0);
  });
});

/** The string-keyed sums the numbered ones replace: what a profile summed before. */
function mapSums(arts: readonly PreparedArticle[], weights: readonly number[]) {
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  const topics = new Map<string, number>();
  const places = new Map<string, number>();
  const sources = new Map<string, number>();
  arts.forEach((a, i) => {
    const w = weights[i]!;
    const eff = a.topics.filter((t, k) => k === 0 || t.score >= 0.2);
    const tsum = eff.reduce((x, t) => x + t.score, 0);
    if (tsum > 0) for (const t of eff) add(topics, t.id, (w * t.score) / tsum);
    for (const p of a.places) add(places, p.geoId, w * (Number.isFinite(p.confidence) ? p.confidence : 0.5));
    add(sources, a.feedId, w);
  });
  return { topics, places, sources };
}

describe('ProfileScratch', () => {
  const rng = seededRng(21);
  const dict = new TermDict();
  const arts = Array.from({ length: 40 }, (_, i) => {
    const a = article({
      id: `a${i}`,
      topic: TOPICS[i % TOPICS.length]!,
      words: ['w' + (i % 7), 'x' + (i % 3)],
      places: [LYON, PARIS, BERLIN].filter(() => rng() < 0.5),
      feedId: `feed${i % 5}`,
    });
    // A second topic on some, an unknown confidence on others.
    if (i % 3 === 0) a.tags!.topics!.push({ id: TOPICS[(i + 1) % TOPICS.length]!, score: 0.3 });
    if (i % 4 === 0 && a.tags!.places!.length) a.tags!.places![0] = { ...a.tags!.places![0]!, confidence: Number.NaN };
    return prepareArticle(a, dict);
  });
  const lookup = (id: string) => arts.find((a) => a.id === id);
  const base = { lookup, now: NOW, halfLifeDays: 10, sensitiveTopics: [], sensitiveMinScore: 0.35 };
  const clicksOf = (ids: number[]) => ids.map((i, k) => ({ articleId: `a${i}`, at: hoursAgo(3 + k * 7) }));
  const readers = [
    [1, 2, 3, 5, 8, 13, 21, 34],
    [0, 4, 4, 9, 16, 25, 36],
    [7, 14, 28, 35],
  ];
  const shape = (p: Profile) => ({
    topics: [...p.topicAffinity],
    distribution: [...p.topicDistribution],
    places: [...p.placeAffinity],
    sources: [...p.sourceAffinity],
    usual: [...p.usualTopics],
    total: p.totalWeight,
  });

  it('sums topics, places and sources as string-keyed maps did: same keys, same order, same numbers', () => {
    for (const ids of readers) {
      const p = buildProfile({ ...base, clicks: clicksOf(ids) });
      const signals = p.signals.map((s) => s.article);
      const want = mapSums(signals, p.signals.map((s) => s.weight));
      const scaled = (m: Map<string, number>) => {
        const max = Math.max(...m.values());
        return [...m].filter(([, v]) => v > 0).map(([k, v]) => [k, v / max]);
      };
      expect([...p.topicAffinity]).toEqual(scaled(want.topics));
      expect([...p.placeAffinity]).toEqual(scaled(want.places));
      expect([...p.sourceAffinity]).toEqual(scaled(want.sources));
    }
  });

  it('keeps sensitive clicks out by the sensitive topics of each call, even when a shared scratch saw others before', () => {
    const shared = new ProfileScratch();
    const clicks = clicksOf([0, 1, 2, 3, 4, 5]);
    const sportOut = buildProfile({ ...base, clicks, sensitiveTopics: [TOPICS[0]!], scratch: shared });
    expect(sportOut.excludedSensitive.map((e) => e.articleId)).toEqual(['a0']);
    const none = buildProfile({ ...base, clicks, scratch: shared });
    expect(none.excludedSensitive).toEqual([]);
    const twoOut = buildProfile({ ...base, clicks, sensitiveTopics: [TOPICS[1]!, TOPICS[2]!], scratch: shared });
    expect(twoOut.excludedSensitive.map((e) => e.articleId).sort()).toEqual(['a1', 'a2']);
    // a0 also has topic 1 (score 0.3): below the minimum score for a sensitive second topic.
    const lowMin = buildProfile({ ...base, clicks, sensitiveTopics: [TOPICS[1]!], sensitiveMinScore: 0.25, scratch: shared });
    expect(lowMin.excludedSensitive.map((e) => e.articleId).sort()).toEqual(['a0', 'a1']);
    expect(shape(lowMin)).toEqual(shape(buildProfile({ ...base, clicks, sensitiveTopics: [TOPICS[1]!], sensitiveMinScore: 0.25 })));
  });

  it('gives every subscriber the same profile whether a build shares one scratch or not, in any order', () => {
    const shared = new ProfileScratch();
    const exposure = clicksOf([10, 11, 12, 13, 14, 15]).map((e) => ({ ...e, at: hoursAgo(30) }));
    const alone = readers.map((ids) => shape(buildProfile({ ...base, clicks: clicksOf(ids), exposure })));
    for (const order of [
      [0, 1, 2],
      [2, 0, 1, 0],
    ]) {
      for (const r of order) expect(shape(buildProfile({ ...base, clicks: clicksOf(readers[r]!), exposure, scratch: shared }))).toEqual(alone[r]);
    }
  });
});

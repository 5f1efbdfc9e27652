import { describe, expect, it } from 'vitest';
import { Covisitation, covisitScores } from '../../src/personalize/covisit.js';
import { haversineKm, geoClass, localMatch } from '../../src/personalize/geo.js';
import { ctrPopularity, hourlyClickEvents, normalizePopularity, popularityCounts } from '../../src/personalize/popularity.js';
import { prepareBuild } from '../../src/personalize/plan.js';
import { buildProfile } from '../../src/personalize/profile.js';
import { scoreCandidates } from '../../src/personalize/score.js';
import { DEFAULT_SETTINGS, RELEVANCE_PARTS } from '../../src/personalize/settings.js';
import { article, BERLIN, corpus, hoursAgo, LYON, NOW, PARIS } from './fixtures.js';

describe('geo', () => {
  it('measures distances and classes', () => {
    expect(haversineKm(PARIS.lat, PARIS.lon, LYON.lat, LYON.lon)).toBeGreaterThan(380);
    expect(haversineKm(PARIS.lat, PARIS.lon, LYON.lat, LYON.lon)).toBeLessThan(400);
    const home = { name: 'Lyon', countryCode: 'FR', admin1: '84', lat: 45.75, lon: 4.85 };
    expect(localMatch([LYON], home, 80).score).toBeGreaterThan(0.9);
    expect(localMatch([PARIS], home, 80).score).toBeLessThan(0.2);
    expect(geoClass([LYON], 'FR', home, 80, 'FR')).toBe('local');
    expect(geoClass([PARIS], 'FR', home, 80, 'FR')).toBe('national');
    expect(geoClass([BERLIN], 'DE', home, 80, 'FR')).toBe('world');
    expect(geoClass([], undefined, undefined, 80, 'FR', 'GB')).toBe('world');
  });
});

describe('popularity and co-visitation', () => {
  it('decays clicks and scales on a log scale', () => {
    const counts = popularityCounts(
      [
        { key: 'a', atMs: NOW },
        { key: 'a', atMs: NOW },
        { key: 'b', atMs: NOW - 24 * 3_600_000 },
      ],
      NOW,
      24,
    );
    expect(counts.get('b')).toBeCloseTo(0.5);
    const p = normalizePopularity(counts, ['a', 'b', 'c']);
    expect(p[0]).toBe(1);
    expect(p[2]).toBe(0);
    const ctr = ctrPopularity(new Map([['a', 0], ['b', 30]]), new Map([['a', 10], ['b', 100]]), ['a', 'b']);
    expect(ctr[1]).toBe(1);
    expect(ctr[0]).toBeLessThan(1);
  });

  it('weighs an hour of clicks as made at its middle, halfway to now for the hour under way', () => {
    const hour = 3_600_000;
    const start = NOW - (NOW % hour); // the hour under way
    const events = hourlyClickEvents(
      [
        { key: 'a', hourMs: start - 24 * hour, clicks: 4 },
        { key: 'b', hourMs: start, clicks: 2 },
        { key: 'c', hourMs: start - hour, clicks: 0 },
      ],
      NOW,
    );
    expect(events).toEqual([
      { key: 'a', atMs: start - 24 * hour + hour / 2, count: 4 },
      { key: 'b', atMs: (start + NOW) / 2, count: 2 },
    ]);
    const counts = popularityCounts(events, NOW, 24);
    expect(counts.get('a')).toBeCloseTo(4 * Math.pow(2, -(NOW - (start - 23.5 * hour)) / (24 * hour)), 12);
    // Within 1.5 % of the clicks' own weights, wherever in the hour they were made.
    for (const at of [start - 24 * hour, start - 23 * hour - 1]) expect(Math.abs(Math.pow(2, -(NOW - at) / (24 * hour)) * 4 / counts.get('a')! - 1)).toBeLessThan(0.015);
  });

  it('counts co-visits within the window, both ways, normalized', () => {
    const t = new Covisitation({ halfLifeHours: 24, epochMs: NOW });
    for (let u = 0; u < 5; u++) t.addReader([{ key: 'x', atMs: NOW - 3_600_000 }, { key: 'y', atMs: NOW }], 72);
    t.addReader([{ key: 'x', atMs: NOW - 100 * 3_600_000 }, { key: 'z', atMs: NOW }], 72);
    const row = t.row('x', NOW, 0);
    expect(row.get('y')).toBeGreaterThan(0.7);
    expect(row.has('z')).toBe(false);
    expect(t.row('y', NOW).get('x')).toBeGreaterThan(0);
    expect(covisitScores(t, [{ key: 'x', weight: 1 }], NOW).get('y')).toBeGreaterThan(0);
  });

  it('gives a row by candidate index: the same values as row(), sorted by index, unindexed stories left out', () => {
    const t = new Covisitation({ halfLifeHours: 24, epochMs: NOW });
    const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (let u = 0; u < 40; u++) {
      const clicks = keys.filter((_, k) => (u * 7 + k * 3) % 5 < 3).map((key, k) => ({ key, atMs: NOW - ((u + k) % 9) * 3_600_000 }));
      t.addReader(clicks, 48);
    }
    const index = new Map([['f', 0], ['b', 7], ['c', 3], ['e', 12]]);
    for (const a of keys) {
      const want = [...t.row(a, NOW)].flatMap(([b, v]) => (index.has(b) && v > 0 ? [[index.get(b)!, v] as const] : [])).sort((x, y) => x[0] - y[0]);
      const got = t.indexedRow(a, NOW, index);
      if (!want.length) expect(got).toBeUndefined();
      else {
        expect(Array.from(got!.idx)).toEqual(want.map((e) => e[0]));
        expect(Array.from(got!.w)).toEqual(want.map((e) => e[1]));
      }
    }
    expect(t.indexedRow('nobody', NOW, index)).toBeUndefined();
  });
});

describe('scoring', () => {
  const arts = corpus();
  const build = prepareBuild({
    articles: arts,
    clicks: [1, 2, 3].map((u) => ({ subscriberId: `u${u}`, articleId: 'culture-1', at: hoursAgo(2) })),
    now: NOW,
  });
  const profile = buildProfile({
    clicks: ['sport-0', 'sport-1'].map((id) => ({ articleId: id, at: hoursAgo(3) })),
    lookup: (id) => build.articles.get(id),
    now: NOW,
    halfLifeDays: 21,
    sensitiveTopics: [],
    sensitiveMinScore: 0.35,
  });

  it('keeps every part in [0, 1] and never yields NaN', () => {
    const s = scoreCandidates(build.ctx, DEFAULT_SETTINGS, { personalized: true, profile, local: null });
    for (const k of RELEVANCE_PARTS) for (const v of s.parts[k]) expect(v >= 0 && v <= 1).toBe(true);
    for (const v of s.relevance) expect(Number.isFinite(v)).toBe(true);
    const best = [...s.relevance.keys()].sort((a, b) => s.relevance[b]! - s.relevance[a]!)[0]!;
    expect(build.candidates[best]!.lead.mainTopic === 'sport' || build.candidates[best]!.lead.id === 'culture-1').toBe(true);
  });

  it('switches personal parts off without consent and survives odd weights', () => {
    const s = scoreCandidates(build.ctx, { weights: { content: 5, covisit: 5, recency: 0, popularity: 0, local: 0, editorial: 0 } }, {
      personalized: false,
      profile,
      local: null,
    });
    expect(s.weights.content).toBe(0);
    expect(s.weights.recency).toBe(1);
    for (const v of s.relevance) expect(Number.isFinite(v)).toBe(true);
    expect(Math.max(...s.relevance)).toBeGreaterThan(0);
  });

  it('gives articles without any content the average content score (unknown, not irrelevant)', () => {
    const b = prepareBuild({ articles: [...arts, { ...article({ id: 'bare' }), tags: undefined }], now: NOW });
    const s = scoreCandidates(b.ctx, DEFAULT_SETTINGS, { personalized: true, profile: buildProfile({ clicks: [{ articleId: 'sport-0', at: hoursAgo(1) }], lookup: (id) => b.articles.get(id), now: NOW, halfLifeDays: 21, sensitiveTopics: [], sensitiveMinScore: 0.35 }), local: null });
    const i = b.candidates.findIndex((c) => c.lead.id === 'bare');
    expect(s.parts.content[i]).toBeGreaterThan(0);
  });
});

import { describe, expect, it } from 'vitest';
import { prepareArticle } from '../../src/personalize/articles.js';
import { buildProfile, describeProfile, parseIsoUtc } from '../../src/personalize/profile.js';
import { TermDict } from '../../src/personalize/vectors.js';
import { article, hoursAgo, LYON, NOW } from './fixtures.js';

const dict = new TermDict();
const arts = [
  article({ id: 'sp1', topic: 'sport', words: ['match', 'but'], places: [LYON], title: 'OL wins' }),
  article({ id: 'sp2', topic: 'sport', words: ['match', 'coupe'] }),
  article({ id: 'health', topic: 'sante', words: ['vaccin'] }),
  article({ id: 'eco', topic: 'economie', words: ['bourse'] }),
].map((a) => prepareArticle(a, dict));
const lookup = (id: string) => arts.find((a) => a.id === id);
const base = { lookup, now: NOW, halfLifeDays: 10, sensitiveTopics: ['sante'], sensitiveMinScore: 0.35 };

describe('profile', () => {
  it('weighs recent clicks more (half-life) and records where interests come from', () => {
    const p = buildProfile({
      ...base,
      clicks: [
        { articleId: 'sp1', at: hoursAgo(1) },
        { articleId: 'eco', at: hoursAgo(24 * 10) },
      ],
    });
    expect(p.signals[0]!.article.id).toBe('sp1');
    expect(p.signals[1]!.weight).toBeCloseTo(0.5, 2);
    expect(p.topicAffinity.get('sport')).toBe(1);
    expect(p.topicAffinity.get('economie')).toBeCloseTo(0.5, 1);
    expect(p.placeAffinity.get(LYON.geoId)).toBe(1);
    const view = describeProfile(p, { lang: 'fr', terms: dict.terms });
    expect(view.topics[0]).toMatchObject({ id: 'sport', label: 'Sport' });
    expect(view.topics[0]!.from[0]!.articleId).toBe('sp1');
    expect(view.places[0]!.label).toBe('Lyon');
    expect(view.keywords.length).toBeGreaterThan(0);
  });

  it('keeps sensitive clicks out unless the topic is followed', () => {
    const clicks = [{ articleId: 'health', at: hoursAgo(2) }];
    const p = buildProfile({ ...base, clicks });
    expect(p.topicAffinity.has('sante')).toBe(false);
    expect(p.terms.norm).toBe(0);
    expect(p.excludedSensitive).toHaveLength(1);
    // Still never shown again.
    expect(p.clicked.map((a) => a.id)).toEqual(['health']);
    const followed = buildProfile({ ...base, clicks, prefs: { followTopics: ['sante'] } });
    expect(followed.topicAffinity.get('sante')).toBe(1);
    expect(followed.excludedSensitive).toHaveLength(0);
  });

  it('merges follows, mutes and more/less-like-this', () => {
    const p = buildProfile({
      ...base,
      clicks: [{ articleId: 'sp1', at: hoursAgo(1) }],
      prefs: {
        followTopics: ['culture'],
        muteTopics: ['sport'],
        feedback: [
          { articleId: 'eco', signal: 1, at: hoursAgo(1) },
          { articleId: 'sp2', signal: -1, at: hoursAgo(1) },
        ],
      },
    });
    expect(p.topicAffinity.get('culture')).toBe(1);
    expect(p.topicAffinity.has('sport')).toBe(false);
    expect(p.signals.find((s) => s.kind === 'like')?.article.id).toBe('eco');
    expect(p.dislikedClusterIds.has(arts[1]!.clusterId)).toBe(true);
    expect(p.dislikes.norm).toBeGreaterThan(0);
    expect(p.empty).toBe(false);
  });

  it('is empty without any signal', () => {
    expect(buildProfile({ ...base, clicks: [] }).empty).toBe(true);
  });
});

describe('exposure correction', () => {
  it('turns click counts into click rates per topic when the editions shown are known', () => {
    const dict2 = new TermDict();
    const many = [
      ...Array.from({ length: 10 }, (_, i) => article({ id: `s${i}`, topic: 'sport' })),
      article({ id: 'e0', topic: 'economie' }),
    ].map((a) => prepareArticle(a, dict2));
    const find = (id: string) => many.find((a) => a.id === id);
    const at = hoursAgo(1);
    // Shown 10 sport, clicked 2; shown 1 economie, clicked it.
    const p = buildProfile({
      ...base,
      lookup: find,
      clicks: [{ articleId: 's0', at }, { articleId: 's1', at }, { articleId: 'e0', at }],
      exposure: many.map((a) => ({ articleId: a.id, at })),
    });
    const plain = buildProfile({ ...base, lookup: find, clicks: [{ articleId: 's0', at }, { articleId: 's1', at }, { articleId: 'e0', at }] });
    expect(plain.topicAffinity.get('sport')).toBe(1);
    expect(p.topicAffinity.get('economie')).toBe(1);
    expect(p.topicAffinity.get('sport')!).toBeLessThan(1);
    // The calibration target keeps only topics actually read.
    expect([...p.topicDistribution.keys()].sort()).toEqual(['economie', 'sport']);
  });
});

describe('parseIsoUtc', () => {
  it('gives what Date.parse gives, stored form or not', () => {
    const cases = [
      '2026-11-22T06:00:00.000Z',
      '2026-02-29T00:00:00.000Z',
      '2026-13-01T00:00:00.000Z',
      '2026-01-10T24:00:00.000Z',
      '0050-01-01T00:00:00.000Z',
      '2026-1a-01T00:00:00.000Z',
      '2026-11-22T06:00:00Z',
      '2026-11-22',
      'garbage',
      '',
    ];
    for (let ms = -5e11; ms < 4e12; ms += 7_777_777_777) cases.push(new Date(ms).toISOString());
    for (const c of cases) expect(Object.is(parseIsoUtc(c), Date.parse(c)), c).toBe(true);
  });
});

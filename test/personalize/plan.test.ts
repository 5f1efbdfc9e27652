import { describe, expect, it } from 'vitest';
import { explainItem } from '../../src/personalize/explain.js';
import { planEdition, planForSubscriber, prepareBuild, toEdition } from '../../src/personalize/plan.js';
import { DEFAULT_SETTINGS, RELEVANCE_PARTS } from '../../src/personalize/settings.js';
import { seededRng } from '../../src/util/random.js';
import { article, corpus, hoursAgo, LYON, NOW, subscriber } from './fixtures.js';

const LYON_HOME = { name: 'Lyon', countryCode: 'FR', admin1: '84', lat: 45.76, lon: 4.84 };

function world() {
  const articles = corpus();
  articles.push(article({ id: 'lyon-tram', topic: 'societe', places: [LYON], words: ['tram', 'lyon', 'ligne'], title: 'Le tram de Lyon' }));
  articles.push(article({ id: 'big-1', clusterId: 'big', feedId: 'f1', topic: 'politique', words: ['budget', 'vote'], title: 'Budget voté', section: 'À la une' }));
  articles.push(article({ id: 'big-2', clusterId: 'big', feedId: 'f2', topic: 'politique', words: ['budget', 'vote'], hours: 3 }));
  articles.push(article({ id: 'big-3', clusterId: 'big', feedId: 'f3', topic: 'politique', words: ['budget', 'assemblée'], hours: 4 }));
  const clicks = [];
  for (let u = 0; u < 10; u++) {
    clicks.push({ subscriberId: `u${u}`, articleId: 'sport-1', at: hoursAgo(6) });
    clicks.push({ subscriberId: `u${u}`, articleId: 'culture-3', at: hoursAgo(5) });
  }
  return { articles, clicks };
}

const sportClicks = ['sport-0', 'sport-1', 'sport-2'].map((id, i) => ({ articleId: id, at: hoursAgo(10 + i) }));

describe('planEdition', () => {
  it('builds a full, explained, sectioned edition that never repeats a clicked story', () => {
    const { articles, clicks } = world();
    const plan = planEdition({ articles, clicks, now: NOW, subscriber: subscriber({ home: LYON_HOME }), subscriberClicks: sportClicks, rng: seededRng(1) });
    expect(plan.personalized).toBe(true);
    expect(plan.items).toHaveLength(DEFAULT_SETTINGS.editionSize);
    expect(new Set(plan.items.map((i) => i.clusterId)).size).toBe(plan.items.length);
    for (const it of plan.items) {
      expect(it.reasons.length).toBeGreaterThan(0);
      expect(Number.isFinite(it.score)).toBe(true);
      expect(['sport-0', 'sport-1', 'sport-2']).not.toContain(it.articleId);
    }
    expect(plan.items.map((i) => i.position)).toEqual(plan.items.map((_, k) => k + 1));
    const byId = new Map(plan.items.map((i) => [i.articleId, i]));
    expect(byId.get('lyon-tram')?.reasons.some((r) => r.code === 'near-you' && r.text === 'Près de chez vous : Lyon')).toBe(true);
    expect(plan.items.some((i) => i.reasons.some((r) => r.code === 'because-you-read' && r.text.startsWith('Parce que vous avez lu'))));
    const big = plan.items.find((i) => i.clusterId === 'big');
    // Best source = the earliest complete article; the others are "also covered by".
    expect(big?.articleId).toBe('big-3');
    expect(big?.alsoCoveredBy.map((a) => a.articleId).sort()).toEqual(['big-1', 'big-2']);
    expect(plan.sections.map((s) => s.id)).toContain('for-you');
    expect(plan.sections.find((s) => s.id === 'for-you')?.title).toBe('Pour vous');
    const counts = new Map<string, number>();
    for (const it of plan.items) counts.set(it.feedId, (counts.get(it.feedId) ?? 0) + 1);
    expect(Math.max(...counts.values())).toBeLessThanOrEqual(DEFAULT_SETTINGS.maxPerSource);
    expect(plan.metrics.sources).toBeGreaterThan(1);
    expect(plan.metrics.topicEntropy).toBeGreaterThan(1);
    const ed = toEdition(plan, { id: 'e1', date: '2026-11-22', settingsVersion: 3, createdAt: new Date(NOW).toISOString() });
    expect(ed.items).toBe(plan.items);
    expect(ed.settingsVersion).toBe(3);
  });

  it('gives a sound non-personalized edition on cold start or without consent, in English', () => {
    const { articles, clicks } = world();
    const noConsent = subscriber({
      lang: 'en',
      consents: { ...subscriber().consents, personalization: { granted: false, at: hoursAgo(1), source: 'test' } },
    });
    const plan = planEdition({ articles, clicks, now: NOW, subscriber: noConsent, subscriberClicks: sportClicks, rng: seededRng(1) });
    expect(plan.personalized).toBe(false);
    expect(plan.items).toHaveLength(DEFAULT_SETTINGS.editionSize);
    for (const it of plan.items) {
      // Every relevance part, in RELEVANCE_PARTS order (how editions store and show them).
      expect(Object.keys(it.scoreParts)).toEqual([...RELEVANCE_PARTS]);
      expect(it.scoreParts.content).toBe(0);
      expect(it.scoreParts.covisit).toBe(0);
      expect(it.reasons.every((r) => r.code !== 'because-you-read')).toBe(true);
    }
    expect(plan.sections[0]!.title).toBe('Top stories');
    // The story covered by three sources, one of them on the front page, is among the top stories.
    expect(plan.sections[0]!.itemIds).toContain(plan.items.find((i) => i.clusterId === 'big')!.articleId);
    const cold = planEdition({ articles, clicks, now: NOW, subscriber: subscriber(), rng: seededRng(1) });
    expect(cold.items).toHaveLength(DEFAULT_SETTINGS.editionSize);
    expect(new Set(cold.items.flatMap((i) => i.topics)).size).toBeGreaterThan(3);
  });

  it('is deterministic for a seed, changes after clicks, honours mutes and pins', () => {
    const { articles, clicks } = world();
    const build = prepareBuild({ articles, clicks, now: NOW, settings: { ...DEFAULT_SETTINGS, pinned: { articleIds: [], clusterIds: ['c-economie-7'] } } });
    const sub = subscriber({ prefs: { ...subscriber().prefs, muteTopics: ['culture'], muteSources: ['f4'] } });
    const a = planForSubscriber(build, sub, sportClicks, seededRng(5));
    const b = planForSubscriber(build, sub, sportClicks, seededRng(5));
    expect(a.items.map((i) => i.articleId)).toEqual(b.items.map((i) => i.articleId));
    expect(a.items[0]!.articleId).toBe('economie-7');
    expect(a.items[0]!.reasons[0]!.code).toBe('editors-pick');
    for (const it of a.items.slice(1)) {
      expect(it.topics).not.toContain('culture');
      expect(it.feedId).not.toBe('f4');
    }
    const later = planForSubscriber(build, sub, [...sportClicks, { articleId: 'politique-2', at: hoursAgo(1) }], seededRng(5));
    expect(later.items.map((i) => i.articleId)).not.toEqual(a.items.map((i) => i.articleId));
  });

  it('the diversity dial widens the topic mix', () => {
    const { articles, clicks } = world();
    const build = prepareBuild({ articles, clicks, now: NOW });
    const many = ['sport-0', 'sport-1', 'sport-2', 'sport-3', 'sport-4'].map((id) => ({ articleId: id, at: hoursAgo(3) }));
    const familiar = planForSubscriber(build, subscriber({ diversity: 0 }), many, seededRng(2));
    const surprise = planForSubscriber(build, subscriber({ diversity: 1 }), many, seededRng(2));
    expect(surprise.metrics.topicEntropy).toBeGreaterThanOrEqual(familiar.metrics.topicEntropy);
    const rel = planForSubscriber(build, subscriber(), many, seededRng(2), { relevanceOnly: true });
    expect(rel.items).toHaveLength(DEFAULT_SETTINGS.editionSize);
  });

  it('holds the edition floor for a reader of one topic: other topics of interest come last, explained', () => {
    // 30 sport stories and a few of other topics; the reader clicked 20 sport stories (a sure profile).
    const articles = [...corpus(4)];
    for (let k = 0; k < 30; k++) articles.push(article({ id: `s${k}`, topic: 'sport', feedId: `f${(k % 4) + 1}`, words: ['sport', 'match', `s${k}`], hours: 1 + (k % 20) }));
    const read = Array.from({ length: 20 }, (_, k) => ({ articleId: `s${k}`, at: hoursAgo(2 + k) }));
    const settings = { ...DEFAULT_SETTINGS, editionSize: 8, explorationShare: 0, calibration: { ...DEFAULT_SETTINGS.calibration, strength: 0 } };
    const build = prepareBuild({ articles, now: NOW, settings });
    const sub = subscriber({ lang: 'en' });
    const plan = planForSubscriber(build, sub, read, seededRng(1));
    const noFloor = planForSubscriber(prepareBuild({ articles, now: NOW, settings: { ...settings, bubbleGuard: { ...settings.bubbleGuard, holdSlots: 0 } } }), sub, read, seededRng(1));
    const broad = plan.items.filter((i) => i.reasons.some((r) => r.code === 'broaden'));
    expect(broad.length).toBeGreaterThan(0);
    expect(broad.length).toBeLessThanOrEqual(settings.bubbleGuard.holdSlots);
    expect(broad.every((i) => i.topics[0] !== 'sport')).toBe(true);
    expect(broad[0]!.reasons.find((r) => r.code === 'broaden')!.text).toMatch(/^Also for you: .+, to keep your edition broad$/);
    // Shown last, and the edition is broader than without the floor.
    expect(plan.items.slice(-broad.length).map((i) => i.articleId)).toEqual(broad.map((i) => i.articleId));
    expect(plan.metrics.topicEntropy).toBeGreaterThan(noFloor.metrics.topicEntropy);
  });

  it('keeps to the languages the subscriber reads, unless too few stories are left to fill the edition', () => {
    const french = corpus();
    const english = ['politique', 'economie', 'sport', 'culture', 'sciences', 'technologie', 'international', 'societe'].flatMap((t, ti) =>
      [0, 1].map((k) => article({ id: `en-${t}-${k}`, topic: t, lang: 'en', feedId: `en${(ti + k) % 4}`, words: [t, `en-${t}`, `en${ti}-${k}`], hours: 2 + k })),
    );
    const settings = { ...DEFAULT_SETTINGS, pinned: { articleIds: [], clusterIds: ['c-economie-7'] } };
    const build = prepareBuild({ articles: [...french, ...english], clicks: [], now: NOW, settings });
    const langOf = (id: string) => (id.startsWith('en-') ? 'en' : 'fr');
    const plan = (o: Parameters<typeof subscriber>[0]) => planForSubscriber(build, subscriber(o), [], seededRng(1)).items.map((i) => i.articleId);

    const reader = plan({ lang: 'en' });
    expect(reader).toHaveLength(DEFAULT_SETTINGS.editionSize);
    // The editors' pinned story stays whatever its language; every other story is in English.
    expect(reader).toContain('economie-7');
    expect(reader.filter((id) => id !== 'economie-7').every((id) => langOf(id) === 'en')).toBe(true);
    expect(plan({ lang: 'fr' }).filter((id) => id !== 'economie-7').every((id) => langOf(id) === 'fr')).toBe(true);
    // Someone who reads both gets both.
    const both = plan({ lang: 'en', prefs: { ...subscriber().prefs, languages: ['fr', 'en'] } });
    expect(new Set(both.map(langOf))).toEqual(new Set(['fr', 'en']));

    // Four English stories cannot fill an edition: it stays full, with stories in French.
    const few = prepareBuild({ articles: [...french, ...english.slice(0, 4)], clicks: [], now: NOW });
    const short = planForSubscriber(few, subscriber({ lang: 'en' }), [], seededRng(1)).items;
    expect(short).toHaveLength(DEFAULT_SETTINGS.editionSize);
  });

  it('reads "local news" as news near the reader: local stories of a far city get no boost and no "you follow"', () => {
    const MARSEILLE = { ...LYON, name: 'Marseille', geoId: 'geonames:2995469', admin1: '93', lat: 43.2965, lon: 5.3698 };
    const articles = corpus();
    articles.push(article({ id: 'lyon-local', topic: 'local', places: [LYON], words: ['quartier', 'mairie', 'lyon'], title: 'À Lyon, un quartier change' }));
    articles.push(article({ id: 'marseille-local', topic: 'local', places: [MARSEILLE], words: ['quartier', 'mairie', 'marseille'], title: 'À Marseille, un quartier change' }));
    const build = prepareBuild({ articles, clicks: [], now: NOW });
    const reader = subscriber({ home: LYON_HOME, prefs: { ...subscriber().prefs, followTopics: ['local'] } });
    const plan = planForSubscriber(build, reader, [], seededRng(1));
    const lyon = plan.items.find((i) => i.articleId === 'lyon-local');
    expect(lyon?.reasons.some((r) => r.code === 'followed-topic')).toBe(true);
    const far = plan.items.find((i) => i.articleId === 'marseille-local');
    expect(far?.reasons.some((r) => r.code === 'followed-topic') ?? false).toBe(false);
    if (far) expect(far.scoreParts.content!).toBeLessThan(lyon!.scoreParts.content!);
    // Without a home, following local news boosts no story for it.
    const nowhere = planForSubscriber(build, subscriber({ prefs: { ...subscriber().prefs, followTopics: ['local'] } }), [], seededRng(1));
    expect(nowhere.items.every((i) => !i.reasons.some((r) => r.code === 'followed-topic'))).toBe(true);
  });

  it('returns an empty plan, not an error, when there is nothing to show', () => {
    const plan = planEdition({ articles: [], now: NOW, subscriber: subscriber(), rng: seededRng(1) });
    expect(plan.items).toEqual([]);
    expect(plan.sections).toEqual([]);
  });
});

describe('explanations', () => {
  const parts = { content: 0.8, covisit: 0.2, recency: 0.5, popularity: 0.7, local: 0.9, editorial: 0 };
  const weights = { content: 1, covisit: 1, recency: 1, popularity: 1, local: 1, editorial: 1 };
  it('names the article read, the place, popularity, in French and English', () => {
    const base = { parts, weights, pinned: false, explore: false, sources: 1, becauseOf: { articleId: 'x', title: 'Un titre', kind: 'click' as const }, nearPlace: 'Lyon', max: 5 };
    const fr = explainItem({ ...base, lang: 'fr' });
    expect(fr.map((r) => r.text)).toEqual(['Parce que vous avez lu « Un titre »', 'Près de chez vous : Lyon', "Populaire aujourd'hui"]);
    const en = explainItem({ ...base, lang: 'en' });
    expect(en.map((r) => r.code)).toEqual(['because-you-read', 'near-you', 'popular']);
    expect(en[1]!.text).toBe('Near you: Lyon');
  });
  it('says editor pick and exploration, and is never empty', () => {
    const zero = { content: 0, covisit: 0, recency: 0, popularity: 0, local: 0, editorial: 0 };
    expect(explainItem({ lang: 'en', parts: zero, weights, pinned: true, explore: false, sources: 1 })[0]!.text).toBe("Editor's pick");
    expect(explainItem({ lang: 'fr', parts: zero, weights, pinned: false, explore: true, sources: 1, topicLabel: 'Sciences' })[0]!.text).toBe(
      'Nouveau pour vous : Sciences, hors de vos sujets habituels',
    );
    expect(explainItem({ lang: 'en', parts: zero, weights, pinned: false, explore: false, sources: 3 })[0]!.code).toBe('top-story');
  });
  it('looks for the article read only when that reason would be shown', () => {
    let calls = 0;
    const find = () => (calls++, { articleId: 'x', title: 'Read before', kind: 'click' as const });
    const base = { lang: 'en' as const, parts, weights, pinned: false, explore: false, sources: 1, becauseOf: find };
    expect(explainItem(base)[0]).toEqual({ code: 'because-you-read', text: 'Because you read “Read before”', ref: 'x' });
    expect(calls).toBe(1);
    // Exploration, a story that owes little to content and co-visitation, and three stronger reasons already: not called.
    explainItem({ ...base, explore: true });
    explainItem({ ...base, parts: { ...parts, content: 0.05, covisit: 0 } });
    const three = explainItem({ ...base, pinned: true, followedTopic: { id: 'sport', label: 'Sport' }, followedSource: 'Le Monde' });
    expect(three.map((r) => r.code)).toEqual(['editors-pick', 'followed-topic', 'followed-source']);
    expect(calls).toBe(1);
    // Nothing found: the other reasons follow as before.
    expect(explainItem({ ...base, becauseOf: () => undefined, nearPlace: 'Lyon' }).map((r) => r.code)).toEqual(['near-you', 'popular']);
  });
  it('says when a story keeps a narrowing edition broad, exploration first', () => {
    const zero = { content: 0, covisit: 0, recency: 0, popularity: 0, local: 0, editorial: 0 };
    const b = { parts: zero, weights, pinned: false, explore: false, broaden: true, sources: 1, topicLabel: 'Sport' };
    expect(explainItem({ ...b, lang: 'en' })[0]).toEqual({ code: 'broaden', text: 'Also for you: Sport, to keep your edition broad', ref: 'Sport' });
    expect(explainItem({ ...b, lang: 'fr' })[0]!.text).toBe('Aussi pour vous : Sport, pour garder une édition variée');
    expect(explainItem({ ...b, lang: 'en', explore: true }).map((r) => r.code)).not.toContain('broaden');
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Article } from '../../src/model.js';
import { correctArticleTopic, memoryKv, retagStored, TaggingEngine, TAGGER_VERSION, type TagInput } from '../../src/tag/tagger.js';
import { loadTaxonomy } from '../../src/tag/taxonomy.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { fixedClock } from '../../src/util/clock.js';
import { UserError } from '../../src/util/errors.js';
import { SNIPPETS } from './fixtures.js';

const clock = fixedClock('2026-11-22T06:00:00.000Z');
const taxonomy = loadTaxonomy();

function trainedEngine(): TaggingEngine {
  const engine = new TaggingEngine(taxonomy, undefined, { clock });
  engine.tag(SNIPPETS.map((s, i) => ({ id: `s${i}`, title: s.title, text: s.text, section: s.section, langHint: s.lang })));
  return engine;
}

describe('TaggingEngine.tag', () => {
  it('gives language, readable keywords, a normalised vector, topics, places and version', () => {
    const engine = trainedEngine();
    const [fr, en] = engine.tag([
      {
        id: 'a1',
        title: 'Élections municipales à Lyon',
        text: 'Les élections municipales approchent. Les candidats aux élections présentent leurs programmes aux électeurs de Lyon. Élections serrées.',
      },
      { id: 'a2', title: 'Storm floods London', text: 'A storm flooded streets in London on Monday. The storm forced schools to close and trains were cancelled.' },
    ]);
    expect(fr!.lang).toBe('fr');
    expect(en!.lang).toBe('en');
    const frTerms = fr!.keywords.map((k) => k.term);
    expect(frTerms).toContain('élections');
    const elect = fr!.keywords.find((k) => k.term === 'élections')!;
    expect(elect.stem).not.toBe('élections');
    expect(en!.keywords.map((k) => k.term)).toContain('storm');
    for (const t of [fr!, en!]) {
      expect(Math.hypot(...t.vector.weights)).toBeCloseTo(1, 3);
      expect(t.vector.terms.every((x) => !x.startsWith('^'))).toBe(true);
      expect(t.keywords.every((k) => !k.stem.startsWith('^'))).toBe(true);
      expect(t.topics.length).toBeGreaterThan(0);
      expect(t.taggedAt).toBe('2026-11-22T06:00:00.000Z');
      expect(t.taggerVersion.startsWith(TAGGER_VERSION)).toBe(true);
      expect(Array.isArray(t.places)).toBe(true);
    }
    // Places come from the gazetteer (src/tag/geo).
    expect(en!.places.some((p) => p.countryCode === 'GB')).toBe(true);
    expect(fr!.places.some((p) => p.countryCode === 'FR')).toBe(true);
  });

  it('learns topics from feed sections and predicts them for general feeds', () => {
    const engine = trainedEngine();
    expect(engine.topicModel.labels).toEqual(['economie', 'sante', 'sport']);
    const tags = engine.tag([
      { id: 'g1', title: 'Finale de coupe', text: "Le club a gagné le match, le joueur a marqué deux buts devant l'entraîneur.", section: 'À la une' },
      { id: 'g2', title: 'Markets slide', text: 'Shares and bank stocks fell as investors feared inflation and interest rates.', section: 'Home' },
      { id: 'g3', title: 'Vaccination', text: 'Les médecins et les hôpitaux appellent les patients à se faire vacciner contre le virus.' },
    ]);
    expect(tags.map((t) => t.topics[0]!.id)).toEqual(['sport', 'economie', 'sante']);
    for (const t of tags) {
      const sum = t.topics.reduce((a, s) => a + s.score, 0);
      expect(sum).toBeLessThanOrEqual(1.0001);
    }
  });

  it('puts the section’s topic first and marks regional feeds local', () => {
    const engine = trainedEngine();
    const [t1, t2, t3] = engine.tag([
      { id: 'x1', title: 'Hôpital', text: 'Les médecins de l’hôpital soignent les patients.', section: 'Sport' },
      { id: 'x2', title: 'Match', text: 'Le club a gagné le match.', feedRegion: 'Bretagne' },
      { id: 'x3', title: 'Match', text: 'Le club a gagné le match.', section: 'Régions' },
    ]);
    expect(t1!.topics[0]!.id).toBe('sport');
    expect(t1!.topics[0]!.score).toBeGreaterThanOrEqual(0.5);
    expect(t2!.topics.map((t) => t.id)).toContain('local');
    expect(t2!.topics[0]!.id).toBe('sport');
    expect(t3!.topics.at(-1)).toEqual({ id: 'local', score: 1 });
  });

  it('leaves amounts out of keywords', () => {
    const engine = trainedEngine();
    const [t] = engine.tag([{ id: 'm1', title: 'Insurer cuts jobs', text: 'The insurer will pay 375m and 850m in fines, 375m this year; the insurer cuts jobs.' }]);
    expect(t!.keywords.map((k) => k.term)).toContain('insurer');
    expect(t!.keywords.some((k) => /^\d/.test(k.term))).toBe(false);
    expect(t!.vector.terms.some((x) => /^\d/.test(x))).toBe(true);
  });

  it('gives no text topic to an article without content words', () => {
    const engine = trainedEngine();
    const [empty, hinted] = engine.tag([
      { id: 'e1', title: '', text: '' },
      { id: 'e2', title: '12 000', text: '', section: 'Sport' },
    ]);
    expect(empty!.topics).toEqual([]);
    expect(empty!.keywords).toEqual([]);
    expect(hinted!.topics[0]!.id).toBe('sport');
  });

  it('uses the taxonomy keywords before any example exists', () => {
    const engine = new TaggingEngine(taxonomy, undefined, { clock });
    expect(engine.topicModel.isTrained).toBe(false);
    const [t] = engine.tag([{ id: 'k1', title: 'Match', text: "L'équipe a gagné le match du championnat, le joueur et l'entraîneur fêtent la victoire." }], { learn: false });
    expect(t!.topics[0]!.id).toBe('sport');
  });

  it('lets an editor correction win, and keeps it through save and load', async () => {
    const engine = trainedEngine();
    const article = { id: 'c1', title: 'Le club et la Bourse', text: 'Le club de football entre en Bourse : les actions du club montent.' };
    engine.addCorrection(article, 'economie');
    expect(engine.correctionFor('c1')).toBe('economie');
    const [t] = engine.tag([{ ...article, section: 'Sport' }]);
    expect(t!.topicOverride).toBe('economie');
    expect(t!.topics[0]).toEqual({ id: 'economie', score: 1 });
    // The feed's section does not overwrite the editor's label.
    expect(engine.correctionFor('c1')).toBe('economie');

    const kv = memoryKv();
    await engine.save(kv);
    const again = await TaggingEngine.load(kv, { taxonomy, clock });
    expect(again.correctionFor('c1')).toBe('economie');
    expect(again.tag([article], { updateFrequencies: false })[0]!.topicOverride).toBe('economie');
    expect(() => engine.addCorrection(article, 'astrologie')).toThrow(UserError);
    expect(() => engine.learn([{ ...article, topicId: 'local' }])).toThrow(/scope/);
  });

  it('tags the same way after a save/load round trip', async () => {
    const engine = trainedEngine();
    const kv = memoryKv();
    await engine.save(kv);
    expect(kv.keys().sort()).toEqual(['tag:examples', 'tag:tfidf', 'tag:topics']);
    const loaded = await TaggingEngine.load(kv, { taxonomy, clock });
    const inputs: TagInput[] = [
      { id: 'r1', title: 'Vaccin', text: 'Un vaccin contre le virus est recommandé par les médecins.' },
      { id: 'r2', title: 'Stocks', text: 'Stock markets fell as inflation rose.' },
    ];
    const a = engine.tag(inputs, { updateFrequencies: false, learn: false });
    const b = loaded.tag(inputs, { updateFrequencies: false, learn: false });
    expect(b).toEqual(a);
  });

  it('tags a batch as it tags each article alone, whatever the shape of the call options', () => {
    const engine = trainedEngine();
    const inputs: TagInput[] = [
      { id: 'b1', title: 'Vaccin', text: 'Un vaccin contre le virus est recommandé par les médecins à Lyon.', section: 'Santé' },
      { id: 'b2', title: 'Stocks', text: 'Stock markets in London fell as inflation rose.', feedRegion: 'Greater London' },
      { id: 'b3', title: '', text: '' },
    ];
    const batch = engine.tag(inputs, { updateFrequencies: false, learn: false });
    const alone = inputs.map((input) => engine.tag([input], { learn: false, updateFrequencies: false })[0]!);
    expect(alone).toEqual(batch);
    expect(batch[0]!.topics[0]!.id).toBe('sante');
    expect(batch[1]!.topics.some((t) => t.id === 'local')).toBe(true);
    expect(batch[2]!.topics).toEqual([]);
  });

  it('keeps the saved vocabulary bounded', async () => {
    const engine = new TaggingEngine(taxonomy, undefined, { clock, maxVocabulary: 10, places: false });
    engine.tag(SNIPPETS.map((s, i) => ({ id: `p${i}`, title: s.title, text: s.text, section: s.section })));
    // Articles from a general feed bring words seen once: those are what pruning drops.
    engine.tag([{ id: 'rare', title: 'Zanzibar', text: 'Quokkas xylophones périphrastiques zinzolins.' }]);
    const kv = memoryKv();
    await engine.save(kv);
    const loaded = await TaggingEngine.load(kv, { taxonomy, places: false });
    expect(loaded.tfidf.vocabularySize).toBeLessThan(engine.tfidf.vocabularySize);
    expect(engine.tfidf.termId('xylophon', false)).toBeGreaterThanOrEqual(0);
    expect(loaded.tfidf.termId('xylophon', false)).toBe(-1);
    // What the model and its examples use survives, so the model predicts as before.
    const probe = [{ id: 'q', title: 'Vaccin', text: 'Les médecins recommandent le vaccin contre le virus.' }];
    expect(loaded.tag(probe, { updateFrequencies: false, learn: false })[0]!.topics[0]!.id).toBe('sante');
  });

  it('reports corrupt stored state as a UserError and loads a taxonomy kept in the store', async () => {
    const kv = memoryKv();
    await kv.setKv('tag:tfidf', { version: 42 });
    await expect(TaggingEngine.load(kv, { taxonomy })).rejects.toThrow(UserError);
    const kv2 = memoryKv();
    await kv2.setKv('tag:taxonomy', { version: 1, topics: [{ id: 'sport', labels: { fr: 'Sport', en: 'Sport' }, sections: ['sport'] }] });
    const e = await TaggingEngine.load(kv2);
    expect(e.taxonomy.ids).toEqual(['sport']);
    await kv2.setKv('tag:taxonomy', { version: 1, topics: [] });
    await expect(TaggingEngine.load(kv2)).rejects.toThrow(/stored taxonomy.*at least one topic/);
  });
});

describe('retagStored on a SQLite store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiosque-retag-'));
  const store = openSqliteStore(join(dir, 'kiosque.db'), { clock });
  afterAll(() => store.close());

  it('retags every article, learns from sections and keeps editors’ topics', async () => {
    const sport = await store.upsertFeed({ url: 'https://example.org/sport.xml', title: 'Sport', section: 'Sport', lang: 'fr', country: 'FR' });
    const eco = await store.upsertFeed({ url: 'https://example.org/eco.xml', title: 'Éco', section: 'Économie', lang: 'fr', country: 'FR' });
    const health = await store.upsertFeed({ url: 'https://example.org/health.xml', title: 'Health', section: 'Health', lang: 'en', country: 'GB' });
    const feedFor: Record<string, string> = { sport: sport.id, economie: eco.id, sante: health.id };
    const articles: Article[] = SNIPPETS.map((s, i) => ({
      id: `art${i}`,
      feedId: feedFor[s.topic]!,
      guidHash: `g${i}`,
      title: s.title,
      publishedAt: new Date(Date.UTC(2026, 10, 21, i)).toISOString(),
      fetchedAt: '2026-11-22T05:00:00.000Z',
      summary: s.text.slice(0, 100),
      contentHtml: `<p>${s.text}</p>`,
      text: s.text,
      categories: [],
      section: s.section,
      simhash: '0000000000000000',
      clusterId: `c${i}`,
    }));
    await store.upsertArticles(articles);
    const engine = await TaggingEngine.load(store, { clock, taxonomy });
    // An editor already corrected one article.
    const first = (await store.getArticle('art0'))!;
    const pre = engine.tag([{ id: 'art0', title: first.title, text: first.text }], { updateFrequencies: false, learn: false })[0]!;
    await store.setArticleTags([{ id: 'art0', tags: { ...pre, topicOverride: 'culture' } }]);

    const ticks: number[] = [];
    const r = await retagStored(store, engine, { all: true, progress: () => ({ tick: (n = 1) => void ticks.push(n), done: () => {} }) });
    expect(r.articles).toBe(SNIPPETS.length);
    expect(r.tagged).toBe(SNIPPETS.length);
    expect(ticks.reduce((a, b) => a + b, 0)).toBe(SNIPPETS.length * 2);
    const stored = await store.listArticles({ limit: 100 });
    expect(stored.every((a) => a.tags && a.tags.keywords.length > 0)).toBe(true);
    const art0 = stored.find((a) => a.id === 'art0')!;
    expect(art0.tags!.topicOverride).toBe('culture');
    expect(art0.tags!.topics[0]!.id).toBe('culture');
    const art3 = stored.find((a) => a.id === 'art3')!;
    expect(art3.tags!.topics[0]!.id).toBe('sport');
    // State was saved: a new engine loads the model.
    const reloaded = await TaggingEngine.load(store, { clock, taxonomy });
    expect(reloaded.topicModel.isTrained).toBe(true);
    expect(reloaded.tfidf.documentCount('fr') + reloaded.tfidf.documentCount('en')).toBe(SNIPPETS.length);
    // Only untagged ones by default: nothing left.
    const again = await retagStored(store, reloaded);
    expect(again.tagged).toBe(0);

    // An editor's correction from the editors' view.
    const tags = await correctArticleTopic(store, reloaded, 'art5', 'sciences');
    expect(tags.topicOverride).toBe('sciences');
    expect((await store.getArticle('art5'))!.tags!.topics[0]).toEqual({ id: 'sciences', score: 1 });
    expect((await TaggingEngine.load(store, { clock, taxonomy })).correctionFor('art5')).toBe('sciences');
    await expect(correctArticleTopic(store, reloaded, 'nope', 'sport')).rejects.toThrow(/article not found/);
    await expect(correctArticleTopic(store, reloaded, 'art5', 'astrologie')).rejects.toThrow(/unknown topic/);
    await expect(correctArticleTopic(store, reloaded, 'art5', 'local')).rejects.toThrow(/scope/);
  });
});

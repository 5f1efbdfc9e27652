import { describe, expect, it } from 'vitest';
import { cosine, dotWeighted, encodeInt32, featureStems, nthSmallest, rankTerms, sortedById, TfIdfModel, TITLE_PREFIX } from '../../src/tag/tfidf.js';
import { clearStemMemo, stemOf } from '../../src/tag/text.js';
import { documentText } from '../../src/tag/tagger.js';

function model(docs: string[][], lang: 'fr' | 'en' = 'en') {
  const m = new TfIdfModel();
  const counts = docs.map((d) => {
    const c = m.countTerms(d);
    m.addDocument(lang, c);
    return c;
  });
  return { m, counts };
}

describe('TfIdfModel', () => {
  it('uses sublinear tf, smoothed idf and L2 normalisation', () => {
    const { m, counts } = model([['a', 'a', 'a', 'b'], ['b', 'c'], ['c']]);
    const idf = (df: number) => Math.log((1 + 3) / (1 + df)) + 1;
    expect(m.idf('en', m.termId('a', false))).toBeCloseTo(idf(1), 10);
    expect(m.idf('en', m.termId('b', false))).toBeCloseTo(idf(2), 10);
    const v = m.weigh('en', counts[0]!);
    const wa = (1 + Math.log(3)) * idf(1);
    const wb = 1 * idf(2);
    const norm = Math.hypot(wa, wb);
    const ia = Array.from(v.ids).indexOf(m.termId('a', false));
    const ib = Array.from(v.ids).indexOf(m.termId('b', false));
    expect(v.weights[ia]).toBeCloseTo(wa / norm, 5);
    expect(v.weights[ib]).toBeCloseTo(wb / norm, 5);
    expect(dotWeighted(sortedById(v), sortedById(v))).toBeCloseTo(1, 5);
  });

  it('keeps document frequencies per language', () => {
    const m = new TfIdfModel();
    m.addDocument('fr', m.countTerms(['élect']));
    m.addDocument('en', m.countTerms(['elect']));
    m.addDocument('en', m.countTerms(['elect', 'vote']));
    expect(m.documentCount('fr')).toBe(1);
    expect(m.documentCount('en')).toBe(2);
    expect(m.documentFrequency('en', m.termId('elect', false))).toBe(2);
    expect(m.documentFrequency('fr', m.termId('elect', false))).toBe(0);
  });

  it('counts terms in order of first occurrence, unknown terms skipped when not adding', () => {
    const m = new TfIdfModel();
    const c = m.countTerms(['z', 'y', 'z', 'x']);
    expect(Array.from(c.ids)).toEqual([0, 1, 2]);
    expect(Array.from(c.counts)).toEqual([2, 1, 1]);
    const d = m.countTerms(['z', 'unknown'], false);
    expect(Array.from(d.ids)).toEqual([0]);
    expect(m.vocabularySize).toBe(3);
  });

  it('analyzeDocument counts exactly what featureStems + countTerms count', () => {
    const title = "L'économie française résiste";
    const body = "Les élections municipales à Saint-Étienne : l'économie locale, d'après le porte-parole, résiste. Économie !";
    const a = new TfIdfModel();
    const doc = a.analyzeDocument(documentText(title, body), 'fr', true, title);
    const b = new TfIdfModel();
    const viaStems = b.countTerms(featureStems(title, documentText(title, body), 'fr'));
    const asMap = (m: TfIdfModel, c: { ids: Int32Array; counts: Float32Array }) =>
      Object.fromEntries(Array.from(c.ids, (id, k) => [m.term(id), c.counts[k]]));
    expect(asMap(a, doc.counts)).toEqual(asMap(b, viaStems));
    // Title features are kept out of the body bag.
    const body1 = a.bodyOnly(doc.counts);
    expect(Array.from(body1.ids).some((id) => a.term(id).startsWith(TITLE_PREFIX))).toBe(false);
    expect(Array.from(doc.counts.ids).some((id) => a.term(id).startsWith(TITLE_PREFIX))).toBe(true);
    // Dropping title features from the weighted vector equals weighing the body-only bag.
    a.addDocument('fr', doc.counts);
    const direct = a.weigh('fr', a.bodyOnly(doc.counts));
    const derived = a.withoutTitle(a.weigh('fr', doc.counts));
    expect(Array.from(derived.ids)).toEqual(Array.from(direct.ids));
    Array.from(derived.weights).forEach((w, k) => expect(w).toBeCloseTo(direct.weights[k]!, 5));
    // Spans point at the original spelling.
    const i = Array.from(doc.tokenIds).indexOf(a.termId('économ', false));
    expect(doc.text.slice(doc.starts[i]!, doc.ends[i]!)).toBe('économie');
  });

  it('analyzeDocument keeps body spans and counts when the title has more words than the body has room for', () => {
    // a title given apart from a short body: its ids outgrow the room kept after the body's
    const title = Array.from({ length: 150 }, (_, k) => `word${String.fromCharCode(97 + (k % 26))}${String.fromCharCode(97 + Math.floor(k / 26))}`).join(' ');
    const body = 'Economy resists';
    const a = new TfIdfModel();
    const doc = a.analyzeDocument(body, 'en', true, title);
    const b = new TfIdfModel();
    const viaStems = b.countTerms(featureStems(title, body, 'en'));
    const asMap = (m: TfIdfModel, c: { ids: Int32Array; counts: Float32Array }) =>
      Object.fromEntries(Array.from(c.ids, (id, k) => [m.term(id), c.counts[k]]));
    expect(asMap(a, doc.counts)).toEqual(asMap(b, viaStems));
    expect(doc.tokenIds.length).toBe(2);
    expect(Array.from(doc.tokenIds, (_, i) => body.slice(doc.starts[i]!, doc.ends[i]!))).toEqual(['Economy', 'resists']);
  });

  it('ranks terms by weight, ties by id, and keeps k', () => {
    const vec = { ids: Int32Array.from([3, 5, 7, 9]), weights: Float32Array.from([0.5, 0.1, 0.5, 0.7]) };
    expect(Array.from(rankTerms(vec, 3))).toEqual([3, 0, 2]);
    expect(Array.from(rankTerms(vec, 10))).toEqual([3, 0, 2, 1]);
    // A cut inside a tie keeps the lowest id.
    expect(Array.from(rankTerms(vec, 2))).toEqual([3, 0]);
    expect(Array.from(rankTerms(vec, 3, undefined, false)).sort()).toEqual([0, 2, 3]);
    expect(rankTerms(vec, 0).length).toBe(0);
  });

  it('serializes and restores frequencies and vocabulary', () => {
    const { m, counts } = model([['a', 'b'], ['b', 'c'], ['c', 'd', 'd']], 'fr');
    const copy = TfIdfModel.fromJSON(JSON.parse(JSON.stringify(m.toJSON())));
    expect(copy.vocabularySize).toBe(m.vocabularySize);
    expect(copy.documentCount('fr')).toBe(3);
    expect(Array.from(copy.weigh('fr', counts[2]!).weights)).toEqual(Array.from(m.weigh('fr', counts[2]!).weights));
    expect(() => TfIdfModel.fromJSON({ version: 9 })).toThrow(/known format/);
    expect(() => TfIdfModel.fromJSON({ version: 1, terms: 'a', nDocs: { fr: 1, en: 0 }, df: { fr: '', en: encodeInt32(Int32Array.of(0)) } })).toThrow(/df\.fr has 0 entries for 1 terms/);
    expect(() => TfIdfModel.fromJSON({ version: 1, terms: 'a', nDocs: { fr: 1, en: 0 }, df: { fr: 'AAA', en: '' } })).toThrow(/32-bit/);
  });

  it('prunes rare terms on request, keeping the ones asked for', () => {
    const { m } = model([['a', 'b', 'c'], ['a', 'b'], ['d']]);
    const pruned = TfIdfModel.fromJSON(m.toJSON({ minDf: 2, keep: (t) => t === 'd' }));
    expect(pruned.vocabularySize).toBe(3);
    expect(pruned.termId('c', false)).toBe(-1);
    expect(pruned.documentFrequency('en', pruned.termId('a', false))).toBe(2);
    expect(pruned.documentFrequency('en', pruned.termId('d', false))).toBe(1);
    expect(typeof m.toJSON().terms).toBe('string');
  });

  it('stored vectors keep the heaviest terms re-normalised; cosine compares them', () => {
    const { m, counts } = model([['a', 'b', 'c', 'd'], ['a', 'b'], ['e']]);
    const v = m.toSparseVector(m.weigh('en', counts[0]!), 2);
    expect(v.terms.length).toBe(2);
    expect(Math.hypot(...v.weights)).toBeCloseTo(1, 4);
    expect(cosine(v, v)).toBeCloseTo(1, 6);
    expect(cosine(v, { terms: ['zzz'], weights: [1] })).toBe(0);
    expect(cosine(v, { terms: [], weights: [] })).toBe(0);
    const full = m.toSparseVector(m.weigh('en', counts[0]!));
    const w = m.toSparseVector(m.weigh('en', counts[1]!));
    const c = cosine(full, w);
    expect(c).toBeGreaterThan(0);
    expect(c).toBeLessThan(1);
  });
});

describe('nthSmallest', () => {
  it('answers what a sort would, ties and duplicates included', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(rnd() * 300);
      // few distinct values in some trials: many ties
      const distinct = trial % 3 === 0 ? 4 : 1000;
      const v = Float32Array.from({ length: n }, () => Math.floor(rnd() * distinct) / distinct);
      const sorted = v.slice().sort();
      const copy = v.slice();
      for (const nth of [0, n - 1, Math.floor(n / 2), Math.max(0, n - 20), Math.max(0, n - 100)]) {
        expect(nthSmallest(v, nth)).toBe(sorted[nth]);
      }
      expect(v).toEqual(copy); // input left as it was
    }
    expect(nthSmallest(new Float32Array(0), 0)).toBeNaN();
  });
});

describe('rankTerms order', () => {
  it('ranks heaviest first, ties by id, as a full sort would', () => {
    let seed = 11;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let trial = 0; trial < 100; trial++) {
      const n = 1 + Math.floor(rnd() * 200);
      const vec = {
        ids: Int32Array.from({ length: n }, (_, i) => (i * 37) % 1009),
        weights: Float32Array.from({ length: n }, () => Math.floor(rnd() * 8) / 8),
      };
      const all = Array.from(vec.ids.keys()).sort((a, b) => vec.weights[b]! - vec.weights[a]! || vec.ids[a]! - vec.ids[b]!);
      for (const k of [1, 5, 20, 80]) expect(Array.from(rankTerms(vec, k))).toEqual(all.slice(0, k));
    }
  });
});

describe('TfIdfModel and the stem memo', () => {
  it('keeps term ids right after the process-wide stem memo is emptied and numbers stems anew', () => {
    const m = new TfIdfModel();
    const a = m.analyzeDocument('Les élections municipales de Lyon', 'fr', true, 'Élections à Lyon');
    clearStemMemo();
    // Other words first, so the stems get other numbers than before.
    m.analyzeDocument('Le football à Marseille, les supporters', 'fr');
    const b = m.analyzeDocument('Les élections municipales de Lyon', 'fr', true, 'Élections à Lyon');
    expect(Array.from(b.tokenIds)).toEqual(Array.from(a.tokenIds));
    expect(Array.from(b.counts.ids)).toEqual(Array.from(a.counts.ids));
    expect(m.term(b.tokenIds[0]!)).toBe(stemOf('élections', 'fr'));
  });
});

import { describe, expect, it } from 'vitest';
import { TfIdfModel, featureStems } from '../../src/tag/tfidf.js';
import { byScoreThenLabel, LinearTopicModel } from '../../src/tag/topics.js';

const TRAIN: [string, string, 'fr' | 'en'][] = [
  ['sport', "L'équipe de France a gagné le match de football contre l'Italie, deux buts à zéro.", 'fr'],
  ['sport', 'Le joueur a marqué un but en finale de la coupe, le club est champion.', 'fr'],
  ['sport', 'The team won the football match, the striker scored two goals in the final.', 'en'],
  ['sport', 'The coach praised the players after the championship win at the stadium.', 'en'],
  ['economie', 'La Bourse de Paris recule, les marchés craignent l’inflation et la hausse des taux.', 'fr'],
  ['economie', 'L’entreprise annonce des bénéfices en hausse et un plan d’investissement.', 'fr'],
  ['economie', 'Shares fell on the stock market as inflation and interest rates rose.', 'en'],
  ['economie', 'The company reported higher profits and announced new investment for growth.', 'en'],
  ['sante', 'Les hôpitaux manquent de médecins, les patients attendent des soins.', 'fr'],
  ['sante', 'Un nouveau vaccin contre le virus est autorisé par les autorités de santé.', 'fr'],
  ['sante', 'Hospitals lack doctors and patients wait for care and treatment.', 'en'],
  ['sante', 'A new vaccine against the virus was approved by health authorities.', 'en'],
];

const TEST: [string, string, 'fr' | 'en'][] = [
  ['sport', 'Le club a gagné la finale grâce à un but de son joueur vedette.', 'fr'],
  ['economie', 'Stock markets and shares rose as inflation eased, profits up.', 'en'],
  ['sante', 'Le virus circule, les médecins et les hôpitaux appellent au vaccin.', 'fr'],
  ['sport', 'The players scored three goals and the team won the match.', 'en'],
];

function fit(seed = 1) {
  const tfidf = new TfIdfModel();
  const counts = TRAIN.map(([, text, lang]) => {
    const c = tfidf.countTerms(featureStems('', text, lang));
    tfidf.addDocument(lang, c);
    return c;
  });
  const examples = TRAIN.map(([label, , lang], i) => ({ x: tfidf.weigh(lang, counts[i]!), label }));
  const model = LinearTopicModel.train(examples, tfidf.vocabularySize, { seed });
  const vec = (text: string, lang: 'fr' | 'en') => tfidf.weigh(lang, tfidf.countTerms(featureStems('', text, lang), false));
  return { tfidf, model, vec };
}

describe('LinearTopicModel', () => {
  it('learns a small separable FR/EN set and predicts held-out sentences', () => {
    const { model, vec } = fit();
    for (const [label, text, lang] of TEST) expect(model.predictLabel(vec(text, lang))).toBe(label);
    expect(model.labels).toEqual(['economie', 'sante', 'sport']);
  });

  it('gives softmax scores that sum to 1, best first', () => {
    const { model, vec } = fit();
    const scores = model.predict(vec(TEST[0]![1], 'fr'));
    expect(scores.map((s) => s.label)[0]).toBe('sport');
    expect(scores.reduce((a, s) => a + s.score, 0)).toBeCloseTo(1, 6);
    for (let i = 1; i < scores.length; i++) expect(scores[i - 1]!.score).toBeGreaterThanOrEqual(scores[i]!.score);
    expect(scores[0]!.margin).toBeGreaterThan(0);
  });

  it('is deterministic for a seed', () => {
    const a = fit(7);
    const b = fit(7);
    expect(JSON.stringify(a.model.toJSON((id) => a.tfidf.term(id)))).toBe(JSON.stringify(b.model.toJSON((id) => b.tfidf.term(id))));
  });

  it('survives a serialization round trip onto a different vocabulary order', () => {
    const { tfidf, model, vec } = fit();
    const state = JSON.parse(JSON.stringify(model.toJSON((id) => tfidf.term(id))));
    const other = new TfIdfModel();
    other.termId('padding-term');
    const restored = LinearTopicModel.fromJSON(state, (t) => other.termId(t));
    for (const [, text, lang] of TEST) {
      const x = vec(text, lang);
      // Same vector expressed in the other vocabulary's ids.
      const pairs = Array.from(x.ids, (id, k) => [other.termId(tfidf.term(id)), x.weights[k]!] as const).sort((p, q) => p[0] - q[0]);
      const y = { ids: Int32Array.from(pairs, (p) => p[0]), weights: Float32Array.from(pairs, (p) => p[1]) };
      const before = model.predict(x).map((s) => [s.label, s.score.toFixed(4)]);
      const after = restored.predict(y).map((s) => [s.label, s.score.toFixed(4)]);
      expect(after).toEqual(before);
    }
    expect(() => LinearTopicModel.fromJSON({ version: 2 }, () => 0)).toThrow(/known format/);
  });

  it('handles no examples and a single label', () => {
    const empty = LinearTopicModel.train([], 10);
    expect(empty.isTrained).toBe(false);
    expect(empty.predict({ ids: new Int32Array(0), weights: new Float32Array(0) })).toEqual([]);
    const one = LinearTopicModel.train([{ x: { ids: Int32Array.from([1]), weights: Float32Array.from([1]) }, label: 'sport' }], 5);
    expect(one.predictLabel({ ids: Int32Array.from([3]), weights: Float32Array.from([1]) })).toBe('sport');
  });

  it('lets a heavier example win a conflict (editor corrections)', () => {
    const x = { ids: Int32Array.from([0, 1]), weights: Float32Array.from([Math.SQRT1_2, Math.SQRT1_2]) };
    const model = LinearTopicModel.train(
      [
        { x, label: 'a' },
        { x, label: 'b', weight: 5 },
        { x: { ids: Int32Array.from([2]), weights: Float32Array.from([1]) }, label: 'a' },
      ],
      3,
    );
    expect(model.predictLabel(x)).toBe('b');
  });
});

describe('byScoreThenLabel', () => {
  it('puts the best score first and breaks ties by label', () => {
    const scores = [
      { label: 'sport', score: 0.2 },
      { label: 'economie', score: 0.5 },
      { label: 'culture', score: 0.2 },
    ];
    expect(scores.sort(byScoreThenLabel).map((s) => s.label)).toEqual(['economie', 'culture', 'sport']);
  });
});

/**
 * `kiosque eval rank`: replays MIND impressions in time order and scores each
 * impression's candidates with the product's relevance ranking
 * (scoreCandidates, no diversity re-ranking), using only the impression's own
 * history and what earlier impressions showed: popularity and co-visitation
 * are learned online from earlier impressions' clicks, recency from when an
 * article was first shown. A popularity baseline (click counts from earlier
 * impressions only) is measured on the same replay.
 */
import type { Lang } from '../model.js';
import { analyze } from '../tag/text.js';
import { TfIdfModel } from '../tag/tfidf.js';
import type { PreparedArticle } from '../personalize/articles.js';
import { Covisitation } from '../personalize/covisit.js';
import { buildProfile } from '../personalize/profile.js';
import { buildFeaturePostings, buildPostings, recencyScore, scoreCandidates, type Postings, type ScoreContext } from '../personalize/score.js';
import { ctrPopularity } from '../personalize/popularity.js';
import { DEFAULT_SETTINGS, type EditorSettings } from '../personalize/settings.js';
import { EMPTY_VECTOR, packVector, TermDict, topTerms } from '../personalize/vectors.js';
import { SIM_TERMS } from '../personalize/articles.js';
import { byTime, MetricAverager, readBehaviors, readNews, type MindImpression, type MindNews, type RankMetrics } from './mind.js';

export interface EvalRankOptions {
  behaviors: string;
  news: string;
  warm?: string;
  settings?: EditorSettings;
}

export interface EvalRankReport extends RankMetrics {
  /** Same replay, ranked by click counts of earlier impressions only. */
  popularityBaseline: RankMetrics;
}

const LANG: Lang = 'en';

/** Prepared MIND news: TF-IDF vector of title + abstract, category as topic (subcategory as a weaker one). */
function prepareNews(news: Map<string, MindNews>, dict: TermDict): Map<string, PreparedArticle> {
  const model = new TfIdfModel();
  const counts = new Map<string, ReturnType<TfIdfModel['countTerms']>>();
  for (const n of news.values()) {
    const c = model.countTerms(analyze(`${n.title}. ${n.abstract}`, LANG).stems);
    model.addDocument(LANG, c);
    counts.set(n.id, c);
  }
  const out = new Map<string, PreparedArticle>();
  for (const n of news.values()) {
    const vec = packVector(model.toSparseVector(model.weigh(LANG, counts.get(n.id)!), 100), dict);
    const topics = [
      ...(n.category ? [{ id: n.category, score: 1 }] : []),
      ...(n.subcategory ? [{ id: `${n.category}/${n.subcategory}`, score: 0.5 }] : []),
    ];
    out.set(n.id, stub(n.id, { vec, topics, title: n.title }));
  }
  return out;
}

function stub(id: string, o: Partial<Pick<PreparedArticle, 'vec' | 'topics'>> & { title?: string } = {}): PreparedArticle {
  return {
    article: {
      id,
      feedId: 'mind',
      guidHash: id,
      title: o.title ?? id,
      publishedAt: new Date(0).toISOString(),
      fetchedAt: new Date(0).toISOString(),
      summary: '',
      contentHtml: '',
      text: '',
      categories: [],
      section: '',
      simhash: '0000000000000000',
      clusterId: id,
    },
    id,
    clusterId: id,
    feedId: 'mind',
    publishedMs: 0,
    vec: o.vec ?? EMPTY_VECTOR,
    simVec: topTerms(o.vec ?? EMPTY_VECTOR, SIM_TERMS),
    topics: o.topics ?? [],
    mainTopic: o.topics?.[0]?.id,
    places: [],
  };
}

export async function evalRank(opts: EvalRankOptions): Promise<EvalRankReport> {
  const settings = opts.settings ?? DEFAULT_SETTINGS;
  const news = readNews(opts.news);
  const warm = opts.warm ? byTime(readBehaviors(opts.warm)) : [];
  const test = byTime(readBehaviors(opts.behaviors));
  const dict = new TermDict();
  const prepared = prepareNews(news, dict);
  const lookup = (id: string) => {
    let p = prepared.get(id);
    if (!p) prepared.set(id, (p = stub(id)));
    return p;
  };

  const epoch = (warm[0] ?? test[0])?.timeMs ?? 0;
  const covisit = new Covisitation({ halfLifeHours: settings.popularityHalfLifeHours, epochMs: epoch });
  const popularity = new Covisitation({ halfLifeHours: settings.popularityHalfLifeHours, epochMs: epoch });
  const exposure = new Covisitation({ halfLifeHours: settings.popularityHalfLifeHours, epochMs: epoch });
  const rawClicks = new Map<string, number>();
  const firstShown = new Map<string, number>();
  const ours = new MetricAverager();
  const baseline = new MetricAverager();

  const learn = (imp: MindImpression) => {
    const clicked = imp.candidates.filter((c) => c.clicked).map((c) => c.id);
    for (const c of clicked) {
      popularity.addClick(c, imp.timeMs);
      rawClicks.set(c, (rawClicks.get(c) ?? 0) + 1);
    }
    // Readers of h (history) who clicked c: the co-visitation Google News counted.
    for (const h of imp.history) {
      covisit.addClick(h, imp.timeMs);
      for (const c of clicked) covisit.addPair(h, c, imp.timeMs);
    }
    for (const a of clicked) {
      covisit.addClick(a, imp.timeMs);
      for (const b of clicked) covisit.addPair(a, b, imp.timeMs);
    }
  };
  const see = (imp: MindImpression) => {
    for (const c of imp.candidates) if (!firstShown.has(c.id)) firstShown.set(c.id, imp.timeMs);
  };
  // Exposure is learned after scoring, like clicks: only earlier impressions count.
  const expose = (imp: MindImpression) => {
    for (const c of imp.candidates) exposure.addClick(c.id, imp.timeMs);
  };

  for (const imp of warm) {
    see(imp);
    learn(imp);
    expose(imp);
  }
  for (const imp of test) {
    see(imp);
    const now = imp.timeMs;
    const ids = imp.candidates.map((c) => c.id);
    const labels = imp.candidates.map((c) => (c.clicked ? 1 : 0));
    const arts = ids.map(lookup);
    const index = new Map(ids.map((id, i) => [id, i]));
    const popularityPart = ctrPopularity(
      new Map(ids.map((id) => [id, popularity.total(id, now)])),
      new Map(ids.map((id) => [id, exposure.total(id, now)])),
      ids,
    );
    const ctx: ScoreContext = {
      n: ids.length,
      vecs: arts.map((a) => a.vec),
      postings: buildPostings(arts.map((a) => a.vec)),
      topics: arts.map((a) => a.topics),
      places: arts.map(() => []),
      feedIds: arts.map((a) => a.feedId),
      features: buildFeaturePostings(
        arts.map((a) => a.topics),
        arts.map(() => []),
        arts.map((a) => a.feedId),
      ),
      recency: Float64Array.from(ids, (id) => recencyScore(now - (firstShown.get(id) ?? now), settings.recencyHalfLifeHours)),
      popularity: popularityPart,
      editorial: new Float64Array(ids.length),
      covisitRow: (key: string): Postings | undefined => {
        const row = covisit.row(key, now);
        const idx: number[] = [];
        const w: number[] = [];
        for (const [b, v] of row) {
          const i = index.get(b);
          if (i !== undefined) (idx.push(i), w.push(v));
        }
        return idx.length ? { idx: Int32Array.from(idx), w: Float64Array.from(w) } : undefined;
      },
    };
    // History has no click times: every history click counts as recent.
    const profile = buildProfile({
      clicks: imp.history.map((id) => ({ articleId: id, at: now })),
      lookup,
      now,
      halfLifeDays: settings.profileHalfLifeDays,
      sensitiveTopics: [],
      sensitiveMinScore: 1,
    });
    const scored = scoreCandidates(ctx, settings, { personalized: true, profile, local: null });
    ours.add(labels, Array.from(scored.relevance));
    baseline.add(labels, ids.map((id) => rawClicks.get(id) ?? 0));
    learn(imp);
    expose(imp);
  }
  return { ...ours.result(), popularityBaseline: baseline.result() };
}

/**
 * An edition, top to bottom:
 *
 *   prepareBuild   (once per build)  candidates, vectors, inverted index,
 *                                     recency, popularity, editorial priority,
 *                                     co-visitation table
 *   planForSubscriber (per subscriber)
 *     1. profile      buildProfile(clicks, prefs)         — skipped without consent
 *     2. exclusions   muted, already clicked, "less like this"
 *     3. relevance    scoreCandidates(...)                 — weighted parts
 *     4. diversity    diversify(...)                       — MMR + calibration + exploration + caps
 *     5. sections     top / for you / near you / discover
 *     6. reasons      explainItem(...)
 *     7. metrics      editionMetrics(...)
 *
 * Everything is pure: time, randomness and data come in as arguments.
 */
import type {
  Article,
  Click,
  DiversityMetrics,
  Edition,
  EditionItem,
  EditionSection,
  IsoTime,
  Lang,
  PlaceMention,
  StoryCluster,
  Subscriber,
  TopicScore,
} from '../model.js';
import { LANGS } from '../model.js';
import type { Rng } from '../util/random.js';
import { readingLanguages } from '../subscribers/subscriber.js';
import { prepareArticle, type PreparedArticle } from './articles.js';
import { selectCandidates, type Candidate } from './candidates.js';
import { Covisitation } from './covisit.js';
import { bubbleGuard, diversify, editionFloorBits } from './diversify.js';
import { explainItem, type BecauseOf } from './explain.js';
import { GEO_CLASSES, geoClass, localMatch, type GeoClass } from './geo.js';
import { SECTION_TITLES, topicLabel, type SectionId } from './labels.js';
import { editionMetrics } from './metrics.js';
import { ctrPopularity, hourlyClickEvents, normalizePopularity, popularityCounts } from './popularity.js';
import { buildProfile, type Profile, type ProfileClickInput } from './profile.js';
import { ProfileScratch } from './feature-sums.js';
import { buildFeaturePostings, buildPostings, covisitRowOf, featuresByKind, recencyScore, scoreCandidates, type Postings, type ScoreContext } from './score.js';
import { DEFAULT_SETTINGS, LOCAL_TOPIC, TAXONOMY_TOPICS, type EditorSettings, type RelevancePart } from './settings.js';
import { DenseScratch, kthSmallest, SparseAccumulator, TermDict, type PackedVector } from './vectors.js';
import { CachedSimilarity } from './simcache.js';
import { FRESH_ARRAYS, ScratchArrays, type ArraySource } from './scratch.js';
import { kthSmallestMany, sortIndicesByValueDesc } from '../util/select.js';

/** Clicks considered when naming "because you read …". */
const BECAUSE_SIGNALS = 25;

export interface SourceInfo {
  /** Readable source name (feed title). */
  title: string;
  /** Publisher's country (ISO alpha-2), to place articles without places. */
  country?: string;
}

export interface BuildInput {
  /** Articles of the candidate window plus those the subscribers clicked (for their profiles). */
  articles: readonly Article[];
  clusters?: readonly StoryCluster[];
  sources?: ReadonlyMap<string, SourceInfo> | Readonly<Record<string, SourceInfo>>;
  /** Recent clicks of all subscribers (popularity, co-visitation); subscriberId null = anonymous. */
  clicks?: readonly Pick<Click, 'subscriberId' | 'articleId' | 'at'>[];
  /**
   * Hourly click counts of the candidates (Store.clickHistogram): when given,
   * popularity comes from them, every click counted, and `clicks` (then only
   * the newest of many) serve co-visitation alone.
   */
  clickHours?: readonly { articleId: string; hour: IsoTime; clicks: number }[];
  /**
   * Times each article was shown in editions (same window as clicks). When
   * given, popularity is a smoothed click-through rate rather than a click count.
   */
  shown?: ReadonlyMap<string, number>;
  settings?: EditorSettings;
  now: Date | number;
  /** Bound of the per-home cache of local scores. */
  maxHomes?: number;
}

interface HomeScores {
  local: Float64Array;
  geo: Uint8Array;
  /** Index into the candidate's places of the nearest place (−1 none). */
  placeIdx: Int16Array;
}

export interface PreparedBuild {
  settings: EditorSettings;
  now: number;
  dict: TermDict;
  /** Candidate vectors cut to their heaviest terms, for similarity between candidates. */
  simVecs: PackedVector[];
  /** Reusable dense row for fast dot products (planning is synchronous, one build per thread). */
  scratch: DenseScratch;
  /** The same for candidate-to-candidate similarity, remembering pairs across subscribers (diversity re-ranking). */
  simScratch: DenseScratch;
  accumulator: SparseAccumulator;
  /** Numberings and sums of profiles' topics, places and sources, reused from one subscriber to the next. */
  profileScratch: ProfileScratch;
  /** Main topic index per candidate (−1 none). */
  mainTopic: Int32Array;
  /** Language of each candidate's lead article: 1 + its index in LANGS, 0 unknown. */
  candidateLang: Uint8Array;
  /** Candidates that are not pinned, by language code (as in candidateLang): excludeUnreadLanguages skips what cannot matter. */
  unpinnedPerLang: Int32Array;
  /** Source (feed) of each candidate's lead article, numbered 0 … sourceCount − 1. */
  candidateSource: Int32Array;
  sourceCount: number;
  /** Pinned candidate indices. */
  pinned: number[];
  /** Candidate index by story (cluster) id. */
  clusterIndex: Map<string, number>;
  candidates: Candidate[];
  ctx: ScoreContext;
  clusterIds: string[];
  /** Prepared article by id (candidates, alternatives, clicked history). */
  articles: Map<string, PreparedArticle>;
  topicIds: string[];
  topicIndex: Map<string, number>;
  topicDist: Float64Array;
  sourceName(feedId: string): string;
  sourceCountry(feedId: string): string | undefined;
  covisit: Covisitation;
  homeScores(home: Subscriber['home']): HomeScores;
  baseline: Map<string, number>;
  /** Working arrays of one plan, reused by the next (planning is synchronous, one build per thread). */
  arrays: ArraySource;
}

const toMs = (d: Date | number | IsoTime) => (typeof d === 'number' ? d : typeof d === 'string' ? Date.parse(d) : d.getTime());

/** Everything subscriber-independent, computed once per build. */
export function prepareBuild(input: BuildInput): PreparedBuild {
  const settings = input.settings ?? DEFAULT_SETTINGS;
  const now = toMs(input.now);
  const dict = new TermDict();
  const articles = new Map<string, PreparedArticle>();
  for (const a of input.articles) if (a && typeof a.id === 'string' && !articles.has(a.id)) articles.set(a.id, prepareArticle(a, dict));
  const candidates = selectCandidates({ articles: [...articles.values()], clusters: input.clusters, settings, now });
  const n = candidates.length;
  const clusterIds = candidates.map((c) => c.clusterId);
  const clusterIndex = new Map(clusterIds.map((c, i) => [c, i]));
  const vecs = candidates.map((c) => c.lead.vec);
  // Redundancy (MMR) and intra-list diversity only need the heaviest terms.
  const simVecs = candidates.map((c) => c.lead.simVec);

  const src = input.sources;
  const srcGet = (id: string): SourceInfo | undefined =>
    src instanceof Map ? src.get(id) : (src as Record<string, SourceInfo> | undefined)?.[id];

  // Topics: taxonomy first, then any other id the classifier emits.
  const topicIds: string[] = [...TAXONOMY_TOPICS];
  const topicIndex = new Map(topicIds.map((t, i) => [t, i]));
  const topicOf = (id: string) => {
    let i = topicIndex.get(id);
    if (i === undefined) topicIndex.set(id, (i = topicIds.push(id) - 1));
    return i;
  };
  for (const c of candidates) for (const t of c.lead.topics) topicOf(t.id);
  for (const t of Object.keys(settings.calibration.baseline)) topicOf(t);
  const T = topicIds.length;
  const topicDist = new Float64Array(n * T);
  const mainTopic = new Int32Array(n).fill(-1);
  candidates.forEach((c, i) => {
    const ts = c.lead.topics.filter((t, k) => k === 0 || t.score >= 0.2);
    const s = ts.reduce((x, t) => x + t.score, 0);
    for (const t of ts) if (s > 0) topicDist[i * T + topicIndex.get(t.id)!] = t.score / s;
    if (c.lead.mainTopic !== undefined) mainTopic[i] = topicIndex.get(c.lead.mainTopic)!;
  });

  // Popularity and co-visitation are per story (cluster).
  const clusterOf = (articleId: string) => articles.get(articleId)?.clusterId ?? articleId;
  const clicks = (input.clicks ?? []).map((c) => ({ sub: c.subscriberId, key: clusterOf(c.articleId), atMs: toMs(c.at) }));
  const popularClicks = input.clickHours
    ? hourlyClickEvents(
        input.clickHours.map((h) => ({ key: clusterOf(h.articleId), hourMs: toMs(h.hour), clicks: h.clicks })),
        now,
      )
    : clicks;
  const pop = popularityCounts(popularClicks, now, settings.popularityHalfLifeHours);
  let popularity: Float64Array;
  if (input.shown && input.shown.size > 0) {
    const shownByCluster = new Map<string, number>();
    for (const [id, v] of input.shown) {
      const k = clusterOf(id);
      shownByCluster.set(k, (shownByCluster.get(k) ?? 0) + (Number.isFinite(v) ? v : 0));
    }
    popularity = ctrPopularity(pop, shownByCluster, clusterIds);
  } else popularity = normalizePopularity(pop, clusterIds);
  const covisit = new Covisitation({ halfLifeHours: settings.popularityHalfLifeHours, epochMs: now });
  const byReader = new Map<string, { key: string; atMs: number }[]>();
  for (const c of clicks) {
    if (!c.sub) continue;
    let l = byReader.get(c.sub);
    if (!l) byReader.set(c.sub, (l = []));
    l.push(c);
  }
  const candidateClusters = new Set(clusterIds);
  for (const l of byReader.values()) covisit.addReader(l, settings.covisitWindowHours, 20, candidateClusters);
  // null: looked up, no row (one Map lookup per call, not has + get).
  const rowCache = new Map<string, Postings | null>();
  const covisitRow = (key: string): Postings | undefined => {
    const known = rowCache.get(key);
    if (known !== undefined) return known ?? undefined;
    // Sorted by candidate index, so one entry can be found by binary search.
    const r = covisit.indexedRow(key, now, clusterIndex);
    rowCache.set(key, r ?? null);
    return r;
  };

  const recency = new Float64Array(n);
  const editorial = new Float64Array(n);
  const sectionPriority = new Map(Object.entries(settings.sectionPriority).map(([k, v]) => [k.toLowerCase(), v]));
  candidates.forEach((c, i) => {
    recency[i] = recencyScore(now - c.lead.publishedMs, settings.recencyHalfLifeHours);
    const coverage = Math.min(1, Math.log2(c.feedIds.length) / 3);
    let section = 0;
    for (const m of [c.lead, ...c.alsoCoveredBy]) section = Math.max(section, sectionPriority.get((m.article.section ?? '').toLowerCase()) ?? 0);
    editorial[i] = c.pinned ? 1 : Math.min(1, Math.max(Math.min(1, section), 0.8 * coverage));
  });

  const topicsOf = candidates.map((c) => c.lead.topics);
  const placesOf = candidates.map((c) => c.lead.places);
  const feedIds = candidates.map((c) => c.lead.feedId);
  const ctx: ScoreContext = {
    n,
    vecs,
    // Candidates are matched on their heaviest terms too (the postings of the rest are two thirds of the index).
    postings: buildPostings(simVecs),
    features: buildFeaturePostings(topicsOf, placesOf, feedIds),
    topics: topicsOf,
    places: placesOf,
    feedIds,
    recency,
    popularity,
    editorial,
    covisitRow,
    buffers: new Map(),
  };

  const homeCache = new Map<string, HomeScores>();
  const maxHomes = input.maxHomes ?? 1000;
  const noHome = computeHomeScores(candidates, undefined, settings, (f) => srcGet(f)?.country);
  const homeScores = (home: Subscriber['home']): HomeScores => {
    if (!home) return noHome;
    const key = `${home.lat},${home.lon},${home.countryCode},${home.admin1 ?? ''}`;
    let h = homeCache.get(key);
    if (!h) {
      h = computeHomeScores(candidates, home, settings, (f) => srcGet(f)?.country);
      if (homeCache.size >= maxHomes) homeCache.delete(homeCache.keys().next().value!);
      homeCache.set(key, h);
    }
    return h;
  };

  const sourceNumbers = new Map<string, number>();
  const sourceNumber = (feedId: string) => {
    let k = sourceNumbers.get(feedId);
    if (k === undefined) sourceNumbers.set(feedId, (k = sourceNumbers.size));
    return k;
  };

  const bsum = Object.values(settings.calibration.baseline).reduce((a, b) => a + b, 0);
  const baseline = new Map(Object.entries(settings.calibration.baseline).map(([k, v]) => [k, bsum > 0 ? v / bsum : 0]));

  const candidateLang = Uint8Array.from(candidates, (c) => LANGS.indexOf(c.lead.article.tags?.lang as Lang) + 1);
  const unpinnedPerLang = new Int32Array(LANGS.length + 1);
  for (let i = 0; i < candidates.length; i++) if (!candidates[i]!.pinned) unpinnedPerLang[candidateLang[i]!]!++;
  return {
    settings,
    now,
    dict,
    simVecs,
    scratch: new DenseScratch(dict.size),
    simScratch: new CachedSimilarity(dict.size, simVecs),
    accumulator: new SparseAccumulator(dict.size),
    profileScratch: new ProfileScratch(),
    mainTopic,
    candidateLang,
    unpinnedPerLang,
    candidateSource: Int32Array.from(candidates, (c) => sourceNumber(c.lead.feedId)),
    sourceCount: sourceNumbers.size,
    pinned: candidates.flatMap((c, i) => (c.pinned ? [i] : [])),
    clusterIndex,
    candidates,
    ctx,
    clusterIds,
    articles,
    topicIds,
    topicIndex,
    topicDist,
    sourceName: (f) => srcGet(f)?.title ?? f,
    sourceCountry: (f) => srcGet(f)?.country,
    covisit,
    homeScores,
    baseline,
    arrays: new ScratchArrays(),
  };
}

function computeHomeScores(
  candidates: readonly Candidate[],
  home: Subscriber['home'],
  settings: EditorSettings,
  sourceCountry: (feedId: string) => string | undefined,
): HomeScores {
  const n = candidates.length;
  const local = new Float64Array(n);
  const geo = new Uint8Array(n);
  const placeIdx = new Int16Array(n).fill(-1);
  const radius = settings.geoMix.localRadiusKm;
  candidates.forEach((c, i) => {
    const p = c.lead;
    if (home) {
      const m = localMatch(p.places, home, radius);
      local[i] = m.score;
      if (m.place) placeIdx[i] = p.places.indexOf(m.place);
    }
    const g = geoClass(p.places, p.mainCountry, home, radius, settings.defaultCountry, sourceCountry(p.feedId));
    geo[i] = GEO_CLASSES.indexOf(g);
  });
  return { local, geo, placeIdx };
}

// ───────────────────────── per subscriber ─────────────────────────

export type PlanSubscriber = Pick<Subscriber, 'id' | 'lang' | 'home' | 'prefs' | 'diversity'> & {
  consents?: Partial<Subscriber['consents']>;
};

export interface EditionPlan {
  subscriberId: string;
  lang: Lang;
  personalized: boolean;
  items: EditionItem[];
  sections: EditionSection[];
  metrics: DiversityMetrics;
  /** Topic mix the calibration aimed at. */
  target: Record<string, number>;
}

export interface PlanOptions {
  /** Only the relevance ranking, no diversity re-ranking (evaluation). */
  relevanceOnly?: boolean;
  /** Items of the subscriber's past editions (articles in the build): corrects the profile for exposure. */
  exposure?: readonly ProfileClickInput[];
  /** Topic entropy of the subscriber's latest editions, oldest first (their metrics.topicEntropy): feeds the bubble guard. */
  recentTopicEntropy?: readonly number[];
}

function clamp01(x: number | undefined, dflt: number): number {
  return typeof x === 'number' && Number.isFinite(x) ? Math.max(0, Math.min(1, x)) : dflt;
}

/** The subscriber's profile, as the build sees it (also for the "My profile" page). */
export function profileFor(
  build: PreparedBuild,
  subscriber: PlanSubscriber,
  clicks: readonly ProfileClickInput[],
  exposure?: readonly ProfileClickInput[],
): Profile {
  const s = build.settings;
  return buildProfile({
    prefs: subscriber.prefs,
    clicks,
    exposure,
    accumulator: build.accumulator,
    scratch: build.profileScratch,
    lookup: (id) => build.articles.get(id),
    now: build.now,
    halfLifeDays: s.profileHalfLifeDays,
    sensitiveTopics: s.sensitiveTopics,
    sensitiveMinScore: s.sensitiveMinScore,
  });
}

export function planForSubscriber(
  build: PreparedBuild,
  subscriber: PlanSubscriber,
  clicks: readonly ProfileClickInput[],
  rng: Rng,
  opts: PlanOptions = {},
): EditionPlan {
  const { settings, candidates, ctx, topicIds, topicIndex, topicDist } = build;
  const lang: Lang = subscriber.lang === 'en' ? 'en' : 'fr';
  const consent = subscriber.consents?.personalization?.granted !== false;
  // 1. profile (mutes always apply: they are the subscriber's explicit choice)
  const profile = profileFor(build, subscriber, consent ? clicks : [], consent ? opts.exposure : undefined);
  const personalized = consent && !profile.empty;

  // 2. exclusions
  const n = ctx.n;
  const arrays = build.arrays ?? FRESH_ARRAYS;
  const excluded = arrays.uint8('plan.excluded', n);
  // Walk the subscriber's own lists (small) rather than every candidate.
  const exclude = (i: number | undefined) => {
    if (i !== undefined && !candidates[i]!.pinned) excluded[i] = 1;
  };
  // Every clicked article the build knows is in profile.clicked (profileFor looks articles up in build.articles).
  for (const a of profile.clicked) exclude(candidateOfStory(build, a));
  for (const c of profile.dislikedClusterIds) exclude(build.clusterIndex.get(c));
  const byKind = featuresByKind(ctx.features);
  for (const f of profile.muteSources) {
    const p = byKind.source.get(f);
    if (p) for (const i of p.idx) if (candidates[i]!.feedIds.every((x) => profile.muteSources.has(x))) exclude(i);
  }
  for (const t of profile.muteTopics) {
    const p = byKind.topic.get(t);
    if (p) for (let j = 0; j < p.idx.length; j++) if (p.w[j]! >= 0.5 || ctx.topics[p.idx[j]!]![0]?.id === t) exclude(p.idx[j]!);
  }
  for (const g of profile.mutePlaces) {
    const p = byKind.place.get(g);
    if (p) for (const i of p.idx) exclude(i);
  }
  excludeUnreadLanguages(build, readingLanguages(subscriber), excluded, settings.editionSize, settings.maxPerSource);

  // 3. relevance
  const home = build.homeScores(subscriber.home);
  const scored = scoreCandidates(ctx, settings, {
    personalized,
    profile,
    local: subscriber.home ? home.local : null,
  });
  const rel = scored.relevance;

  // 4. diversity
  const dial = clamp01(subscriber.diversity, 0.5);
  const f = 0.5 + dial; // 0.5× (familiar) … 1.5× (surprise me)
  const T = topicIds.length;
  // The bubble guard widens the edition of a subscriber whose latest editions narrowed below the editors' floor.
  const guard = bubbleGuard(personalized ? opts.recentTopicEntropy : undefined, settings.bubbleGuard);
  // The edition floor grows with the profile: a profile of a few clicks does not narrow the edition yet.
  const holdBits = personalized ? editionFloorBits(settings.bubbleGuard, profile.totalWeight, f) : 0;
  const historyShare = personalized ? clamp01(settings.calibration.historyShare * (1.5 - dial) * guard.historyScale, 0) : 0;
  const target = arrays.float64('plan.target', T);
  for (const [t, v] of build.baseline) target[topicIndex.get(t)!]! += (1 - historyShare) * v;
  for (const [t, v] of profile.topicDistribution) {
    const i = topicIndex.get(t);
    if (i !== undefined) target[i]! += historyShare * v;
  }
  for (const t of profile.muteTopics) {
    const i = topicIndex.get(t);
    if (i !== undefined) target[i] = 0;
  }
  normalize(target);
  const gm = settings.geoMix;
  const targetGeo = Float64Array.from([subscriber.home ? gm.local : 0, gm.national, gm.world]);
  normalize(targetGeo);

  const size = settings.editionSize;
  const pool = selectPool(rel, excluded, build.mainTopic, T, home.geo, size, arrays);
  const fixed = build.pinned.filter((i) => !excluded[i]);
  let chosen: number[];
  let explore = new Set<number>();
  let seated = new Set<number>();
  let broadened = new Set<number>();
  if (opts.relevanceOnly) {
    chosen = [...fixed, ...pool.filter((i) => !candidates[i]!.pinned)].slice(0, size);
  } else {
    const exploreOk = personalized && profile.usualTopics.size > 0;
    const d = diversify({
      pool,
      relevance: rel,
      vecs: build.simVecs,
      clusterIds: build.clusterIds,
      feedIds: ctx.feedIds,
      sources: { of: build.candidateSource, count: build.sourceCount },
      topicDist,
      topicCount: T,
      geo: home.geo,
      fixed,
      size,
      lambda: 1 - (1 - settings.mmrLambda) * f,
      calibrationStrength: Math.min(1, settings.calibration.strength * f),
      calibrationMethod: settings.calibration.method,
      targetTopics: target,
      alpha: settings.calibration.alpha,
      geoStrength: Math.min(1, gm.strength * f),
      targetGeo,
      maxPerSource: settings.maxPerSource,
      seatLambda: 1 - (1 - settings.calibration.seatLambda) * f,
      exploreSlots: exploreOk ? stochasticRound(size * Math.min(0.5, settings.explorationShare * f + guard.extraExploration), rng) : 0,
      exploreEligible: exploreOk ? outsideUsualTopics(build, profile, arrays) : undefined,
      rng,
      scratch: build.simScratch,
      floorBits: holdBits,
      floorSlots: settings.bubbleGuard.holdSlots,
      floorLambda: 1 - (1 - settings.bubbleGuard.holdLambda) * f,
      floorInterestPower: settings.bubbleGuard.holdInterestPower,
      topicInterest: interestByTopic(profile, topicIndex, T, arrays),
      arrays,
    });
    chosen = d.order;
    explore = d.explore;
    seated = d.seated;
    broadened = d.broadened;
  }

  // 5. sections
  const sectionOf = new Map<number, SectionId>();
  const topPicks = chosen
    .filter((i) => !explore.has(i))
    .filter((i) => candidates[i]!.pinned || ctx.editorial[i]! >= 0.5)
    .sort((a, b) => Number(candidates[b]!.pinned) - Number(candidates[a]!.pinned) || ctx.editorial[b]! - ctx.editorial[a]!);
  const topCount = personalized ? 3 : 4;
  for (const i of topPicks.slice(0, Math.max(topCount, fixed.length))) sectionOf.set(i, 'top');
  if (!personalized) {
    let tops = 0;
    for (const s of sectionOf.values()) if (s === 'top') tops++;
    for (const i of chosen) if (!sectionOf.has(i) && tops < topCount) (sectionOf.set(i, 'top'), tops++);
  }
  for (const i of chosen) if (explore.has(i)) sectionOf.set(i, 'discover');
  let near = 0;
  for (const i of chosen) {
    if (!sectionOf.has(i) && subscriber.home && home.geo[i] === 0 && near < 3) {
      sectionOf.set(i, 'near-you');
      near++;
    }
  }
  const mainSection: SectionId = personalized ? 'for-you' : 'more';
  for (const i of chosen) if (!sectionOf.has(i)) sectionOf.set(i, mainSection);
  const sectionOrder: SectionId[] = ['top', mainSection, 'near-you', 'discover'];
  // The set is diversified; within a section pinned stories lead, then what was
  // chosen for relevance, then what was seated for balance, then what holds the
  // edition floor, each most relevant first.
  const ordered = sectionOrder.flatMap((s) =>
    chosen
      .filter((i) => sectionOf.get(i) === s)
      .sort(
        (a, b) =>
          Number(candidates[b]!.pinned) - Number(candidates[a]!.pinned) ||
          Number(broadened.has(a)) - Number(broadened.has(b)) ||
          Number(seated.has(a)) - Number(seated.has(b)) ||
          rel[b]! - rel[a]! ||
          a - b,
      ),
  );

  // 6. items and reasons
  const signalRows = personalized ? profile.signals.slice(0, BECAUSE_SIGNALS).map((sg) => covisitRowOf(ctx, sg.article)) : undefined;
  const signalCovisit = signalRows ? { values: covisitToItems(signalRows, ordered, n, arrays), items: ordered.length } : undefined;
  const items: EditionItem[] = ordered.map((i, pos) =>
    renderItem(build, i, {
      lang,
      profile,
      personalized,
      scored,
      explore: explore.has(i),
      broaden: broadened.has(i),
      section: sectionOf.get(i)!,
      position: pos + 1,
      placeIdx: home.placeIdx[i]!,
      local: home.geo[i] === 0,
      ...(signalRows ? { signalRows, signalCovisit } : {}),
    }),
  );
  const sections: EditionSection[] = sectionOrder
    .map((s) => ({ id: s, title: SECTION_TITLES[s][lang], itemIds: items.filter((it) => it.section === s).map((it) => it.articleId) }))
    .filter((s) => s.itemIds.length > 0);

  // 7. metrics
  const targetMap = new Map<string, number>();
  target.forEach((v, g) => v > 0 && targetMap.set(topicIds[g]!, v));
  const metrics = editionMetrics(
    ordered.map((i) => ({ vec: build.simVecs[i]!, topics: ctx.topics[i]!, feedId: ctx.feedIds[i]!, geo: GEO_CLASSES[home.geo[i]!]! })),
    {
      target: targetMap,
      taxonomySize: TAXONOMY_TOPICS.length,
      alpha: settings.calibration.alpha,
      // Pairs of chosen stories were mostly compared during diversification: the build's similarity cache has them.
      cosine: (a, b) => {
        const sim = build.simScratch;
        sim.load(a);
        const c = sim.cosine(b);
        sim.clear();
        return c;
      },
    },
  );
  return { subscriberId: subscriber.id, lang, personalized, items, sections, metrics, target: Object.fromEntries(targetMap) };
}

/**
 * Leaves out stories in languages the subscriber does not read (pinned ones
 * and those of unknown language stay), unless what is left cannot fill an
 * edition within the per-source cap: a short edition in one's language is
 * worse than a full one with a few stories in another.
 */
function excludeUnreadLanguages(build: PreparedBuild, reads: readonly Lang[], excluded: Uint8Array, size: number, maxPerSource: number): void {
  const { candidateLang: langOf, candidateSource: sourceOf, candidates, unpinnedPerLang } = build;
  if (reads.length >= LANGS.length) return;
  const readable = new Uint8Array(LANGS.length + 1);
  readable[0] = 1;
  for (const l of reads) readable[LANGS.indexOf(l) + 1] = 1;
  // From the build's counts alone: nothing to leave out (every unpinned candidate is readable), or
  // too few readable and pinned candidates to fill an edition whatever the exclusions and caps.
  let unreadable = 0;
  let bound = build.pinned.length;
  for (let l = 0; l < unpinnedPerLang.length; l++) {
    if (readable[l]) bound += unpinnedPerLang[l]!;
    else unreadable += unpinnedPerLang[l]!;
  }
  if (unreadable === 0 || bound < size) return;
  const perSource = build.arrays.int32('plan.langPerSource', build.sourceCount);
  let fillable = 0;
  for (let i = 0; i < langOf.length && fillable < size; i++) {
    if (excluded[i] || !(readable[langOf[i]!] || candidates[i]!.pinned)) continue;
    if (perSource[sourceOf[i]!]! < maxPerSource) (perSource[sourceOf[i]!]!++, fillable++);
  }
  if (fillable < size) return;
  for (let i = 0; i < langOf.length; i++) if (!readable[langOf[i]!] && !candidates[i]!.pinned) excluded[i] = 1;
}

/** The candidate of the article's story in this build (undefined: none), kept on the article (it belongs to this build). */
function candidateOfStory(build: PreparedBuild, a: PreparedArticle): number | undefined {
  if (a.candidateOf !== build) {
    a.candidateOf = build;
    a.candidate = build.clusterIndex.get(a.clusterId) ?? -1;
  }
  return a.candidate! >= 0 ? a.candidate : undefined;
}

/** The profile's topic affinity (exposure-corrected when exposure is known) by topic index. */
function interestByTopic(profile: Profile, topicIndex: ReadonlyMap<string, number>, T: number, arrays: ArraySource): Float64Array {
  const out = arrays.float64('plan.topicInterest', T);
  for (const [t, v] of profile.topicAffinity) {
    const i = topicIndex.get(t);
    if (i !== undefined) out[i] = v;
  }
  return out;
}

/**
 * Whether a candidate's main topic is outside the profile's usual topics (an
 * exploration slot may take it): by topic number, not by a string lookup per
 * candidate. A topic the build has no number for is no candidate's main topic.
 */
function outsideUsualTopics(build: PreparedBuild, profile: Profile, arrays: ArraySource): (i: number) => boolean {
  const usual = arrays.uint8('plan.usualTopic', build.topicIds.length);
  for (const t of profile.usualTopics) {
    const g = build.topicIndex.get(t);
    if (g !== undefined) usual[g] = 1;
  }
  const main = build.mainTopic;
  return (i) => main[i]! >= 0 && usual[main[i]!] === 0;
}

/** floor(x), plus one with probability frac(x): a share like 5 % of 10 slots means one slot every other edition. */
function stochasticRound(x: number, rng: Rng): number {
  const base = Math.floor(x);
  return base + (rng() < x - base ? 1 : 0);
}

function normalize(a: Float64Array): void {
  let s = 0;
  for (const v of a) s += v;
  if (s > 0) for (let i = 0; i < a.length; i++) a[i] = a[i]! / s;
}

/**
 * The greedy's pool, best first: the `head` most relevant, plus the best few
 * of every topic and geographic class (so calibration has material), without
 * sorting every candidate.
 */
export function selectPool(
  rel: Float64Array,
  excluded: Uint8Array,
  mainTopic: Int32Array,
  T: number,
  geo: Uint8Array,
  size: number,
  arrays: ArraySource = FRESH_ARRAYS,
): number[] {
  const n = rel.length;
  const head = Math.max(60, size * 8);
  const perTopic = 4;
  const perGeo = Math.max(4, Math.ceil(size / 2));
  let threshold = -Infinity;
  // Per-topic and per-class bests are looked for among a wider head only.
  let wide = -Infinity;
  const all = arrays.float64('selectPool.values', n);
  let live = 0;
  for (let i = 0; i < n; i++) if (!excluded[i]) all[live++] = rel[i]!;
  if (live > head) {
    const vals = all.subarray(0, live);
    if (live > head * 5) {
      const bounds = arrays.float64('selectPool.bounds', 2);
      kthSmallestMany(vals, [live - head * 5, live - head], bounds, {
        counts: arrays.int32('selectPool.counts', 1024),
        vals: arrays.float64('selectPool.bucket', live),
      });
      wide = bounds[0]!;
      threshold = bounds[1]!;
    } else threshold = kthSmallest(vals, live - head);
  }
  const take = arrays.uint8('selectPool.taken', n);
  const out: number[] = [];
  // Best few per topic and per geographic class: small insertion-sorted lists,
  // list L in best[L × cap …], its length in bestCount[L] (topics first, then the classes).
  const lists = T + 3;
  const cap = Math.max(perTopic, perGeo);
  const best = arrays.int32('selectPool.best', lists * cap);
  const bestCount = arrays.int32('selectPool.bestCount', lists);
  const offer = (list: number, i: number, k: number) => {
    const base = list * cap;
    const len = bestCount[list]!;
    if (len === k && rel[best[base + k - 1]!]! >= rel[i]!) return;
    let p = len < k ? len : k - 1;
    if (len < k) bestCount[list] = len + 1;
    while (p > 0 && rel[best[base + p - 1]!]! < rel[i]!) {
      best[base + p] = best[base + p - 1]!;
      p--;
    }
    best[base + p] = i;
  };
  for (let i = 0; i < n; i++) {
    if (excluded[i]) continue;
    if (rel[i]! >= threshold && out.length < head * 2) {
      take[i] = 1;
      out.push(i);
    }
    if (rel[i]! < wide) continue;
    if (mainTopic[i]! >= 0) offer(mainTopic[i]!, i, perTopic);
    offer(T + geo[i]!, i, perGeo);
  }
  for (let list = 0; list < lists; list++) {
    for (let e = list * cap, end = e + bestCount[list]!; e < end; e++) {
      const i = best[e]!;
      if (!take[i]) (take[i] = 1), out.push(i);
    }
  }
  sortIndicesByValueDesc(out, rel, { a: arrays.int32('selectPool.sortA', out.length), b: arrays.int32('selectPool.sortB', out.length) });
  return out;
}

/** The name of the most confident place (the first of equals), as a stable sort by confidence would give. */
function mostConfidentPlace(places: readonly PlaceMention[]): string | undefined {
  let best: PlaceMention | undefined;
  for (const p of places) {
    // A NaN confidence makes the sort order engine-defined: keep the sort's answer then.
    if (Number.isNaN(p.confidence)) return [...places].sort((a, b) => b.confidence - a.confidence)[0]?.name;
    if (!best || p.confidence > best.confidence) best = p;
  }
  return best?.name;
}

interface RenderOpts {
  /** Co-visitation rows of the profile's first BECAUSE_SIGNALS signals, looked up once per edition. */
  signalRows?: (Postings | undefined)[];
  /** Those rows' values at the edition's items: values[signal × items + position − 1] (see covisitToItems). */
  signalCovisit?: { values: Float64Array; items: number };
  lang: Lang;
  profile: Profile;
  personalized: boolean;
  scored: ReturnType<typeof scoreCandidates>;
  explore: boolean;
  /** Swapped in to hold the edition floor. */
  broaden: boolean;
  section: SectionId;
  position: number;
  placeIdx: number;
  /** Near the reader's home (their local news). */
  local: boolean;
}

const r4 = (x: number) => Math.round(x * 10_000) / 10_000;

/** What an item shows of a candidate whatever the subscriber: worked out once per build, on first use. */
interface CandidateFacts {
  /** Effective topic ids: the main one, and any other scoring at least 0.2. */
  topics: readonly string[];
  mostConfidentPlace: string | undefined;
}
const candidateFactsCache = new WeakMap<PreparedBuild, (CandidateFacts | undefined)[]>();
function candidateFacts(build: PreparedBuild, i: number): CandidateFacts {
  let all = candidateFactsCache.get(build);
  if (!all) candidateFactsCache.set(build, (all = new Array<CandidateFacts | undefined>(build.candidates.length)));
  let f = all[i];
  if (!f) {
    const lead = build.candidates[i]!.lead;
    f = all[i] = {
      topics: lead.topics.filter((t, k) => k === 0 || t.score >= 0.2).map((t: TopicScore) => t.id),
      mostConfidentPlace: mostConfidentPlace(lead.places),
    };
  }
  return f;
}

function renderItem(build: PreparedBuild, i: number, o: RenderOpts): EditionItem {
  const c = build.candidates[i]!;
  const { ctx } = build;
  // A muted source never shows: another outlet of the same story leads instead.
  const mutes = o.profile.muteSources;
  let shown = c.lead;
  let others = c.alsoCoveredBy;
  if (mutes.size > 0) {
    const all = [c.lead, ...c.alsoCoveredBy];
    shown = all.find((a) => !mutes.has(a.feedId)) ?? c.lead;
    others = all.filter((a) => a !== shown && !mutes.has(a.feedId));
  }
  const facts = candidateFacts(build, i);
  // Spelled out in RELEVANCE_PARTS order (the stored key order; a test holds them together):
  // fixed-shape objects, where a loop over the part names made every access a keyed lookup.
  const sp = o.scored.parts;
  const partVals: Record<RelevancePart, number> = {
    content: sp.content[i]!,
    covisit: sp.covisit[i]!,
    recency: sp.recency[i]!,
    popularity: sp.popularity[i]!,
    local: sp.local[i]!,
    editorial: sp.editorial[i]!,
  };
  const parts: Record<RelevancePart, number> = {
    content: r4(partVals.content),
    covisit: r4(partVals.covisit),
    recency: r4(partVals.recency),
    popularity: r4(partVals.popularity),
    local: r4(partVals.local),
    editorial: r4(partVals.editorial),
  };
  const topics = facts.topics.slice();
  const place = o.placeIdx >= 0 ? c.lead.places[o.placeIdx]?.name : undefined;
  const mainPlace = place ?? facts.mostConfidentPlace;

  // Called by explainItem only when "because you read …" would be shown.
  const becauseOf = (): BecauseOf | undefined => {
    if (!o.personalized || !o.profile.signals.length) return undefined;
    let found: BecauseOf | undefined;
    let best = 0;
    // The similarity cache: signals on stories that are themselves candidates are pairs other editions already compared.
    const scratch = build.simScratch;
    scratch.load(build.simVecs[i]!);
    // Signals are heaviest first; the lightest cannot name the reason.
    const signals = o.profile.signals;
    const rows = o.signalRows;
    for (let k = 0; k < signals.length && k < BECAUSE_SIGNALS; k++) {
      const s = signals[k]!;
      const cv =
        partVals.covisit > 0
          ? o.signalCovisit && rows
            ? o.signalCovisit.values[k * o.signalCovisit.items + o.position - 1]!
            : rowValue(rows ? rows[k] : build.ctx.covisitRow(s.article.clusterId), i)
          : 0;
      const sim = scratch.cosine(s.article.simVec);
      const topicMatch = s.article.mainTopic && s.article.mainTopic === c.lead.mainTopic ? 0.05 : 0;
      const v = s.weight * (sim + cv + topicMatch);
      if (v > best) {
        best = v;
        found = { articleId: s.article.id, title: s.article.article.title, kind: s.kind };
      }
    }
    scratch.clear();
    return found;
  };
  // Following local news means one's own: a far story is not there for it.
  const followedTopic = topics.find((t) => o.profile.followTopics.has(t) && (t !== LOCAL_TOPIC || o.local));
  const followedSource = c.feedIds.find((f) => o.profile.followSources.has(f));
  const reasons = explainItem({
    lang: o.lang,
    parts: partVals,
    weights: o.scored.weights,
    pinned: c.pinned,
    explore: o.explore,
    broaden: o.broaden,
    becauseOf,
    followedTopic: o.personalized && followedTopic ? { id: followedTopic, label: topicLabel(followedTopic, o.lang) } : undefined,
    followedSource: o.personalized && followedSource ? build.sourceName(followedSource) : undefined,
    topicLabel: c.lead.mainTopic ? topicLabel(c.lead.mainTopic, o.lang) : undefined,
    nearPlace: place,
    sources: c.feedIds.length,
  });
  const a = shown.article;
  return {
    articleId: a.id,
    clusterId: c.clusterId,
    title: a.title,
    url: a.url,
    source: build.sourceName(a.feedId),
    feedId: a.feedId,
    summary: a.summary,
    publishedAt: a.publishedAt,
    topics,
    place: mainPlace,
    alsoCoveredBy: others.map((m) => ({
      source: build.sourceName(m.feedId),
      feedId: m.feedId,
      articleId: m.id,
      url: m.article.url,
      title: m.article.title,
    })),
    section: o.section,
    position: o.position,
    score: r4(o.scored.relevance[i]!),
    scoreParts: parts,
    reasons,
  };
}

/**
 * Each signal row's value at each of the edition's items (0 where the row has
 * none): one walk of every row instead of a binary search per item and signal.
 * Entry [k × items.length + p] is row k at items[p].
 */
function covisitToItems(rows: readonly (Postings | undefined)[], items: readonly number[], n: number, arrays: ArraySource): Float64Array {
  const m = items.length;
  const out = arrays.float64('plan.signalCovisit', rows.length * m);
  if (m === 0) return out;
  const slot = arrays.int32('plan.itemSlot', n);
  for (let p = 0; p < m; p++) slot[items[p]!] = p + 1;
  for (let k = 0; k < rows.length; k++) {
    const row = rows[k];
    if (!row) continue;
    const idx = row.idx;
    for (let j = 0; j < idx.length; j++) {
      const p = slot[idx[j]!]!;
      if (p) out[k * m + p - 1] = row.w[j]!;
    }
  }
  return out;
}

function rowValue(row: Postings | undefined, i: number): number {
  if (!row) return 0;
  let lo = 0;
  let hi = row.idx.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = row.idx[mid]!;
    if (v === i) return row.w[mid]!;
    if (v < i) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}

// ───────────────────────── one-shot ─────────────────────────

export interface PlanInput extends BuildInput {
  subscriber: PlanSubscriber;
  /** The subscriber's own clicks (their articles must be in `articles`). */
  subscriberClicks?: readonly ProfileClickInput[];
  rng: Rng;
  relevanceOnly?: boolean;
}

/** One edition from scratch (tests, previews). Builds should call prepareBuild once and planForSubscriber per subscriber. */
export function planEdition(input: PlanInput): EditionPlan {
  const build = prepareBuild(input);
  return planForSubscriber(build, input.subscriber, input.subscriberClicks ?? [], input.rng, { relevanceOnly: input.relevanceOnly });
}

/** The stored form: an Edition ready for Store.saveEdition. */
export function toEdition(plan: EditionPlan, meta: { id: string; date: string; settingsVersion: number; createdAt: IsoTime }): Edition {
  return {
    id: meta.id,
    subscriberId: plan.subscriberId,
    date: meta.date,
    lang: plan.lang,
    personalized: plan.personalized,
    settingsVersion: meta.settingsVersion,
    createdAt: meta.createdAt,
    sections: plan.sections,
    items: plan.items,
    metrics: plan.metrics,
  };
}


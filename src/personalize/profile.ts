/**
 * A subscriber's interest profile: time-decayed sums over what they clicked
 * (keywords, topics, places, sources), merged with what they told us
 * (follow / mute, more / less like this). Clicks on sensitive topics stay out
 * unless the subscriber follows that topic.
 */
import type { IsoTime, Lang, SubscriberPrefs } from '../model.js';
import { sensitiveTopicsOf, type PreparedArticle } from './articles.js';
import { SparseAccumulator, type PackedVector, EMPTY_VECTOR } from './vectors.js';
import { topicLabel } from './labels.js';
import { ProfileScratch } from './feature-sums.js';

export interface ProfileClickInput {
  articleId: string;
  at: IsoTime | number;
  editionId?: string;
  position?: number;
  /** The article, already found among the build's (resolveArticles): then it is not looked up again. */
  article?: PreparedArticle;
}

export interface ProfileInput {
  prefs?: Partial<SubscriberPrefs>;
  clicks: readonly ProfileClickInput[];
  /** Finds a clicked article (the build's prepared articles). Unknown ids are skipped. */
  lookup: (articleId: string) => PreparedArticle | undefined;
  now: number;
  halfLifeDays: number;
  sensitiveTopics: readonly string[];
  sensitiveMinScore: number;
  /** Profile keyword vector keeps this many terms. */
  maxTerms?: number;
  /** Weight of an explicit "more like this" relative to a fresh click. */
  likeWeight?: number;
  /**
   * Items the subscriber was shown (their past editions). When given, topic
   * interest is a click-through rate per topic rather than a click count, so
   * what the editions happened to show does not feed back into the profile
   * (exposure correction; a topic shown little is not assumed uninteresting).
   */
  exposure?: readonly ProfileClickInput[];
  /** Pseudo-impressions of the exposure correction's prior (default 3). */
  exposurePrior?: number;
  /** Reusable accumulator (a build shares one across subscribers). */
  accumulator?: SparseAccumulator;
  /** Reusable numberings and sums of topics, places and sources (a build shares one across subscribers). */
  scratch?: ProfileScratch;
}

export interface ProfileClick {
  article: PreparedArticle;
  at: number;
  /** Decayed weight in [0, likeWeight]. */
  weight: number;
  kind: 'click' | 'like';
}

export interface Profile {
  terms: PackedVector;
  dislikes: PackedVector;
  /** Affinity in [0, 1] per topic; followed topics are 1. */
  topicAffinity: Map<string, number>;
  /** History topic mix (sums to 1; followed topics included) — the p(g|u) of calibration. */
  topicDistribution: Map<string, number>;
  /** Affinity in [0, 1] per place geoId; followed places are 1. */
  placeAffinity: Map<string, number>;
  /** Affinity in [0, 1] per feed id; followed sources are 1. */
  sourceAffinity: Map<string, number>;
  /** Clicks and likes that shaped the profile, heaviest first. */
  signals: ProfileClick[];
  /** Clicks kept out because their topic is sensitive and not followed. */
  excludedSensitive: { articleId: string; topics: string[] }[];
  /** Every clicked article found (sensitive ones too): their stories are never shown again. */
  clicked: PreparedArticle[];
  /** Clusters given "less like this". */
  dislikedClusterIds: Set<string>;
  followTopics: Set<string>;
  followSources: Set<string>;
  followPlaces: Set<string>;
  muteTopics: Set<string>;
  muteSources: Set<string>;
  mutePlaces: Set<string>;
  /** Topics the subscriber usually reads or follows (exploration picks outside these). */
  usualTopics: Set<string>;
  totalWeight: number;
  /** True when nothing is known: no usable click, like or follow. */
  empty: boolean;
}

function toMs(at: IsoTime | number): number {
  const ms = typeof at === 'number' ? at : parseIsoUtc(at);
  return Number.isFinite(ms) ? ms : NaN;
}

/** Value of the two ASCII digits at s[i], s[i+1] (−1 if either is not a digit). */
function two(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * Date.parse, with a fast path for the stored form "YYYY-MM-DDTHH:MM:SS.sssZ"
 * (every click and edition time; a profile parses about a hundred). Anything
 * else, or a day past the 28th (month lengths), goes to Date.parse, so the
 * result is always Date.parse's.
 */
export function parseIsoUtc(s: string): number {
  if (typeof s === 'string' && s.length === 24 && s.charCodeAt(4) === 45 && s.charCodeAt(7) === 45 && s.charCodeAt(10) === 84 && s.charCodeAt(13) === 58 && s.charCodeAt(16) === 58 && s.charCodeAt(19) === 46 && s.charCodeAt(23) === 90) {
    const y1 = two(s, 0);
    const y2 = two(s, 2);
    const mo = two(s, 5);
    const d = two(s, 8);
    const h = two(s, 11);
    const mi = two(s, 14);
    const se = two(s, 17);
    const m1 = two(s, 20);
    const m2 = s.charCodeAt(22) - 48;
    // Years below 1000 stay with Date.parse (Date.UTC reads 0–99 as 1900–1999).
    if (y1 >= 10 && y2 >= 0 && mo >= 1 && mo <= 12 && d >= 1 && d <= 28 && h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && se >= 0 && se <= 59 && m1 >= 0 && m2 >= 0 && m2 <= 9) {
      return Date.UTC(y1 * 100 + y2, mo - 1, d, h, mi, se, m1 * 10 + m2);
    }
  }
  return Date.parse(s);
}

function scaleToMax(m: Map<string, number>): Map<string, number> {
  let max = 0;
  for (const v of m.values()) if (v > max) max = v;
  const out = new Map<string, number>();
  if (max <= 0) return out;
  for (const [k, v] of m) if (v > 0) out.set(k, v / max);
  return out;
}

export function buildProfile(input: ProfileInput): Profile {
  const prefs = input.prefs ?? {};
  const set = (xs: readonly string[] | undefined) => new Set((xs ?? []).filter((x) => typeof x === 'string'));
  const followTopics = set(prefs.followTopics);
  const muteTopics = set(prefs.muteTopics);
  const followPlaces = set(prefs.followPlaces);
  const mutePlaces = set(prefs.mutePlaces);
  const followSources = set(prefs.followSources);
  const muteSources = set(prefs.muteSources);
  const sensitive = new Set(input.sensitiveTopics);
  const halfLifeMs = Math.max(1, input.halfLifeDays * 86_400_000);
  const likeWeight = input.likeWeight ?? 2;
  const decay = (at: number) => (at > input.now ? 1 : Math.pow(2, -(input.now - at) / halfLifeMs));

  const signals: ProfileClick[] = [];
  const excludedSensitive: Profile['excludedSensitive'] = [];
  const clicked: PreparedArticle[] = [];
  const scratch = input.scratch ?? new ProfileScratch();
  scratch.useSensitive(input.sensitiveTopics, input.sensitiveMinScore);
  for (const c of input.clicks) {
    const a = c.article ?? input.lookup(c.articleId);
    if (!a) continue;
    clicked.push(a);
    const at = toMs(c.at);
    if (!Number.isFinite(at)) continue;
    if (scratch.isSensitive(scratch.slot(a))) {
      const sens = sensitiveTopicsOf(a, sensitive, input.sensitiveMinScore);
      if (sens.some((t) => !followTopics.has(t))) {
        excludedSensitive.push({ articleId: a.id, topics: sens });
        continue;
      }
    }
    signals.push({ article: a, at, weight: decay(at), kind: 'click' });
  }
  const dislikedClusterIds = new Set<string>();
  const acc = input.accumulator ?? new SparseAccumulator();
  const maxTerms = input.maxTerms ?? 100;
  const dislikeSignals: { vec: PackedVector; w: number }[] = [];
  for (const f of prefs.feedback ?? []) {
    const a = input.lookup(f.articleId);
    if (!a) continue;
    const at = toMs(f.at);
    const w = Number.isFinite(at) ? decay(at) : 1;
    if (f.signal === 1) signals.push({ article: a, at: Number.isFinite(at) ? at : input.now, weight: w * likeWeight, kind: 'like' });
    else if (f.signal === -1) {
      dislikedClusterIds.add(a.clusterId);
      dislikeSignals.push({ vec: a.vec, w });
    }
  }
  signals.sort((x, y) => y.weight - x.weight);

  let totalWeight = 0;
  for (const s of signals) {
    const w = s.weight;
    totalWeight += w;
    // Each click's heaviest terms: the profile keeps its heaviest terms only, and
    // these carry most of each article's weight for a third of the additions.
    const slot = scratch.slot(s.article);
    scratch.addTerms(acc, slot, w);
    scratch.addTopicShares(scratch.topics, slot, w);
    scratch.addPlaces(slot, w);
    scratch.addSource(slot, w);
  }
  const topics = scratch.topics.take(scratch.topicNumbers.terms);
  const places = scratch.places.take(scratch.placeNumbers.terms);
  const sources = scratch.sources.take(scratch.sourceNumbers.terms);
  // With exposure known, interest is a click rate per topic (exposure-corrected):
  // what the editions happened to show does not run away with the profile.
  let clickShares = new Map(topics);
  const rates = input.exposure && input.exposure.length > 0 ? exposureRates(topics, input, decay, totalWeight, scratch) : null;
  if (rates) {
    topics.clear();
    for (const [t, v] of rates.interest) topics.set(t, v);
    clickShares = rates.target;
  }
  for (const t of muteTopics) (topics.delete(t), clickShares.delete(t));
  for (const p of mutePlaces) places.delete(p);
  for (const f of muteSources) sources.delete(f);

  // The calibration target: history mix, with each followed topic worth at least an average topic.
  const distribution = clickShares;
  const followShare = Math.max(totalWeight / Math.max(1, clickShares.size), 1);
  for (const t of followTopics) if (!muteTopics.has(t)) distribution.set(t, Math.max(distribution.get(t) ?? 0, followShare));
  const dsum = [...distribution.values()].reduce((x, y) => x + y, 0);
  if (dsum > 0) for (const [k, v] of distribution) distribution.set(k, v / dsum);

  const topicAffinity = scaleToMax(topics);
  for (const t of followTopics) if (!muteTopics.has(t)) topicAffinity.set(t, 1);
  const placeAffinity = scaleToMax(places);
  for (const p of followPlaces) if (!mutePlaces.has(p)) placeAffinity.set(p, 1);
  const sourceAffinity = scaleToMax(sources);
  for (const s of followSources) if (!muteSources.has(s)) sourceAffinity.set(s, 1);

  const usualTopics = new Set<string>();
  for (const [t, share] of distribution) if (share >= 0.1) usualTopics.add(t);

  const terms = acc.take(maxTerms);
  for (const d of dislikeSignals) if (d.vec.norm > 0) acc.add(d.vec, d.w / d.vec.norm);
  const dislikes = dislikeSignals.length ? acc.take(maxTerms) : EMPTY_VECTOR;
  return {
    terms,
    dislikes,
    topicAffinity,
    topicDistribution: distribution,
    placeAffinity,
    sourceAffinity,
    signals,
    excludedSensitive,
    clicked,
    dislikedClusterIds,
    followTopics,
    followSources,
    followPlaces,
    muteTopics,
    muteSources,
    mutePlaces,
    usualTopics,
    totalWeight,
    empty: signals.length === 0 && followTopics.size === 0 && followSources.size === 0 && followPlaces.size === 0,
  };
}

/**
 * Click rates per topic from click mass and exposure. Interest (for relevance):
 * (clicks + k·r̄) / (shown + k), an unknown topic being average. Target (for
 * calibration): clicks / (shown + k), so a topic read once by chance after
 * two showings does not outweigh the one read every day.
 */
function exposureRates(
  topics: Map<string, number>,
  input: ProfileInput,
  decay: (at: number) => number,
  totalClicks: number,
  scratch: ProfileScratch,
): { interest: Map<string, number>; target: Map<string, number> } | null {
  let totalShown = 0;
  // An edition's items share its time: parsed and decayed once per run of equal times.
  let lastAt: IsoTime | number | undefined;
  let lastW = NaN;
  for (const e of input.exposure ?? []) {
    const a = e.article ?? input.lookup(e.articleId);
    if (e.at !== lastAt || lastAt === undefined) {
      lastAt = e.at;
      const at = toMs(e.at);
      lastW = Number.isFinite(at) ? decay(at) : NaN;
    }
    if (!a || Number.isNaN(lastW)) continue;
    const w = lastW;
    scratch.addTopicShares(scratch.shown, scratch.slot(a), w);
    totalShown += w;
  }
  const shown = scratch.shown.take(scratch.topicNumbers.terms);
  if (totalShown <= 0) return null;
  const k = input.exposurePrior ?? 3;
  const rate = Math.min(1, totalClicks / totalShown);
  const interest = new Map<string, number>();
  const target = new Map<string, number>();
  const rateOf = (t: string) => {
    const c = topics.get(t) ?? 0;
    const n = shown.get(t) ?? 0;
    interest.set(t, (c + k * rate) / (n + k));
    if (c > 0) target.set(t, c / (n + k));
  };
  // Clicked topics, then topics only shown (the order a Set of both would give).
  for (const t of topics.keys()) rateOf(t);
  for (const t of shown.keys()) if (!topics.has(t)) rateOf(t);
  return { interest, target };
}


// ───────────────────────── "My profile" page ─────────────────────────

export interface ProfileSource {
  articleId: string;
  title: string;
  at: IsoTime;
}

export interface ProfileEntry {
  id: string;
  label: string;
  weight: number;
  followed: boolean;
  /** The clicks this interest came from, heaviest first (at most 5). */
  from: ProfileSource[];
}

export interface ProfileView {
  topics: ProfileEntry[];
  places: ProfileEntry[];
  sources: ProfileEntry[];
  keywords: { term: string; weight: number }[];
  clicksUsed: number;
  /** Clicks left out because their topic is sensitive and not followed. */
  sensitiveClicksExcluded: number;
}

/** What the profile holds, readable by the subscriber, with where each interest came from. */
export function describeProfile(
  profile: Profile,
  opts: { lang: Lang; sourceName?: (feedId: string) => string | undefined; top?: number; terms?: readonly string[] },
): ProfileView {
  const top = opts.top ?? 10;
  const src = (a: ProfileClick): ProfileSource => ({
    articleId: a.article.id,
    title: a.article.article.title,
    at: new Date(a.at).toISOString(),
  });
  const entries = (
    aff: Map<string, number>,
    follows: Set<string>,
    has: (s: ProfileClick, key: string) => boolean,
    label: (key: string) => string,
  ): ProfileEntry[] =>
    [...aff.entries()]
      .sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))
      .slice(0, top)
      .map(([key, weight]) => ({
        id: key,
        label: label(key),
        weight: Math.round(weight * 1000) / 1000,
        followed: follows.has(key),
        from: profile.signals.filter((s) => has(s, key)).slice(0, 5).map(src),
      }));
  const placeNames = new Map<string, string>();
  const surface = new Map<string, string>();
  for (const s of profile.signals) {
    for (const p of s.article.places) if (!placeNames.has(p.geoId)) placeNames.set(p.geoId, p.name);
    for (const k of s.article.article.tags?.keywords ?? []) if (!surface.has(k.stem)) surface.set(k.stem, k.term);
  }
  const keywords: { term: string; weight: number }[] = [];
  if (opts.terms) {
    const order = [...profile.terms.ids.keys()].sort((x, y) => profile.terms.weights[y]! - profile.terms.weights[x]!);
    const max = order.length ? profile.terms.weights[order[0]!]! : 1;
    for (const k of order.slice(0, 15)) {
      const stem = opts.terms[profile.terms.ids[k]!] ?? '';
      keywords.push({ term: surface.get(stem) ?? stem, weight: Math.round((profile.terms.weights[k]! / max) * 1000) / 1000 });
    }
  }
  return {
    topics: entries(
      profile.topicAffinity,
      profile.followTopics,
      (s, k) => s.article.topics.some((t) => t.id === k),
      (k) => topicLabel(k, opts.lang),
    ),
    places: entries(
      profile.placeAffinity,
      profile.followPlaces,
      (s, k) => s.article.places.some((p) => p.geoId === k),
      (k) => placeNames.get(k) ?? k,
    ),
    sources: entries(
      profile.sourceAffinity,
      profile.followSources,
      (s, k) => s.article.feedId === k,
      (k) => opts.sourceName?.(k) ?? k,
    ),
    keywords,
    clicksUsed: profile.signals.filter((s) => s.kind === 'click').length,
    sensitiveClicksExcluded: profile.excludedSensitive.length,
  };
}

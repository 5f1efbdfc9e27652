/**
 * What ranking needs from a stored article, computed once per build:
 * packed TF-IDF vector, effective topics (an editor's override wins) and
 * whether the article touches a sensitive topic.
 */
import type { Article, PlaceMention, TopicScore } from '../model.js';
import { packVector, topTerms, type PackedVector, type TermDict } from './vectors.js';

/**
 * Terms kept for similarity: between articles (redundancy, "because you read")
 * and between a profile and the candidates. A profile is the sum of its clicks'
 * heaviest terms, matched against the candidates' heaviest terms.
 */
export const SIM_TERMS = 32;

export interface PreparedArticle {
  article: Article;
  id: string;
  clusterId: string;
  feedId: string;
  publishedMs: number;
  vec: PackedVector;
  /** The vector cut to its heaviest terms (SIM_TERMS), for every similarity ranking computes. */
  simVec: PackedVector;
  /** Sorted by score, descending; scores in [0, 1]. */
  topics: TopicScore[];
  mainTopic?: string;
  places: PlaceMention[];
  mainCountry?: string;
  /** The co-visitation row of the article's story and the scoring context it is from (score.ts covisitRowOf). */
  covisitOwner?: object;
  covisitRow?: CovisitRow;
  /** Its slot in the flat columns of the ProfileScratch named by profileOwner (feature-sums.ts). */
  profileSlot?: number;
  profileOwner?: object;
  /** The candidate index of its story (−1 none) in the build named by candidateOf (plan.ts candidateOfStory). */
  candidate?: number;
  candidateOf?: object;
}

/** A co-visitation row as score.ts keeps it (candidate indices, weights). */
export interface CovisitRow {
  idx: Int32Array;
  w: Float64Array;
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.max(0, Math.min(1, x)) : 0;
}

/** The article's topics: an editor's override replaces the classifier's guess. */
export function effectiveTopics(a: Article): TopicScore[] {
  const t = a.tags;
  if (!t) return [];
  if (t.topicOverride) return [{ id: t.topicOverride, score: 1 }];
  return (t.topics ?? [])
    .filter((x) => x && typeof x.id === 'string')
    .map((x) => ({ id: x.id, score: clamp01(x.score) }))
    .sort((x, y) => y.score - x.score);
}

export function prepareArticle(a: Article, dict: TermDict): PreparedArticle {
  const topics = effectiveTopics(a);
  const ms = Date.parse(a.publishedAt);
  const vec = packVector(a.tags?.vector, dict);
  return {
    article: a,
    id: a.id,
    clusterId: a.clusterId || a.id,
    feedId: a.feedId,
    publishedMs: Number.isFinite(ms) ? ms : 0,
    vec,
    simVec: topTerms(vec, SIM_TERMS),
    topics,
    mainTopic: topics[0]?.id,
    places: (a.tags?.places ?? []).filter((p) => p && typeof p.geoId === 'string'),
    mainCountry: a.tags?.mainCountry,
    // Declared up front so that what is memoized later (co-visitation row, profile slot,
    // candidate of its story) does not change the object's shape.
    covisitOwner: undefined,
    covisitRow: undefined,
    profileSlot: undefined,
    profileOwner: undefined,
    candidate: undefined,
    candidateOf: undefined,
  };
}

/** Sensitive topics an article belongs to (main topic, or any topic scoring at least minScore). */
export function sensitiveTopicsOf(p: Pick<PreparedArticle, 'topics'>, sensitive: ReadonlySet<string>, minScore: number): string[] {
  // Called for every click of every profile: no array unless there is something to say.
  let out: string[] | undefined;
  const ts = p.topics;
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i]!;
    if (sensitive.has(t.id) && (i === 0 || t.score >= minScore)) (out ??= []).push(t.id);
  }
  return out ?? NO_TOPICS;
}

/** Shared, frozen: most articles touch no sensitive topic. */
const NO_TOPICS = Object.freeze([]) as unknown as string[];

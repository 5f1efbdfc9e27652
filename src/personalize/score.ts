/**
 * Relevance: a weighted sum of parts, each in [0, 1], kept separately so the
 * edition can say why an item is there.
 *
 *   content    similarity of the article to the profile (TF-IDF cosine, topic,
 *              place and source affinity, minus "less like this")
 *   covisit    stories co-clicked by readers of what the subscriber read
 *   recency    2^(−age / half-life)
 *   popularity decayed clicks of all subscribers (log-scaled)
 *   local      closeness of the article's places to the subscriber's home
 *   editorial  pinned stories, front-page sections, breadth of coverage
 */
import type { TopicScore, PlaceMention } from '../model.js';
import type { Profile } from './profile.js';
import { LOCAL_TOPIC, RELEVANCE_PARTS, type EditorSettings, type RelevancePart } from './settings.js';
import type { PackedVector } from './vectors.js';
import { scatter } from '../util/scatter.js';

export interface Postings {
  idx: Int32Array;
  w: Float64Array;
}

/** Everything about the candidates that does not depend on the subscriber. */
export interface ScoreContext {
  n: number;
  vecs: PackedVector[];
  /** Inverted index: term id → candidates containing it (weights divided by the vector norm). */
  postings: Map<number, Postings>;
  topics: TopicScore[][];
  places: PlaceMention[][];
  feedIds: string[];
  recency: Float64Array;
  popularity: Float64Array;
  editorial: Float64Array;
  /** Candidates by feature: "t:<topic>" (weight = topic score), "p:<geoId>" (confidence), "s:<feedId>" (1). */
  features: Map<string, Postings>;
  /**
   * Reusable arrays of length n (a build plans one subscriber at a time per
   * thread). Without it, every call allocates. Results handed back (parts,
   * relevance) then live until the next subscriber is planned.
   */
  buffers?: Map<string, Float64Array>;
  /** Co-visitation from a story (cluster id) to the candidates, normalized; memoized per build. */
  covisitRow(key: string): Postings | undefined;
}

export type ScoreParts = Record<RelevancePart, Float64Array>;

export interface Scored {
  relevance: Float64Array;
  parts: ScoreParts;
  /** Weights actually used (personalized parts are 0 without consent or profile). */
  weights: Record<RelevancePart, number>;
}

/** Mix of the content part's components. */
export const CONTENT_MIX = { text: 0.5, topic: 0.3, place: 0.1, source: 0.1, dislike: 0.5 } as const;

export function buildPostings(vecs: readonly PackedVector[]): Map<number, Postings> {
  const lists = new Map<number, { idx: number[]; w: number[] }>();
  vecs.forEach((v, i) => {
    if (v.norm === 0) return;
    for (let k = 0; k < v.ids.length; k++) {
      const id = v.ids[k]!;
      let l = lists.get(id);
      if (!l) lists.set(id, (l = { idx: [], w: [] }));
      l.idx.push(i);
      l.w.push(v.weights[k]! / v.norm);
    }
  });
  const out = new Map<number, Postings>();
  for (const [id, l] of lists) out.set(id, { idx: Int32Array.from(l.idx), w: Float64Array.from(l.w) });
  return out;
}

/** A zeroed array of length n: the context's reusable one for `name`, or a new one. */
function buffer(ctx: Pick<ScoreContext, 'n' | 'buffers'>, name: string): Float64Array {
  if (!ctx.buffers) return new Float64Array(ctx.n);
  let b = ctx.buffers.get(name);
  if (!b || b.length !== ctx.n) ctx.buffers.set(name, (b = new Float64Array(ctx.n)));
  else b.fill(0);
  return b;
}

/** Inverted index of topics, places and sources, so a profile walks only the candidates that share a feature. */
export function buildFeaturePostings(
  topics: readonly (readonly TopicScore[])[],
  places: readonly (readonly PlaceMention[])[],
  feedIds: readonly string[],
): Map<string, Postings> {
  const lists = new Map<string, { idx: number[]; w: number[] }>();
  const push = (key: string, i: number, w: number) => {
    let l = lists.get(key);
    if (!l) lists.set(key, (l = { idx: [], w: [] }));
    if (l.idx[l.idx.length - 1] === i) {
      l.w[l.w.length - 1] = Math.max(l.w[l.w.length - 1]!, w);
      return;
    }
    l.idx.push(i);
    l.w.push(w);
  };
  for (let i = 0; i < feedIds.length; i++) {
    for (const t of topics[i]!) push(`t:${t.id}`, i, t.score);
    for (const p of places[i]!) push(`p:${p.geoId}`, i, 1);
    push(`s:${feedIds[i]}`, i, 1);
  }
  const out = new Map<string, Postings>();
  for (const [k, l] of lists) out.set(k, { idx: Int32Array.from(l.idx), w: Float64Array.from(l.w) });
  return out;
}

/**
 * The inverted index packed in one pair of arrays (compressed rows by term id):
 * entries start[t] … start[t + 1] − 1 are term t's postings. Built once per
 * index; a profile's walk then reads contiguous memory instead of one small
 * array pair per term.
 */
interface PackedPostings {
  start: Int32Array;
  idx: Int32Array;
  w: Float64Array;
}
const packedPostings = new WeakMap<Map<number, Postings>, PackedPostings>();
function packPostings(postings: Map<number, Postings>): PackedPostings {
  let p = packedPostings.get(postings);
  if (!p) {
    let terms = 0;
    let total = 0;
    for (const [id, l] of postings) (terms = Math.max(terms, id + 1)), (total += l.idx.length);
    const start = new Int32Array(terms + 1);
    for (const [id, l] of postings) start[id + 1] = l.idx.length;
    for (let t = 0; t < terms; t++) start[t + 1]! += start[t]!;
    const idx = new Int32Array(total);
    const w = new Float64Array(total);
    for (const [id, l] of postings) (idx.set(l.idx, start[id]!), w.set(l.w, start[id]!));
    packedPostings.set(postings, (p = { start, idx, w }));
  }
  return p;
}

/** Cosine of a profile vector with every candidate, through the inverted index. */
export function cosineAll(ctx: Pick<ScoreContext, 'n' | 'postings' | 'buffers'>, v: PackedVector, name = 'cos'): Float64Array {
  const out = buffer(ctx, name);
  if (v.norm === 0) return out;
  const { start, idx, w: pw } = packPostings(ctx.postings);
  // Terms the index has never seen (articles prepared after it) have no postings.
  const terms = start.length - 1;
  const ids = v.ids;
  const ws = v.weights;
  for (let k = 0; k < ids.length; k++) {
    const id = ids[k]!;
    if (id >= terms) continue;
    scatter('add', out, idx, start[id]!, start[id + 1]!, ws[k]! / v.norm, pw);
  }
  return out;
}

function maxOf(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (a[i]! > m) m = a[i]!;
  return m;
}

function hasContent(ctx: ScoreContext, i: number): boolean {
  return ctx.vecs[i]!.norm > 0 || ctx.topics[i]!.length > 0 || ctx.places[i]!.length > 0;
}

/** Which candidates have any content (text, topic or place), and how many: the same for every subscriber of a build. */
const knownCache = new WeakMap<ScoreContext, { known: Uint8Array; count: number }>();
function knownOf(ctx: ScoreContext): { known: Uint8Array; count: number } {
  let k = knownCache.get(ctx);
  if (!k || k.known.length !== ctx.n) {
    const known = new Uint8Array(ctx.n);
    let count = 0;
    for (let i = 0; i < ctx.n; i++) if (hasContent(ctx, i)) (known[i] = 1), count++;
    knownCache.set(ctx, (k = { known, count }));
  }
  return k;
}

/** The feature index split by kind and keyed by the bare id (no "t:…" string built per profile entry); once per index. */
export interface FeaturesByKind {
  topic: Map<string, Postings>;
  place: Map<string, Postings>;
  source: Map<string, Postings>;
}
const byKindCache = new WeakMap<Map<string, Postings>, FeaturesByKind>();
export function featuresByKind(features: Map<string, Postings>): FeaturesByKind {
  let k = byKindCache.get(features);
  if (!k) {
    k = { topic: new Map(), place: new Map(), source: new Map() };
    for (const [key, p] of features) {
      const kind = key.startsWith('t:') ? k.topic : key.startsWith('p:') ? k.place : key.startsWith('s:') ? k.source : null;
      kind?.set(key.slice(2), p);
    }
    byKindCache.set(features, k);
  }
  return k;
}

/**
 * Content part for every candidate. `localness` (the local part: closeness to
 * the reader's home, 0–1) gates the local-news topic: a reader in Manchester
 * who reads local news wants Manchester's, not Montréal's. Null (no home):
 * the local-news topic counts for nothing.
 */
export function contentScores(ctx: ScoreContext, profile: Profile, localness: Float64Array | null = null): Float64Array {
  const n = ctx.n;
  const out = buffer(ctx, 'content');
  const cos = cosineAll(ctx, profile.terms);
  // Relative to the best match, with a floor so weak similarity stays weak.
  const cosScale = 1 / Math.max(maxOf(cos), 0.15);
  const dis = profile.dislikes.norm > 0 ? cosineAll(ctx, profile.dislikes, 'dislike') : null;
  const topic = buffer(ctx, 'topic');
  const place = buffer(ctx, 'place');
  const source = buffer(ctx, 'source');
  const byKind = featuresByKind(ctx.features);
  for (const [t, aff] of profile.topicAffinity) {
    const p = byKind.topic.get(t);
    if (!p) continue;
    if (t !== LOCAL_TOPIC) scatter('add', topic, p.idx, 0, p.idx.length, aff, p.w);
    else if (localness) for (let j = 0; j < p.idx.length; j++) topic[p.idx[j]!] += p.w[j]! * aff * localness[p.idx[j]!]!;
  }
  for (const [g, aff] of profile.placeAffinity) {
    const p = byKind.place.get(g);
    if (p) scatter('max', place, p.idx, 0, p.idx.length, aff);
  }
  for (const [f, aff] of profile.sourceAffinity) {
    const p = byKind.source.get(f);
    if (p) scatter('set', source, p.idx, 0, p.idx.length, aff);
  }
  for (let i = 0; i < n; i++) {
    let s =
      CONTENT_MIX.text * Math.min(1, cos[i]! * cosScale) +
      CONTENT_MIX.topic * Math.min(1, topic[i]!) +
      CONTENT_MIX.place * place[i]! +
      CONTENT_MIX.source * source[i]!;
    if (dis) s -= CONTENT_MIX.dislike * Math.max(0, dis[i]!);
    out[i] = s > 0 ? (s < 1 ? s : 1) : 0;
  }
  // An article with no text, topic or place is unknown, not irrelevant: it gets the average.
  const { known: has, count: known } = knownOf(ctx);
  if (known > 0 && known < n) {
    let sum = 0;
    for (let i = 0; i < n; i++) if (has[i]) sum += out[i]!;
    const mean = sum / known;
    for (let i = 0; i < n; i++) if (!has[i]) out[i] = mean;
  }
  return out;
}

/**
 * Co-visitation part: Σ over the profile's clicks (their stories' rows,
 * weighted), scaled by the subscriber's best candidate. Takes the profile's
 * signals as they are: no copy per signal.
 */
/** What covisitRowOf memoizes on: an article of the build (PreparedArticle) or anything with a story id. */
export interface CovisitKeyed {
  clusterId: string;
  covisitOwner?: object;
  covisitRow?: Postings;
}

/**
 * ctx.covisitRow of the article's story, kept on the article for this context:
 * a profile's signals are looked up by every plan that has them, and a
 * property read is cheaper than the hash lookup of the story id each time.
 */
export function covisitRowOf(ctx: Pick<ScoreContext, 'covisitRow'>, a: CovisitKeyed): Postings | undefined {
  if (a.covisitOwner !== ctx) {
    a.covisitRow = ctx.covisitRow(a.clusterId);
    a.covisitOwner = ctx;
  }
  return a.covisitRow;
}

export function covisitPart(
  ctx: ScoreContext,
  signals: readonly { article: CovisitKeyed; weight: number }[],
  floor = 0.3,
): Float64Array {
  const out = buffer(ctx, 'covisit');
  for (let k = 0; k < signals.length; k++) {
    const s = signals[k]!;
    const row = covisitRowOf(ctx, s.article);
    if (!row) continue;
    scatter('add', out, row.idx, 0, row.idx.length, s.weight, row.w);
  }
  const scale = 1 / Math.max(maxOf(out), floor);
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, out[i]! * scale);
  return out;
}

export interface ScoreOptions {
  /** The subscriber agreed to personalization and has a usable profile. */
  personalized: boolean;
  profile?: Profile;
  /** Local part per candidate (null without a home place). */
  local: Float64Array | null;
}

/**
 * Relevance of every candidate. Never NaN: every part is in [0, 1] and the
 * weights (validated, at least one positive) are renormalized; when the
 * personalized parts are switched off and nothing else is weighted, recency
 * and popularity take over.
 */
export function scoreCandidates(ctx: ScoreContext, settings: Pick<EditorSettings, 'weights'>, opts: ScoreOptions): Scored {
  const n = ctx.n;
  const zeros = buffer(ctx, 'zeros');
  const usePersonal = opts.personalized && !!opts.profile && !opts.profile.empty;
  const parts: ScoreParts = {
    content: usePersonal ? contentScores(ctx, opts.profile!, opts.local) : zeros,
    covisit: usePersonal ? covisitPart(ctx, opts.profile!.signals) : zeros,
    recency: ctx.recency,
    popularity: ctx.popularity,
    local: opts.local ?? zeros,
    editorial: ctx.editorial,
  };
  const weights = { ...settings.weights } as Record<RelevancePart, number>;
  if (!usePersonal) {
    weights.content = 0;
    weights.covisit = 0;
  }
  if (!opts.local) weights.local = 0;
  let sum = 0;
  for (const k of RELEVANCE_PARTS) sum += Number.isFinite(weights[k]) && weights[k] > 0 ? weights[k] : (weights[k] = 0);
  if (sum === 0) {
    weights.recency = 1;
    weights.popularity = 1;
    sum = 2;
  }
  const relevance = buffer(ctx, 'relevance');
  // One pass over the candidates, adding the weighted parts in RELEVANCE_PARTS
  // order from 0: the same sums, term by term, as a pass per part. A part
  // weighted 0 reads the zeros instead (adding +0 changes no sum).
  const six: 6 = RELEVANCE_PARTS.length; // the six parts below, all of them
  void six;
  const w = (k: RelevancePart) => weights[k] / sum;
  const p = (k: RelevancePart) => (w(k) === 0 ? zeros : parts[k]);
  const [w0, w1, w2, w3, w4, w5] = [w('content'), w('covisit'), w('recency'), w('popularity'), w('local'), w('editorial')];
  const [p0, p1, p2, p3, p4, p5] = [p('content'), p('covisit'), p('recency'), p('popularity'), p('local'), p('editorial')];
  for (let i = 0; i < n; i++) {
    relevance[i] = relevance[i]! + w0 * p0[i]! + w1 * p1[i]! + w2 * p2[i]! + w3 * p3[i]! + w4 * p4[i]! + w5 * p5[i]!;
  }
  return { relevance, parts, weights };
}

export function recencyScore(ageMs: number, halfLifeHours: number): number {
  if (!Number.isFinite(ageMs)) return 0;
  return Math.pow(2, -Math.max(0, ageMs) / (halfLifeHours * 3_600_000));
}

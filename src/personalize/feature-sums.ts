/**
 * Profile sums over topics, places and sources without string-keyed maps.
 *
 * A profile adds a weight per topic, place and source of each of about a
 * hundred articles (clicks and past editions' items). With maps that is
 * several hundred string-hashed lookups per subscriber and a walk through
 * each article's topic and place objects. Instead, a build numbers the ids
 * once (a TermDict per kind), each article keeps its numbers and weights in typed
 * arrays (profileFacts, worked out on first use), and a profile sums into
 * dense rows (OrderedSums) that become maps only at the end, one entry per
 * distinct id. The maps come out as the string-keyed version made them: same
 * keys, same first-touch order, the same additions in the same order.
 */
import type { PlaceMention, TopicScore } from '../model.js';
import { TermDict } from './vectors.js';

/** Sums by number that remember which numbers were touched first (the order a Map would iterate in). */
export class OrderedSums {
  private sums = new Float64Array(64);
  private seen = new Uint8Array(64);
  private order = new Int32Array(64);
  private count = 0;

  add(k: number, v: number): void {
    if (k >= this.sums.length) this.grow(k + 1);
    if (this.seen[k] === 0) {
      this.seen[k] = 1;
      if (this.count === this.order.length) {
        const o = new Int32Array(this.order.length * 2);
        o.set(this.order);
        this.order = o;
      }
      this.order[this.count++] = k;
    }
    this.sums[k] = this.sums[k]! + v;
  }

  /** The sums as a Map keyed by `ids[k]`, in first-touch order; resets. */
  take(ids: readonly string[]): Map<string, number> {
    const out = new Map<string, number>();
    for (let j = 0; j < this.count; j++) {
      const k = this.order[j]!;
      out.set(ids[k]!, this.sums[k]!);
      this.sums[k] = 0;
      this.seen[k] = 0;
    }
    this.count = 0;
    return out;
  }

  private grow(min: number): void {
    const size = Math.max(min, this.sums.length * 2);
    const sums = new Float64Array(size);
    sums.set(this.sums);
    const seen = new Uint8Array(size);
    seen.set(this.seen);
    this.sums = sums;
    this.seen = seen;
  }
}

/** What a profile sums from one article, by number. */
export interface ProfileFacts {
  /** The numbering these refer to. */
  owner: ProfileScratch;
  /** Effective topics (the main one, and any other scoring at least 0.2), their scores and the scores' sum. */
  topics: Int32Array;
  topicScores: Float64Array;
  topicSum: number;
  /** Places (repeats kept) and their confidence (0.5 when unknown). */
  places: Int32Array;
  placeWeights: Float64Array;
  source: number;
}

/** What profileFacts reads from a prepared article (and where it keeps the answer). */
export interface FactsCarrier {
  topics: readonly TopicScore[];
  places: readonly PlaceMention[];
  feedId: string;
  profileFacts?: ProfileFacts;
}

/**
 * The numberings and working sums of profiles. A build keeps one for all its
 * subscribers (planning is synchronous, one build per thread).
 */
export class ProfileScratch {
  /** Topic, place and source ids numbered in order of first sight. */
  readonly topicNumbers = new TermDict();
  readonly placeNumbers = new TermDict();
  readonly sourceNumbers = new TermDict();
  readonly topics = new OrderedSums();
  readonly places = new OrderedSums();
  readonly sources = new OrderedSums();
  /** Topics of the past editions' items (exposure). */
  readonly shown = new OrderedSums();

  /** The article's numbers, worked out on first use with this scratch and kept on the article. */
  facts(a: FactsCarrier): ProfileFacts {
    const known = a.profileFacts;
    if (known && known.owner === this) return known;
    const ts = a.topics;
    let n = 0;
    for (let i = 0; i < ts.length; i++) if (i === 0 || ts[i]!.score >= 0.2) n++;
    const topics = new Int32Array(n);
    const topicScores = new Float64Array(n);
    let topicSum = 0;
    for (let i = 0, j = 0; i < ts.length; i++) {
      const t = ts[i]!;
      if (i !== 0 && t.score < 0.2) continue;
      topicSum += t.score;
      topics[j] = this.topicNumbers.id(t.id);
      topicScores[j++] = t.score;
    }
    const ps = a.places;
    const places = new Int32Array(ps.length);
    const placeWeights = new Float64Array(ps.length);
    for (let i = 0; i < ps.length; i++) {
      places[i] = this.placeNumbers.id(ps[i]!.geoId);
      placeWeights[i] = Number.isFinite(ps[i]!.confidence) ? ps[i]!.confidence : 0.5;
    }
    const facts: ProfileFacts = { owner: this, topics, topicScores, topicSum, places, placeWeights, source: this.sourceNumbers.id(a.feedId) };
    a.profileFacts = facts;
    return facts;
  }

  /** Adds w spread over the article's effective topics in proportion to their scores. */
  addTopicShares(sums: OrderedSums, f: ProfileFacts, w: number): void {
    const tsum = f.topicSum;
    if (!(tsum > 0)) return;
    for (let j = 0; j < f.topics.length; j++) sums.add(f.topics[j]!, (w * f.topicScores[j]!) / tsum);
  }
}

/**
 * Profile sums over topics, places and sources without string-keyed maps.
 *
 * A profile adds a weight per topic, place and source of each of about a
 * hundred articles (clicks and past editions' items). With maps that is
 * several hundred string-hashed lookups per subscriber and a walk through
 * each article's topic and place objects. Instead, a build numbers the ids
 * once (a TermDict per kind), what a profile reads of each article is copied
 * into flat columns on first use (ProfileScratch), and a profile sums into
 * dense rows (OrderedSums) that become maps only at the end, one entry per
 * distinct id. The maps come out as the string-keyed version made them: same
 * keys, same first-touch order, the same additions in the same order.
 */
import type { PlaceMention, TopicScore } from '../model.js';
import { TermDict, type PackedVector, type SparseAccumulator } from './vectors.js';

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

/** A growable typed column. */
class Column<T extends Int32Array | Float64Array | Uint8Array> {
  length = 0;
  constructor(
    public data: T,
    private readonly make: (n: number) => T,
  ) {}

  push(v: number): void {
    if (this.length === this.data.length) {
      const next = this.make(this.data.length * 2);
      next.set(this.data as never);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
}
const ints = (n: number) => new Column(new Int32Array(n), (m) => new Int32Array(m));
const floats = (n: number) => new Column(new Float64Array(n), (m) => new Float64Array(m));

/** What a profile reads of an article (and where the scratch notes the article's slot). */
export interface FactsCarrier {
  topics: readonly TopicScore[];
  places: readonly PlaceMention[];
  feedId: string;
  simVec: PackedVector;
  profileSlot?: number;
  profileOwner?: object;
}

/**
 * The numberings and working sums of profiles, and what profiles read of each
 * article, copied on first use into flat columns by slot: heaviest terms,
 * effective topics, places, source, and whether a sensitive topic is among
 * its topics. A profile then reads contiguous arrays instead of following
 * each article's topic, place and vector objects (and their buffers) through
 * the heap, which is where a profile's time went. A build keeps one scratch
 * for all its subscribers (planning is synchronous, one build per thread).
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

  /** Slots belong to this object: replaced (and the columns emptied) when the sensitive topics change. */
  private owner: object = {};
  private sensitiveKey = '';
  private sensitiveSet: ReadonlySet<string> = new Set();
  private sensitiveMin = 0;
  /** Slot s's entries in a column of entries are [start[s], start[s + 1]). */
  private readonly termStart = ints(1025);
  private readonly termIds = ints(1 << 14);
  private readonly termWeights = floats(1 << 14);
  private readonly vecNorm = floats(1024);
  private readonly topicStart = ints(1025);
  private readonly topicIds = ints(2048);
  private readonly topicScores = floats(2048);
  private readonly topicSum = floats(1024);
  private readonly placeStart = ints(1025);
  private readonly placeIds = ints(2048);
  private readonly placeWeights = floats(2048);
  private readonly source = ints(1024);
  /** 1: a sensitive topic is among the article's (sensitiveTopicsOf says which). */
  private readonly sensitive = ints(1024);

  constructor() {
    this.reset();
  }

  /** The sensitive topics and minimum score the next profiles use; a change forgets every slot. */
  useSensitive(topics: readonly string[], minScore: number): void {
    const key = `${minScore}\n${topics.join('\n')}`;
    if (key === this.sensitiveKey) return;
    this.sensitiveKey = key;
    this.sensitiveSet = new Set(topics);
    this.sensitiveMin = minScore;
    this.reset();
  }

  private reset(): void {
    this.owner = {};
    for (const c of [this.termStart, this.termIds, this.termWeights, this.vecNorm, this.topicStart, this.topicIds, this.topicScores, this.topicSum, this.placeStart, this.placeIds, this.placeWeights, this.source, this.sensitive]) c.length = 0;
    for (const c of [this.termStart, this.topicStart, this.placeStart]) c.push(0);
  }

  /** The article's slot, its facts copied in on first use. */
  slot(a: FactsCarrier): number {
    if (a.profileOwner === this.owner) return a.profileSlot!;
    const slot = this.source.length;
    const v = a.simVec;
    for (let k = 0; k < v.ids.length; k++) (this.termIds.push(v.ids[k]!), this.termWeights.push(v.weights[k]!));
    this.termStart.push(this.termIds.length);
    this.vecNorm.push(v.norm);
    const ts = a.topics;
    let sum = 0;
    let sensitive = 0;
    for (let i = 0; i < ts.length; i++) {
      const t = ts[i]!;
      if (this.sensitiveSet.has(t.id) && (i === 0 || t.score >= this.sensitiveMin)) sensitive = 1;
      if (i !== 0 && t.score < 0.2) continue;
      sum += t.score;
      this.topicIds.push(this.topicNumbers.id(t.id));
      this.topicScores.push(t.score);
    }
    this.topicStart.push(this.topicIds.length);
    this.topicSum.push(sum);
    for (const p of a.places) {
      this.placeIds.push(this.placeNumbers.id(p.geoId));
      this.placeWeights.push(Number.isFinite(p.confidence) ? p.confidence : 0.5);
    }
    this.placeStart.push(this.placeIds.length);
    this.source.push(this.sourceNumbers.id(a.feedId));
    this.sensitive.push(sensitive);
    a.profileOwner = this.owner;
    a.profileSlot = slot;
    return slot;
  }

  /** Whether a sensitive topic (useSensitive) is among the article's, as sensitiveTopicsOf finds them. */
  isSensitive(slot: number): boolean {
    return this.sensitive.data[slot] === 1;
  }

  /** Adds the article's heaviest terms, scaled by w over their norm (nothing for an empty vector). */
  addTerms(acc: SparseAccumulator, slot: number, w: number): void {
    const norm = this.vecNorm.data[slot]!;
    if (norm > 0) acc.addRange(this.termIds.data, this.termWeights.data, this.termStart.data[slot]!, this.termStart.data[slot + 1]!, w / norm);
  }

  /** Adds w spread over the article's effective topics (the main one, and any other scoring at least 0.2) in proportion to their scores. */
  addTopicShares(sums: OrderedSums, slot: number, w: number): void {
    const tsum = this.topicSum.data[slot]!;
    if (!(tsum > 0)) return;
    const ids = this.topicIds.data;
    const scores = this.topicScores.data;
    for (let j = this.topicStart.data[slot]!, end = this.topicStart.data[slot + 1]!; j < end; j++) sums.add(ids[j]!, (w * scores[j]!) / tsum);
  }

  /** Adds w times each place's confidence (0.5 when unknown) to the place sums. */
  addPlaces(slot: number, w: number): void {
    const ids = this.placeIds.data;
    const weights = this.placeWeights.data;
    for (let j = this.placeStart.data[slot]!, end = this.placeStart.data[slot + 1]!; j < end; j++) this.places.add(ids[j]!, w * weights[j]!);
  }

  /** Adds w to the article's source. */
  addSource(slot: number, w: number): void {
    this.sources.add(this.source.data[slot]!, w);
  }
}

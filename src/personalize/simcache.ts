/**
 * Candidate-to-candidate similarities remembered across the subscribers of a
 * build. The diversity re-ranking compares each chosen story with the rest of
 * the subscriber's pool; pools overlap a lot from one subscriber to the next
 * (the day's big stories), so most pairs were already computed. Pairs are
 * kept in single precision (half the memory the lookups wander through), and
 * every similarity of two candidates is read back from the table, whether it
 * was just computed or remembered: a plan never depends on which subscribers
 * the thread planned before. Other vectors get DenseScratch's number.
 */
import { DenseScratch, type PackedVector } from './vectors.js';

/** Above this many candidates the n × n table (4 bytes a pair) is not kept. */
export const MAX_CACHED_CANDIDATES = 4000;

/** A candidate vector's index, kept on the vector itself (a property read instead of a hash lookup per pair). */
const CANDIDATE_INDEX = Symbol('candidateIndex');
type Indexed = PackedVector & { [CANDIDATE_INDEX]?: number };

export class CachedSimilarity extends DenseScratch {
  private readonly vecs: readonly PackedVector[];
  private readonly n: number;
  /** Pairs are remembered (few enough candidates for the n × n table). */
  private readonly tabled: boolean;
  private table: Float32Array | null = null;
  /** 1 for candidates with a vector (the others' similarity is 0): read per pair, so kept apart from the vectors. */
  private readonly hasVec: Uint8Array;
  /** Story numbers of the clusterIds array raiseMaxSim was last given (equal ids, equal numbers). */
  private storyNumbers: { of: readonly string[]; byId: Map<string, number>; numbers: Int32Array } | null = null;
  /**
   * Table slot of each candidate, given on first use. The stories most
   * subscribers' pools share get the first slots, so the pairs looked up
   * most sit together in a corner of the table (cache lines reused) rather
   * than spread over all n × n entries.
   */
  private readonly slotOf: Int32Array;
  private slots = 0;
  /** Table row offset of the loaded vector (slot × n; −1: not a candidate, or nothing loaded). */
  private loadedIdx = -1;
  /** The loaded candidate vector, spread into the dense row only when a pair is missing. */
  private pending: PackedVector | null = null;

  constructor(size: number, candidateVecs: readonly PackedVector[], maxCandidates = MAX_CACHED_CANDIDATES) {
    super(size);
    this.n = candidateVecs.length;
    this.vecs = candidateVecs;
    this.slotOf = new Int32Array(this.n).fill(-1);
    this.tabled = this.n <= maxCandidates;
    this.hasVec = Uint8Array.from(candidateVecs, (v) => (v.norm > 0 ? 1 : 0));
    if (this.tabled) {
      candidateVecs.forEach((v, i) => {
        // Empty vectors are shared (and their similarity is 0 anyway).
        if (v.norm > 0) (v as Indexed)[CANDIDATE_INDEX] = i;
      });
    }
  }

  /** The vector's index among this build's candidates, or −1 (checked, so a vector of another build never matches). */
  private indexOf(v: PackedVector): number {
    // Without a table nothing is remembered (the vectors may carry the index another cache gave them).
    if (!this.tabled) return -1;
    const i = (v as Indexed)[CANDIDATE_INDEX];
    return i !== undefined && this.vecs[i] === v ? i : -1;
  }

  /** The candidate's slot in the table, given on first use. */
  private slot(i: number): number {
    let s = this.slotOf[i]!;
    if (s < 0) this.slotOf[i] = s = this.slots++;
    return s;
  }

  override load(v: PackedVector): void {
    this.clear();
    const i = this.indexOf(v);
    if (i < 0) super.load(v);
    else {
      this.loadedIdx = this.slot(i) * this.n;
      this.pending = v;
    }
  }

  override dot(v: PackedVector): number {
    this.materialize();
    return super.dot(v);
  }

  override cosine(v: PackedVector): number {
    if (this.loadedIdx >= 0) {
      const j = this.indexOf(v);
      if (j >= 0) return this.tabledCosine(j, v);
      this.materialize();
    }
    return super.cosine(v);
  }

  /** Whether `vecs` are this cache's candidate vectors (so cosineOfCandidate(j) is cosine(vecs[j])). */
  covers(vecs: readonly PackedVector[]): boolean {
    return vecs === this.vecs;
  }

  /**
   * cosine(candidate vector j), found by index: the same number, without
   * checking the vector's identity (what a caller holding indices already knows).
   */
  cosineOfCandidate(j: number): number {
    const v = this.vecs[j]!;
    if (this.loadedIdx >= 0 && this.tabled && v.norm > 0) return this.tabledCosine(j, v);
    return this.cosine(v);
  }

  /**
   * The loaded candidate's similarity with each pool candidate not yet chosen,
   * raised into maxSim (the diversity re-ranking's redundancy): 1 within the
   * loaded story (`cluster`), cosineOfCandidate(j) otherwise. One call per
   * chosen item, so the pairs are looked up in one loop (no call per pair).
   */
  raiseMaxSim(pool: readonly number[], chosen: Uint8Array, clusterIds: readonly string[], cluster: string | undefined, maxSim: Float64Array): void {
    if (!(this.loadedIdx >= 0 && this.tabled)) {
      for (let pi = 0; pi < pool.length; pi++) {
        const j = pool[pi]!;
        if (chosen[j]) continue;
        const s = clusterIds[j] === cluster ? 1 : this.cosine(this.vecs[j]!);
        if (s > maxSim[j]!) maxSim[j] = s;
      }
      return;
    }
    const table = (this.table ??= new Float32Array(this.n * this.n).fill(Number.NaN));
    const stories = this.storiesOf(clusterIds);
    const story = cluster === undefined ? -1 : (stories.byId.get(cluster) ?? -1);
    const storyOf = stories.numbers;
    const hasVec = this.hasVec;
    const slotOf = this.slotOf;
    const row = this.loadedIdx;
    for (let pi = 0; pi < pool.length; pi++) {
      const j = pool[pi]!;
      if (chosen[j]) continue;
      let s: number;
      if (storyOf[j] === story) s = 1;
      else if (hasVec[j] === 0) s = 0;
      else {
        let slot = slotOf[j]!;
        if (slot < 0) slotOf[j] = slot = this.slots++;
        const k = row + slot;
        s = table[k]!;
        if (s !== s) {
          this.materialize();
          table[k] = super.cosine(this.vecs[j]!);
          s = table[k]!;
        }
      }
      if (s > maxSim[j]!) maxSim[j] = s;
    }
  }

  /** Numbers for the story ids (by first sight), worked out again only when another array is given. */
  private storiesOf(clusterIds: readonly string[]): { byId: Map<string, number>; numbers: Int32Array } {
    const known = this.storyNumbers;
    if (known && known.of === clusterIds && known.numbers.length === clusterIds.length) return known;
    const byId = new Map<string, number>();
    const numbers = Int32Array.from(clusterIds, (c) => {
      let k = byId.get(c);
      if (k === undefined) byId.set(c, (k = byId.size));
      return k;
    });
    this.storyNumbers = { of: clusterIds, byId, numbers };
    return this.storyNumbers;
  }

  /** The loaded candidate's cosine with candidate j (vector v): from the table, or computed once and kept. */
  private tabledCosine(j: number, v: PackedVector): number {
    const table = (this.table ??= new Float32Array(this.n * this.n).fill(Number.NaN));
    const k = this.loadedIdx + this.slot(j);
    const known = table[k]!;
    if (known === known) return known;
    this.materialize();
    table[k] = super.cosine(v);
    return table[k]!;
  }

  override clear(): void {
    this.loadedIdx = -1;
    this.pending = null;
    super.clear();
  }

  private materialize(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    super.load(p);
  }
}

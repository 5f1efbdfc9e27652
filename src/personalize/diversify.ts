/**
 * Diversity injection: a greedy re-ranking that picks, slot by slot, the
 * candidate with the best trade-off between
 *   relevance                 λ · rel(i) / max rel
 *   redundancy (MMR)        − (1 − λ) · max_{j ∈ S} sim(i, j)   (TF-IDF cosine; 1 within a story cluster)
 *   topic calibration       − c · KL(p_topics ‖ q̃(S ∪ {i}))      (Steck 2018, q̃ = (1 − α) q + α p)
 *   geographic calibration  − g · KL(p_geo ‖ q̃_geo(S ∪ {i}))    (local / national / world)
 * under a hard cap of K items per source, then fills a share of exploration
 * slots with topics outside the subscriber's usual ones (seeded sampling),
 * and last holds the edition floor: a narrow edition gives its weakest items
 * of its main topic to the subscriber's most relevant stories of other topics.
 */
import type { Rng } from '../util/random.js';
import { cosine, type DenseScratch, type PackedVector } from './vectors.js';
import { CachedSimilarity } from './simcache.js';
import { FRESH_ARRAYS, type ArraySource } from './scratch.js';

export interface DiversifyInput {
  /** Candidate indices to choose from. */
  pool: readonly number[];
  relevance: Float64Array;
  vecs: readonly PackedVector[];
  clusterIds: readonly string[];
  feedIds: readonly string[];
  /** The feeds as numbers 0 … sourceCount − 1 by candidate (a build numbers them once); derived from feedIds when absent. */
  sources?: { of: Int32Array; count: number };
  /** Topic distribution per candidate: topicDist[i * topicCount + g], rows sum to 1 or 0. */
  topicDist: Float64Array;
  topicCount: number;
  /** Geographic class per candidate: 0 local, 1 national, 2 world. */
  geo: Uint8Array;
  /** Items that must come first, in this order (pinned stories). */
  fixed?: readonly number[];
  size: number;
  lambda: number;
  /**
   * MMR trade-off used when a calibration seat is filled (default: lambda).
   * Lower than lambda, the seat goes to a story unlike those already chosen,
   * not to one merely tagged with the due topic but like the rest.
   */
  seatLambda?: number;
  /** KL weight ('kl') or share of slots given as proportional seats ('seats'), in [0, 1]. */
  calibrationStrength: number;
  /**
   * 'seats': a share of the slots goes to the topic most under-served relative
   * to the target (Sainte-Laguë quotients, as PM-2); the edition's mix then
   * follows the target however peaked relevance is. 'kl': Steck's greedy KL penalty.
   */
  calibrationMethod?: 'seats' | 'kl';
  /** Target topic distribution over topic indices (sums to 1). */
  targetTopics: Float64Array;
  alpha: number;
  geoStrength: number;
  /** Target [local, national, world] (sums to 1). */
  targetGeo: Float64Array;
  maxPerSource: number;
  exploreSlots: number;
  exploreEligible?: (i: number) => boolean;
  rng?: Rng;
  /** Dense row over term ids for fast similarities (optional). */
  scratch?: DenseScratch;
  /**
   * Edition floor (bits): when the chosen items' main topics have a lower
   * entropy, the least relevant items of the most represented topic give way,
   * one at a time, to the most relevant stories of other topics, until the
   * floor is reached or `floorSlots` items were swapped. 0 or absent: off.
   */
  floorBits?: number;
  /** At most this many items swapped to reach the floor. */
  floorSlots?: number;
  /**
   * MMR trade-off of a floor swap (default: seatLambda): near 1 the swapped-in
   * story is the subscriber's most relevant one of another topic, lower it
   * must also be unlike the edition.
   */
  floorLambda?: number;
  /**
   * Exponent of topicInterest in a floor swap's score (default 1): higher, the
   * swaps keep to the subscriber's next-best topics rather than spreading for entropy.
   */
  floorInterestPower?: number;
  /**
   * The subscriber's interest per topic index in [0, 1] (exposure-corrected
   * affinity): floor swaps go to their next-best topics first. Absent: relevance only.
   */
  topicInterest?: Float64Array;
  /** Where the working arrays come from (a build reuses them from one subscriber to the next); fresh ones by default. */
  arrays?: ArraySource;
}

export interface DiversifyResult {
  /** Chosen candidate indices in edition order. */
  order: number[];
  /** Those chosen by an exploration slot. */
  explore: Set<number>;
  /** Those chosen by a calibration seat (a topic that was due), not by relevance. */
  seated: Set<number>;
  /** Those swapped in to hold the edition floor (other topics of interest), not by relevance. */
  broadened: Set<number>;
  /** Greedy objective of each chosen item when it was picked. */
  objective: Map<number, number>;
}

/** KL(p ‖ (1 − α) q + α p), in bits, over the entries where p > 0. */
export function klDivergence(p: ArrayLike<number>, q: ArrayLike<number>, alpha: number): number {
  let kl = 0;
  for (let g = 0; g < p.length; g++) {
    const pg = p[g]!;
    if (pg <= 0) continue;
    const qg = (1 - alpha) * q[g]! + alpha * pg;
    kl += pg * Math.log2(pg / qg);
  }
  return kl;
}

/** The feeds of the given candidates as numbers 0 … count − 1 (by candidate index; −1 for the others). */
function numberSources(feedIds: readonly string[], candidates: readonly number[], arrays: ArraySource): { of: Int32Array; count: number } {
  const ids = new Map<string, number>();
  const of = arrays.int32('diversify.srcOf', feedIds.length, -1);
  for (const i of candidates) {
    let id = ids.get(feedIds[i]!);
    if (id === undefined) ids.set(feedIds[i]!, (id = ids.size));
    of[i] = id;
  }
  return { of, count: ids.size };
}

export function diversify(input: DiversifyInput): DiversifyResult {
  const { relevance, vecs, clusterIds, feedIds, topicDist, topicCount: T, geo, size } = input;
  const order: number[] = [];
  const explore = new Set<number>();
  const seated = new Set<number>();
  const objective = new Map<number, number>();
  const arrays = input.arrays ?? FRESH_ARRAYS;
  const chosen = arrays.uint8('diversify.chosen', relevance.length);
  // Sources as small integers: the cap is checked for every candidate at every step.
  const { of: srcOf, count: sourceCount } = input.sources ?? numberSources(feedIds, [...input.pool, ...(input.fixed ?? [])], arrays);
  const perSource = arrays.int32('diversify.perSource', sourceCount + 1);
  const topicSum = arrays.float64('diversify.topicSum', T);
  const geoSum = new Float64Array(3);
  const pool = input.pool.filter((i) => Number.isFinite(relevance[i]!));
  const maxSim = arrays.float64('diversify.maxSim', relevance.length);
  const scratch = input.scratch;

  // The build's similarity cache answers by candidate index (no vector identity check per pair).
  const cached = scratch instanceof CachedSimilarity && scratch.covers(vecs) ? scratch : null;
  const take = (i: number, obj: number) => {
    order.push(i);
    chosen[i] = 1;
    objective.set(i, obj);
    perSource[srcOf[i]!]!++;
    for (let g = 0; g < T; g++) topicSum[g]! += topicDist[i * T + g]!;
    geoSum[geo[i]!]! += 1;
    if (scratch) scratch.load(vecs[i]!);
    const cluster = clusterIds[i];
    if (cached) cached.raiseMaxSim(pool, chosen, clusterIds, cluster, maxSim);
    else {
      for (let pi = 0; pi < pool.length; pi++) {
        const j = pool[pi]!;
        if (chosen[j]) continue;
        const s = clusterIds[j] === cluster ? 1 : scratch ? scratch.cosine(vecs[j]!) : cosine(vecs[i]!, vecs[j]!);
        if (s > maxSim[j]!) maxSim[j] = s;
      }
    }
    if (scratch) scratch.clear();
  };
  const sourceOk = (i: number) => perSource[srcOf[i]!]! < input.maxPerSource;

  for (const i of input.fixed ?? []) {
    if (order.length >= size) break;
    if (!chosen[i]) take(i, Number.NaN);
  }

  let maxRel = 0;
  for (const i of pool) maxRel = Math.max(maxRel, relevance[i]!);
  const relScale = maxRel > 0 ? 1 / maxRel : 0;
  const relN = (i: number) => relevance[i]! * relScale;
  const exploreSlots = Math.max(0, Math.min(input.exploreSlots, size - order.length));
  const greedyEnd = size - exploreSlots;
  const lambda = input.lambda;
  const seatLambda = input.seatLambda ?? lambda;

  // Sparse topic rows of the pool: a candidate touches one or two topics, so the
  // KL of S ∪ {i} is the KL of S corrected on those topics only.
  // Row of pool position pi: entries rowStart[pi] … rowEnd[pi] − 1.
  const rowStart = arrays.int32('diversify.rowStart', pool.length);
  const rowEnd = arrays.int32('diversify.rowEnd', pool.length);
  const rowTopics: number[] = [];
  const rowWeights: number[] = [];
  for (let pi = 0; pi < pool.length; pi++) {
    const i = pool[pi]!;
    rowStart[pi] = rowTopics.length;
    for (let g = 0; g < T; g++) {
      const w = topicDist[i * T + g]!;
      if (w > 0) (rowTopics.push(g), rowWeights.push(w));
    }
    rowEnd[pi] = rowTopics.length;
  }
  const p = input.targetTopics;
  const pg = input.targetGeo;
  const alpha = input.alpha;
  const term = (pv: number, qv: number) => (pv > 0 ? pv * Math.log2(pv / ((1 - alpha) * qv + alpha * pv)) : 0);
  const baseTopic = arrays.float64('diversify.baseTopic', T);
  const baseGeo = new Float64Array(3);

  const seats = input.calibrationMethod !== 'kl';
  const useKl = !seats && input.calibrationStrength > 0 && T > 0;
  let greedyPicks = 0;
  const poolMain = arrays.int32('diversify.poolMain', pool.length);
  for (let pi = 0; pi < pool.length; pi++) {
    let g = -1;
    let w = 0;
    for (let r = rowStart[pi]!; r < rowEnd[pi]!; r++) if (rowWeights[r]! > w) (w = rowWeights[r]!), (g = rowTopics[r]!);
    poolMain[pi] = g;
  }
  // Topics in the order the pool first shows them (the seat goes to the first of equally due topics).
  const availableTopics: number[] = [];
  const topicAvailable = arrays.uint8('diversify.topicAvailable', Math.max(1, T));
  /** Geographic calibration penalty of adding an item of each class (three numbers per slot, not one per candidate). */
  const geoPenalty = new Float64Array(3);

  const greedyFill = (end: number) => {
    while (order.length < end) {
      let best = -1;
      let bestObj = -Infinity;
      const k = order.length + 1;
      let klBase = 0;
      if (useKl) for (let g = 0; g < T; g++) klBase += baseTopic[g] = term(p[g]!, topicSum[g]! / k);
      let geoBase = 0;
      const useGeo = input.geoStrength > 0;
      if (useGeo) {
        for (let g = 0; g < 3; g++) geoBase += baseGeo[g] = term(pg[g]!, geoSum[g]! / k);
        for (let g = 0; g < 3; g++) geoPenalty[g] = input.geoStrength * (geoBase + term(pg[g]!, (geoSum[g]! + 1) / k) - baseGeo[g]!);
      }
      // Seats: is this slot one of the proportional ones, and which topic is due?
      const s = input.calibrationStrength;
      let due = -1;
      if (seats && s > 0 && T > 0 && Math.floor((greedyPicks + 1) * s + 1e-9) > Math.floor(greedyPicks * s + 1e-9)) {
        availableTopics.length = 0;
        for (let pi = 0; pi < pool.length; pi++) {
          const i = pool[pi]!;
          const g = poolMain[pi]!;
          if (g >= 0 && !topicAvailable[g] && !chosen[i] && sourceOk(i)) (topicAvailable[g] = 1), availableTopics.push(g);
        }
        let bestQ = 0;
        for (const g of availableTopics) {
          topicAvailable[g] = 0;
          const q = p[g]! / (2 * topicSum[g]! + 1);
          if (q > bestQ) (bestQ = q), (due = g);
        }
      }
      const lam = due >= 0 ? seatLambda : lambda;
      for (let pi = 0; pi < pool.length; pi++) {
        const i = pool[pi]!;
        if (chosen[i] || !sourceOk(i)) continue;
        if (due >= 0 && poolMain[pi] !== due) continue;
        let obj = lam * relN(i) - (1 - lam) * maxSim[i]!;
        if (useKl) {
          let kl = klBase;
          for (let r = rowStart[pi]!; r < rowEnd[pi]!; r++) {
            const g = rowTopics[r]!;
            kl += term(p[g]!, (topicSum[g]! + rowWeights[r]!) / k) - baseTopic[g]!;
          }
          obj -= input.calibrationStrength * kl;
        }
        if (useGeo) obj -= geoPenalty[geo[i]!]!;
        if (obj > bestObj || (obj === bestObj && best >= 0 && i < best)) {
          bestObj = obj;
          best = i;
        }
      }
      if (best < 0) break;
      greedyPicks++;
      if (due >= 0) seated.add(best);
      take(best, bestObj);
    }
  };
  greedyFill(greedyEnd);

  // Exploration: weighted sampling without replacement (Efraimidis–Spirakis keys u^(1/w)),
  // one item per topic first so the slots open different doors.
  if (exploreSlots > 0 && input.exploreEligible) {
    const rng = input.rng ?? Math.random;
    const keyed: { i: number; key: number }[] = [];
    for (const i of pool) {
      if (chosen[i] || !input.exploreEligible(i)) continue;
      const w = Math.max(1e-6, relevance[i]!);
      keyed.push({ i, key: Math.pow(rng(), 1 / w) });
    }
    keyed.sort((a, b) => b.key - a.key || a.i - b.i);
    const topicOf = (i: number) => {
      let best = -1;
      let bv = 0;
      for (let g = 0; g < T; g++) if (topicDist[i * T + g]! > bv) (bv = topicDist[i * T + g]!), (best = g);
      return best;
    };
    const usedTopics = new Set<number>();
    for (const pass of [0, 1]) {
      for (const { i } of keyed) {
        if (order.length >= size) break;
        if (chosen[i] || !sourceOk(i)) continue;
        const t = topicOf(i);
        if (pass === 0 && usedTopics.has(t)) continue;
        usedTopics.add(t);
        take(i, Number.NaN);
        explore.add(i);
      }
    }
  }
  // Whatever exploration could not fill goes back to the greedy.
  greedyFill(size);
  const broadened = holdFloor();
  return { order, explore, seated, broadened, objective };

  /**
   * The edition floor: a narrow edition swaps its weakest items of the topic it
   * has most of for the best stories of other topics, each swap the one that
   * best combines relevance and entropy gain; pinned and exploration items stay.
   */
  function holdFloor(): Set<number> {
    const out = new Set<number>();
    const floor = input.floorBits ?? 0;
    const slots = Math.max(0, Math.floor(input.floorSlots ?? 0));
    if (!(floor > 0) || slots === 0 || T === 0) return out;
    const topicOf = (i: number) => {
      let g = -1;
      let w = 0;
      for (let t = 0; t < T; t++) if (topicDist[i * T + t]! > w) (w = topicDist[i * T + t]!), (g = t);
      return g;
    };
    const counts = new Map<number, number>();
    for (const i of order) {
      const g = topicOf(i);
      if (g >= 0) counts.set(g, (counts.get(g) ?? 0) + 1);
    }
    const fixedSet = new Set(input.fixed ?? []);
    const interest = input.topicInterest;
    const floorLambda = input.floorLambda ?? seatLambda;
    const power = Math.max(0, input.floorInterestPower ?? 1);
    while (out.size < slots && countEntropy(counts.values()) < floor - 1e-9) {
      // The topic the edition has most of, and its least relevant item that may give way.
      let top = -1;
      for (const [g, c] of counts) if (top < 0 || c > counts.get(top)! || (c === counts.get(top)! && g < top)) top = g;
      let victim = -1;
      for (const i of order) {
        if (fixedSet.has(i) || explore.has(i) || out.has(i) || topicOf(i) !== top) continue;
        if (victim < 0 || relevance[i]! < relevance[victim]!) victim = i;
      }
      if (victim < 0) break;
      const before = countEntropy(counts.values());
      const topCount = counts.get(top)!;
      let best = -1;
      let bestScore = 0;
      for (const i of pool) {
        if (chosen[i]) continue;
        const g = topicOf(i);
        if (g < 0 || g === top) continue;
        const c = counts.get(g) ?? 0;
        // Only a strict gain: a topic with one item less than the top one would just trade places.
        if (c >= topCount - 1) continue;
        if (perSource[srcOf[i]!]! - (srcOf[i] === srcOf[victim] ? 1 : 0) >= input.maxPerSource) continue;
        counts.set(top, topCount - 1);
        counts.set(g, c + 1);
        const gain = countEntropy(counts.values()) - before;
        counts.set(top, topCount);
        if (c === 0) counts.delete(g);
        else counts.set(g, c);
        // Like a calibration seat, the story should also be unlike the edition, not merely tagged otherwise.
        const fit = Math.max(1e-6, floorLambda * relN(i) - (1 - floorLambda) * maxSim[i]!);
        const score = fit * gain * (interest ? Math.pow(Math.max(interest[g]!, UNKNOWN_INTEREST), power) : 1);
        if (score > bestScore || (score === bestScore && best >= 0 && i < best)) (bestScore = score), (best = i);
      }
      if (best < 0) break;
      const g = topicOf(best);
      counts.set(top, topCount - 1);
      counts.set(g, (counts.get(g) ?? 0) + 1);
      order[order.indexOf(victim)] = best;
      chosen[victim] = 0;
      chosen[best] = 1;
      perSource[srcOf[victim]!]!--;
      perSource[srcOf[best]!]!++;
      objective.delete(victim);
      objective.set(best, Number.NaN);
      seated.delete(victim);
      out.add(best);
    }
    return out;
  }
}

/** Interest assumed for a topic the profile knows nothing about, in floor swaps (a little: it may still open a door). */
const UNKNOWN_INTEREST = 0.1;

/** Shannon entropy (bits) of counts. */
function countEntropy(counts: Iterable<number>): number {
  let sum = 0;
  const xs: number[] = [];
  for (const c of counts) if (c > 0) (xs.push(c), (sum += c));
  let h = 0;
  for (const c of xs) h -= (c / sum) * Math.log2(c / sum);
  return h;
}

export interface BubbleGuardSettings {
  /** Editorial floor (bits) of a subscriber's recent editions' mean topic entropy; 0 turns the guard off. */
  floorBits: number;
  /** How many of the latest editions are averaged. */
  editions: number;
  /** Extra exploration share at full shortfall (added to explorationShare). */
  explorationBoost: number;
  /** Share of the calibration target moved from history to the editorial baseline at full shortfall. */
  baselineBoost: number;
}

export interface BubbleGuard {
  /** 0 (recent editions at or above the floor) … 1 (recent editions on a single topic). */
  shortfall: number;
  /** Multiplier of the history share of the calibration target. */
  historyScale: number;
  /** Exploration share to add. */
  extraExploration: number;
}

/**
 * The bubble guard: when a subscriber's latest editions (their stored
 * metrics.topicEntropy, oldest first) average below the editors' floor, the
 * next edition leans toward the editorial baseline and opens more "new for
 * you" slots, in proportion to how far below the floor they fell. Fewer
 * editions than asked for (a new subscriber): no effect yet.
 */
export function bubbleGuard(recentEntropy: readonly number[] | undefined, g: BubbleGuardSettings): BubbleGuard {
  const recent = (recentEntropy ?? []).slice(-Math.max(1, g.editions)).filter((x) => Number.isFinite(x) && x >= 0);
  // Judged on a full window only: a new subscriber's first editions follow one or two
  // clicked topics, narrow by topic tags while their stories still vary widely.
  if (!(g.floorBits > 0) || recent.length === 0 || recent.length < Math.max(1, g.editions)) return { shortfall: 0, historyScale: 1, extraExploration: 0 };
  const mean = recent.reduce((a, b) => a + b, 0) / recent.length;
  const shortfall = Math.max(0, Math.min(1, (g.floorBits - mean) / g.floorBits));
  return {
    shortfall,
    historyScale: 1 - Math.max(0, Math.min(1, g.baselineBoost)) * shortfall,
    extraExploration: Math.max(0, g.explorationBoost) * shortfall,
  };
}

export interface EditionFloorSettings {
  /** Floor (bits) of a personalized edition's topic entropy at full profile strength. */
  holdBits: number;
  /** At most this many items swapped to reach it; 0 turns it off. */
  holdSlots: number;
  /** Half of holdBits at this many (decayed) clicks; 0: full at once. */
  holdRampClicks: number;
}

/**
 * The edition floor (bits) for a subscriber whose profile holds `clickWeight`
 * decayed clicks, times their diversity dial factor. It grows with the profile,
 * because what narrows an edition is a profile sure of itself: a few clicks
 * still leave the ranking broad.
 */
export function editionFloorBits(g: EditionFloorSettings, clickWeight: number, dialFactor = 1): number {
  if (!(g.holdSlots > 0) || !(g.holdBits > 0) || !(dialFactor > 0)) return 0;
  const w = Number.isFinite(clickWeight) && clickWeight > 0 ? clickWeight : 0;
  const ramp = g.holdRampClicks > 0 ? w / (w + g.holdRampClicks) : 1;
  return g.holdBits * dialFactor * ramp;
}

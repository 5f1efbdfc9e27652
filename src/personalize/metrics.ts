/** Diversity metrics recorded with every edition (and used by the evaluations). */
import type { DiversityMetrics, TopicScore } from '../model.js';
import type { GeoClass } from './geo.js';
import { klDivergence } from './diversify.js';
import { cosine, type PackedVector } from './vectors.js';

export interface MetricsItem {
  vec: PackedVector;
  topics: readonly TopicScore[];
  feedId: string;
  geo: GeoClass;
}

/** Shannon entropy in bits of a count or weight map. */
export function entropy(weights: Iterable<number>): number {
  const xs = [...weights].filter((x) => x > 0 && Number.isFinite(x));
  const sum = xs.reduce((a, b) => a + b, 0);
  if (sum <= 0) return 0;
  let h = 0;
  for (const x of xs) {
    const p = x / sum;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Mean pairwise dissimilarity 1 − cos over TF-IDF vectors (0 for fewer than 2 items). */
export function intraListDiversity(vecs: readonly PackedVector[], cos: (a: PackedVector, b: PackedVector) => number = cosine): number {
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < vecs.length; i++) {
    for (let j = i + 1; j < vecs.length; j++) {
      sum += 1 - Math.max(0, cos(vecs[i]!, vecs[j]!));
      pairs++;
    }
  }
  return pairs ? sum / pairs : 0;
}

const round = (x: number) => (Number.isFinite(x) ? Math.round(x * 10_000) / 10_000 : 0);

export function editionMetrics(
  items: readonly MetricsItem[],
  opts: {
    /** Target topic mix of the calibration (the divergence is measured against it). */
    target: ReadonlyMap<string, number>;
    /** Number of topics in the taxonomy (coverage denominator). */
    taxonomySize: number;
    alpha?: number;
    /**
     * Cosine of two vectors, when the caller has a faster one giving the very
     * same numbers (a build's similarity cache); vectors.ts's cosine otherwise.
     */
    cosine?: (a: PackedVector, b: PackedVector) => number;
  },
): DiversityMetrics {
  const mainCounts = new Map<string, number>();
  const dist = new Map<string, number>();
  for (const it of items) {
    const main = it.topics[0]?.id;
    if (main) mainCounts.set(main, (mainCounts.get(main) ?? 0) + 1);
    const ts = it.topics.filter((t, i) => i === 0 || t.score >= 0.2);
    const s = ts.reduce((a, t) => a + t.score, 0);
    for (const t of ts) if (s > 0) dist.set(t.id, (dist.get(t.id) ?? 0) + t.score / s / items.length);
  }
  const keys = [...new Set([...opts.target.keys(), ...dist.keys()])];
  const tsum = [...opts.target.values()].reduce((a, b) => a + b, 0);
  // Typed arrays: plain arrays of numbers change V8 elements kind with their values (all integers or not),
  // and klDivergence, compiled for one kind, would be thrown back to the interpreter by the other.
  const p = Float64Array.from(keys, (k) => (tsum > 0 ? (opts.target.get(k) ?? 0) / tsum : 0));
  const q = Float64Array.from(keys, (k) => dist.get(k) ?? 0);
  const n = items.length || 1;
  const share = (g: GeoClass) => items.filter((i) => i.geo === g).length / n;
  return {
    intraListDiversity: round(intraListDiversity(items.map((i) => i.vec), opts.cosine)),
    topicEntropy: round(entropy(mainCounts.values())),
    topicCoverage: round(opts.taxonomySize > 0 ? Math.min(1, mainCounts.size / opts.taxonomySize) : 0),
    calibrationKl: round(tsum > 0 && items.length ? klDivergence(p, q, opts.alpha ?? 0.01) : 0),
    sources: new Set(items.map((i) => i.feedId)).size,
    localShare: round(items.length ? share('local') : 0),
    nationalShare: round(items.length ? share('national') : 0),
    worldShare: round(items.length ? share('world') : 0),
  };
}

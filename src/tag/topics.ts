/**
 * Topic classifier: one-vs-rest linear SVM (L2-regularised squared hinge loss)
 * trained by dual coordinate descent (Hsieh et al. 2008, the LIBLINEAR solver
 * behind scikit-learn's LinearSVC), on L2-normalised TF-IDF vectors. Scores
 * are a softmax over the decision values: comparable across articles, not
 * probabilities in the strict sense.
 *
 * Deterministic: the visiting order comes from a seeded generator, and
 * examples are sorted by label before training.
 */
import { seededRng } from '../util/random.js';
import { UserError } from '../util/errors.js';
import { decodeFloat32, encodeFloat32, type WeightedTerms } from './tfidf.js';

export interface TrainingExample {
  x: WeightedTerms;
  label: string;
  /** Multiplies the misclassification cost (editor corrections weigh more). Default 1. */
  weight?: number;
}

export interface ClassifierOptions {
  /** Cost of a margin violation (LinearSVC's C). */
  C?: number;
  /** Largest number of passes over the examples, per class. */
  maxIter?: number;
  /** Stop when the projected gradient's spread falls below this. */
  tolerance?: number;
  seed?: number;
  /** Softmax sharpness applied to decision values. */
  temperature?: number;
}

export const DEFAULT_CLASSIFIER_OPTIONS: Required<ClassifierOptions> = {
  C: 1,
  maxIter: 300,
  tolerance: 1e-3,
  seed: 42,
  temperature: 3,
};

/** JSON form of a trained model: weights keyed by stem, so it survives vocabulary changes. */
export interface TopicModelState {
  version: 1;
  labels: string[];
  bias: number[];
  temperature: number;
  /** Terms with a non-zero weight, joined by newlines. */
  terms: string;
  /** One entry per label: base64 of little-endian Float32 weights, parallel to the terms. */
  weights: string[];
  trainedOn: number;
}

export interface ScoredLabel {
  label: string;
  score: number;
  /** Raw decision value (margin): > 0 means the one-vs-rest SVM says yes. */
  margin: number;
}

/**
 * Best first, ties by label. A module-level comparator rather than an arrow written in predict(): an arrow is a new
 * closure per call, and its optimised code is dropped by the first full collection after the call that made it.
 */
export function byScoreThenLabel(a: { label: string; score: number }, b: { label: string; score: number }): number {
  return b.score - a.score || (a.label < b.label ? -1 : 1);
}

export class LinearTopicModel {
  /**
   * Weights interleaved by term: packed[id * L + c] for label c. Scoring an
   * article reads one short run per term instead of one far-apart value per
   * label (cache misses dominated prediction).
   */
  private readonly packed: Float32Array;
  private readonly dim: number;
  /**
   * predict()'s margins and exponentials, read before it returns: two arrays per document were allocated outside the
   * heap (more than 64 bytes each). Made with the model, not on first use: a model's first prediction then constructed
   * them inside predict's optimised code, which had never seen that construct and went back to the interpreter.
   */
  private readonly marginScratch: Float64Array;
  private readonly expScratch: Float64Array;

  private constructor(
    readonly labels: string[],
    weights: readonly Float32Array[],
    private readonly bias: Float64Array,
    readonly temperature: number,
    readonly trainedOn: number,
  ) {
    const L = labels.length;
    this.dim = weights.reduce((m, w) => Math.max(m, w.length), 0);
    this.packed = new Float32Array(this.dim * L);
    this.marginScratch = new Float64Array(L);
    this.expScratch = new Float64Array(L);
    for (let c = 0; c < L; c++) {
      const w = weights[c]!;
      for (let id = 0; id < w.length; id++) this.packed[id * L + c] = w[id]!;
    }
  }

  /** A model that knows no label (before any training example arrived). */
  static empty(): LinearTopicModel {
    return new LinearTopicModel([], [], new Float64Array(0), DEFAULT_CLASSIFIER_OPTIONS.temperature, 0);
  }

  get isTrained(): boolean {
    return this.labels.length > 0;
  }

  /** Trains on `examples` whose vectors use term ids below `dim`. Needs at least one label. */
  static train(examples: readonly TrainingExample[], dim: number, options: ClassifierOptions = {}): LinearTopicModel {
    const opts = { ...DEFAULT_CLASSIFIER_OPTIONS, ...options };
    const labels = [...new Set(examples.map((e) => e.label))].sort();
    if (labels.length === 0) return LinearTopicModel.empty();
    for (const e of examples) for (let k = 0; k < e.x.ids.length; k++) if (e.x.ids[k]! >= dim) dim = e.x.ids[k]! + 1;
    const n = examples.length;
    // Squared norms plus the constant bias feature (value 1), as LIBLINEAR appends it.
    const sqNorm = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 1;
      const w = examples[i]!.x.weights;
      for (let k = 0; k < w.length; k++) s += w[k]! * w[k]!;
      sqNorm[i] = s;
    }
    const weights: Float32Array[] = [];
    const bias = new Float64Array(labels.length);
    if (labels.length === 1) {
      // One label only: every article gets it; a flat model says so.
      weights.push(new Float32Array(dim));
      bias[0] = 1;
      return new LinearTopicModel(labels, weights, bias, opts.temperature, n);
    }
    for (let c = 0; c < labels.length; c++) {
      const y = new Int8Array(n);
      for (let i = 0; i < n; i++) y[i] = examples[i]!.label === labels[c] ? 1 : -1;
      const { w, b } = trainBinary(examples, y, sqNorm, dim, opts, c);
      weights.push(w);
      bias[c] = b;
    }
    return new LinearTopicModel(labels, weights, bias, opts.temperature, n);
  }

  /** Decision value per label (same order as `labels`). */
  margins(x: WeightedTerms): Float64Array {
    return this.marginsInto(x, new Float64Array(this.labels.length));
  }

  /** margins() written into `out` (at least one slot per label), for callers that read them at once. */
  private marginsInto(x: WeightedTerms, out: Float64Array): Float64Array {
    const L = this.labels.length;
    out.set(this.bias);
    const packed = this.packed;
    const dim = this.dim;
    for (let k = 0; k < x.ids.length; k++) {
      const id = x.ids[k]!;
      if (id >= dim) continue;
      const v = x.weights[k]!;
      const base = id * L;
      for (let c = 0; c < L; c++) out[c]! += packed[base + c]! * v;
    }
    return out;
  }

  /** Every label with a softmax score, best first. */
  predict(x: WeightedTerms): ScoredLabel[] {
    if (!this.isTrained) return [];
    const L = this.labels.length;
    const m = this.marginsInto(x, this.marginScratch);
    let max = -Infinity;
    for (let c = 0; c < L; c++) if (m[c]! > max) max = m[c]!;
    let sum = 0;
    const e = this.expScratch;
    for (let c = 0; c < L; c++) {
      e[c] = Math.exp(this.temperature * (m[c]! - max));
      sum += e[c]!;
    }
    const out: ScoredLabel[] = [];
    for (let c = 0; c < L; c++) out.push({ label: this.labels[c]!, score: e[c]! / sum, margin: m[c]! });
    out.sort(byScoreThenLabel);
    return out;
  }

  /** The best label, or undefined for an untrained model. */
  predictLabel(x: WeightedTerms): string | undefined {
    if (!this.isTrained) return undefined;
    const m = this.margins(x);
    let best = 0;
    for (let c = 1; c < m.length; c++) if (m[c]! > m[best]!) best = c;
    return this.labels[best];
  }

  /** Serializable state; `termOf` turns a term id into its stem. Zero weights are left out. */
  toJSON(termOf: (id: number) => string): TopicModelState {
    const L = this.labels.length;
    const used: number[] = [];
    for (let id = 0; id < this.dim; id++) {
      for (let c = 0; c < L; c++) {
        if (Math.abs(this.packed[id * L + c]!) >= 1e-5) {
          used.push(id);
          break;
        }
      }
    }
    return {
      version: 1,
      labels: this.labels.slice(),
      bias: Array.from(this.bias, (v) => round(v)),
      temperature: this.temperature,
      terms: used.map(termOf).join('\n'),
      weights: this.labels.map((_, c) => encodeFloat32(Float32Array.from(used, (id) => this.packed[id * L + c]!))),
      trainedOn: this.trainedOn,
    };
  }

  /** Restores a model; `idOf` maps a stem to the current vocabulary (adding it if needed). */
  static fromJSON(state: unknown, idOf: (term: string) => number): LinearTopicModel {
    const s = state as TopicModelState;
    if (!s || s.version !== 1 || !Array.isArray(s.labels) || typeof s.terms !== 'string' || !Array.isArray(s.weights) || !Array.isArray(s.bias)) {
      throw new UserError('stored topic model is not in a known format (expected version 1)');
    }
    if (s.weights.length !== s.labels.length || s.bias.length !== s.labels.length) {
      throw new UserError('stored topic model: labels, bias and weights disagree in length');
    }
    const ids = (s.terms ? s.terms.split('\n') : []).map((t) => idOf(t));
    const dim = ids.reduce((m, id) => Math.max(m, id + 1), 0);
    const weights = s.weights.map((encoded) => {
      const row = decodeFloat32(String(encoded), 'topic weights');
      if (row.length !== ids.length) throw new UserError('stored topic model: a weight row has the wrong length');
      const w = new Float32Array(dim);
      for (let k = 0; k < ids.length; k++) w[ids[k]!] = row[k]!;
      return w;
    });
    return new LinearTopicModel(s.labels.slice(), weights, Float64Array.from(s.bias), s.temperature ?? DEFAULT_CLASSIFIER_OPTIONS.temperature, s.trainedOn ?? 0);
  }
}

/**
 * Dual coordinate descent for min ½‖w‖² + Σ Cᵢ max(0, 1 − yᵢ w·xᵢ)², bias as an
 * extra constant feature. Returns the primal weights.
 */
function trainBinary(
  examples: readonly TrainingExample[],
  y: Int8Array,
  sqNorm: Float64Array,
  dim: number,
  opts: Required<ClassifierOptions>,
  classIndex: number,
): { w: Float32Array; b: number } {
  const n = examples.length;
  const w = new Float64Array(dim);
  let b = 0;
  const alpha = new Float64Array(n);
  const diag = new Float64Array(n); // 1 / (2 Cᵢ): the squared hinge's term on the dual diagonal
  const qd = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const ci = opts.C * (examples[i]!.weight ?? 1);
    diag[i] = 0.5 / ci;
    qd[i] = sqNorm[i]! + diag[i]!;
  }
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const rng = seededRng(opts.seed * 1009 + classIndex);
  for (let iter = 0; iter < opts.maxIter; iter++) {
    // Fisher–Yates with the seeded generator.
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    let pgMax = -Infinity;
    let pgMin = Infinity;
    for (let s = 0; s < n; s++) {
      const i = order[s]!;
      const { ids, weights } = examples[i]!.x;
      const yi = y[i]!;
      let dot = b;
      for (let k = 0; k < ids.length; k++) dot += w[ids[k]!]! * weights[k]!;
      const g = yi * dot - 1 + diag[i]! * alpha[i]!;
      const pg = alpha[i] === 0 ? Math.min(g, 0) : g;
      if (pg > pgMax) pgMax = pg;
      if (pg < pgMin) pgMin = pg;
      if (Math.abs(pg) > 1e-12) {
        const old = alpha[i]!;
        const next = Math.max(old - g / qd[i]!, 0);
        alpha[i] = next;
        const d = (next - old) * yi;
        if (d !== 0) {
          for (let k = 0; k < ids.length; k++) w[ids[k]!]! += d * weights[k]!;
          b += d;
        }
      }
    }
    if (pgMax - pgMin <= opts.tolerance) break;
  }
  return { w: Float32Array.from(w), b };
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

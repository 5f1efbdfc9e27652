/**
 * Co-visitation, as Google News did it (Das et al. 2007): two stories are
 * co-visited when one reader clicked both within a time window. Counts decay
 * with age; a subscriber's score for a story sums, over their own clicks,
 * how strongly each clicked story is co-visited with it.
 *
 * Decay uses "forward decay": an event at time t adds 2^((t − epoch)/h), and
 * reading at time `now` multiplies by 2^(−(now − epoch)/h). Counts never need
 * rewriting, so the same table serves a nightly build and an online replay.
 */

export interface CovisitOptions {
  halfLifeHours: number;
  /** Reference time of the forward decay (any time near the data). */
  epochMs: number;
}

export class Covisitation {
  private readonly rows = new Map<string, Map<string, number>>();
  private readonly totals = new Map<string, number>();
  /** indexedRow's values by candidate index, for the time of one call. */
  private byIndex = new Float64Array(0);
  private readonly h: number;
  private readonly epoch: number;

  constructor(opts: CovisitOptions) {
    this.h = Math.max(1, opts.halfLifeHours * 3_600_000);
    this.epoch = opts.epochMs;
  }

  private grow(atMs: number): number {
    // Clamped so far-future or far-past events cannot overflow to Infinity or vanish.
    const e = Math.max(-600, Math.min(600, (atMs - this.epoch) / this.h));
    return Math.pow(2, e);
  }

  /** Adds one directed co-visit a → b ("readers of a also clicked b"). */
  addPair(a: string, b: string, atMs: number, weight = 1): void {
    if (a === b) return;
    let row = this.rows.get(a);
    if (!row) this.rows.set(a, (row = new Map()));
    row.set(b, (row.get(b) ?? 0) + weight * this.grow(atMs));
  }

  /** Counts one click on a story (the normalizer). */
  addClick(key: string, atMs: number, weight = 1): void {
    this.totals.set(key, (this.totals.get(key) ?? 0) + weight * this.grow(atMs));
  }

  /**
   * One reader's clicks (any order): every pair within the window is
   * co-visited both ways, dated at the later click. Only the reader's
   * `maxClicks` latest clicks count: pairs grow with the square of clicks,
   * and a build must stay linear in readers.
   */
  addReader(
    clicks: readonly { key: string; atMs: number }[],
    windowHours: number,
    maxClicks = 20,
    /** Only pairs into these stories are kept (a build needs rows toward its candidates only). */
    targets?: ReadonlySet<string>,
  ): void {
    const sorted = [...clicks].filter((c) => Number.isFinite(c.atMs)).sort((x, y) => x.atMs - y.atMs).slice(-maxClicks);
    const win = windowHours * 3_600_000;
    // The decay factor once per click, not once per pair.
    const g = sorted.map((c) => this.grow(c.atMs));
    for (let i = 0; i < sorted.length; i++) {
      const a = sorted[i]!;
      this.totals.set(a.key, (this.totals.get(a.key) ?? 0) + g[i]!);
      for (let j = i + 1; j < sorted.length; j++) {
        const b = sorted[j]!;
        if (b.atMs - a.atMs > win) break;
        if (a.key === b.key) continue;
        if (!targets || targets.has(b.key)) this.bump(a.key, b.key, g[j]!);
        if (!targets || targets.has(a.key)) this.bump(b.key, a.key, g[j]!);
      }
    }
  }

  private bump(a: string, b: string, grown: number): void {
    let row = this.rows.get(a);
    if (!row) this.rows.set(a, (row = new Map()));
    row.set(b, (row.get(b) ?? 0) + grown);
  }

  /** Decayed click total of a story at time now. */
  total(key: string, now: number): number {
    return (this.totals.get(key) ?? 0) / this.grow(now);
  }

  /**
   * Normalized co-visitation from `a` to each story in `targets` (or all):
   * count(a→b) / (total(a) + smoothing) — the share of a's readers who also
   * clicked b, damped for stories with very few clicks.
   */
  row(a: string, now: number, smoothing = 5): Map<string, number> {
    const row = this.rows.get(a);
    const out = new Map<string, number>();
    if (!row) return out;
    const scale = 1 / this.grow(now);
    const denom = (this.totals.get(a) ?? 0) * scale + smoothing;
    for (const [b, c] of row) out.set(b, (c * scale) / denom);
    return out;
  }

  /**
   * The same row as `row`, as candidate indices (`index`; stories it has no
   * index for, and values ≤ 0, left out) sorted ascending with their values:
   * what a build keeps, without the intermediate Map or a comparator sort.
   */
  indexedRow(a: string, now: number, index: ReadonlyMap<string, number>, smoothing = 5): { idx: Int32Array; w: Float64Array } | undefined {
    const row = this.rows.get(a);
    if (!row) return undefined;
    const scale = 1 / this.grow(now);
    const denom = (this.totals.get(a) ?? 0) * scale + smoothing;
    const idx = new Int32Array(row.size);
    let m = 0;
    for (const [b, c] of row) {
      const i = index.get(b);
      const v = (c * scale) / denom;
      if (i === undefined || !(v > 0)) continue;
      if (i >= this.byIndex.length) {
        const grown = new Float64Array(Math.max(i + 1, this.byIndex.length * 2));
        grown.set(this.byIndex);
        this.byIndex = grown;
      }
      idx[m++] = i;
      this.byIndex[i] = v;
    }
    if (m === 0) return undefined;
    // Indices are distinct (one per story): a numeric sort, then each value read back by index.
    const kept = idx.slice(0, m).sort();
    const w = new Float64Array(m);
    for (let k = 0; k < m; k++) w[k] = this.byIndex[kept[k]!]!;
    return { idx: kept, w };
  }

  get size(): number {
    return this.rows.size;
  }
}

/**
 * A subscriber's co-visitation score per target: Σ over their clicks of
 * click weight × normalized co-visitation (unnormalized; the caller scales).
 */
export function covisitScores(
  table: Covisitation,
  clicks: readonly { key: string; weight: number }[],
  now: number,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of clicks) {
    for (const [b, v] of table.row(c.key, now)) out.set(b, (out.get(b) ?? 0) + c.weight * v);
  }
  return out;
}

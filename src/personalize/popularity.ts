/**
 * Popularity among all subscribers: clicks per story, each click weighing
 * less as it ages (half-life), so "popular today" means today.
 */

export interface ClickEvent {
  /** Story (cluster) id — popularity is per story, whichever source was clicked. */
  key: string;
  atMs: number;
}

export function popularityCounts(clicks: Iterable<ClickEvent>, now: number, halfLifeHours: number): Map<string, number> {
  const h = Math.max(1, halfLifeHours * 3_600_000);
  const out = new Map<string, number>();
  for (const c of clicks) {
    if (!Number.isFinite(c.atMs) || c.atMs > now + 3_600_000) continue;
    const w = Math.pow(2, -Math.max(0, now - c.atMs) / h);
    out.set(c.key, (out.get(c.key) ?? 0) + w);
  }
  return out;
}

/** Scales counts to [0, 1] on a log scale (a story with 10× the clicks is not 10× as good). */
export function normalizePopularity(counts: ReadonlyMap<string, number>, keys: readonly string[]): Float64Array {
  const out = new Float64Array(keys.length);
  let max = 0;
  keys.forEach((k, i) => {
    const v = Math.log1p(Math.max(0, counts.get(k) ?? 0));
    out[i] = v;
    if (v > max) max = v;
  });
  if (max > 0) for (let i = 0; i < out.length; i++) out[i] = out[i]! / max;
  return out;
}

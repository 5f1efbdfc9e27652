/**
 * Popularity among all subscribers: clicks per story, each click weighing
 * less as it ages (half-life), so "popular today" means today.
 */

export interface ClickEvent {
  /** Story (cluster) id — popularity is per story, whichever source was clicked. */
  key: string;
  atMs: number;
  /** Clicks this event stands for (an hour's count); 1 when absent. */
  count?: number;
}

export function popularityCounts(clicks: Iterable<ClickEvent>, now: number, halfLifeHours: number): Map<string, number> {
  const h = Math.max(1, halfLifeHours * 3_600_000);
  const out = new Map<string, number>();
  for (const c of clicks) {
    if (!Number.isFinite(c.atMs) || c.atMs > now + 3_600_000) continue;
    const w = (c.count ?? 1) * Math.pow(2, -Math.max(0, now - c.atMs) / h);
    out.set(c.key, (out.get(c.key) ?? 0) + w);
  }
  return out;
}

/**
 * Hourly click counts as click events: each hour's clicks weigh as if made at
 * its middle (or halfway to `now` for the hour under way), within 1.5 % of
 * their own weights at a one-day half-life.
 */
export function hourlyClickEvents(hours: Iterable<{ key: string; hourMs: number; clicks: number }>, now: number): ClickEvent[] {
  const out: ClickEvent[] = [];
  for (const h of hours) {
    if (!Number.isFinite(h.hourMs) || !(h.clicks > 0)) continue;
    out.push({ key: h.key, atMs: Math.min(h.hourMs + 1_800_000, (h.hourMs + Math.max(h.hourMs, now)) / 2), count: h.clicks });
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

/**
 * Popularity as a click-through rate when exposure is known (how often each
 * story was shown in editions): (clicks + k·prior) / (shown + k), the prior
 * being the overall rate, so a story shown twice and clicked once does not
 * beat one shown a thousand times and clicked three hundred. Scaled to [0, 1]
 * by the best candidate.
 */
export function ctrPopularity(
  clicks: ReadonlyMap<string, number>,
  shown: ReadonlyMap<string, number>,
  keys: readonly string[],
  pseudoCount = 5,
): Float64Array {
  let c = 0;
  let s = 0;
  for (const v of clicks.values()) c += Math.max(0, v);
  for (const v of shown.values()) s += Math.max(0, v);
  const prior = s > 0 ? Math.min(1, c / s) : 0;
  const out = new Float64Array(keys.length);
  let max = 0;
  keys.forEach((k, i) => {
    const v = (Math.max(0, clicks.get(k) ?? 0) + pseudoCount * prior) / (Math.max(0, shown.get(k) ?? 0) + pseudoCount);
    out[i] = Number.isFinite(v) ? v : 0;
    if (out[i]! > max) max = out[i]!;
  });
  if (max > 0) for (let i = 0; i < out.length; i++) out[i] = out[i]! / max;
  return out;
}

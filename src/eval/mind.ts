/**
 * MIND (Microsoft News Dataset) files and metrics.
 *
 * behaviors.tsv: impressionId, userId, time ("11/9/2019 12:01:13 AM"), history
 * (space-separated news ids), impressions ("N123-1 N456-0").
 * news.tsv: id, category, subcategory, title, abstract, url, title entities,
 * abstract entities.
 *
 * Metrics follow MIND's scorer: per impression AUC (ties count one half),
 * MRR = Σ y_i / rank_i ÷ Σ y_i, nDCG@k with gain 2^y − 1 and discount
 * log2(rank + 1); each averaged over impressions.
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../util/errors.js';

export interface MindNews {
  id: string;
  category: string;
  subcategory: string;
  title: string;
  abstract: string;
}

export interface MindImpression {
  impressionId: string;
  userId: string;
  timeMs: number;
  history: string[];
  candidates: { id: string; clicked: boolean }[];
  /** Line order in its file (ties in time keep it). */
  line: number;
}

/** "11/9/2019 12:01:13 AM" (US format, UTC) → epoch ms. */
export function parseMindTime(s: string): number {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2}):(\d{2}) ([AP]M)$/.exec(s.trim());
  if (!m) return Number.NaN;
  let h = Number(m[4]) % 12;
  if (m[7] === 'PM') h += 12;
  return Date.UTC(Number(m[3]), Number(m[1]) - 1, Number(m[2]), h, Number(m[5]), Number(m[6]));
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read ${what} file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export function parseNews(text: string, source = 'news.tsv'): Map<string, MindNews> {
  const out = new Map<string, MindNews>();
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const f = line.split('\t');
    if (f.length < 4 || !f[0]) throw new UserError(`${source} line ${i + 1}: expected at least 4 tab-separated fields (id, category, subcategory, title)`);
    out.set(f[0], { id: f[0], category: f[1] ?? '', subcategory: f[2] ?? '', title: f[3] ?? '', abstract: f[4] ?? '' });
  });
  return out;
}

export function parseBehaviors(text: string, source = 'behaviors.tsv'): MindImpression[] {
  const out: MindImpression[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const f = line.replace(/\r$/, '').split('\t');
    if (f.length < 5) throw new UserError(`${source} line ${i + 1}: expected 5 tab-separated fields (id, user, time, history, impressions)`);
    const timeMs = parseMindTime(f[2]!);
    if (!Number.isFinite(timeMs)) throw new UserError(`${source} line ${i + 1}: bad time ${JSON.stringify(f[2])}`);
    const candidates = f[4]!
      .split(/\s+/)
      .filter(Boolean)
      .map((tok) => {
        const dash = tok.lastIndexOf('-');
        const label = dash > 0 ? tok.slice(dash + 1) : '';
        if (label !== '0' && label !== '1') throw new UserError(`${source} line ${i + 1}: bad impression ${JSON.stringify(tok)} (expected ID-0 or ID-1)`);
        return { id: tok.slice(0, dash), clicked: label === '1' };
      });
    out.push({ impressionId: f[0]!, userId: f[1]!, timeMs, history: f[3]!.split(/\s+/).filter(Boolean), candidates, line: out.length });
  });
  return out;
}

export const readNews = (path: string) => parseNews(readText(path, 'news'), path);
export const readBehaviors = (path: string) => parseBehaviors(readText(path, 'behaviors'), path);

/** Time order, file order within the same second. */
export function byTime(imps: readonly MindImpression[]): MindImpression[] {
  return [...imps].sort((a, b) => a.timeMs - b.timeMs || a.line - b.line);
}

/** AUC with ties counted one half (as roc_auc_score); null when only one class is present. */
export function auc(labels: readonly number[], scores: readonly number[]): number | null {
  const idx = labels.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let pos = 0;
  let neg = 0;
  for (const y of labels) (y > 0 ? pos++ : neg++);
  if (pos === 0 || neg === 0) return null;
  // Mann–Whitney U with average ranks for ties.
  let rankSumPos = 0;
  let r = 0;
  while (r < idx.length) {
    let e = r;
    while (e + 1 < idx.length && scores[idx[e + 1]!] === scores[idx[r]!]) e++;
    const avg = (r + e) / 2 + 1;
    for (let k = r; k <= e; k++) if (labels[idx[k]!]! > 0) rankSumPos += avg;
    r = e + 1;
  }
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Order by score descending; ties keep the impression's own order (stable). */
export function rankOrder(scores: readonly number[]): number[] {
  return scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
}

export function mrr(labels: readonly number[], scores: readonly number[]): number {
  const order = rankOrder(scores);
  let s = 0;
  let pos = 0;
  order.forEach((i, r) => {
    if (labels[i]! > 0) s += labels[i]! / (r + 1);
  });
  for (const y of labels) pos += y;
  return pos > 0 ? s / pos : 0;
}

export function ndcg(labels: readonly number[], scores: readonly number[], k: number): number {
  const dcgOf = (order: readonly number[]) =>
    order.slice(0, k).reduce((acc, i, r) => acc + (Math.pow(2, labels[i]!) - 1) / Math.log2(r + 2), 0);
  const ideal = labels.map((_, i) => i).sort((a, b) => labels[b]! - labels[a]!);
  const best = dcgOf(ideal);
  return best > 0 ? dcgOf(rankOrder(scores)) / best : 0;
}

export interface RankMetrics {
  auc: number;
  mrr: number;
  ndcg5: number;
  ndcg10: number;
  impressions: number;
}

/** Accumulates per-impression metrics (impressions with one class only are left out, as AUC is undefined). */
export class MetricAverager {
  private n = 0;
  private sums = { auc: 0, mrr: 0, ndcg5: 0, ndcg10: 0 };

  add(labels: readonly number[], scores: readonly number[]): void {
    const a = auc(labels, scores);
    if (a === null) return;
    this.n++;
    this.sums.auc += a;
    this.sums.mrr += mrr(labels, scores);
    this.sums.ndcg5 += ndcg(labels, scores, 5);
    this.sums.ndcg10 += ndcg(labels, scores, 10);
  }

  result(): RankMetrics {
    const r = (x: number) => Math.round((this.n ? x / this.n : 0) * 10_000) / 10_000;
    return { auc: r(this.sums.auc), mrr: r(this.sums.mrr), ndcg5: r(this.sums.ndcg5), ndcg10: r(this.sums.ndcg10), impressions: this.n };
  }
}

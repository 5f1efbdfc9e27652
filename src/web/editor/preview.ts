/**
 * The live preview of editors' settings: plans the editions of a sample of
 * real subscribers under the current and the candidate settings (same
 * candidates, same random seeds) and reports which items come in and go out
 * and the diversity metrics before and after. Nothing is saved.
 */
import type { DiversityMetrics, Subscriber } from '../../model.js';
import type { ClickHistoryEntry, Store } from '../../store/store.js';
import { MAX_CLICK_SUBSCRIBERS } from '../../store/common.js';
import { fnv1a } from '../../ingest/dedupe.js';
import { planForSubscriber, type EditionPlan } from '../../personalize/plan.js';
import type { EditorSettings } from '../../personalize/settings.js';
import { seededRng } from '../../util/random.js';
import { localDate } from '../../util/time.js';
import { preparedFor } from '../shared.js';
import { addMissingArticles, clickedArticleIds, exposureArticleIds, HISTORY_DAYS, pastEditionOptions } from '../../edition/history.js';

export interface PreviewItem {
  articleId: string;
  title: string;
  source: string;
}

export interface SubscriberPreview {
  /** A short pseudonymous label, not the address. */
  label: string;
  lang: string;
  home?: string;
  personalized: boolean;
  in: PreviewItem[];
  out: PreviewItem[];
  kept: number;
  before: DiversityMetrics;
  after: DiversityMetrics;
}

export interface PreviewResult {
  sampled: number;
  changedEditions: number;
  itemsIn: number;
  itemsOut: number;
  before: Record<MetricKey, number>;
  after: Record<MetricKey, number>;
  subscribers: SubscriberPreview[];
}

export const METRIC_KEYS = ['intraListDiversity', 'topicEntropy', 'calibrationKl', 'sources', 'localShare', 'nationalShare', 'worldShare'] as const;
export type MetricKey = (typeof METRIC_KEYS)[number];

/** A sample of real subscribers: active ones first, spread over the id range (ids are random). */
export async function sampleSubscribers(store: Store, size: number): Promise<Subscriber[]> {
  const active = await store.listSubscribers({ status: 'active', limit: size });
  if (active.length >= size) return active;
  const more = await store.listSubscribers({ limit: size * 2 });
  const seen = new Set(active.map((s) => s.id));
  return [...active, ...more.filter((s) => !seen.has(s.id) && s.status !== 'unsubscribed')].slice(0, size);
}

export async function previewSettings(
  store: Store,
  current: EditorSettings,
  candidate: EditorSettings,
  now: Date,
  opts: { sampleSize?: number; subscribers?: Subscriber[] } = {},
): Promise<PreviewResult> {
  const subs = opts.subscribers ?? (await sampleSubscribers(store, opts.sampleSize ?? 25));
  const [a, b] = await Promise.all([preparedFor(store, current, now), preparedFor(store, candidate, now)]);
  // Each subscriber's whole history, as the build reads it (the prepared click list is only everyone's newest).
  const clicksBy = await clickHistories(store, subs, now);
  // As the build plans: each subscriber's past editions feed exposure and the bubble guard (whose window may differ between the two settings).
  const page = subs.map((s) => ({ id: s.id, date: localDate(now, s.timezone) }));
  const [pastA, pastB] = await Promise.all([pastEditionOptions(store, page, current), pastEditionOptions(store, page, candidate)]);
  const needed = [...clickedArticleIds(clicksBy.values()), ...exposureArticleIds(pastA.values())];
  await Promise.all([addMissingArticles(store, a.prepared, needed), addMissingArticles(store, b.prepared, needed)]);
  const result: SubscriberPreview[] = [];
  const sumBefore = zeros();
  const sumAfter = zeros();
  let itemsIn = 0;
  let itemsOut = 0;
  let changed = 0;
  for (const [i, sub] of subs.entries()) {
    const date = localDate(now, sub.timezone);
    const seed = fnv1a(`${sub.id}:${date}`);
    const clicks = clicksBy.get(sub.id) ?? [];
    const before = planForSubscriber(a.prepared, sub, clicks, seededRng(seed), pastA.get(sub.id));
    const after = planForSubscriber(b.prepared, sub, clicks, seededRng(seed), pastB.get(sub.id));
    const diff = diffPlans(before, after);
    if (diff.in.length || diff.out.length || orderChanged(before, after)) changed++;
    itemsIn += diff.in.length;
    itemsOut += diff.out.length;
    add(sumBefore, before.metrics);
    add(sumAfter, after.metrics);
    result.push({
      label: `#${i + 1} (${sub.lang}${sub.home ? `, ${sub.home.name}` : ''})`,
      lang: sub.lang,
      ...(sub.home ? { home: sub.home.name } : {}),
      personalized: after.personalized,
      in: diff.in,
      out: diff.out,
      kept: diff.kept,
      before: before.metrics,
      after: after.metrics,
    });
  }
  const n = Math.max(1, subs.length);
  return { sampled: subs.length, changedEditions: changed, itemsIn, itemsOut, before: mean(sumBefore, n), after: mean(sumAfter, n), subscribers: result };
}

function diffPlans(before: EditionPlan, after: EditionPlan) {
  const was = new Set(before.items.map((i) => i.clusterId));
  const now = new Set(after.items.map((i) => i.clusterId));
  const item = (i: EditionPlan['items'][number]): PreviewItem => ({ articleId: i.articleId, title: i.title, source: i.source });
  return {
    in: after.items.filter((i) => !was.has(i.clusterId)).map(item),
    out: before.items.filter((i) => !now.has(i.clusterId)).map(item),
    kept: after.items.filter((i) => was.has(i.clusterId)).length,
  };
}

function orderChanged(a: EditionPlan, b: EditionPlan): boolean {
  return a.items.map((i) => i.clusterId).join() !== b.items.map((i) => i.clusterId).join();
}

async function clickHistories(store: Store, subs: readonly Subscriber[], now: Date): Promise<Map<string, ClickHistoryEntry[]>> {
  const since = new Date(now.getTime() - HISTORY_DAYS * 86_400_000).toISOString();
  const out = new Map<string, ClickHistoryEntry[]>();
  for (let i = 0; i < subs.length; i += MAX_CLICK_SUBSCRIBERS) {
    for (const [id, h] of await store.clickHistoriesOf(subs.slice(i, i + MAX_CLICK_SUBSCRIBERS).map((s) => s.id), since)) out.set(id, h);
  }
  return out;
}

const zeros = () => Object.fromEntries(METRIC_KEYS.map((k) => [k, 0])) as Record<MetricKey, number>;
function add(sum: Record<MetricKey, number>, m: DiversityMetrics) {
  for (const k of METRIC_KEYS) sum[k] += Number.isFinite(m[k]) ? m[k] : 0;
}
function mean(sum: Record<MetricKey, number>, n: number) {
  return Object.fromEntries(METRIC_KEYS.map((k) => [k, Math.round((sum[k] / n) * 1000) / 1000])) as Record<MetricKey, number>;
}

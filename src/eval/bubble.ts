/**
 * `kiosque eval bubble`: does the edition narrow into a filter bubble?
 *
 * N simulated subscribers, each with a hidden interest distribution over the
 * article labels (Dirichlet, α = 0.3). Every day 200 articles are drawn from
 * the file, tagged by Kiosque's own tagger (labels hidden from the ranker);
 * each subscriber gets a 10-item edition and clicks the item at rank r with
 * probability 0.5 × interest(label) / interest(top label) × 1 / log2(r + 1).
 * Clicks feed the next day's profiles, popularity and co-visitation; as a
 * build would, each plan also gets the subscriber's past edition items
 * (exposure) and their editions' recorded topicEntropy (the bubble guard).
 * Run twice with the same seed: relevance only, and with Kiosque's diversity.
 *
 * Reported per run: ctr = clicks / items shown; entropyFirstWeek /
 * entropyLastWeek = mean over the editions of days 1–7 / of the last 7 days
 * of the entropy (bits) of the true labels of the edition's items (the
 * editions' topicEntropy, measured on the hidden labels); coverageLastWeek =
 * mean share of all labels present in an edition of the last 7 days.
 */
import type { Article, Subscriber } from '../model.js';
import { TaggingEngine } from '../tag/tagger.js';
import { loadTaxonomy } from '../tag/taxonomy.js';
import { entropy } from '../personalize/metrics.js';
import { planForSubscriber, prepareBuild, type PlanSubscriber } from '../personalize/plan.js';
import { DEFAULT_SETTINGS, type EditorSettings } from '../personalize/settings.js';
import { UserError } from '../util/errors.js';
import { readJsonlObjects } from '../util/jsonl.js';
import { seededRng, type Rng } from '../util/random.js';
import { noPreferences } from '../subscribers/subscriber.js';

export interface EvalBubbleOptions {
  articles: string;
  users: number;
  days: number;
  seed: number;
  /** Articles offered per day (200). */
  perDay?: number;
  /** Items per edition (10). */
  editionSize?: number;
  settings?: EditorSettings;
}

export interface BubbleRun {
  ctr: number;
  entropyFirstWeek: number;
  entropyLastWeek: number;
  coverageLastWeek: number;
}

export interface BubbleReport {
  relevanceOnly: BubbleRun;
  kiosque: BubbleRun;
}

interface Row {
  id: string;
  title: string;
  text: string;
  label: string;
  lang?: string;
}

function readRows(path: string): Row[] {
  const rows: Row[] = [];
  for (const { value: r, where } of readJsonlObjects(path, 'articles file')) {
    if (typeof r.id !== 'string' || typeof r.label !== 'string' || typeof r.text !== 'string') {
      throw new UserError(`${where}: expected {"id","title","text","label"} with string values`);
    }
    rows.push({
      id: r.id,
      title: typeof r.title === 'string' ? r.title : '',
      text: r.text,
      label: r.label,
      lang: typeof r.lang === 'string' ? r.lang : undefined,
    });
  }
  if (rows.length === 0) throw new UserError(`${path}: no articles`);
  return rows;
}

/** Gamma(shape, 1) by Marsaglia–Tsang (boosted for shape < 1). */
function gamma(shape: number, rng: Rng): number {
  if (shape < 1) return gamma(shape + 1, rng) * Math.pow(Math.max(rng(), 1e-300), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      const u1 = Math.max(rng(), 1e-300);
      const u2 = rng();
      x = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

export function dirichlet(alpha: number, k: number, rng: Rng): number[] {
  const g = Array.from({ length: k }, () => gamma(alpha, rng));
  const s = g.reduce((a, b) => a + b, 0);
  return s > 0 ? g.map((x) => x / s) : g.map(() => 1 / k);
}

const DAY = 86_400_000;
const START = Date.parse('2026-01-05T06:00:00.000Z');
const SOURCES = 8;

export async function evalBubble(opts: EvalBubbleOptions): Promise<BubbleReport> {
  if (!(opts.users >= 1) || !(opts.days >= 1)) throw new UserError('--users and --days must be at least 1');
  const rows = readRows(opts.articles);
  const labels = [...new Set(rows.map((r) => r.label))].sort();
  // Kiosque's own tagger: topics from the taxonomy (cold-start keywords), TF-IDF vectors; the labels stay hidden.
  const engine = new TaggingEngine(loadTaxonomy(), undefined, { places: false });
  for (const r of rows) engine.countDocument(r.title, r.text, r.lang);
  const tags = engine.tag(
    rows.map((r) => ({ id: r.id, title: r.title, text: r.text, langHint: r.lang })),
    { updateFrequencies: false, learn: false },
  );
  const run = (relevanceOnly: boolean) => simulate(rows, tags, labels, opts, relevanceOnly);
  return { relevanceOnly: run(true), kiosque: run(false) };
}

function simulate(
  rows: readonly Row[],
  tags: ReturnType<TaggingEngine['tag']>,
  labels: readonly string[],
  opts: EvalBubbleOptions,
  relevanceOnly: boolean,
): BubbleRun {
  const perDay = Math.min(opts.perDay ?? 200, rows.length);
  const settings: EditorSettings = {
    ...(opts.settings ?? DEFAULT_SETTINGS),
    editionSize: opts.editionSize ?? 10,
    // Each day offers that day's articles only.
    candidateWindowHours: 24,
  };
  // Separate streams: both arms see the same articles and draw the same interests;
  // only exploration sampling (planRng) and the clicks differ.
  const rng = seededRng(opts.seed);
  const planRng = seededRng(opts.seed * 31337 + 3);
  const userRng = seededRng(opts.seed * 7919 + 1);
  const clickRng = seededRng(opts.seed * 104729 + 2);
  const labelIndex = new Map(labels.map((l, i) => [l, i]));
  const interests = Array.from({ length: opts.users }, () => dirichlet(0.3, labels.length, userRng));
  const subs: PlanSubscriber[] = interests.map((_, u) => ({
    id: `u${u}`,
    lang: 'en',
    prefs: noPreferences(),
    diversity: 0.5,
    consents: { personalization: { granted: true, at: new Date(START).toISOString(), source: 'sim' } },
  }));
  const userClicks: { articleId: string; at: string }[][] = subs.map(() => []);
  const userShown: { articleId: string; at: string }[][] = subs.map(() => []);
  // Each subscriber's editions' own topicEntropy metric (Kiosque's topics), as the store keeps it.
  const userEntropy: number[][] = subs.map(() => []);
  const shownArticles = new Map<string, Article>();
  const allClicks: { subscriberId: string; articleId: string; at: string }[] = [];
  const shown = new Map<string, number>();
  const labelOf = new Map<string, number>();
  // Per user, per day: label counts of the items shown.
  const shownLabels: number[][][] = subs.map(() => []);
  let clicks = 0;
  let impressions = 0;

  for (let day = 0; day < opts.days; day++) {
    const now = START + day * DAY;
    // Today's articles: a fresh draw without replacement, published over the last 24 hours.
    const order = rows.map((_, i) => i);
    for (let i = 0; i < perDay; i++) {
      const j = i + Math.floor(rng() * (order.length - i));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const today: Article[] = order.slice(0, perDay).map((ri) => {
      const r = rows[ri]!;
      const id = `${r.id}#${day}`;
      labelOf.set(id, labelIndex.get(r.label)!);
      const published = new Date(now - Math.floor(rng() * (DAY - 60_000)) - 60_000).toISOString();
      return {
        id,
        feedId: `source-${ri % SOURCES}`,
        guidHash: id,
        title: r.title,
        publishedAt: published,
        fetchedAt: published,
        summary: r.text.slice(0, 300),
        contentHtml: '',
        text: r.text,
        categories: [],
        section: '',
        simhash: '0000000000000000',
        clusterId: id,
        tags: tags[ri]!,
      };
    });
    const recentClicks = allClicks.filter((c) => Date.parse(c.at) > now - 3 * DAY);
    const build = prepareBuild({
      articles: [...today, ...shownArticles.values()],
      clicks: recentClicks,
      shown,
      settings,
      now,
    });
    const todayById = new Map(today.map((a) => [a.id, a]));
    subs.forEach((sub, u) => {
      // As a build would: the subscriber's past edition items (with positions) and their editions' recorded topic entropy.
      const plan = planForSubscriber(build, sub, userClicks[u]!, planRng, {
        relevanceOnly,
        exposure: userShown[u],
        recentTopicEntropy: userEntropy[u]!.slice(-settings.bubbleGuard.editions),
      });
      userEntropy[u]!.push(plan.metrics.topicEntropy);
      const counts = new Array<number>(labels.length).fill(0);
      const top = Math.max(...interests[u]!);
      plan.items.forEach((it, k) => {
        const li = labelOf.get(it.articleId)!;
        counts[li]!++;
        impressions++;
        shown.set(it.articleId, (shown.get(it.articleId) ?? 0) + 1);
        userShown[u]!.push({ articleId: it.articleId, at: new Date(now).toISOString() });
        shownArticles.set(it.articleId, todayById.get(it.articleId)!);
        const p = 0.5 * (interests[u]![li]! / top) * (1 / Math.log2(k + 2));
        if (clickRng() < p) {
          clicks++;
          const at = new Date(now + 3_600_000 + k * 60_000).toISOString();
          userClicks[u]!.push({ articleId: it.articleId, at });
          allClicks.push({ subscriberId: sub.id, articleId: it.articleId, at });
        }
      });
      shownLabels[u]!.push(counts);
    });
  }

  const week = Math.min(7, opts.days);
  // Per edition, as the editions' own topicEntropy / topicCoverage metrics, over the true labels.
  const weekStats = (from: number) => {
    let h = 0;
    let cov = 0;
    let n = 0;
    for (const days of shownLabels) {
      for (const c of days.slice(from, from + week)) {
        h += entropy(c);
        cov += c.filter((v) => v > 0).length / labels.length;
        n++;
      }
    }
    return { h: n ? h / n : 0, cov: n ? cov / n : 0 };
  };
  const first = weekStats(0);
  const last = weekStats(opts.days - week);
  const r4 = (x: number) => Math.round(x * 10_000) / 10_000;
  return {
    ctr: r4(impressions ? clicks / impressions : 0),
    entropyFirstWeek: r4(first.h),
    entropyLastWeek: r4(last.h),
    coverageLastWeek: r4(last.cov),
  };
}

/**
 * Figures of the editors' dashboard, computed from the store: articles per
 * topic and per source per day, the editions' diversity metrics per day,
 * click-through per section and per reason, and the filter-bubble watch
 * (share of subscribers whose editions' topic entropy fell).
 */
import type { Article, Edition } from '../../model.js';
import type { Store } from '../../store/store.js';
import { barChart, lineChart, type Bar } from './charts.js';

export interface DashboardOptions {
  days?: number;
  /** Editions read per day (a sample when there are more). */
  editionsPerDay?: number;
  topicLabel: (id: string) => string;
}

export interface Dashboard {
  days: string[];
  totals: { articles: number; subscribers: number; editionsToday: number; clicks: number; anonymousClicks: number };
  bubble: { compared: number; fell: number; share: number };
  charts: { title: string; svg: string }[];
}

const dayOf = (iso: string) => iso.slice(0, 10);

export function mainTopic(a: Article): string {
  return a.tags?.topicOverride ?? a.tags?.topics.find((t) => t.id !== 'local')?.id ?? '—';
}

export async function buildDashboard(store: Store, now: Date, opts: DashboardOptions): Promise<Dashboard> {
  const nDays = opts.days ?? 14;
  const perDay = opts.editionsPerDay ?? 300;
  const days: string[] = [];
  for (let i = nDays - 1; i >= 0; i--) days.push(dayOf(new Date(now.getTime() - i * 86400_000).toISOString()));
  const since = `${days[0]}T00:00:00.000Z`;

  const articles = await store.listArticles({ since, limit: 50_000 });
  const feeds = new Map((await store.listFeeds()).map((f) => [f.id, f.title]));
  const perTopic = countBy(articles, mainTopic);
  const perSource = countBy(articles, (a) => a.feedId);
  const topTopics = top(perTopic, 6);
  const topSources = top(perSource, 6);
  const dayIndex = new Map(days.map((d, i) => [d, i]));
  const seriesOf = (keys: string[], keyOf: (a: Article) => string, name: (k: string) => string) =>
    keys.map((k) => {
      const values = days.map(() => 0);
      for (const a of articles) {
        const i = dayIndex.get(dayOf(a.publishedAt));
        if (i !== undefined && keyOf(a) === k) values[i]!++;
      }
      return { name: name(k), values };
    });

  const editionsByDay: Edition[][] = [];
  for (const d of days) editionsByDay.push(await store.listEditions({ date: d, limit: perDay }));
  const meanOf = (list: Edition[], f: (e: Edition) => number) => (list.length ? list.reduce((s, e) => s + f(e), 0) / list.length : Number.NaN);

  const clicks = await store.listClicks({ since, limit: 100_000 });
  const shownSection = new Map<string, number>();
  const shownReason = new Map<string, number>();
  for (const list of editionsByDay) {
    for (const e of list) {
      for (const it of e.items) {
        shownSection.set(it.section, (shownSection.get(it.section) ?? 0) + 1);
        const r = it.reasons[0]?.code ?? '—';
        shownReason.set(r, (shownReason.get(r) ?? 0) + 1);
      }
    }
  }
  const clickSection = countBy(clicks, (c) => c.section ?? '');
  const clickReason = countBy(clicks, (c) => c.reason ?? '');
  const ctrBars = (shown: Map<string, number>, clicked: Map<string, number>): Bar[] =>
    [...shown.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10)
      .map(([k, n]) => {
        const c = clicked.get(k) ?? 0;
        return { label: k, value: c / n, text: `${((100 * c) / n).toFixed(1)} % (${c}/${n})` };
      });

  // Filter-bubble watch: per subscriber, mean topic entropy of the last week's editions vs the week before.
  const half = Math.floor(nDays / 2);
  const early = new Map<string, number[]>();
  const late = new Map<string, number[]>();
  editionsByDay.forEach((list, i) => {
    const m = i < half ? early : late;
    for (const e of list) (m.get(e.subscriberId) ?? m.set(e.subscriberId, []).get(e.subscriberId)!).push(e.metrics.topicEntropy);
  });
  let compared = 0;
  let fell = 0;
  for (const [id, lateVals] of late) {
    const earlyVals = early.get(id);
    if (!earlyVals?.length) continue;
    compared++;
    if (avg(lateVals) < avg(earlyVals) - 0.1) fell++;
  }

  const short = days.map((d) => d.slice(5));
  const charts = [
    { title: 'Articles per topic per day', svg: lineChart(short, seriesOf(topTopics, mainTopic, opts.topicLabel), { title: 'Articles per topic per day' }) },
    { title: 'Articles per source per day', svg: lineChart(short, seriesOf(topSources, (a) => a.feedId, (k) => feeds.get(k) ?? k), { title: 'Articles per source per day' }) },
    {
      title: "Editions' diversity per day (mean)",
      svg: lineChart(
        short,
        [
          { name: 'intra-list diversity', values: editionsByDay.map((l) => meanOf(l, (e) => e.metrics.intraListDiversity)) },
          { name: 'topic entropy (bits)', values: editionsByDay.map((l) => meanOf(l, (e) => e.metrics.topicEntropy)) },
          { name: 'local share', values: editionsByDay.map((l) => meanOf(l, (e) => e.metrics.localShare)) },
        ],
        { title: "Editions' diversity per day" },
      ),
    },
    { title: 'Click-through per section', svg: barChart(ctrBars(shownSection, clickSection), { title: 'Click-through per section' }) },
    { title: 'Click-through per reason', svg: barChart(ctrBars(shownReason, clickReason), { title: 'Click-through per reason' }) },
    { title: 'Articles per topic (period)', svg: barChart(topTopics.map((k) => ({ label: opts.topicLabel(k), value: perTopic.get(k) ?? 0 })), { title: 'Articles per topic' }) },
  ];
  return {
    days,
    totals: {
      articles: articles.length,
      subscribers: await store.countSubscribers(),
      editionsToday: editionsByDay[editionsByDay.length - 1]!.length,
      clicks: clicks.length,
      anonymousClicks: clicks.filter((c) => c.subscriberId === null).length,
    },
    bubble: { compared, fell, share: compared ? fell / compared : 0 },
    charts,
  };
}

function countBy<T>(list: readonly T[], key: (x: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of list) {
    const k = key(x);
    if (k) m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

function top(m: Map<string, number>, n: number): string[] {
  return [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, n).map(([k]) => k);
}

const avg = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;

import type { Article, ArticleTags, FeedRecord, StoryCluster } from '../model.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/log.js';
import type { Progress } from '../util/progress.js';
import { stableId } from '../util/ids.js';
import { oneLine } from '../util/errors.js';
import { fetchFeed, DEFAULT_FETCH_OPTIONS, type FetchOptions, type FetchOutcome } from './fetch/fetcher.js';
import { nextFeedState, DEFAULT_POLL_POLICY, type PollPolicy } from './fetch/policy.js';
import { createHostLimiter } from './fetch/host-limiter.js';
import { decodeFeedBytes } from './parse/decode.js';
import { parseFeed } from './parse/parse.js';
import { simhash64, storyTokens, StoryIndex } from './dedupe.js';
import type { TagInput } from '../tag/tagger.js';

/** What the tagging stage offers ingest (implemented by TaggingEngine in src/tag/tagger.ts). */
export interface ArticleTagger {
  tag(inputs: TagInput[]): ArticleTags[];
}

export interface IngestDeps {
  store: Store;
  log: Logger;
  clock: Clock;
  fetchOptions?: Partial<FetchOptions>;
  /** Polling intervals, backoff and redirect policy (defaults: DEFAULT_POLL_POLICY with a 15-minute base). */
  pollPolicy?: Partial<PollPolicy>;
  /** Feeds fetched at once (at most one per host at a time). */
  concurrency?: number;
  tagger?: ArticleTagger;
  progress?: (title: string, total: number) => Progress;
}

export interface FeedIngestReport {
  feedId: string;
  url: string;
  outcome: FetchOutcome['kind'] | 'parse-error';
  items: number;
  inserted: number;
  updated: number;
  error?: string;
}

export interface IngestReport {
  feeds: number;
  fetched: number;
  notModified: number;
  failed: number;
  inserted: number;
  updated: number;
  perFeed: FeedIngestReport[];
}

/** How far back new articles are compared with stored ones to find the same story. */
const STORY_WINDOW_HOURS = 72;

/**
 * Polls every due feed (or the given ones, or all with `force`), stores new
 * and changed items, merges duplicates into story clusters, and only then
 * records the feed's fetch state (ING-20: validators never run ahead of items).
 * A failing feed is recorded on its health and never stops the others.
 */
export async function ingestFeeds(deps: IngestDeps, opts: { force?: boolean; feedIds?: string[] } = {}): Promise<IngestReport> {
  const { store, log, clock } = deps;
  const now = clock.now();
  let feeds = await store.listFeeds({ status: 'active' });
  if (opts.feedIds?.length) {
    const wanted = new Set(opts.feedIds);
    feeds = (await Promise.all(opts.feedIds.map((id) => store.getFeed(id)))).filter(
      (f): f is FeedRecord => !!f && wanted.has(f.id),
    );
  } else if (!opts.force) {
    feeds = feeds.filter((f) => !f.nextFetchAt || Date.parse(f.nextFetchAt) <= now.getTime());
  }
  const index = await loadStoryIndex(store, now);
  const limiter = createHostLimiter(deps.concurrency ?? 8);
  const progress = deps.progress?.('ingest', feeds.length);
  const report: IngestReport = { feeds: feeds.length, fetched: 0, notModified: 0, failed: 0, inserted: 0, updated: 0, perFeed: [] };

  await Promise.all(
    feeds.map((feed) =>
      limiter.run(feed.url, async () => {
        const r = await ingestOneFeed(deps, feed, index).catch(
          (e): FeedIngestReport => ({ feedId: feed.id, url: feed.url, outcome: 'error', items: 0, inserted: 0, updated: 0, error: oneLine(e) }),
        );
        report.perFeed.push(r);
        if (r.outcome === 'ok') report.fetched++;
        else if (r.outcome === 'not-modified') report.notModified++;
        else report.failed++;
        report.inserted += r.inserted;
        report.updated += r.updated;
        if (r.error) log.warn({ feed: feed.url, outcome: r.outcome }, `feed ${feed.url}: ${r.error}`);
        progress?.tick(1, feed.title);
      }),
    ),
  );
  progress?.done();
  report.perFeed.sort((a, b) => a.url.localeCompare(b.url));
  return report;
}

async function ingestOneFeed(deps: IngestDeps, feed: FeedRecord, index: StoryIndex): Promise<FeedIngestReport> {
  const { store, clock } = deps;
  const base: FeedIngestReport = { feedId: feed.id, url: feed.url, outcome: 'error', items: 0, inserted: 0, updated: 0 };
  let outcome = await fetchFeed(
    { url: feed.url, ...(feed.etag ? { etag: feed.etag } : {}), ...(feed.lastModified ? { lastModified: feed.lastModified } : {}) },
    { ...DEFAULT_FETCH_OPTIONS, ...deps.fetchOptions },
  );
  const result: FeedIngestReport = { ...base, outcome: outcome.kind };
  let feedTitle: string | undefined;

  if (outcome.kind === 'ok') {
    let parsed: Awaited<ReturnType<typeof parseFeed>> | undefined;
    try {
      const { text } = decodeFeedBytes(outcome.body, outcome.contentType);
      parsed = await parseFeed(text, { baseUrl: outcome.finalUrl });
    } catch (e) {
      // A body that is not a feed is an error of this feed, recorded on its health.
      outcome = { kind: 'error', message: `not a valid feed: ${oneLine(e)}`, transient: false };
      result.outcome = 'parse-error';
      result.error = outcome.message;
    }
    if (parsed) {
      feedTitle = parsed.feed.title;
      if (parsed.errors.length) deps.log.warn({ feed: feed.url, problems: parsed.errors.slice(0, 10) }, `feed ${feed.url}: ${parsed.errors.length} item(s) skipped or repaired`);
      const now = clock.now();
      const articles = parsed.items.map((item) => toArticle(feed, item, now));
      result.items = articles.length;
      try {
        const stored = await storeArticles(deps, feed, articles, index);
        result.inserted = stored.inserted;
        result.updated = stored.updated;
      } catch (e) {
        // Items not durable: record the failure, but not the validators (ING-20), so the next poll refetches.
        outcome = { kind: 'error', message: `storing items failed: ${oneLine(e)}`, transient: true };
        result.outcome = 'error';
        result.error = outcome.message;
      }
    }
  } else if (outcome.kind === 'error') {
    result.error = outcome.message;
  } else if (outcome.kind === 'gone') {
    result.error = 'feed is gone (HTTP 410): polling stopped';
  } else if (outcome.kind === 'rate-limited') {
    result.error = `rate limited (HTTP ${outcome.status})`;
  }

  // Only now, with the items durable, record validators and the next poll time.
  const policy = { ...DEFAULT_POLL_POLICY, baseIntervalSeconds: 15 * 60, ...deps.pollPolicy };
  const patch = nextFeedState(feed, outcome, clock.now(), policy, outcome.kind === 'ok' ? { itemCount: result.items } : {});
  if (feedTitle && (feed.title === feed.url || !feed.title)) patch.title = feedTitle.slice(0, 300);
  try {
    await store.updateFeed(feed.id, patch);
  } catch (e) {
    // e.g. a permanent redirect onto a URL another feed already has: keep the old URL.
    const { url: _dropped, ...rest } = patch;
    await store.updateFeed(feed.id, { ...rest, lastError: `redirect not applied: ${oneLine(e)}` });
  }
  return result;
}

type ParsedItem = Awaited<ReturnType<typeof parseFeed>>['items'][number];

export function toArticle(feed: FeedRecord, item: ParsedItem, now: Date): Article {
  const guidKey = item.guid || item.url || `${item.title}\n${item.publishedAt ?? ''}`;
  const id = item.url ? stableId(`url:${item.url}`) : stableId(`guid:${feed.id}:${guidKey}`);
  // A date in the future (clock skew, bad feed) is capped at the fetch time.
  const published = item.publishedAt && Date.parse(item.publishedAt) <= now.getTime() + 5 * 60_000 ? item.publishedAt : now.toISOString();
  return {
    id,
    feedId: feed.id,
    guidHash: stableId(guidKey),
    ...(item.url ? { url: item.url } : {}),
    title: item.title || item.summary.slice(0, 120) || '(untitled)',
    ...(item.author ? { author: item.author } : {}),
    publishedAt: new Date(published).toISOString(),
    fetchedAt: now.toISOString(),
    summary: item.summary,
    contentHtml: item.contentHtml,
    text: item.text,
    ...(item.langHint || feed.lang ? { langHint: item.langHint ?? feed.lang } : {}),
    categories: item.categories,
    section: feed.section,
    simhash: simhash64(storyTokens(`${item.title} ${item.text}`)),
    clusterId: stableId(`cluster:${id}`),
  };
}

/**
 * Tags the new articles, assigns each to a story cluster, and writes articles
 * then clusters. Articles already stored keep their tags and cluster.
 */
async function storeArticles(
  deps: IngestDeps,
  feed: FeedRecord,
  articles: Article[],
  index: StoryIndex,
): Promise<{ inserted: number; updated: number }> {
  const { store, tagger } = deps;
  if (!articles.length) return { inserted: 0, updated: 0 };
  const known = new Set((await store.getArticles(articles.map((a) => a.id))).map((a) => a.id));
  const fresh = articles.filter((a) => !known.has(a.id));

  if (tagger && fresh.length) {
    const tags = tagger.tag(
      fresh.map((a) => ({
        id: a.id,
        title: a.title,
        text: a.text,
        ...(a.langHint ? { langHint: a.langHint } : {}),
        section: a.section,
        categories: a.categories,
        ...(feed.country ? { feedCountry: feed.country } : {}),
        ...(feed.region ? { feedRegion: feed.region } : {}),
      })),
    );
    fresh.forEach((a, i) => (a.tags = tags[i]));
  }
  for (const a of fresh) {
    a.clusterId = index.assign({ id: a.id, clusterId: a.clusterId, publishedAt: a.publishedAt, title: a.title, text: a.text });
  }

  const res = await store.upsertArticles(articles);
  const newOnes = articles.filter((_, i) => res.isNew[i]);
  if (newOnes.length) await addToClusters(store, newOnes);
  return { inserted: res.inserted, updated: res.updated };
}

async function addToClusters(store: Store, articles: Article[]): Promise<void> {
  const ids = [...new Set(articles.map((a) => a.clusterId))];
  const existing = new Map((await store.getClusters(ids)).map((c) => [c.id, c]));
  const touched = new Map<string, StoryCluster>();
  for (const a of articles) {
    const c =
      touched.get(a.clusterId) ??
      existing.get(a.clusterId) ?? {
        id: a.clusterId,
        leadArticleId: a.id,
        articleIds: [],
        feedIds: [],
        firstSeenAt: a.fetchedAt,
        updatedAt: a.fetchedAt,
      };
    if (!c.articleIds.includes(a.id)) c.articleIds.push(a.id);
    if (!c.feedIds.includes(a.feedId)) c.feedIds.push(a.feedId);
    c.updatedAt = a.fetchedAt;
    touched.set(c.id, c);
  }
  await store.upsertClusters([...touched.values()]);
}

async function loadStoryIndex(store: Store, now: Date): Promise<StoryIndex> {
  const index = new StoryIndex();
  const since = new Date(now.getTime() - STORY_WINDOW_HOURS * 3600_000).toISOString();
  for (const a of await store.listArticles({ since, limit: 20_000 })) {
    index.add({ id: a.id, clusterId: a.clusterId, publishedAt: a.publishedAt, title: a.title, text: a.text });
  }
  return index;
}

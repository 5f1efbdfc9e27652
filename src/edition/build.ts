import { loadSubscribers } from '../subscribers/list.js';
import { join } from 'node:path';
import type { Article, Edition, EditionItem, Subscriber } from '../model.js';
import type { RecentClick, Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/log.js';
import type { Progress } from '../util/progress.js';
import { stableId } from '../util/ids.js';
import { seededRng } from '../util/random.js';
import { fnv1a } from '../ingest/dedupe.js';
import { localDate } from '../util/time.js';
import { signToken } from '../util/tokens.js';
import { lastGoodSettings, type EditorSettings } from '../personalize/settings.js';
import { prepareBuild, planForSubscriber, toEdition, type PreparedBuild, type SourceInfo } from '../personalize/plan.js';
import { renderEdition } from './render.js';
import { writeFilesAtomic } from './files.js';
import { topicLabel } from '../personalize/labels.js';
import { currentTaxonomy, type Taxonomy } from '../tag/taxonomy.js';
import { HISTORY_DAYS, pageEntries, pastEditionOptions, resolveArticles } from './history.js';

export interface BuildDeps {
  store: Store;
  log: Logger;
  clock: Clock;
  editionsDir: string;
  baseUrl: string;
  secret: string;
  progress?: (title: string, total: number) => Progress;
  /** Worker threads for big builds (config `workers`; 0 or absent: KIOSQUE_WORKERS, then one per core). */
  workers?: number;
  /** This instance's name in the build's partition leases (config `instanceId`). */
  instanceId?: string;
  /** Subscribers from which a full build runs partitioned in worker threads (default PARALLEL_MIN_SUBSCRIBERS). */
  parallelFrom?: number;
  /** Where worker threads reopen the store (default: the SQLite file's path, or MONGODB_URI / MONGODB_DB). */
  storeLocation?: import('./parallel/location.js').StoreLocation;
}

/**
 * From this many subscribers a full build (no subscriberIds) is partitioned:
 * worker threads, and other instances on the same store share it
 * (src/edition/parallel/run.ts). Below it, one thread is quicker than starting workers.
 */
export const PARALLEL_MIN_SUBSCRIBERS = 2000;

export interface BuildOptions {
  /** Edition date; by default each subscriber's "today" in their own time zone. */
  date?: string;
  subscriberIds?: string[];
}

export interface BuildReport {
  editions: number;
  subscribers: number;
  dates: string[];
  settingsVersion: number;
  seconds: number;
  editionsDir: string;
}

/** Editions written per store call. */
const SAVE_BATCH = 500;


/**
 * Clicks a build reads one by one for co-visitation and popularity (the
 * newest); past that many, popularity comes from hourly counts instead.
 */
export const CLICK_LIST_LIMIT = 100_000;

/** Popularity looks back this many half-lives (a click then weighs 1/256). */
const POPULARITY_HALF_LIVES = 8;

/**
 * Builds (or rebuilds: the store replaces an edition of the same subscriber
 * and date) the editions of every subscriber, stores them with the settings
 * version that made them, and renders each once into editions/DATE/.
 */
export async function buildEditions(deps: BuildDeps, opts: BuildOptions = {}): Promise<BuildReport> {
  const t0 = performance.now();
  const { store, clock } = deps;
  if (!opts.subscriberIds && (await store.countSubscribers()) >= (deps.parallelFrom ?? PARALLEL_MIN_SUBSCRIBERS)) return buildPartitioned(deps, opts);
  const now = clock.now();
  const { settings, version } = await currentSettings(store, deps.log);
  const build = await prepareFromStore(store, settings, now);
  const taxonomy = await currentTaxonomy(store);

  const subscribers = await loadSubscribers(store, opts.subscriberIds);
  const since = new Date(now.getTime() - HISTORY_DAYS * 86400_000).toISOString();
  const progress = deps.progress?.('build', subscribers.length);
  const dates = new Set<string>();
  let editions = 0;
  let batch: { sub: Subscriber; edition: Edition }[] = [];
  const flush = async () => {
    // One atomic write per batch; the files follow once the editions are stored.
    await store.saveEditions(batch.map((b) => b.edition));
    for (const b of batch) await writeEditionFiles(deps, b.sub, b.edition, taxonomy);
    editions += batch.length;
    progress?.tick(batch.length);
    batch = [];
  };
  for (let p = 0; p < subscribers.length; p += SAVE_BATCH) {
    const page = subscribers.slice(p, p + SAVE_BATCH).map((sub) => ({ sub, id: sub.id, date: opts.date ?? localDate(now, sub.timezone) }));
    // Each subscriber's whole click history (the build's own click list is only the newest clicks of everyone).
    const histories = await store.clickHistoriesOf(
      page.map((x) => x.id),
      since,
    );
    // Exposure and the bubble guard's recent entropy, from the page's past editions.
    const past = await pastEditionOptions(store, page, settings);
    await resolveArticles(store, build.prepared, pageEntries(histories.values(), past.values()));
    for (const { sub, date } of page) {
      dates.add(date);
      const plan = planForSubscriber(build.prepared, sub, histories.get(sub.id) ?? [], seededRng(fnv1a(`${sub.id}:${date}`)), past.get(sub.id));
      const edition = toEdition(plan, {
        id: editionId(sub.id, date),
        date,
        settingsVersion: version,
        createdAt: now.toISOString(),
      });
      batch.push({ sub, edition });
      if (batch.length >= SAVE_BATCH) await flush();
    }
  }
  if (batch.length) await flush();
  progress?.done();
  return {
    editions,
    subscribers: subscribers.length,
    dates: [...dates].sort(),
    settingsVersion: version,
    seconds: Math.round((performance.now() - t0) / 10) / 100,
    editionsDir: deps.editionsDir,
  };
}

async function buildPartitioned(deps: BuildDeps, opts: BuildOptions): Promise<BuildReport> {
  const { runPartitionedBuild } = await import('./parallel/run.js');
  let progress: Progress | undefined;
  const r = await runPartitionedBuild(deps, {
    ...(opts.date ? { date: opts.date } : {}),
    ...(deps.workers ? { workers: deps.workers } : {}),
    ...(deps.instanceId ? { owner: deps.instanceId } : {}),
    ...(deps.storeLocation ? { location: deps.storeLocation } : {}),
    onEvent: (e) => {
      if (e.type === 'run') progress = deps.progress?.('build', e.partitions);
      if (e.type === 'done') progress?.tick(1, `partition ${e.partition}`);
    },
  });
  progress?.done();
  return { editions: r.editions, subscribers: r.subscribers, dates: r.dates, settingsVersion: r.settingsVersion, seconds: r.seconds, editionsDir: deps.editionsDir };
}

/** The editors' current settings, or the last version that validates (a bad save never stops a build). */
export async function currentSettings(store: Store, log?: Logger): Promise<{ settings: EditorSettings; version: number }> {
  const versions = await store.listSettingsVersions();
  const good = lastGoodSettings(versions);
  for (const s of good.skipped) log?.warn(`settings version ${s.version} refused: ${s.error}`);
  return { settings: good.settings, version: good.version };
}

/**
 * An edition's id: its date, then its subscriber's id. Stable, so a rebuild
 * replaces the edition; and ordered as a build goes (subscribers in id
 * order), so each insert lands beside the last in the id index. A hashed id
 * sent every insert to a random page of that index, which then went to the
 * write-ahead log whole: as many bytes again as the editions themselves.
 * An id too long for the store (a subscriber id near 256 characters) is hashed.
 */
export function editionId(subscriberId: string, date: string): string {
  const id = `${date}.${subscriberId}`;
  return id.length <= 200 ? id : `${date}.${stableId(`edition:${subscriberId}:${date}`)}`;
}

/** Loads what every edition of a build shares: candidates, clusters, sources, clicks. */
export async function prepareFromStore(
  store: Store,
  settings: EditorSettings,
  now: Date,
  /** Clicks read one by one (the newest); tests lower it to see a busy window. */
  clickListLimit = CLICK_LIST_LIMIT,
): Promise<{ prepared: PreparedBuild; clicks: RecentClick[] }> {
  const since = new Date(now.getTime() - settings.candidateWindowHours * 3600_000).toISOString();
  const candidates = await store.listArticles({ since, limit: 50_000 });
  const clicks = await store.recentClicks({ since: new Date(now.getTime() - HISTORY_DAYS * 86400_000).toISOString(), limit: clickListLimit });
  // A full list is only the newest clicks of a busier window: popularity then counts every
  // click on a candidate by the hour, back to where a click weighs less than 1/256.
  const popularSince = now.getTime() - Math.min(HISTORY_DAYS * 24, POPULARITY_HALF_LIVES * settings.popularityHalfLifeHours) * 3_600_000;
  const clickHours = clicks.length >= clickListLimit ? await store.clickHistogram(candidates.map((a) => a.id), new Date(popularSince).toISOString()) : undefined;
  const have = new Set(candidates.map((a) => a.id));
  const clickedIds = [...new Set(clicks.map((c) => c.articleId))].filter((id) => !have.has(id));
  const clicked: Article[] = clickedIds.length ? await store.getArticles(clickedIds) : [];
  const articles = [...candidates, ...clicked];
  const clusters = await store.getClusters([...new Set(candidates.map((a) => a.clusterId))]);
  const sources: Record<string, SourceInfo> = {};
  for (const f of await store.listFeeds()) sources[f.id] = { title: f.title, ...(f.country ? { country: f.country } : {}) };
  const prepared = prepareBuild({ articles, clusters, sources, clicks, ...(clickHours ? { clickHours } : {}), settings, now });
  return { prepared, clicks };
}

/** The click-tracking link of an item on the web edition: a signed token naming the article, never a URL. */
export function webClickLink(baseUrl: string, secret: string, edition: Edition, item: EditionItem, articleId = item.articleId): string {
  const token = signToken({ s: edition.subscriberId, a: articleId, e: edition.id, p: item.position }, secret, 'click');
  return `${baseUrl}/c/${token}`;
}

/** Writes editions/DATE/<subscriber>.{json,md,html}, each atomically (temp file + rename). */
export async function writeEditionFiles(
  deps: Pick<BuildDeps, 'editionsDir' | 'baseUrl' | 'secret'>,
  sub: Subscriber,
  edition: Edition,
  taxonomy?: Taxonomy,
): Promise<void> {
  const rendered = renderEdition(edition, {
    lang: edition.lang,
    topicLabel: (id) => (taxonomy?.has(id) ? taxonomy.label(id, edition.lang) : topicLabel(id, edition.lang)),
    ...(sub.name ? { readerName: sub.name } : {}),
    ...(sub.home?.name ? { placeName: sub.home.name } : {}),
    now: new Date(edition.createdAt),
    linkFor: (it) => webClickLink(deps.baseUrl, deps.secret, edition, it),
    linkForAlso: (it, i) => webClickLink(deps.baseUrl, deps.secret, edition, it, it.alsoCoveredBy[i]!.articleId),
  });
  writeFilesAtomic(join(deps.editionsDir, edition.date), [
    [`${edition.subscriberId}.json`, rendered.json],
    [`${edition.subscriberId}.md`, rendered.markdown],
    [`${edition.subscriberId}.html`, rendered.html],
  ]);
}

/**
 * Subscribers whose edition for their local today is due (their local time is
 * past their edition time) and not built yet. Catch-up after downtime is
 * natural: a missed edition stays due until it exists.
 */
export async function dueSubscribers(store: Store, now: Date): Promise<{ subscriber: Subscriber; date: string }[]> {
  const { localTime } = await import('../util/time.js');
  const due: { subscriber: Subscriber; date: string }[] = [];
  for (const s of await loadSubscribers(store)) {
    const date = localDate(now, s.timezone);
    if (localTime(now, s.timezone) < s.editionTime) continue;
    if (await store.getEdition(s.id, date)) continue;
    due.push({ subscriber: s, date });
  }
  return due;
}

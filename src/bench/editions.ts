/**
 * `kiosque bench editions`: the daily build at scale on the embedded store.
 *
 * A throwaway SQLite file gets M candidate articles of the last day (plus 2M
 * older ones the histories point at), with tags and TF-IDF vectors, N
 * subscribers with 50 clicks each, and 3 past daily editions per subscriber
 * (their summaries feed exposure and the bubble guard, as in a real day). The timed part is the whole partitioned
 * build as `kiosque build` runs it — plan of the run, worker threads that
 * each prepare the build, load their subscribers and click histories, plan
 * and store every edition — without the editions/DATE files unless `files`
 * is set; their rendering is also timed separately on a sample (renderMsPerEdition).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Article } from '../model.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite.js';
import { syntheticWorld } from '../personalize/bench.js';
import { seededRng } from '../util/random.js';
import { silentLogger } from '../util/log.js';
import { fixedClock } from '../util/clock.js';
import { runPartitionedBuild } from '../edition/parallel/run.js';
import { writeEditionFiles } from '../edition/build.js';
import { activeSubscriber, noPreferences } from '../subscribers/subscriber.js';

export interface EditionBenchOptions {
  subscribers?: number;
  articles?: number;
  clicksPer?: number;
  /** Worker threads (0 = one per core). */
  workers?: number;
  partitionSize?: number;
  seed?: number;
  /** Editions rendered to files afterwards, to time rendering apart (default 300). */
  renderSample?: number;
  /** Past daily editions seeded per subscriber, read back by the build as exposure and bubble-guard input (default 3). */
  pastEditions?: number;
  /** Write each edition's editions/DATE files inside the partitions, as `kiosque build` does (timed with the build). */
  files?: boolean;
}

export interface EditionBenchResult {
  subscribers: number;
  seconds: number;
  perSecond: number;
  peakRssMb: number;
  articles: number;
  candidates: number;
  clicksPerSubscriber: number;
  /** Past editions per subscriber in the store before the build (exposure, bubble guard). */
  pastEditionsPerSubscriber: number;
  threads: number;
  /** Starting the threads and preparing the build in each (candidates, co-visitation, popularity), before the first edition. */
  threadStartSeconds: number;
  partitions: number;
  /** CPU time of the whole process (all threads) during the build. */
  cpuSeconds: number;
  cpuMsPerEdition: number;
  /** Summed over threads: reading pages (subscribers, clicks, past-edition summaries), planning and storing. */
  readMsPerEdition: number;
  planMsPerEdition: number;
  storeMsPerEdition: number;
  /** Summed over threads (wall time): rendering and writing the files inside the build (`files`; 0 otherwise). */
  filesMsPerEdition: number;
  /** Rendering and writing editions/DATE/<id>.{json,md,html}, timed on a sample after the build and as many other editions untimed (wall and CPU time). */
  renderMsPerEdition: number;
  renderCpuMsPerEdition: number;
  storedBytesPerEdition: number;
  /** Editions per second of CPU (all threads): what one core adds to an instance. */
  perCoreSecond: number;
  /** Cores (threads across instances) for 1,000,000 editions in 10 minutes at this CPU cost, plus one thread start each. */
  coresFor1MIn10Min: number;
  seedSeconds: number;
  /** Whether the build wrote the files (`files`), so `seconds` includes them. */
  filesIncluded: boolean;
}

const NOW = '2026-11-22T06:00:00.000Z';
const WORDS = 'gouvernement réforme élections budget climat santé école football économie entreprise tribunal enquête culture festival'.split(' ');

export async function benchEditions(opts: EditionBenchOptions = {}): Promise<EditionBenchResult> {
  const N = opts.subscribers ?? 20_000;
  const M = opts.articles ?? 2_000;
  const clicksPer = opts.clicksPer ?? 50;
  const dir = mkdtempSync(join(tmpdir(), 'kiosque-bench-editions-'));
  const file = join(dir, 'bench.db');
  const store = openSqliteStore(file);
  try {
    const s0 = performance.now();
    const pastEditions = opts.pastEditions ?? 3;
    const articleCount = await seed(store, { subscribers: N, articles: M, clicksPer, seed: opts.seed ?? 1, pastEditions });
    const seedSeconds = (performance.now() - s0) / 1000;

    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
    let readyMs = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const report = await runPartitionedBuild(
      { store, log: silentLogger, clock: fixedClock(NOW), editionsDir: join(dir, 'editions'), baseUrl: 'http://localhost:3000', secret: 'x'.repeat(32) },
      { date: '2026-11-22', render: !!opts.files, onEvent: (e) => e.type === 'ready' && (readyMs = e.ms), ...(opts.workers !== undefined ? { workers: opts.workers } : {}), ...(opts.partitionSize !== undefined ? { partitionSize: opts.partitionSize } : {}), owner: 'bench' },
    );
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);

    const built = await store.countEditions({ date: '2026-11-22' });
    if (built !== N) throw new Error(`bench editions: ${built} editions stored for ${N} subscribers`);
    const bytes = (store.db.prepare('SELECT avg(length(data)) AS b FROM editions WHERE date = ?').get('2026-11-22') as { b: number }).b;
    const sampleSize = opts.renderSample ?? 300;
    const listed = await store.listEditions({ date: '2026-11-22', limit: 2 * sampleSize });
    // Read before the clock starts: only rendering and writing are timed.
    const listedSubs = await Promise.all(listed.map(async (e) => (await store.getSubscriber(e.subscriberId))!));
    // This thread first renders other editions, untimed, as a build thread has by its second partition:
    // the stories' converted fragments are kept per thread (src/edition/fragments.ts).
    const warm = Math.max(0, listed.length - sampleSize);
    for (let i = 0; i < warm; i++) {
      await writeEditionFiles({ editionsDir: join(dir, 'warmup-editions'), baseUrl: 'http://localhost:3000', secret: 'x'.repeat(32) }, listedSubs[i]!, listed[i]!);
    }
    const sample = listed.slice(warm);
    const sampleSubs = listedSubs.slice(warm);
    const rc0 = process.cpuUsage();
    const r0 = performance.now();
    for (let i = 0; i < sample.length; i++) {
      await writeEditionFiles({ editionsDir: join(dir, 'sample-editions'), baseUrl: 'http://localhost:3000', secret: 'x'.repeat(32) }, sampleSubs[i]!, sample[i]!);
    }
    const renderMs = (performance.now() - r0) / Math.max(1, sample.length);
    const rc = process.cpuUsage(rc0);
    const renderCpuMs = (rc.user + rc.system) / 1000 / Math.max(1, sample.length);
    const candidates = (store.db.prepare('SELECT count(*) AS n FROM articles WHERE published_at >= ?').get(new Date(Date.parse(NOW) - 36 * 3600_000).toISOString()) as { n: number }).n;
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const r = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
    return {
      subscribers: N,
      seconds: r(seconds),
      perSecond: Math.round(N / seconds),
      peakRssMb: Math.round(peak / 2 ** 20),
      articles: articleCount,
      candidates,
      clicksPerSubscriber: clicksPer,
      pastEditionsPerSubscriber: pastEditions,
      threads: report.threads,
      threadStartSeconds: r(readyMs / 1000),
      partitions: report.partitions,
      cpuSeconds: r(cpuMs / 1000),
      cpuMsPerEdition: r(cpuMs / N, 3),
      readMsPerEdition: r(report.readMs / N, 3),
      planMsPerEdition: r(report.planMs / N, 3),
      storeMsPerEdition: r(report.storeMs / N, 3),
      filesMsPerEdition: r(report.renderMs / N, 3),
      renderMsPerEdition: r(renderMs, 3),
      renderCpuMsPerEdition: r(renderCpuMs, 3),
      storedBytesPerEdition: Math.round(bytes),
      perCoreSecond: Math.round(N / (cpuMs / 1000)),
      coresFor1MIn10Min: Math.ceil((1_000_000 * (cpuMs / N)) / 1000 / (600 - readyMs / 1000)),
      seedSeconds: r(seedSeconds),
      filesIncluded: !!opts.files,
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Fills the store: feeds, articles (titles and summaries of realistic length),
 * one cluster per article, subscribers, and their clicks. Clicks go in with
 * one statement per click inside large transactions (the store's addClick is
 * one transaction per click: fine for traffic, too slow to seed millions).
 */
export async function seed(store: SqliteStore, o: { subscribers: number; articles: number; clicksPer: number; seed: number; pastEditions?: number }): Promise<number> {
  const world = syntheticWorld({ articles: o.articles, subscribers: 0, seed: o.seed, now: Date.parse(NOW) });
  const rng = seededRng(o.seed + 7);
  const words = (n: number) => Array.from({ length: n }, () => WORDS[Math.floor(rng() * WORDS.length)]!).join(' ');
  const feeds = new Map<string, string>();
  for (let f = 0; f < 60; f++) {
    const rec = await store.upsertFeed({ url: `https://presse${f}.example/rss`, title: `Presse ${f}`, section: f % 5 === 0 ? 'À la une' : 'Actualités', lang: 'fr', country: 'FR' });
    feeds.set(`f${f}`, rec.id);
  }
  const articles: Article[] = world.articles.map((a, k) => ({
    ...a,
    feedId: feeds.get(a.feedId)!,
    url: `https://presse.example/${k}`,
    title: `${words(8)} (${k})`,
    summary: words(40).slice(0, 280),
  }));
  for (let i = 0; i < articles.length; i += 1000) await store.upsertArticles(articles.slice(i, i + 1000));
  const clusters = new Map<string, string[]>();
  for (const a of articles) clusters.set(a.clusterId, [...(clusters.get(a.clusterId) ?? []), a.id]);
  const byId = new Map(articles.map((a) => [a.id, a]));
  await store.upsertClusters(
    [...clusters].map(([id, ids]) => ({
      id,
      leadArticleId: ids[0]!,
      articleIds: ids,
      feedIds: [...new Set(ids.map((x) => byId.get(x)!.feedId))],
      firstSeenAt: byId.get(ids[0]!)!.publishedAt,
      updatedAt: NOW,
    })),
  );
  const homes = [
    { name: 'Paris', countryCode: 'FR', admin1: '11', lat: 48.8566, lon: 2.3522 },
    { name: 'Lyon', countryCode: 'FR', admin1: '84', lat: 45.764, lon: 4.8357 },
    { name: 'Rennes', countryCode: 'FR', admin1: '53', lat: 48.1173, lon: -1.6778 },
    { name: 'Marseille', countryCode: 'FR', admin1: '93', lat: 43.2965, lon: 5.3698 },
  ];
  const insertClick = store.db.prepare("INSERT INTO clicks (id, subscriber_id, article_id, edition_id, at, data) VALUES (?, ?, ?, NULL, ?, '{}')");
  // Two click indexes are rebuilt once at the end (one sort) rather than updated five million times; same definitions as the schema's.
  const indexes = store.db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name IN ('clicks_recent', 'clicks_article')").all() as { name: string; sql: string }[];
  for (const ix of indexes) store.db.exec(`DROP INDEX ${ix.name}`);
  // Subscribers too go in by statement in big transactions after the first went through the store (same row layout).
  const insertSub = store.db.prepare('INSERT INTO subscribers (id, email_key, status, data) VALUES (?, ?, ?, ?)');
  let subRows: [string, string, string, string][] = [];
  // Past editions as the store writes them (summary columns included), with a compact body: the build only
  // reads their summaries (article ids, topic entropy) through the covering index, never the JSON.
  const insertEdition = store.db.prepare('INSERT INTO editions (id, subscriber_id, date, data, article_ids, topic_entropy) VALUES (?, ?, ?, ?, ?, ?)');
  let editionRows: [string, string, string, string, string, number][] = [];
  const flush = store.db.transaction(() => {
    for (const r of subRows) insertSub.run(...r);
    for (const r of rows) insertClick.run(...r);
    for (const r of editionRows) insertEdition.run(...r);
  });
  let rows: [string, string, string, string][] = [];
  for (let s = 0; s < o.subscribers; s++) {
    const id = `s${String(s).padStart(7, '0')}`;
    const sub = activeSubscriber(
      { id, email: `${id}@bench.example`, at: '2026-11-01T00:00:00.000Z', source: 'bench' },
      {
        name: `Lecteur ${s}`,
        lang: s % 3 === 0 ? 'en' : 'fr',
        home: homes[s % homes.length]!,
        prefs: { ...noPreferences(), followTopics: s % 7 === 0 ? ['sport'] : [] },
      },
    );
    if (s === 0) await store.createSubscriber(sub);
    else subRows.push([id, sub.email.toLowerCase(), sub.status, JSON.stringify({ ...sub, id: undefined, status: undefined })]);
    // Each reader leans to a few topics: clicks drawn from a personal slice of the articles.
    const base = Math.floor(rng() * articles.length);
    for (let c = 0; c < o.clicksPer; c++) {
      const k = rng() < 0.7 ? (base + Math.floor(rng() * 300)) % articles.length : Math.floor(rng() * articles.length);
      const a = articles[k]!;
      const at = new Date(Math.min(Date.parse(NOW), Date.parse(a.publishedAt) + 3_600_000)).toISOString();
      rows.push([`k${s}-${c}`, id, a.id, at]);
    }
    // Past editions: twelve stories of the reader's slice a day, some days narrow (below the bubble guard's floor).
    for (let d = 1; d <= (o.pastEditions ?? 0); d++) {
      const date = new Date(Date.parse(NOW) - d * 86_400_000).toISOString().slice(0, 10);
      const ids = Array.from({ length: 12 }, () => articles[(base + Math.floor(rng() * 300)) % articles.length]!.id);
      const entropy = Math.round((0.6 + 2.4 * rng()) * 1e4) / 1e4;
      const items = ids.map((a, k) => ({ articleId: a, position: k + 1 }));
      const data = JSON.stringify({ lang: sub.lang, personalized: true, settingsVersion: 0, createdAt: `${date}T06:00:00.000Z`, sections: [], items, metrics: { topicEntropy: entropy } });
      editionRows.push([`past-${id}-${d}`, id, date, data, JSON.stringify(ids), entropy]);
    }
    if (rows.length >= 50_000) {
      flush();
      (rows = []), (subRows = []), (editionRows = []);
    }
  }
  flush();
  for (const ix of indexes) store.db.exec(ix.sql);
  // The direct rows read back exactly as the store's own.
  const check = await store.getSubscriber(`s${String(Math.min(1, o.subscribers - 1)).padStart(7, '0')}`);
  if (o.subscribers > 1 && check?.email !== 's0000001@bench.example') throw new Error('bench seeding: subscriber rows do not read back');
  return articles.length;
}

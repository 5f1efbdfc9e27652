/**
 * `kiosque bench http`: the web edition page and the /c/ click redirect under
 * load on loopback (autocannon in a worker thread, the server in this
 * process), against a throwaway SQLite store with one built edition.
 * Targets: edition page >= 3,000 req/s with p99 <= 20 ms; redirect >= 5,000 req/s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AppContext } from '../cli/context.js';
import { loadConfig } from '../config/config.js';
import type { Article, Subscriber } from '../model.js';
import { openSqliteStore } from '../store/sqlite.js';
import { systemClock } from '../util/clock.js';
import { silentLogger } from '../util/log.js';
import { buildEditions } from '../edition/build.js';
import { signToken } from '../util/tokens.js';
import { sessionToken, SUBSCRIBER_COOKIE } from './session.js';
import { createWebServer } from './server.js';

export interface HttpBenchOptions {
  /** Seconds per measure (default 5). */
  duration?: number;
  connections?: number;
  articles?: number;
}

interface Measure {
  requestsPerSecond: number;
  /** Server process CPU time per request (load generator excluded: it runs in a child process). */
  serverCpuMsPerRequest: number;
  oneCoreCapacityPerSecond: number;
  /** Busy time of the server's event loop per request. */
  serverBusyMsPerRequest: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';
const TOPICS = ['politique', 'economie', 'sport', 'culture', 'sciences', 'international', 'sante', 'technologie'];

export async function benchHttp(opts: HttpBenchOptions = {}) {
  const duration = Math.max(1, Math.min(60, opts.duration ?? 5));
  const connections = opts.connections ?? 20;
  const dir = mkdtempSync(join(tmpdir(), 'kiosque-bench-http-'));
  const config = loadConfig({ env: {}, cwd: dir, overrides: { dataDir: dir, editionsDir: join(dir, 'editions'), logLevel: 'silent', port: 0 } });
  const store = openSqliteStore(join(dir, 'kiosque.db'));
  const ctx: AppContext = { config, log: silentLogger, store, clock: systemClock, close: () => store.close() };
  try {
    const now = Date.now();
    const feeds = [];
    for (let f = 0; f < 8; f++) feeds.push(await store.upsertFeed({ url: `https://bench${f}.test/rss`, title: `Le Banc ${f}`, section: f ? 'Actualités' : 'À la une', lang: 'fr', country: 'FR' }));
    const articles: Article[] = [];
    for (let k = 0; k < (opts.articles ?? 300); k++) {
      const topic = TOPICS[k % TOPICS.length]!;
      articles.push({
        id: `b${k}`,
        feedId: feeds[k % feeds.length]!.id,
        guidHash: `b${k}`,
        url: `https://bench${k % feeds.length}.test/a/${k}`,
        title: `Titre de l'article ${k} sur ${topic} & « guillemets »`,
        publishedAt: new Date(now - ((k % 30) + 1) * 3600_000).toISOString(),
        fetchedAt: new Date(now).toISOString(),
        summary: `Résumé ${k} : ce qui s'est passé, en deux phrases, pour le lecteur pressé.`,
        contentHtml: '<p>x</p>',
        text: 'x',
        categories: [],
        section: 'À la une',
        simhash: '0000000000000000',
        clusterId: `bc${k}`,
        tags: {
          lang: 'fr',
          keywords: [{ term: topic, stem: topic, weight: 1 }],
          vector: { terms: [topic, `t${k % 17}`, `u${k % 5}`], weights: [0.7, 0.5, 0.5] },
          topics: [{ id: topic, score: 0.8 }],
          places: [],
          mainCountry: 'FR',
          taggedAt: new Date(now).toISOString(),
          taggerVersion: 'bench',
        },
      });
    }
    await store.upsertArticles(articles);
    const at = new Date(now).toISOString();
    const consent = { granted: true, at, source: 'bench' };
    const sub: Subscriber = {
      id: 'bench-reader',
      email: 'lecteur@bench.test',
      lang: 'fr',
      timezone: 'Europe/Paris',
      editionTime: '06:00',
      frequency: 'daily',
      consents: { personalization: consent, tracking: consent, newsletter: consent },
      prefs: { followTopics: ['sport'], muteTopics: [], followPlaces: [], mutePlaces: [], followSources: [], muteSources: [], feedback: [] },
      diversity: 0.5,
      status: 'active',
      createdAt: at,
      bounceCount: 0,
    };
    await store.createSubscriber(sub);
    await buildEditions({ store, log: silentLogger, clock: systemClock, editionsDir: config.editionsDir, baseUrl: config.baseUrl, secret: config.secret });
    const edition = (await store.listEditions({ subscriberId: sub.id, limit: 1 }))[0]!;

    const app = await createWebServer(ctx, {
      mailer: { kind: 'outbox', send: async () => ({ messageId: 'x' }), close: async () => {} },
      limits: { clickPerMinute: 10_000_000 },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    try {
      // A signed-in reader: session cookie and CSRF secret cookie, as a browser would send them.
      const sessionValue = sessionToken({ secret: config.secret, secure: false, now: () => new Date() }, 'subscriber', sub);
      const first = await fetch(`${base}/edition`, { headers: { cookie: `${SUBSCRIBER_COOKIE}=${sessionValue}` } });
      const csrfCookie = (first.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
      if (first.status !== 200) throw new Error(`edition page answered ${first.status}`);
      const cookie = [`${SUBSCRIBER_COOKIE}=${sessionValue}`, csrfCookie].filter(Boolean).join('; ');

      const item = edition.items[0]!;
      const token = signToken({ s: sub.id, a: item.articleId, e: edition.id, p: item.position }, config.secret, 'click');
      // Distinct links (one per position), so most requests of this measure record a click.
      const distinct = Array.from({ length: 2000 }, (_, i) => ({
        method: 'GET' as const,
        path: `/c/${signToken({ s: sub.id, a: edition.items[i % edition.items.length]!.articleId, e: `bench-${i}`, p: i }, config.secret, 'click')}`,
      }));

      // Warm-up (JIT, caches), not reported.
      await measure({ url: `${base}/edition`, connections, duration: 1, headers: { cookie, 'user-agent': BROWSER_UA } });
      await measure({ url: `${base}/c/${token}`, connections, duration: 1, headers: { 'user-agent': BROWSER_UA } });
      const editionPage = await measure({ url: `${base}/edition`, connections, duration, headers: { cookie, 'user-agent': BROWSER_UA } });
      const redirect = await measure({ url: `${base}/c/${token}`, connections, duration, headers: { 'user-agent': BROWSER_UA } });
      const clicksBefore = (await store.listClicks({ limit: 100_000 })).length;
      const redirectRecording = await measure({ url: base, connections, duration, headers: { 'user-agent': BROWSER_UA }, requests: distinct });
      const clicksRecorded = (await store.listClicks({ limit: 100_000 })).length - clicksBefore;
      return {
        durationSeconds: duration,
        connections,
        editionItems: edition.items.length,
        editionPage: { ...editionPage, target: { requestsPerSecond: 3000, p99Ms: 20 } },
        clickRedirect: { ...redirect, target: { requestsPerSecond: 5000 } },
        clickRedirectDistinctLinks: { ...redirectRecording, clicksRecorded },
      };
    } finally {
      await app.close();
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const CLIENT = fileURLToPath(new URL('./bench-client.mjs', import.meta.url));

/** Runs autocannon in a child process; the server's CPU time per request is measured in this one. */
async function measure(o: { url: string; connections: number; duration: number; headers: Record<string, string>; requests?: { method: 'GET'; path: string }[] }): Promise<Measure> {
  const args = { url: o.url, connections: o.connections, duration: o.duration, headers: o.headers, ...(o.requests ? { requests: o.requests } : {}) };
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const out = await new Promise<string>((resolve, reject) => {
    const child = execFile(process.execPath, [CLIENT], { maxBuffer: 16 * 1024 * 1024, timeout: (o.duration + 30) * 1000 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
    child.stdin!.end(JSON.stringify(args));
  });
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  const r = JSON.parse(out) as { requestsPerSecond: number; total: number; p50Ms: number; p99Ms: number; non2xx: number; errors: number };
  const total = Math.max(1, r.total);
  const cpuMs = (cpu.user + cpu.system) / 1000 / total;
  return {
    requestsPerSecond: Math.round(r.requestsPerSecond),
    serverCpuMsPerRequest: Math.round(cpuMs * 1000) / 1000,
    // What one free core would serve at that CPU cost (the machine running the bench may be busy).
    oneCoreCapacityPerSecond: Math.round(1000 / Math.max(1e-6, cpuMs)),
    serverBusyMsPerRequest: Math.round((elu.active / total) * 1000) / 1000,
    p50Ms: r.p50Ms,
    p99Ms: r.p99Ms,
    non2xx: r.non2xx,
    errors: r.errors,
  };
}

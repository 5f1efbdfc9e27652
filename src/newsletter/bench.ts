/**
 * `kiosque bench send`: e-mails N editions (default 10,000) through the whole
 * newsletter path — ledger claims and fenced writes in a real SQLite file,
 * rendering from Markdown, pooled SMTP — to an SMTP sink on loopback
 * (smtp-server in a thread of this process, so its CPU time is counted too).
 * Set-up (subscribers, editions) is not timed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Edition, EditionItem, Subscriber } from '../model.js';
import { openSqliteStore } from '../store/sqlite.js';
import { createMailer } from '../mail/mailer.js';
import { silentLogger } from '../util/log.js';
import { fixedClock } from '../util/clock.js';
import { sendDueEditions, withSendLease } from './send.js';
import { defaultRenderThreads } from './render-pool.js';
import { activeSubscriber } from '../subscribers/subscriber.js';

export interface SendBenchOptions {
  messages?: number;
  /** Messages in flight (default 64). */
  concurrency?: number;
  /** SMTP connections in the pool (default 8). */
  connections?: number;
  /** Worker threads rendering messages (default: cores − 1, at least 1; 0 = all in the main thread). */
  renderThreads?: number;
}

export interface SendBenchResult {
  messages: number;
  sent: number;
  received: number;
  seconds: number;
  perSecond: number;
  /** CPU time of this process (sender and the in-process sink) during the send. */
  cpuSeconds: number;
  perCpuSecond: number;
  peakRssMb: number;
  avgMessageKb: number;
  concurrency: number;
  connections: number;
  renderThreads: number;
}

const DATE = '2026-11-22';

export async function benchSend(opts: SendBenchOptions = {}): Promise<SendBenchResult> {
  const n = opts.messages ?? 10_000;
  const concurrency = opts.concurrency ?? 64;
  const connections = opts.connections ?? 8;
  const renderThreads = opts.renderThreads ?? defaultRenderThreads();
  const mailFrom = 'Kiosque <edition@kiosque.localhost>';
  const sink = await startSinkThread();
  const port = sink.port;

  const dir = mkdtempSync(join(tmpdir(), 'kiosque-bench-send-'));
  // Noon UTC: the edition time (06:00) has passed in every zone used (Montreal to Tokyo), same local date.
  const clock = fixedClock(`${DATE}T12:00:00.000Z`);
  const store = openSqliteStore(join(dir, 'kiosque.db'), { clock });
  const mailer = createMailer({ smtpUrl: `smtp://127.0.0.1:${port}`, mailFrom, editionsDir: dir, smtpRatePerSecond: 10_000, smtpConnections: connections });
  try {
    const editions: Edition[] = [];
    for (let i = 0; i < n; i++) {
      const sub = await store.createSubscriber(benchSubscriber(i));
      editions.push(benchEdition(sub));
      if (editions.length === 1000) await store.saveEditions(editions.splice(0));
    }
    await store.saveEditions(editions);

    let peak = process.memoryUsage.rss();
    const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 100);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const report = await withSendLease(store, 'bench', (fence) =>
      sendDueEditions({ store, mailer, log: silentLogger, clock, baseUrl: 'https://kiosque.localhost', secret: 'b'.repeat(40), maxBounces: 3, fence, concurrency, renderThreads, mailFrom }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    clearInterval(sample);
    peak = Math.max(peak, process.memoryUsage.rss());
    const sent = report?.sent ?? 0;
    const { received, bytes } = await sink.stats();
    return {
      messages: n,
      sent,
      received,
      seconds: Math.round(seconds * 100) / 100,
      perSecond: Math.round(sent / seconds),
      // On a shared, loaded machine wall time understates capacity: CPU time is what one message costs.
      cpuSeconds: Math.round(cpuSeconds * 100) / 100,
      perCpuSecond: Math.round(sent / cpuSeconds),
      peakRssMb: Math.round(peak / 1048576),
      avgMessageKb: received ? Math.round(bytes / received / 102.4) / 10 : 0,
      concurrency,
      connections,
      renderThreads,
    };
  } finally {
    await mailer.close();
    await store.close();
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The sink thread: its port, and what it received (asked for after the run). */
async function startSinkThread(): Promise<{ port: number; stats(): Promise<{ received: number; bytes: number }>; close(): Promise<void> }> {
  const worker = new Worker(new URL('./bench-sink-worker.mjs', import.meta.url));
  const next = <T>() => new Promise<T>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const { port } = await next<{ port: number }>();
  return {
    port,
    async stats() {
      worker.postMessage('stats');
      return next<{ received: number; bytes: number }>();
    },
    async close() {
      worker.postMessage('close');
      await next();
      await worker.terminate();
    },
  };
}

export function benchSubscriber(i: number): Subscriber {
  const at = '2026-11-01T10:00:00.000Z';
  const lang = i % 3 === 0 ? 'en' : 'fr';
  return activeSubscriber(
    { id: `bench-${String(i).padStart(6, '0')}`, email: `reader${i}@example.test`, at, source: 'bench' },
    {
      name: lang === 'fr' ? `Lectrice ${i}` : `Reader ${i}`,
      lang,
      home: { name: lang === 'fr' ? 'Rennes' : 'Bristol', countryCode: lang === 'fr' ? 'FR' : 'GB', lat: 48.1, lon: -1.7 },
      timezone: ['Europe/Paris', 'Europe/London', 'America/Montreal', 'Asia/Tokyo'][i % 4]!,
      editionTime: '06:00',
      confirmedAt: at,
      lastEngagedAt: '2026-11-20T10:00:00.000Z',
    },
  );
}

/** A typical edition: 12 stories in 4 sections, with reasons and other sources. */
export function benchEdition(sub: Subscriber): Edition {
  const sections = ['une', 'local', 'monde', 'explorer'];
  const items: EditionItem[] = Array.from({ length: 12 }, (_, k) => ({
    articleId: `a${k}`,
    clusterId: `c${k}`,
    title: sub.lang === 'fr' ? `Le conseil municipal adopte le budget ${k} après un long débat` : `Council approves budget ${k} after a long debate`,
    url: `https://news.example/article/${k}`,
    source: k % 2 ? 'Ouest Exemple' : 'The Example Post',
    feedId: `f${k % 5}`,
    summary:
      sub.lang === 'fr'
        ? 'Les élus ont voté tard dans la soirée un budget en hausse, marqué par les investissements dans les transports et les écoles.'
        : 'Councillors voted late in the evening for a larger budget, with new spending on transport and schools.',
    publishedAt: '2026-11-22T04:00:00.000Z',
    topics: ['politique', 'economie'],
    place: sub.home?.name,
    alsoCoveredBy: k % 3 === 0 ? [{ source: 'Le Quotidien', feedId: 'f9', articleId: `b${k}`, url: `https://quotidien.example/${k}`, title: 'Autre' }] : [],
    section: sections[k % 4]!,
    position: k + 1,
    score: 1 - k / 20,
    scoreParts: { relevance: 0.5 },
    reasons: [{ code: 'near-you', text: sub.lang === 'fr' ? 'Près de chez vous' : 'Near you', ref: sub.home?.name ?? '' }],
  }));
  return {
    id: `ed-${sub.id}`,
    subscriberId: sub.id,
    date: DATE,
    lang: sub.lang,
    personalized: true,
    settingsVersion: 1,
    createdAt: `${DATE}T05:00:00.000Z`,
    sections: sections.map((id) => ({ id, title: id.toUpperCase(), itemIds: items.filter((it) => it.section === id).map((it) => it.articleId) })),
    items,
    metrics: { intraListDiversity: 0.5, topicEntropy: 1.2, topicCoverage: 0.4, calibrationKl: 0.1, sources: 5, localShare: 0.3, nationalShare: 0.4, worldShare: 0.3 },
  };
}

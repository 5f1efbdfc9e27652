import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { HomePlace } from '../model.js';
import type { AppContext } from '../cli/context.js';
import { openContext } from '../cli/context.js';
import { runIngest, summarizeIngest } from '../cli/commands/ingest.js';
import { runBuild } from '../cli/commands/editions.js';
import { newSubscriber } from '../subscribers/subscriber.js';
import { stableId } from '../util/ids.js';
import { loadDemoContent, demoItemUrl, type DemoFeed, type DemoSubscriber } from './content.js';
import { startDemoFeedServer, type DemoFeedServer } from './server.js';

export interface DemoSummary {
  articles: number;
  stories: number;
  subscribers: number;
  editions: number;
  editionsDir: string;
  /** Newsletter e-mails written as .eml files (one per subscriber who consented). */
  emails: number;
  outboxDir: string;
}

export interface DemoRun {
  ctx: AppContext;
  feedServer: DemoFeedServer;
  summary: DemoSummary;
}

/**
 * The offline demo: serves the sample feeds on loopback, ingests them into a
 * fresh SQLite database under <data dir>/demo, creates the sample subscribers
 * with their click histories, then runs every later stage that exists.
 */
export async function setUpDemo(opts: { quiet?: boolean } = {}): Promise<DemoRun> {
  const base = await openContext({ prepare: true });
  await base.close();
  const dataDir = join(base.config.dataDir, 'demo');
  for (const suffix of ['', '-wal', '-shm']) rmSync(join(dataDir, `kiosque.db${suffix}`), { force: true });
  const ctx = await openContext({
    overrides: { dataDir, mongodbUri: undefined, smtpUrl: undefined, ...(opts.quiet ? { logLevel: 'warn' } : {}) },
    // The demo never uses a real database server or mail server, whatever the environment says.
    env: { ...process.env, MONGODB_URI: '', SMTP_URL: '' },
  });
  const { feeds, subscribers } = loadDemoContent();
  const feedServer = await startDemoFeedServer(feeds);
  try {
    for (const f of feeds) await ctx.store.upsertFeed(demoFeedRecord(f, feedServer));
    const report = await runIngest(ctx, { force: true, fetchOverrides: { allowHosts: [feedServer.host] } });
    ctx.log.info(summarizeIngest(report));
    await createDemoSubscribers(ctx, feeds, subscribers);
    const built = await runBuild(ctx);
    ctx.log.info(`demo: built ${built.editions} editions under ${built.editionsDir}`);
    const sent = await sendDemoNewsletters(ctx);
    ctx.log.info(`demo: wrote ${sent.emails} newsletter e-mails (.eml) under ${sent.outboxDir}`);
    const summary: DemoSummary = {
      articles: await ctx.store.countArticles(),
      stories: await ctx.store.countClusters(),
      subscribers: await ctx.store.countSubscribers(),
      editions: await ctx.store.countEditions(),
      editionsDir: ctx.config.editionsDir,
      emails: sent.emails,
      outboxDir: sent.outboxDir,
    };
    return { ctx, feedServer, summary };
  } catch (e) {
    await feedServer.close();
    await ctx.close();
    throw e;
  }
}

/** The demo's editions by e-mail: always through the .eml outbox (never a real SMTP server), whatever the edition times. */
async function sendDemoNewsletters(ctx: AppContext): Promise<{ emails: number; outboxDir: string }> {
  const { runSend } = await import('../newsletter/run.js');
  const { createMailer } = await import('../mail/mailer.js');
  const mailer = createMailer({ ...ctx.config, smtpUrl: undefined }, () => ctx.clock.now());
  try {
    const r = await runSend(ctx, { now: true, mailer });
    return { emails: 'sent' in r ? r.sent : 0, outboxDir: join(ctx.config.editionsDir, 'outbox') };
  } finally {
    await mailer.close();
  }
}

function demoFeedRecord(f: DemoFeed, server: DemoFeedServer) {
  return {
    url: server.feedUrl(f.key),
    title: f.title,
    section: f.section,
    lang: f.lang,
    ...(f.country ? { country: f.country } : {}),
    ...(f.region ? { region: f.region } : {}),
    siteUrl: f.siteUrl,
  };
}

async function createDemoSubscribers(ctx: AppContext, feeds: DemoFeed[], subscribers: DemoSubscriber[]): Promise<void> {
  const now = ctx.clock.now();
  const itemUrl = new Map<string, string>();
  for (const f of feeds) for (const it of f.items) itemUrl.set(it.key, normalizeUrl(demoItemUrl(f, it)));
  const articleByUrl = new Map<string, string>();
  for (const a of await ctx.store.listArticles({ limit: 10_000 })) if (a.url) articleByUrl.set(normalizeUrl(a.url), a.id);

  for (const s of subscribers) {
    const home = await resolveHome(s);
    const sub = newSubscriber(
      {
        email: s.email,
        ...(s.name ? { name: s.name } : {}),
        lang: s.lang,
        ...(home ? { home } : {}),
        timezone: s.timezone,
        editionTime: s.editionTime,
        followTopics: s.followTopics,
        muteTopics: s.muteTopics,
        consents: s.consents,
        source: 'demo',
      },
      now,
    );
    // Stable ids, so a new demo run rewrites the same edition files instead of adding more.
    sub.id = stableId(`demo-subscriber:${s.email}`);
    // Demo subscribers have confirmed their address already.
    sub.status = 'active';
    sub.confirmedAt = now.toISOString();
    await ctx.store.createSubscriber(sub);
    for (const c of s.clicks) {
      const url = itemUrl.get(c.item);
      const articleId = url ? articleByUrl.get(url) : undefined;
      if (!articleId) {
        ctx.log.warn(`demo: click on unknown item ${c.item} skipped`);
        continue;
      }
      await ctx.store.addClick({
        id: stableId(`demo-click:${sub.id}:${c.item}`),
        // Without tracking consent a click only counts in aggregate (STO-11).
        subscriberId: s.consents.tracking ? sub.id : null,
        articleId,
        at: new Date(now.getTime() - c.hoursAgo * 3600_000).toISOString(),
      });
    }
  }
}

/** The demo subscriber's home, resolved through the gazetteer when it is available. */
async function resolveHome(s: DemoSubscriber): Promise<HomePlace | undefined> {
  if (!s.home) return undefined;
  try {
    const geo = await import('../tag/geo/index.js');
    const hit = geo.suggestPlaces(s.home, { lang: s.lang, limit: 1, ...(s.country ? { country: s.country } : {}) })[0];
    if (!hit) return undefined;
    return { name: hit.name, geoId: hit.geoId, countryCode: hit.countryCode, ...(hit.admin1 ? { admin1: hit.admin1 } : {}), lat: hit.lat, lon: hit.lon };
  } catch {
    return undefined;
  }
}

function normalizeUrl(u: string): string {
  try {
    const x = new URL(u);
    x.hash = '';
    return x.toString().replace(/\/$/, '');
  } catch {
    return u;
  }
}

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { EditionItem, HomePlace } from '../model.js';
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
  /** Each subscriber's edition in a few lines: what leads it and why. */
  perSubscriber: DemoEditionSummary[];
  /** One subscriber clicks a story of their edition, which is then rebuilt: what the click changed. */
  afterClick?: DemoClickEffect;
}

export interface DemoEditionSummary {
  subscriber: string;
  lang: string;
  home?: string;
  personalized: boolean;
  items: number;
  /** Section titles with their number of stories. */
  sections: string[];
  /** The first stories with their source and why they are there. */
  leads: { title: string; source: string; why: string }[];
  topicEntropy: number;
  sources: number;
  html: string;
}

export interface DemoClickEffect {
  subscriber: string;
  clicked: string;
  personalizedBefore: boolean;
  personalizedAfter: boolean;
  /** Stories in the rebuilt edition that were not in the first one, with why. */
  added: { title: string; why: string }[];
  /** Stories of the first edition that left it (the clicked one among them: it is never shown again). */
  removed: string[];
}

/** Stories per edition listed under `leads`. */
const LEADS = 3;

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
    // Before the newsletters, so that the e-mail carries the same edition as the web.
    const afterClick = await clickAndRebuild(ctx, subscribers);
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
      perSubscriber: await summarizeEditions(ctx, subscribers),
      ...(afterClick ? { afterClick } : {}),
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

/** The demo subscribers' latest editions, in file order of the sample list. */
async function summarizeEditions(ctx: AppContext, subscribers: DemoSubscriber[]): Promise<DemoEditionSummary[]> {
  const out: DemoEditionSummary[] = [];
  for (const s of subscribers) {
    const sub = await ctx.store.getSubscriber(demoSubscriberId(s.email));
    const [edition] = sub ? await ctx.store.listEditions({ subscriberId: sub.id, limit: 1 }) : [];
    if (!sub || !edition) continue;
    const sectionSize = new Map(edition.sections.map((x) => [x.id, x.itemIds.length]));
    out.push({
      subscriber: s.name ?? s.email,
      lang: edition.lang,
      ...(sub.home ? { home: sub.home.name } : {}),
      personalized: edition.personalized,
      items: edition.items.length,
      sections: edition.sections.filter((x) => x.itemIds.length > 0).map((x) => `${x.title} (${sectionSize.get(x.id)})`),
      leads: edition.items.slice(0, LEADS).map((it) => ({ title: it.title, source: it.source, why: whyOf(it) })),
      topicEntropy: edition.metrics.topicEntropy,
      sources: edition.metrics.sources,
      html: join(ctx.config.editionsDir, edition.date, `${edition.subscriberId}.html`),
    });
  }
  return out;
}

/**
 * The demo's "change after a click": the first subscriber who allows
 * personalization and tracking but has no clicks yet (else the first who
 * allows both) reads the last story of their edition; their edition is then
 * rebuilt for the same day, as the next scheduled build would.
 */
async function clickAndRebuild(ctx: AppContext, subscribers: DemoSubscriber[]): Promise<DemoClickEffect | undefined> {
  const consenting = subscribers.filter((s) => s.consents.personalization && s.consents.tracking);
  const reader = consenting.find((s) => s.clicks.length === 0) ?? consenting[0];
  if (!reader) return undefined;
  const id = demoSubscriberId(reader.email);
  const [before] = await ctx.store.listEditions({ subscriberId: id, limit: 1 });
  const story = before?.items.at(-1);
  if (!before || !story) return undefined;
  await ctx.store.addClick({
    id: stableId(`demo-click:${id}:after:${story.articleId}`),
    subscriberId: id,
    articleId: story.articleId,
    editionId: before.id,
    position: story.position,
    section: story.section,
    // A minute before the rebuild's instant, as a reader who opened the edition earlier.
    at: new Date(ctx.clock.now().getTime() - 60_000).toISOString(),
  });
  await runBuild(ctx, { date: before.date, subscriberIds: [id] });
  const after = await ctx.store.getEdition(id, before.date);
  if (!after) return undefined;
  const was = new Set(before.items.map((it) => it.articleId));
  const is = new Set(after.items.map((it) => it.articleId));
  ctx.log.info(`demo: ${reader.name ?? reader.email} read "${story.title}"; their edition was rebuilt`);
  return {
    subscriber: reader.name ?? reader.email,
    clicked: story.title,
    personalizedBefore: before.personalized,
    personalizedAfter: after.personalized,
    added: after.items.filter((it) => !was.has(it.articleId)).map((it) => ({ title: it.title, why: whyOf(it) })),
    removed: before.items.filter((it) => !is.has(it.articleId)).map((it) => it.title),
  };
}

function whyOf(it: EditionItem): string {
  return it.reasons.map((r) => r.text).join(' · ');
}

/** Stable ids, so a new demo run rewrites the same edition files instead of adding more. */
function demoSubscriberId(email: string): string {
  return stableId(`demo-subscriber:${email}`);
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
        languages: s.languages,
        consents: s.consents,
        source: 'demo',
      },
      now,
    );
    sub.id = demoSubscriberId(s.email);
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

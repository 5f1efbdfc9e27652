/**
 * A small real world for the web tests: a SQLite file in a temp dir, four
 * feeds (fr/en), forty tagged articles of the last day, subscribers, their
 * built editions, and an app context with a movable clock near real time
 * (signed links expire against the real clock too).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppContext } from '../../src/cli/context.js';
import { loadConfig } from '../../src/config/config.js';
import type { Article, FeedRecord, Subscriber } from '../../src/model.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { fixedClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/log.js';
import { buildEditions } from '../../src/edition/build.js';
import type { Mailer, OutgoingMail } from '../../src/mail/mailer.js';
import { vectorOf } from '../personalize/fixtures.js';

export const SECRET = 'test-secret-test-secret-test-secret-0123456789';
const TOPICS = ['sport', 'politique', 'economie', 'culture', 'sciences', 'international'];

export interface World {
  ctx: AppContext;
  clock: ReturnType<typeof fixedClock>;
  feeds: FeedRecord[];
  subscribers: Subscriber[];
  mails: OutgoingMail[];
  mailer: Mailer;
  dir: string;
  build(subscriberIds?: string[]): Promise<void>;
  cleanup(): Promise<void>;
}

export function testMailer(mails: OutgoingMail[]): Mailer {
  return {
    kind: 'outbox',
    send: async (m) => {
      mails.push(m);
      return { messageId: `m${mails.length}@test` };
    },
    close: async () => {},
  };
}

export async function makeWorld(opts: { articles?: number } = {}): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'kiosque-web-'));
  const clock = fixedClock(new Date());
  const config = loadConfig({
    env: {},
    cwd: dir,
    overrides: { dataDir: join(dir, 'data'), editionsDir: join(dir, 'editions'), secret: SECRET, baseUrl: 'http://localhost:3000', logLevel: 'silent' },
  });
  const store = openSqliteStore(join(dir, 'data', 'kiosque.db'), { clock });
  const ctx: AppContext = { config, log: silentLogger, store, clock, close: () => store.close() };
  const feeds: FeedRecord[] = [];
  for (const [i, f] of [
    ['https://le-quotidien.test/rss', 'Le Quotidien', 'fr'],
    ['https://la-gazette.test/rss', 'La Gazette', 'fr'],
    ['https://daily-news.test/rss', 'Daily News', 'en'],
    ['https://evening-post.test/rss', 'Evening Post', 'en'],
  ].entries()) {
    feeds.push(await store.upsertFeed({ url: f[0]!, title: f[1]!, section: i === 0 ? 'À la une' : 'Actualités', lang: f[2] as 'fr' | 'en', country: f[2] === 'fr' ? 'FR' : 'GB' }));
  }
  const now = clock.now().getTime();
  const articles: Article[] = [];
  const n = opts.articles ?? 40;
  for (let k = 0; k < n; k++) {
    const topic = TOPICS[k % TOPICS.length]!;
    const feed = feeds[k % feeds.length]!;
    const id = `art-${k}`;
    const hours = 1 + ((k * 7) % 30);
    const words = [topic, `${topic}x`, `${topic}-${k % 3}`, `w${k}`];
    const hostile = k === 1;
    articles.push({
      id,
      feedId: feed.id,
      guidHash: id,
      url: k === 5 ? 'javascript:alert(1)' : `https://${new URL(feed.url).host}/article/${k}`,
      title: hostile ? 'Use &lt;script&gt; tags <script>alert(1)</script> "quoted" & more' : `${feed.lang === 'fr' ? 'Actualité' : 'News'} ${topic} numéro ${k}`,
      publishedAt: new Date(now - hours * 3600_000).toISOString(),
      fetchedAt: new Date(now - hours * 3600_000).toISOString(),
      summary: hostile ? 'Literal: <img src=x onerror=alert(1)> and &amp;lt;b&amp;gt;' : `Résumé de l'article ${k} sur ${topic}.`,
      contentHtml: '<p>x</p>',
      text: `Text ${k} `.repeat(30),
      categories: [],
      section: feed.section,
      simhash: '0000000000000000',
      clusterId: `c-${id}`,
      tags: {
        lang: feed.lang ?? 'fr',
        keywords: words.map((w) => ({ term: w, stem: w, weight: 1 })),
        vector: vectorOf(words),
        topics: [{ id: topic, score: 0.9 }],
        places: [],
        mainCountry: feed.country,
        taggedAt: new Date(now).toISOString(),
        taggerVersion: 'test',
      },
    });
  }
  await store.upsertArticles(articles);
  const consent = (granted: boolean) => ({ granted, at: new Date(now - 86400_000).toISOString(), source: 'test' });
  const base = (id: string, over: Partial<Subscriber>): Subscriber => ({
    id,
    email: `${id}@exemple.fr`,
    lang: 'fr',
    timezone: 'Europe/Paris',
    editionTime: '06:00',
    frequency: 'daily',
    consents: { personalization: consent(true), tracking: consent(true), newsletter: consent(true) },
    prefs: { followTopics: ['sport'], muteTopics: [], followPlaces: [], mutePlaces: [], followSources: [], muteSources: [], feedback: [] },
    diversity: 0.5,
    status: 'active',
    createdAt: new Date(now - 86400_000 * 10).toISOString(),
    bounceCount: 0,
    ...over,
  });
  const subscribers = [
    base('sub-alice', { name: 'Alice', home: { name: 'Lyon', geoId: 'geonames:2996944', countryCode: 'FR', admin1: '84', lat: 45.76, lon: 4.84 } }),
    base('sub-bob', { lang: 'en', timezone: 'Europe/London', prefs: { followTopics: ['economie'], muteTopics: [], followPlaces: [], mutePlaces: [], followSources: [], muteSources: [], feedback: [] } }),
    base('sub-carol', { consents: { personalization: consent(true), tracking: consent(false), newsletter: consent(true) } }),
  ];
  for (const s of subscribers) await store.createSubscriber(s);
  // Some history, so profiles and the preview have something to work with.
  for (const [i, a] of articles.slice(6, 12).entries()) {
    await store.addClick({ id: `hist-${i}`, subscriberId: 'sub-alice', articleId: a.id, at: new Date(now - (i + 1) * 3600_000).toISOString() });
  }
  const mails: OutgoingMail[] = [];
  const world: World = {
    ctx,
    clock,
    feeds,
    subscribers,
    mails,
    mailer: testMailer(mails),
    dir,
    build: async (subscriberIds) => {
      await buildEditions(
        { store, log: silentLogger, clock, editionsDir: config.editionsDir, baseUrl: config.baseUrl, secret: config.secret },
        subscriberIds ? { subscriberIds } : {},
      );
    },
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await world.build();
  return world;
}

/** A cookie-keeping client over Fastify's inject, which posts forms with the last page's CSRF token. */
export class Client {
  cookies = new Map<string, string>();
  csrf = '';
  constructor(
    private readonly app: import('fastify').FastifyInstance,
    private readonly headers: Record<string, string> = {},
  ) {}

  private cookieHeader(): string {
    return [...this.cookies.entries()].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keep(res: import('light-my-request').Response) {
    const set = res.headers['set-cookie'];
    for (const c of Array.isArray(set) ? set : set ? [set] : []) {
      const [pair, ...attrs] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /max-age=0/i.test(a) || /expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const m = /name="_csrf" value="([^"]+)"/.exec(res.body);
    if (m) this.csrf = m[1]!;
    return res;
  }

  async get(url: string, headers: Record<string, string> = {}) {
    return this.keep(await this.app.inject({ method: 'GET', url, headers: { accept: 'text/html', ...this.headers, cookie: this.cookieHeader(), ...headers } }));
  }

  async head(url: string, headers: Record<string, string> = {}) {
    return this.keep(await this.app.inject({ method: 'HEAD', url, headers: { ...this.headers, cookie: this.cookieHeader(), ...headers } }));
  }

  async post(url: string, form: Record<string, string | string[]> = {}, opts: { csrf?: boolean; headers?: Record<string, string>; remoteAddress?: string } = {}) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(form)) for (const x of Array.isArray(v) ? v : [v]) params.append(k, x);
    if (opts.csrf !== false && this.csrf) params.append('_csrf', this.csrf);
    return this.keep(
      await this.app.inject({
        method: 'POST',
        url,
        payload: params.toString(),
        ...(opts.remoteAddress ? { remoteAddress: opts.remoteAddress } : {}),
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', ...this.headers, cookie: this.cookieHeader(), ...opts.headers },
      }),
    );
  }
}

/** The link of the last mail sent to `to`. */
export function lastLink(mails: OutgoingMail[], to: string): string {
  const m = [...mails].reverse().find((x) => x.to === to);
  const link = m && /https?:\/\/\S+/.exec(m.text)?.[0];
  if (!link) throw new Error(`no link mailed to ${to}`);
  return link;
}

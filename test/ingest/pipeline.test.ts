import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestFeeds, type IngestDeps } from '../../src/ingest/pipeline.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { silentLogger } from '../../src/util/log.js';
import { fixedClock } from '../../src/util/clock.js';

const STORM_A = {
  title: 'Tempête Armelle : la Bretagne balayée par des rafales à 150 km/h',
  body: "La tempête Armelle a frappé la Bretagne dans la nuit de samedi à dimanche. Une rafale de 152 km/h a été mesurée à la pointe du Raz et 138 km/h à Brest. Le Finistère et les Côtes-d'Armor étaient en vigilance rouge ; 90 000 foyers ont été privés d'électricité, selon Enedis, qui a mobilisé 800 techniciens.",
};
const STORM_B = {
  title: 'Rafales record dans le Finistère : 90 000 foyers sans électricité après la tempête Armelle',
  body: "Le Finistère a été le plus touché par la tempête Armelle, qui a traversé la Bretagne samedi soir. Des rafales de 152 km/h ont été relevées à la pointe du Raz. Enedis comptait 90 000 foyers privés d'électricité dimanche matin et a mobilisé 800 techniciens. Les Côtes-d'Armor étaient aussi en vigilance rouge.",
};

function rss(items: { id: string; title: string; body: string; link?: string }[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Test feed</title><link>https://t.example/</link>
${items
  .map(
    (i) =>
      `<item><title>${i.title}</title><link>${i.link ?? `https://t.example/${i.id}`}</link><guid>${i.id}</guid><pubDate>Sun, 22 Nov 2026 05:00:00 GMT</pubDate><description>${i.body}</description></item>`,
  )
  .join('\n')}</channel></rss>`;
}

const NOW = new Date('2026-11-22T08:00:00.000Z');
let server: Server;
let base = '';
const requests: { path: string; inm?: string }[] = [];

const routes: Record<string, () => { status: number; headers?: Record<string, string>; body?: string }> = {
  '/national.xml': () => ({
    status: 200,
    headers: { 'content-type': 'application/rss+xml; charset=utf-8', etag: '"n1"' },
    body: rss([
      { id: 'n-storm', ...STORM_A },
      { id: 'n-other', title: 'Le Stade rennais s’impose face à Lyon', body: "Porté par un doublé, le Stade rennais a battu l'Olympique lyonnais samedi soir au Roazhon Park." },
      { id: 'n-dup', title: 'Budget : le Sénat adopte le texte', body: 'Le Sénat a adopté samedi le projet de loi de finances après trois semaines de débats.', link: 'https://t.example/budget?utm_source=rss' },
    ]),
  }),
  '/regional.xml': () => ({
    status: 200,
    headers: { 'content-type': 'application/rss+xml; charset=utf-8' },
    body: rss([
      { id: 'r-storm', ...STORM_B },
      // The same article as in the national feed, under a tracking-parameter variant of its URL.
      { id: 'r-dup', title: 'Budget : le Sénat adopte le texte', body: 'Le Sénat a adopté samedi le projet de loi de finances après trois semaines de débats.', link: 'https://t.example/budget' },
    ]),
  }),
  '/missing.xml': () => ({ status: 404, body: 'nope' }),
  '/html.xml': () => ({ status: 200, headers: { 'content-type': 'text/html' }, body: '<html><body>Not a feed</body></html>' }),
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    requests.push({ path, ...(req.headers['if-none-match'] ? { inm: String(req.headers['if-none-match']) } : {}) });
    const r = routes[path]?.() ?? { status: 404 };
    if (r.headers?.etag && req.headers['if-none-match'] === r.headers.etag) {
      res.writeHead(304, { etag: r.headers.etag }).end();
      return;
    }
    res.writeHead(r.status, r.headers ?? {}).end(r.body ?? '');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const a = server.address();
  base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function setup(): Promise<{ store: Store; deps: IngestDeps }> {
  const store = openSqliteStore(join(mkdtempSync(join(tmpdir(), 'kiosque-ingest-')), 'kiosque.db'));
  for (const [path, section] of [
    ['/national.xml', 'France'],
    ['/regional.xml', 'Régions'],
    ['/missing.xml', 'Sport'],
    ['/html.xml', 'Culture'],
  ] as const) {
    await store.upsertFeed({ url: `${base}${path}`, title: path, section });
  }
  const deps: IngestDeps = {
    store,
    log: silentLogger,
    clock: fixedClock(NOW),
    fetchOptions: { allowHosts: [base.replace('http://', '')], timeoutMs: 5000 },
  };
  return { store, deps };
}

describe('ingest pipeline (real HTTP on loopback, real SQLite)', () => {
  it('stores articles once, clusters the same story from two sources, and isolates bad feeds', async () => {
    const { store, deps } = await setup();
    const r = await ingestFeeds(deps, { force: true });
    expect(r).toMatchObject({ feeds: 4, fetched: 2, failed: 2, inserted: 4 });
    expect(await store.countArticles()).toBe(4); // 5 items, the budget article twice under one canonical URL
    const arts = await store.listArticles();
    const storm = arts.filter((a) => a.title.includes('Armelle'));
    expect(storm).toHaveLength(2);
    expect(storm[0]!.clusterId).toBe(storm[1]!.clusterId);
    const cluster = await store.getCluster(storm[0]!.clusterId);
    expect(cluster?.articleIds.sort()).toEqual(storm.map((a) => a.id).sort());
    expect(cluster?.feedIds).toHaveLength(2);
    expect(await store.countClusters()).toBe(3);
    const rennes = arts.find((a) => a.title.includes('rennais'))!;
    expect(rennes.clusterId).not.toBe(storm[0]!.clusterId);

    const feeds = await store.listFeeds();
    const byPath = (p: string) => feeds.find((f) => f.url.endsWith(p))!;
    expect(byPath('/national.xml')).toMatchObject({ etag: '"n1"', errorCount: 0, lastStatus: 200, lastItemCount: 3 });
    expect(byPath('/missing.xml')).toMatchObject({ errorCount: 1, lastStatus: 404, status: 'active' });
    expect(byPath('/missing.xml').lastError).toBeTruthy();
    expect(byPath('/html.xml').errorCount).toBe(1);
    expect(byPath('/html.xml').lastError).toMatch(/not a valid feed/);
    expect(byPath('/html.xml').etag).toBeUndefined();
    await store.close();
  });

  it('sends the stored validators next time and writes nothing on 304', async () => {
    const { store, deps } = await setup();
    await ingestFeeds(deps, { force: true });
    requests.length = 0;
    const r = await ingestFeeds(deps, { force: true, feedIds: [(await store.getFeedByUrl(`${base}/national.xml`))!.id] });
    expect(r).toMatchObject({ notModified: 1, inserted: 0, updated: 0 });
    expect(requests).toEqual([{ path: '/national.xml', inm: '"n1"' }]);
    await store.close();
  });

  it('only polls feeds that are due, unless forced', async () => {
    const { store, deps } = await setup();
    await ingestFeeds(deps, { force: true });
    const again = await ingestFeeds(deps);
    expect(again.feeds).toBe(0);
    await store.close();
  });

  it('never records validators when storing the items failed (ING-20)', async () => {
    const { store, deps } = await setup();
    const failing: Store = Object.create(store);
    failing.upsertArticles = async () => {
      throw new Error('disk full');
    };
    await ingestFeeds({ ...deps, store: failing }, { force: true, feedIds: [(await store.getFeedByUrl(`${base}/national.xml`))!.id] });
    const feed = (await store.getFeedByUrl(`${base}/national.xml`))!;
    expect(feed.etag).toBeUndefined();
    expect(feed.errorCount).toBe(1);
    expect(feed.lastError).toMatch(/storing items failed: disk full/);
    expect(await store.countArticles()).toBe(0);
    // The next run, with a working store, fetches everything again.
    await ingestFeeds(deps, { force: true });
    expect(await store.countArticles()).toBe(4);
    await store.close();
  });

  it('two concurrent ingests of the same feeds store no duplicates (ING-19)', async () => {
    const { store, deps } = await setup();
    await Promise.all([ingestFeeds(deps, { force: true }), ingestFeeds(deps, { force: true })]);
    expect(await store.countArticles()).toBe(4);
    await store.close();
  });
});

/**
 * The behaviour every Store implementation must have. Run by sqlite.test.ts,
 * mongo-mingo.test.ts and (with MONGODB_URI) mongo-real.test.ts.
 * Each test gets a fresh, empty store from `makeStore`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { UserError } from '../../src/util/errors.js';
import { ARTICLE_CAPS } from '../../src/store/schema.js';
import { article, click, cluster, edition, sleep, subscriber, tags } from './fixtures.js';

const INJECTIONS = ["' OR 1=1--", 'title;DROP TABLE articles', "tech')--", '"; DROP TABLE feeds; --', '{"$ne":null}'];

export function storeContract(name: string, makeStore: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await store.close();
    });

    describe('feeds', () => {
      it('upserts by normalized url, keeping fetch state', async () => {
        const f = await store.upsertFeed({ url: 'HTTPS://Exemple.FR:443/rss#top', title: 'Exemple', section: 'France', lang: 'fr' });
        expect(f).toMatchObject({ url: 'https://exemple.fr/rss', title: 'Exemple', section: 'France', lang: 'fr', status: 'active', errorCount: 0 });
        expect(f.id).toMatch(/^[0-9a-f]{16}$/);
        await store.updateFeed(f.id, { etag: '"v1"', errorCount: 2, lastStatus: 200 });
        const again = await store.upsertFeed({ url: 'https://exemple.fr/rss', title: 'Exemple (nouveau)', section: 'Une' });
        expect(again.id).toBe(f.id);
        expect(again).toMatchObject({ title: 'Exemple (nouveau)', section: 'Une', etag: '"v1"', errorCount: 2, lastStatus: 200, createdAt: f.createdAt });
        expect(await store.listFeeds()).toHaveLength(1);
        expect(await store.getFeedByUrl('https://EXEMPLE.fr/rss')).toEqual(again);
        expect(await store.getFeed(f.id)).toEqual(again);
        expect(await store.getFeedByUrl('not a url')).toBeNull();
        expect(await store.getFeed('nope')).toBeNull();
      });

      it('rejects feeds that are not http(s) or carry unknown fields', async () => {
        await expect(store.upsertFeed({ url: 'javascript:alert(1)', title: 'x', section: 'x' })).rejects.toThrow(UserError);
        await expect(store.upsertFeed({ url: 'https://a.test/', title: 'x', section: 'x', status: 'gone' } as never)).rejects.toThrow(/unknown field/);
      });

      it('applies fetch-state patches, clears optional fields, refuses bad ones', async () => {
        const f = await store.upsertFeed({ url: 'https://a.test/feed', title: 'A', section: 'Monde' });
        const patched = await store.updateFeed(f.id, {
          etag: 'W/"abc"',
          lastModified: 'Sat, 21 Nov 2026 10:00:00 GMT',
          lastFetchedAt: '2026-11-22T06:00:00.000Z',
          lastSuccessAt: '2026-11-22T06:00:00.000Z',
          nextFetchAt: '2026-11-22T06:15:00.000Z',
          lastStatus: 200,
          lastItemCount: 25,
          errorCount: 0,
          pendingRedirect: { url: 'https://b.test/feed', count: 1 },
        });
        expect(patched.pendingRedirect).toEqual({ url: 'https://b.test/feed', count: 1 });
        const cleared = await store.updateFeed(f.id, { pendingRedirect: undefined, lastError: undefined, url: 'https://b.test/feed' });
        expect(cleared.pendingRedirect).toBeUndefined();
        expect(cleared.url).toBe('https://b.test/feed');
        expect(await store.getFeed(f.id)).toEqual(cleared);
        expect(await store.getFeedByUrl('https://a.test/feed')).toBeNull();

        await expect(store.updateFeed(f.id, { errorCount: undefined })).rejects.toThrow(/required/);
        await expect(store.updateFeed(f.id, { status: 'paused' as never })).rejects.toThrow(/one of/);
        await expect(store.updateFeed(f.id, { id: 'x' } as never)).rejects.toThrow(/cannot be changed/);
        await expect(store.updateFeed(f.id, { $set: { status: 'gone' } } as never)).rejects.toThrow(UserError);
        await expect(store.updateFeed(f.id, { 'pendingRedirect.url': 'x' } as never)).rejects.toThrow(UserError);
        await expect(store.updateFeed(f.id, { nextFetchAt: 'demain' })).rejects.toThrow(/time/);
        await expect(store.updateFeed('missing', { errorCount: 1 })).rejects.toThrow(/not found/);
        expect(await store.getFeed(f.id)).toEqual(cleared);
      });

      it('refuses a url change onto another feed, lists by status, deletes', async () => {
        const a = await store.upsertFeed({ url: 'https://a.test/feed', title: 'A', section: 'S' });
        const b = await store.upsertFeed({ url: 'https://b.test/feed', title: 'B', section: 'S' });
        await expect(store.updateFeed(a.id, { url: 'https://b.test/feed#x' })).rejects.toThrow(/already belongs/);
        await store.updateFeed(b.id, { status: 'gone' });
        expect((await store.listFeeds({ status: 'active' })).map((f) => f.id)).toEqual([a.id]);
        expect((await store.listFeeds({ status: 'gone' })).map((f) => f.id)).toEqual([b.id]);
        await store.deleteFeed(a.id);
        expect(await store.getFeed(a.id)).toBeNull();
        expect(await store.listFeeds()).toHaveLength(1);
      });

      it('gives a new id when the url hash belongs to a feed that moved away', async () => {
        const a = await store.upsertFeed({ url: 'https://a.test/feed', title: 'A', section: 'S' });
        await store.updateFeed(a.id, { url: 'https://a2.test/feed' });
        const again = await store.upsertFeed({ url: 'https://a.test/feed', title: 'A again', section: 'S' });
        expect(again.id).not.toBe(a.id);
        expect(await store.listFeeds()).toHaveLength(2);
      });
    });

    describe('articles', () => {
      it('inserts, then refreshes the same id keeping tags and cluster', async () => {
        const r1 = await store.upsertArticles([article(1), article(2)]);
        expect(r1).toEqual({ inserted: 2, updated: 0, ids: ['a1', 'a2'], isNew: [true, true] });
        await store.setArticleTags([{ id: 'a1', tags: tags() }]);
        await store.setArticleCluster([{ id: 'a1', clusterId: 'story-9' }]);
        const r2 = await store.upsertArticles([article(1, { title: 'Titre corrigé', clusterId: 'other', summary: 'Nouveau résumé' })]);
        expect(r2).toEqual({ inserted: 0, updated: 1, ids: ['a1'], isNew: [false] });
        const a1 = await store.getArticle('a1');
        expect(a1).toMatchObject({ title: 'Titre corrigé', summary: 'Nouveau résumé', clusterId: 'story-9', tags: tags() });
        expect(await store.countArticles()).toBe(2);
      });

      it('dedupes the same feedId+guidHash with a changed link onto the stored id', async () => {
        await store.upsertArticles([article(1)]);
        await store.setArticleTags([{ id: 'a1', tags: tags() }]);
        const moved = article(1, { id: 'a1-new', url: 'https://exemple.fr/article/1-modifie' });
        const r = await store.upsertArticles([moved]);
        expect(r).toEqual({ inserted: 0, updated: 1, ids: ['a1'], isNew: [false] });
        const stored = await store.getArticle('a1');
        expect(stored?.url).toBe('https://exemple.fr/article/1-modifie');
        expect(stored?.tags).toEqual(tags());
        expect(await store.getArticle('a1-new')).toBeNull();
        expect(await store.countArticles()).toBe(1);
      });

      it('handles duplicates inside one batch and round-trips every field', async () => {
        const full = article(3, { author: 'Jean Dupont', langHint: 'fr', categories: ['Sport', 'Été'] });
        const r = await store.upsertArticles([full, article(3, { title: 'bis' })]);
        expect(r).toEqual({ inserted: 1, updated: 1, ids: ['a3', 'a3'], isNew: [true, false] });
        expect(await store.getArticle('a3')).toEqual(article(3, { title: 'bis' }));
        const noUrl = article(4);
        delete noUrl.url;
        await store.upsertArticles([noUrl]);
        expect(await store.getArticle('a4')).toEqual(noUrl);
        expect((await store.getArticles(['a4', 'missing', 'a3'])).map((a) => a.id)).toEqual(['a4', 'a3']);
        expect(await store.getArticles([])).toEqual([]);
      });

      it('lists newest first with since/until/feedId/tagged filters, limit and offset', async () => {
        await store.upsertArticles([
          article(1, { publishedAt: '2026-11-20T08:00:00.000Z' }),
          article(2, { publishedAt: '2026-11-21T08:00:00.000Z', feedId: 'f2' }),
          article(3, { publishedAt: '2026-11-22T08:00:00.000Z' }),
          article(4, { publishedAt: '2026-11-22T08:00:00.000Z' }),
          article(5, { publishedAt: '2026-11-19T08:00:00+02:00' }),
        ]);
        await store.setArticleTags([{ id: 'a3', tags: tags() }]);
        const ids = async (q?: Parameters<Store['listArticles']>[0]) => (await store.listArticles(q)).map((a) => a.id);
        expect(await ids()).toEqual(['a4', 'a3', 'a2', 'a1', 'a5']);
        expect((await store.getArticle('a5'))?.publishedAt).toBe('2026-11-19T06:00:00.000Z');
        expect(await ids({ since: '2026-11-21T08:00:00.000Z' })).toEqual(['a4', 'a3', 'a2']);
        expect(await ids({ until: '2026-11-21T08:00:00.000Z' })).toEqual(['a1', 'a5']);
        expect(await ids({ feedId: 'f2' })).toEqual(['a2']);
        expect(await ids({ tagged: true })).toEqual(['a3']);
        expect(await ids({ tagged: false, limit: 2 })).toEqual(['a4', 'a2']);
        expect(await ids({ limit: 2, offset: 1 })).toEqual(['a3', 'a2']);
        expect(await ids({ limit: 0 })).toEqual([]);
        expect(await store.countArticles({ since: '2026-11-21T00:00:00.000Z' })).toBe(3);
        expect(await store.countArticles({ feedId: 'f1' })).toBe(4);
        await expect(store.listArticles({ limit: -1 })).rejects.toThrow(UserError);
        await expect(store.listArticles({ since: 'hier' })).rejects.toThrow(UserError);
      });

      it('sets tags and clusters in batches, ignoring unknown ids', async () => {
        await store.upsertArticles([article(1), article(2)]);
        await store.setArticleTags([
          { id: 'a1', tags: tags() },
          { id: 'a2', tags: tags({ lang: 'en', topicOverride: 'sport' }) },
          { id: 'zz', tags: tags() },
        ]);
        await store.setArticleCluster([
          { id: 'a1', clusterId: 'k' },
          { id: 'a2', clusterId: 'k' },
        ]);
        const [a1, a2] = await store.getArticles(['a1', 'a2']);
        expect(a1?.clusterId).toBe('k');
        expect(a2?.tags?.topicOverride).toBe('sport');
        expect(await store.getArticle('zz')).toBeNull();
      });
    });

    describe('clusters', () => {
      it('upserts, replaces, reads and counts', async () => {
        await store.upsertClusters([cluster('k1'), cluster('k2')]);
        await store.upsertClusters([cluster('k1', { articleIds: ['a1', 'a2', 'a3'], updatedAt: '2026-11-22T08:00:00.000Z' })]);
        expect(await store.countClusters()).toBe(2);
        expect((await store.getCluster('k1'))?.articleIds).toEqual(['a1', 'a2', 'a3']);
        expect((await store.getClusters(['k2', 'nope', 'k1'])).map((c) => c.id)).toEqual(['k2', 'k1']);
        expect(await store.getCluster('nope')).toBeNull();
      });
    });

    describe('subscribers', () => {
      it('creates, reads by id and by e-mail case-insensitively (Unicode too)', async () => {
        const s = subscriber('s1', { email: 'Élodie.Martin@Exemple.FR' });
        expect(await store.createSubscriber(s)).toEqual(s);
        expect(await store.getSubscriber('s1')).toEqual(s);
        expect(await store.getSubscriberByEmail('élodie.martin@exemple.fr')).toEqual(s);
        await expect(store.createSubscriber(subscriber('s2', { email: 'ÉLODIE.MARTIN@exemple.fr' }))).rejects.toThrow(/already exists/);
        await expect(store.createSubscriber(subscriber('s1', { email: 'other@exemple.fr' }))).rejects.toThrow(UserError);
        expect(await store.countSubscribers()).toBe(1);
      });

      it('patches whitelisted fields only; an e-mail change stays unique', async () => {
        await store.createSubscriber(subscriber('s1'));
        await store.createSubscriber(subscriber('s2'));
        const prefs = { ...subscriber('s1').prefs, followTopics: ['culture'], feedback: [{ articleId: 'a1', signal: 1 as const, at: '2026-11-21T09:00:00.000Z' }] };
        const u = await store.updateSubscriber('s1', { prefs, status: 'unsubscribed', unsubscribedAt: '2026-11-21T09:00:00.000Z', name: undefined });
        expect(u).toMatchObject({ prefs, status: 'unsubscribed' });
        expect(u.name).toBeUndefined();
        expect(await store.getSubscriber('s1')).toEqual(u);
        await expect(store.updateSubscriber('s1', { email: 'S2@exemple.fr' })).rejects.toThrow(/already exists/);
        expect((await store.updateSubscriber('s1', { email: 'S1-new@exemple.fr' })).email).toBe('S1-new@exemple.fr');
        expect((await store.getSubscriberByEmail('s1-new@exemple.fr'))?.id).toBe('s1');
        expect(await store.getSubscriberByEmail('s1@exemple.fr')).toBeNull();
        // STO-02: operators, dotted paths, unknown fields and identity fields are refused.
        for (const bad of [{ $set: { status: 'active' } }, { 'prefs.followTopics': ['x'] }, { isEditor: true }, { id: 'x' }, { createdAt: '2026-01-01T00:00:00.000Z' }]) {
          await expect(store.updateSubscriber('s1', bad as never)).rejects.toThrow(UserError);
        }
        await expect(store.updateSubscriber('s1', { prefs: { ...prefs, $where: 'sleep(1)' } as never })).rejects.toThrow(/forbidden key/);
        await expect(store.updateSubscriber('nope', { status: 'active' })).rejects.toThrow(/not found/);
      });

      it('lists by id with paging and status filter', async () => {
        for (const id of ['s3', 's1', 's5', 's2', 's4']) {
          await store.createSubscriber(subscriber(id, { status: id === 's2' ? 'pending' : 'active' }));
        }
        const page1 = await store.listSubscribers({ limit: 2 });
        expect(page1.map((s) => s.id)).toEqual(['s1', 's2']);
        const page2 = await store.listSubscribers({ limit: 2, afterId: page1.at(-1)!.id });
        expect(page2.map((s) => s.id)).toEqual(['s3', 's4']);
        expect((await store.listSubscribers({ afterId: 's4' })).map((s) => s.id)).toEqual(['s5']);
        expect((await store.listSubscribers({ status: 'active' })).map((s) => s.id)).toEqual(['s1', 's3', 's4', 's5']);
        expect(await store.countSubscribers()).toBe(5);
        // The ids alone, paged the same way.
        expect(await store.listSubscriberIds({ limit: 2 })).toEqual(['s1', 's2']);
        expect(await store.listSubscriberIds({ limit: 2, afterId: 's2' })).toEqual(['s3', 's4']);
        expect(await store.listSubscriberIds({ afterId: 's4' })).toEqual(['s5']);
        expect(await store.listSubscriberIds()).toEqual(['s1', 's2', 's3', 's4', 's5']);
        expect(await store.listSubscriberIds({ limit: 0 })).toEqual([]);
        await expect(store.listSubscriberIds({ limit: -1 })).rejects.toThrow(/subscribers limit must be a number/);
        await expect(store.listSubscriberIds({ afterId: '' })).rejects.toThrow(UserError);
      });

      it('erases a subscriber: editions removed, clicks kept anonymised', async () => {
        await store.createSubscriber(subscriber('s1'));
        await store.createSubscriber(subscriber('s2'));
        await store.saveEdition(edition('e1', 's1', '2026-11-21'));
        await store.saveEdition(edition('e2', 's1', '2026-11-22'));
        await store.saveEdition(edition('e3', 's2', '2026-11-22'));
        await store.addClick(click('k1', { subscriberId: 's1', editionId: 'e1' }));
        await store.addClick(click('k2', { subscriberId: 's2', editionId: 'e3' }));
        await store.eraseSubscriber('s1');
        expect(await store.getSubscriber('s1')).toBeNull();
        expect(await store.getSubscriberByEmail('s1@exemple.fr')).toBeNull();
        expect(await store.listEditions({ subscriberId: 's1' })).toEqual([]);
        expect(await store.getEditionById('e1')).toBeNull();
        expect(await store.countEditions()).toBe(1);
        const clicks = await store.listClicks();
        expect(clicks).toHaveLength(2);
        const k1 = clicks.find((c) => c.id === 'k1')!;
        expect(k1.subscriberId).toBeNull();
        expect(k1.editionId).toBeUndefined();
        expect(k1.articleId).toBe('a1');
        expect(clicks.find((c) => c.id === 'k2')?.subscriberId).toBe('s2');
        expect(await store.listClicks({ subscriberId: 's1' })).toEqual([]);
        await store.eraseSubscriber('s1'); // idempotent
      });
    });

    describe('clicks', () => {
      it('adds idempotently, filters, counts per article', async () => {
        await store.createSubscriber(subscriber('s1'));
        await store.addClick(click('k1', { at: '2026-11-20T09:00:00.000Z' }));
        await store.addClick(click('k1', { at: '2026-11-20T09:00:00.000Z' }));
        await store.addClick(click('k2', { articleId: 'a2', at: '2026-11-21T09:00:00.000Z' }));
        await store.addClick(click('k3', { articleId: 'a2', subscriberId: null, editionId: undefined, at: '2026-11-22T09:00:00.000Z' }));
        await store.addClick(click('k4', { articleId: 'a1', subscriberId: 'ghost', at: '2026-11-22T10:00:00.000Z' }));
        expect((await store.listClicks()).map((c) => c.id)).toEqual(['k4', 'k3', 'k2', 'k1']);
        expect((await store.listClicks({ subscriberId: 's1' })).map((c) => c.id)).toEqual(['k2', 'k1']);
        expect((await store.listClicks({ articleId: 'a2', since: '2026-11-22T00:00:00.000Z' })).map((c) => c.id)).toEqual(['k3']);
        expect((await store.listClicks({ limit: 1 })).map((c) => c.id)).toEqual(['k4']);
        expect((await store.listClicks({ articleId: 'a1' })).find((c) => c.id === 'k4')?.subscriberId).toBeNull();
        expect(await store.clickCounts('2026-11-21T00:00:00.000Z')).toEqual(new Map([['a2', 2], ['a1', 1]]));
        expect(await store.clickCounts('2027-01-01T00:00:00.000Z')).toEqual(new Map());
      });

      it('counts clicks of given articles per UTC hour since a time', async () => {
        await store.createSubscriber(subscriber('s1'));
        await store.addClick(click('h1', { articleId: 'a1', at: '2026-11-22T09:05:00.000Z' }));
        await store.addClick(click('h2', { articleId: 'a1', at: '2026-11-22T09:59:59.999Z' }));
        await store.addClick(click('h3', { articleId: 'a1', at: '2026-11-22T10:00:00.000Z' }));
        await store.addClick(click('h4', { articleId: 'a2', subscriberId: null, editionId: undefined, at: '2026-11-22T09:30:00.000Z' }));
        await store.addClick(click('h5', { articleId: 'a2', at: '2026-11-21T23:00:00.000Z' }));
        await store.addClick(click('h6', { articleId: 'a3', at: '2026-11-22T09:00:00.000Z' }));
        const rows = await store.clickHistogram(['a1', 'a2', 'a1', 'a9'], '2026-11-22T00:00:00.000Z');
        const key = (r: { articleId: string; hour: string }) => `${r.articleId} ${r.hour}`;
        expect(rows.sort((x, y) => key(x).localeCompare(key(y)))).toEqual([
          { articleId: 'a1', hour: '2026-11-22T09:00:00.000Z', clicks: 2 },
          { articleId: 'a1', hour: '2026-11-22T10:00:00.000Z', clicks: 1 },
          { articleId: 'a2', hour: '2026-11-22T09:00:00.000Z', clicks: 1 },
        ]);
        expect(await store.clickHistogram(['a1'], '2027-01-01T00:00:00.000Z')).toEqual([]);
        expect(await store.clickHistogram([], '2026-11-22T00:00:00.000Z')).toEqual([]);
        await expect(store.clickHistogram(['a1'], 'yesterday')).rejects.toThrow(/clickHistogram since/);
        await expect(store.clickHistogram([{ $ne: 1 }] as never, '2026-11-22T00:00:00.000Z')).rejects.toThrow(/clickHistogram article ids/);
      });

      it('counts per hour from a time inside an hour, across the end of a day and over gaps of hours', async () => {
        await store.createSubscriber(subscriber('s1'));
        const at = ['2026-11-21T22:10:00.000Z', '2026-11-21T22:40:00.000Z', '2026-11-21T22:50:00.000Z', '2026-11-21T23:59:59.999Z', '2026-11-22T00:00:00.000Z', '2026-11-22T05:00:00.000Z', '2026-11-22T05:00:00.000Z'];
        for (let i = 0; i < at.length; i++) await store.addClick(click(`d${i}`, { articleId: 'b1', at: at[i]! }));
        const rows = await store.clickHistogram(['b1'], '2026-11-21T22:30:00.000Z');
        expect(rows.sort((x, y) => x.hour.localeCompare(y.hour))).toEqual([
          { articleId: 'b1', hour: '2026-11-21T22:00:00.000Z', clicks: 2 },
          { articleId: 'b1', hour: '2026-11-21T23:00:00.000Z', clicks: 1 },
          { articleId: 'b1', hour: '2026-11-22T00:00:00.000Z', clicks: 1 },
          { articleId: 'b1', hour: '2026-11-22T05:00:00.000Z', clicks: 2 },
        ]);
      });

      it('lists the clicks of a set of subscribers since a time, by subscriber then newest first', async () => {
        await store.createSubscriber(subscriber('s1'));
        await store.createSubscriber(subscriber('s2', { email: 's2@example.org' }));
        await store.createSubscriber(subscriber('s3', { email: 's3@example.org' }));
        await store.addClick(click('k1', { subscriberId: 's2', at: '2026-11-20T09:00:00.000Z' }));
        await store.addClick(click('k2', { subscriberId: 's1', at: '2026-11-21T09:00:00.000Z' }));
        await store.addClick(click('k3', { subscriberId: 's2', at: '2026-11-22T09:00:00.000Z' }));
        await store.addClick(click('k4', { subscriberId: 's3', at: '2026-11-22T10:00:00.000Z' }));
        await store.addClick(click('k5', { subscriberId: 's1', at: '2026-11-01T09:00:00.000Z' }));
        const ids = (cs: { id: string }[]) => cs.map((c) => c.id);
        expect(ids(await store.listClicksOf(['s2', 's1', 's2'], '2026-11-10T00:00:00.000Z'))).toEqual(['k2', 'k3', 'k1']);
        expect(ids(await store.listClicksOf(['s3'], '2026-11-22T10:00:00.000Z'))).toEqual(['k4']);
        expect(await store.listClicksOf([], '2026-11-01T00:00:00.000Z')).toEqual([]);
        await expect(store.listClicksOf([{ $gt: '' }] as unknown as string[], '2026-11-01T00:00:00.000Z')).rejects.toThrow(/subscriber ids/);
        await expect(store.listClicksOf(Array.from({ length: 1001 }, (_, i) => `x${i}`), '2026-11-01T00:00:00.000Z')).rejects.toThrow(/at most 1000/);
      });

      it('gives the click histories of a set of subscribers: the same clicks as listClicksOf, article and time only, grouped', async () => {
        await store.createSubscriber(subscriber('s1'));
        await store.createSubscriber(subscriber('s2', { email: 's2@example.org' }));
        await store.createSubscriber(subscriber('s3', { email: 's3@example.org' }));
        await store.addClick(click('k1', { subscriberId: 's2', articleId: 'a1', at: '2026-11-20T09:00:00.000Z' }));
        await store.addClick(click('k2', { subscriberId: 's1', articleId: 'a2', at: '2026-11-21T09:00:00.000Z' }));
        await store.addClick(click('k3', { subscriberId: 's2', articleId: 'a2', at: '2026-11-22T09:00:00.000Z' }));
        // Same time as k3: the id breaks the tie, descending, as in listClicksOf.
        await store.addClick(click('k6', { subscriberId: 's2', articleId: 'a3', at: '2026-11-22T09:00:00.000Z' }));
        await store.addClick(click('k4', { subscriberId: 's3', articleId: 'a1', at: '2026-11-22T10:00:00.000Z' }));
        await store.addClick(click('k5', { subscriberId: 's1', articleId: 'a3', at: '2026-11-01T09:00:00.000Z' }));
        const since = '2026-11-10T00:00:00.000Z';
        const histories = await store.clickHistoriesOf(['s2', 's1', 's2', 'nobody'], since);
        expect([...histories.keys()].sort()).toEqual(['s1', 's2']);
        expect(histories.get('s2')).toEqual([
          { articleId: 'a3', at: '2026-11-22T09:00:00.000Z' },
          { articleId: 'a2', at: '2026-11-22T09:00:00.000Z' },
          { articleId: 'a1', at: '2026-11-20T09:00:00.000Z' },
        ]);
        expect(histories.get('s1')).toEqual([{ articleId: 'a2', at: '2026-11-21T09:00:00.000Z' }]);
        // Exactly listClicksOf's selection and order.
        const full = await store.listClicksOf(['s1', 's2'], since);
        expect([...histories.get('s1')!, ...histories.get('s2')!]).toEqual(full.map((c) => ({ articleId: c.articleId, at: c.at })));
        expect(await store.clickHistoriesOf([], since)).toEqual(new Map());
        await expect(store.clickHistoriesOf([{ $gt: '' }] as unknown as string[], since)).rejects.toThrow(/subscriber ids/);
        await expect(store.clickHistoriesOf(Array.from({ length: 1001 }, (_, i) => `x${i}`), since)).rejects.toThrow(/at most 1000/);
      });

      it('gives the newest clicks as listClicks does, who, what and when only, anonymised ones included', async () => {
        await store.createSubscriber(subscriber('s1'));
        await store.createSubscriber(subscriber('s2', { email: 's2@example.org' }));
        await store.addClick(click('k1', { subscriberId: 's2', articleId: 'a1', at: '2026-11-20T09:00:00.000Z' }));
        await store.addClick(click('k2', { subscriberId: 's1', articleId: 'a2', at: '2026-11-22T09:00:00.000Z' }));
        await store.addClick(click('k3', { subscriberId: 's2', articleId: 'a3', at: '2026-11-22T09:00:00.000Z' }));
        await store.addClick(click('k4', { subscriberId: null, editionId: undefined, articleId: 'a1', at: '2026-11-21T09:00:00.000Z' }));
        await store.addClick(click('k5', { subscriberId: 's1', articleId: 'a9', at: '2026-11-01T09:00:00.000Z' }));
        const since = '2026-11-10T00:00:00.000Z';
        const recent = await store.recentClicks({ since });
        // Newest first, the id breaking the tie (k3 before k2), descending, as listClicks.
        expect(recent).toEqual([
          { subscriberId: 's2', articleId: 'a3', at: '2026-11-22T09:00:00.000Z' },
          { subscriberId: 's1', articleId: 'a2', at: '2026-11-22T09:00:00.000Z' },
          { subscriberId: null, articleId: 'a1', at: '2026-11-21T09:00:00.000Z' },
          { subscriberId: 's2', articleId: 'a1', at: '2026-11-20T09:00:00.000Z' },
        ]);
        for (const limit of [1, 2, 3, 10]) {
          const full = await store.listClicks({ since, limit });
          expect(await store.recentClicks({ since, limit })).toEqual(full.map((c) => ({ subscriberId: c.subscriberId, articleId: c.articleId, at: c.at })));
        }
        await store.eraseSubscriber('s2');
        expect((await store.recentClicks({ since })).map((c) => c.subscriberId)).toEqual([null, 's1', null, null]);
        await expect(store.recentClicks({ since: 'yesterday' })).rejects.toThrow(/since/);
        await expect(store.recentClicks({ since, limit: -1 })).rejects.toThrow(/limit/);
      });
    });

    describe('editions', () => {
      it('saves, reads, and replaces rather than duplicates on (subscriberId, date)', async () => {
        await store.createSubscriber(subscriber('s1'));
        await store.createSubscriber(subscriber('s2'));
        const e1 = edition('e1', 's1', '2026-11-22');
        await store.saveEdition(e1);
        expect(await store.getEdition('s1', '2026-11-22')).toEqual(e1);
        expect(await store.getEditionById('e1')).toEqual(e1);
        const again = edition('e1b', 's1', '2026-11-22', { personalized: false, settingsVersion: 2 });
        await store.saveEdition(again);
        await store.saveEdition(again);
        expect(await store.countEditions()).toBe(1);
        expect(await store.getEdition('s1', '2026-11-22')).toEqual(again);
        expect(await store.getEditionById('e1')).toBeNull();
        await store.saveEditions([edition('e2', 's1', '2026-11-21'), edition('e3', 's2', '2026-11-22')]);
        expect(await store.countEditions({ date: '2026-11-22' })).toBe(2);
        expect((await store.listEditions({ subscriberId: 's1' })).map((e) => e.id)).toEqual(['e1b', 'e2']);
        expect((await store.listEditions({ date: '2026-11-22' })).map((e) => e.id)).toEqual(['e1b', 'e3']);
        expect((await store.listEditions({ limit: 1 })).map((e) => e.id)).toEqual(['e1b']);
        expect(await store.getEdition('s1', '2026-01-01')).toBeNull();
      });

      it('reads back exactly what each edition showed of an article, even when two editions showed it differently', async () => {
        await store.createSubscriber(subscriber('s1'));
        await store.createSubscriber(subscriber('s2'));
        const base = edition('x', 's1', '2026-11-22').items[0]!;
        const also = { source: 'Autre', feedId: 'f2', articleId: 'a2', url: 'https://autre.fr/2', title: 'Le scrutin' };
        const first = edition('e1', 's1', '2026-11-22', { items: [{ ...base, alsoCoveredBy: [also] }] });
        // The same article with a corrected title and no link, its other source retitled.
        const second = edition('e2', 's2', '2026-11-22', {
          items: [{ ...base, title: 'Élections régionales (corrigé)', url: undefined, alsoCoveredBy: [{ ...also, title: 'Le scrutin, suite' }] }],
        });
        await store.saveEditions([first, second]);
        // A third edition showing the first version again, saved on its own.
        const third = edition('e3', 's2', '2026-11-21', { items: [{ ...base, alsoCoveredBy: [also] }] });
        await store.saveEdition(third);
        expect(await store.getEditionById('e1')).toEqual(first);
        expect(await store.getEdition('s2', '2026-11-22')).toEqual(JSON.parse(JSON.stringify(second)));
        expect(await store.listEditions({ subscriberId: 's2' })).toEqual([JSON.parse(JSON.stringify(second)), third]);
        // The items come back with their fields in the order they were saved.
        expect(Object.keys((await store.getEditionById('e1'))!.items[0]!)).toEqual(Object.keys(first.items[0]!));
        // Items of another shape are stored as they are.
        const odd = edition('e4', 's1', '2026-11-20', { items: [{ ...base, title: undefined as unknown as string, articleCopy: 'mine' } as never] });
        await store.saveEdition(odd);
        expect(await store.getEditionById('e4')).toEqual(JSON.parse(JSON.stringify(odd)));
      });

      it('a refused batch stores nothing, and a later save of the same articles reads back whole', async () => {
        await store.createSubscriber(subscriber('s1'));
        const e = edition('e1', 's1', '2026-11-22', { items: [{ ...edition('x', 's1', '2026-11-22').items[0]!, title: 'Seulement ici' }] });
        await expect(store.saveEditions([e, edition('e2', 'ghost', '2026-11-22')])).rejects.toThrow(/unknown subscriber ghost/);
        expect(await store.countEditions()).toBe(0);
        await store.saveEditions([e]);
        expect(await store.getEditionById('e1')).toEqual(e);
      });

      it('lists compact summaries of the latest editions before a date, per subscriber', async () => {
        await store.createSubscriber(subscriber('s1'));
        await store.createSubscriber(subscriber('s2'));
        await store.createSubscriber(subscriber('s3'));
        const items = (ids: string[]) => ids.map((a, k) => ({ ...edition('x', 's1', '2026-11-01').items[0]!, articleId: a, position: k + 1 }));
        const metrics = (h: number) => ({ ...edition('x', 's1', '2026-11-01').metrics, topicEntropy: h });
        await store.saveEditions([
          edition('e1', 's1', '2026-11-18', { items: items(['a1', 'a2']), metrics: metrics(1.1) }),
          edition('e2', 's1', '2026-11-19', { items: items(['a3']), metrics: metrics(1.2) }),
          edition('e3', 's1', '2026-11-20', { items: items(['a4', 'a5', 'a6']), metrics: metrics(1.3) }),
          edition('e4', 's1', '2026-11-22', { items: items(['a7']), metrics: metrics(2) }),
          edition('e5', 's2', '2026-11-21', { items: items(['b1']), metrics: metrics(0.5) }),
        ]);
        // Saving again replaces the summary too.
        await store.saveEdition(edition('e2b', 's1', '2026-11-19', { items: items(['a8', 'a9']), metrics: metrics(0.9) }));
        const got = await store.listEditionSummaries(['s2', 's1', 's3'], { before: '2026-11-22', perSubscriber: 2 });
        expect(got).toEqual([
          { subscriberId: 's1', date: '2026-11-20', articleIds: ['a4', 'a5', 'a6'], topicEntropy: 1.3 },
          { subscriberId: 's1', date: '2026-11-19', articleIds: ['a8', 'a9'], topicEntropy: 0.9 },
          { subscriberId: 's2', date: '2026-11-21', articleIds: ['b1'], topicEntropy: 0.5 },
        ]);
        const since = await store.listEditionSummaries(['s1'], { before: '2026-11-23', since: '2026-11-19' });
        expect(since.map((x) => x.date)).toEqual(['2026-11-22', '2026-11-20', '2026-11-19']);
        expect(await store.listEditionSummaries(['s1'], { before: '2026-11-22', perSubscriber: 0 })).toEqual([]);
        expect(await store.listEditionSummaries([], { before: '2026-11-22' })).toEqual([]);
        // An edition without a recorded entropy still lists what it showed.
        await store.saveEdition(edition('e6', 's3', '2026-11-10', { metrics: { ...metrics(0), topicEntropy: undefined as unknown as number } }));
        expect(await store.listEditionSummaries(['s3'], { before: '2026-11-22' })).toEqual([{ subscriberId: 's3', date: '2026-11-10', articleIds: ['a1'], topicEntropy: null }]);
        // Erasure takes the summaries with the editions.
        await store.eraseSubscriber('s2');
        expect(await store.listEditionSummaries(['s2'], { before: '2026-11-30' })).toEqual([]);
        await expect(store.listEditionSummaries(['s1'], { before: '22/11/2026' })).rejects.toThrow(/YYYY-MM-DD/);
        await expect(store.listEditionSummaries(['s1'], { before: '2026-11-22', perSubscriber: -1 })).rejects.toThrow(/perSubscriber/);
        await expect(store.listEditionSummaries([{ $gt: '' }] as unknown as string[], { before: '2026-11-22' })).rejects.toThrow(/subscriber ids/);
        await expect(store.listEditionSummaries(Array.from({ length: 1001 }, (_, i) => `x${i}`), { before: '2026-11-22' })).rejects.toThrow(/at most 1000/);
      });

      it('refuses an edition for an unknown subscriber, and a bad batch stores nothing', async () => {
        await store.createSubscriber(subscriber('s1'));
        await expect(store.saveEdition(edition('e1', 'ghost', '2026-11-22'))).rejects.toThrow(/unknown subscriber/);
        await expect(store.saveEditions([edition('e1', 's1', '2026-11-22'), edition('e2', 'ghost', '2026-11-22')])).rejects.toThrow(UserError);
        expect(await store.countEditions()).toBe(0);
        await expect(store.saveEdition(edition('e1', 's1', '22/11/2026'))).rejects.toThrow(/YYYY-MM-DD/);
      });
    });

    describe('settings and audit', () => {
      it('appends versions with author and time, reads any version', async () => {
        expect(await store.getSettings()).toBeNull();
        expect(await store.listSettingsVersions()).toEqual([]);
        const v1 = await store.saveSettings({ weights: { recency: 0.3 }, pinned: ['a1'] }, 'alice', 'première version');
        const v2 = await store.saveSettings({ weights: { recency: 0.5 } }, 'bob');
        expect(v1).toMatchObject({ version: 1, author: 'alice', note: 'première version', settings: { weights: { recency: 0.3 }, pinned: ['a1'] } });
        expect(v2).toMatchObject({ version: 2, author: 'bob' });
        expect(v2.note).toBeUndefined();
        expect(Number.isFinite(Date.parse(v1.createdAt))).toBe(true);
        expect(await store.getSettings()).toEqual(v2);
        expect(await store.getSettingsVersion(1)).toEqual(v1);
        expect(await store.getSettingsVersion(3)).toBeNull();
        expect((await store.listSettingsVersions()).map((v) => v.version)).toEqual([1, 2]);
        await expect(store.saveSettings({}, '')).rejects.toThrow(UserError);
        await expect(store.getSettingsVersion(1.5)).rejects.toThrow(UserError);
      });

      it('keeps an audit trail, newest first, idempotent by id', async () => {
        await store.addAudit({ id: 'x1', at: '2026-11-20T10:00:00.000Z', actor: 'alice', action: 'settings.save', detail: { version: 1 } });
        await store.addAudit({ id: 'x2', at: '2026-11-21T10:00:00.000Z', actor: 'bob', action: 'article.pin', detail: { 'a.b': 1, $x: ['y'] } });
        await store.addAudit({ id: 'x2', at: '2026-11-21T10:00:00.000Z', actor: 'bob', action: 'article.pin', detail: null });
        const all = await store.listAudit();
        expect(all.map((e) => e.id)).toEqual(['x2', 'x1']);
        expect(all[0]!.detail).toEqual({ 'a.b': 1, $x: ['y'] });
        expect((await store.listAudit({ limit: 1 })).map((e) => e.id)).toEqual(['x2']);
      });
    });

    describe('leases', () => {
      it('acquire, refuse, renew, lose, fence, release', async () => {
        const l1 = await store.acquireLease('ingest', 'w1', 300);
        expect(l1).toMatchObject({ name: 'ingest', owner: 'w1' });
        expect(Date.parse(l1!.expiresAt)).toBeGreaterThan(Date.now());
        expect(await store.acquireLease('ingest', 'w2', 300)).toBeNull();
        const same = await store.acquireLease('ingest', 'w1', 300);
        expect(same?.token).toBe(l1!.token);
        expect(await store.renewLease(l1!, 300)).toBe(true);
        expect(await store.acquireLease('other-job', 'w2', 300)).not.toBeNull();

        await sleep(400);
        const l2 = await store.acquireLease('ingest', 'w2', 5000);
        expect(l2).not.toBeNull();
        expect(l2!.token).toBeGreaterThan(l1!.token);
        expect(await store.renewLease(l1!, 300)).toBe(false);
        await store.releaseLease(l1!); // not the holder: no effect
        expect(await store.acquireLease('ingest', 'w1', 300)).toBeNull();

        await store.releaseLease(l2!);
        expect(await store.renewLease(l2!, 300)).toBe(false);
        const l3 = await store.acquireLease('ingest', 'w1', 300);
        expect(l3!.token).toBeGreaterThan(l2!.token);
        await expect(store.acquireLease('ingest', 'w1', 0)).rejects.toThrow(UserError);
      });
    });

    describe('kv', () => {
      it('round-trips nested JSON and overwrites', async () => {
        expect(await store.getKv('model:tfidf')).toBeNull();
        const value = { docs: 1234, df: { élect: 12, vot: 7, 'u.s.': 2, $weird: 1 }, topics: [{ id: 'sport', w: [0.1, -2.5e-7] }], none: null, ok: true };
        await store.setKv('model:tfidf', value);
        expect(await store.getKv('model:tfidf')).toEqual(value);
        await store.setKv('model:tfidf', [1, 'deux', { trois: 3 }]);
        expect(await store.getKv('model:tfidf')).toEqual([1, 'deux', { trois: 3 }]);
        await store.setKv('mark', 'texte');
        expect(await store.getKv('mark')).toBe('texte');
        await expect(store.setKv('bad', undefined)).rejects.toThrow(/JSON/);
      });

      it('prunes finished state by prefix and age: kv marks and expired leases, nothing else', async () => {
        await store.setKv('build:r1:0:done', { by: 'a' });
        await store.setKv('build:r1:run', { id: 'r1' });
        await store.setKv('model:tfidf', { docs: 1 });
        await store.setKv('b.x:1', 1);
        await store.setKv('bqx:1', 1);
        const gone = await store.acquireLease('build:r1:0', 'w1', 200);
        const live = await store.acquireLease('build:r2:0', 'w1', 60_000);
        await store.acquireLease('ingest', 'w1', 200);
        expect(gone && live).toBeTruthy();
        await sleep(300);
        const now = new Date().toISOString();
        // Nothing was set before an hour ago.
        expect(await store.pruneState('build:', new Date(Date.now() - 3600_000).toISOString())).toEqual({ kv: 0, leases: 0 });
        expect(await store.pruneState('build:', now)).toEqual({ kv: 2, leases: 1 });
        expect(await store.getKv('build:r1:run')).toBeNull();
        expect(await store.getKv('model:tfidf')).toEqual({ docs: 1 });
        // The live lease stays held; the expired one is simply free (its token starts over).
        expect(await store.acquireLease('build:r2:0', 'w2', 1000)).toBeNull();
        expect((await store.acquireLease('build:r1:0', 'w2', 1000))?.token).toBe(1);
        // A prefix is a literal: "b.x" is not a pattern.
        expect(await store.pruneState('b.x', now)).toEqual({ kv: 1, leases: 0 });
        expect(await store.getKv('bqx:1')).toBe(1);
        await expect(store.pruneState('', now)).rejects.toThrow(/state prefix/);
        await expect(store.pruneState('build:', 'last week')).rejects.toThrow(/pruneState before/);
      });

      it('STO-04: an own __proto__ key read back pollutes nothing', async () => {
        const poisoned = JSON.parse('{"__proto__": {"isAdmin": true}, "constructor": {"prototype": {"isAdmin": true}}, "x": 1}');
        await store.setKv('poison', poisoned);
        await store.saveSettings(poisoned, 'mallory');
        await store.addAudit({ id: 'p1', at: '2026-11-21T10:00:00.000Z', actor: 'mallory', action: 'x', detail: poisoned });
        const back = (await store.getKv<Record<string, unknown>>('poison'))!;
        const settings = (await store.getSettings<Record<string, unknown>>())!.settings;
        const detail = (await store.listAudit())[0]!.detail as Record<string, unknown>;
        for (const o of [back, settings, detail]) {
          expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
          expect(Object.hasOwn(o, '__proto__')).toBe(true);
          expect((o as { isAdmin?: unknown }).isAdmin).toBeUndefined();
        }
        expect(({} as { isAdmin?: unknown }).isAdmin).toBeUndefined();
        // Structured records refuse the key outright.
        await expect(store.upsertArticles([article(1, { tags: JSON.parse('{"__proto__": {"x": 1}}') })])).rejects.toThrow(/forbidden key/);
      });
    });

    describe('editors and cooldowns', () => {
      const editorAccount = (id: string, email: string) => ({ id, email, role: 'editor' as const, createdAt: '2026-11-22T06:00:00.000Z' });

      it('keeps editor accounts unique by lower-cased e-mail, lists and removes them', async () => {
        const e = await store.createEditor(editorAccount('ed1', 'Redac@Exemple.FR'));
        expect(e.email).toBe('redac@exemple.fr');
        await expect(store.createEditor(editorAccount('ed2', 'redac@exemple.fr'))).rejects.toThrow(/already exists/);
        await expect(store.createEditor({ ...editorAccount('ed3', 'x@exemple.fr'), role: 'root' } as never)).rejects.toThrow(UserError);
        await expect(store.createEditor({ ...editorAccount('ed3', 'x@exemple.fr'), isAdmin: true } as never)).rejects.toThrow(/unknown field/);
        await store.createEditor(editorAccount('ed0', 'alice@exemple.fr'));
        expect(await store.getEditor('ed1')).toEqual(e);
        expect(await store.getEditorByEmail('REDAC@exemple.fr')).toEqual(e);
        expect(await store.getEditorByEmail('{"$ne":null}')).toBeNull();
        expect((await store.listEditors()).map((x) => x.email)).toEqual(['alice@exemple.fr', 'redac@exemple.fr']);
        expect(await store.deleteEditor('ed1')).toBe(true);
        expect(await store.deleteEditor('ed1')).toBe(false);
        expect(await store.getEditor('ed1')).toBeNull();
        // Editors are not subscribers (WEB-10).
        expect(await store.getSubscriberByEmail('alice@exemple.fr')).toBeNull();
      });

      it('grants a cooldown claim once until it expires, even to concurrent callers', async () => {
        const results = await Promise.all(Array.from({ length: 20 }, () => store.claimCooldown('signup:abc', 150)));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await store.claimCooldown('signup:abc', 150)).toBe(false);
        expect(await store.claimCooldown('signup:other', 150)).toBe(true);
        await sleep(200);
        expect(await store.claimCooldown('signup:abc', 150)).toBe(true);
        await expect(store.claimCooldown('k', Number.NaN)).rejects.toThrow(UserError);
      });
    });

    describe('newsletter send ledger (EML-10, OPS-03) and suppressions (STO-10)', () => {
      const claimOf = (sid: string, date = '2026-11-22') => ({ subscriberId: sid, editionDate: date, messageId: `m.${date}.${sid}@kiosque.test`, editionId: `e-${sid}` });

      it('claims once per (subscriber, date); fenced writes; takeover only of queued rows by a newer run', async () => {
        const first = await store.claimSend(claimOf('s1'), 5);
        expect(first).toMatchObject({ subscriberId: 's1', editionDate: '2026-11-22', state: 'queued', fence: 5, attempts: 0, editionId: 'e-s1' });
        // An older run cannot take it; a newer one can while it is only queued (the old holder died before SMTP).
        expect(await store.claimSend(claimOf('s1'), 4)).toBeNull();
        expect(await store.claimSend(claimOf('s1'), 6)).toMatchObject({ fence: 6, state: 'queued' });
        // The stale holder's writes are refused from now on.
        expect(await store.updateSend('s1', '2026-11-22', 5, { state: 'sending', attempts: 1 })).toBe(false);
        expect(await store.updateSend('s1', '2026-11-22', 6, { state: 'sending', attempts: 1 })).toBe(true);
        // Handed to SMTP: nobody may claim it any more, whatever the fence.
        expect(await store.claimSend(claimOf('s1'), 7)).toBeNull();
        expect(await store.updateSend('s1', '2026-11-22', 6, { state: 'sent', providerMessageId: 'p-1', sentAt: '2026-11-22T06:00:01.000Z' })).toBe(true);
        const row = await store.getSend('s1', '2026-11-22');
        expect(row).toMatchObject({ state: 'sent', fence: 6, attempts: 1, providerMessageId: 'p-1', sentAt: '2026-11-22T06:00:01.000Z', messageId: 'm.2026-11-22.s1@kiosque.test' });
        expect(await store.claimSend(claimOf('s1'), 99)).toBeNull();
        expect(await store.getSend('s1', '2026-11-23')).toBeNull();
        expect(await store.updateSend('nobody', '2026-11-22', 6, { state: 'sent' })).toBe(false);
      });

      it('a transient failure waits for its retry time; null clears a field', async () => {
        await store.claimSend(claimOf('s2'), 1);
        const later = new Date(Date.now() + 3600_000).toISOString();
        expect(await store.updateSend('s2', '2026-11-22', 1, { state: 'queued', attempts: 1, error: '421 try later', nextAttemptAt: later })).toBe(true);
        expect(await store.claimSend(claimOf('s2'), 2)).toBeNull();
        const past = new Date(Date.now() - 1000).toISOString();
        expect(await store.updateSend('s2', '2026-11-22', 1, { state: 'queued', nextAttemptAt: past })).toBe(true);
        const again = await store.claimSend(claimOf('s2'), 2);
        expect(again).toMatchObject({ fence: 2, attempts: 1, error: '421 try later' });
        expect(await store.updateSend('s2', '2026-11-22', 2, { state: 'failed', error: null, nextAttemptAt: null })).toBe(true);
        const row = (await store.getSend('s2', '2026-11-22'))!;
        expect(row.state).toBe('failed');
        expect(row.error).toBeUndefined();
        expect(row.nextAttemptAt).toBeUndefined();
        await expect(store.updateSend('s2', '2026-11-22', 2, { state: 'gone' as never })).rejects.toThrow(UserError);
        await expect(store.updateSend('s2', '2026-11-22', 2, { state: 'sent', $set: 1 } as never)).rejects.toThrow(/unknown field/);
        await expect(store.claimSend({ ...claimOf('s3'), editionDate: '2026-13-45' }, 1)).rejects.toThrow(UserError);
        await expect(store.claimSend(claimOf('s3'), -1)).rejects.toThrow(UserError);
        await expect(store.claimSend({ ...claimOf('s3'), subscriberId: { $ne: null } as never }, 1)).rejects.toThrow(UserError);
      });

      it('concurrent claims of one row: exactly one wins', async () => {
        const results = await Promise.all(Array.from({ length: 8 }, () => store.claimSend(claimOf('s4'), 3)));
        // Same fence: re-claiming a queued row is allowed (same run); what matters is one row.
        expect(results.filter(Boolean).length).toBeGreaterThanOrEqual(1);
        expect(await store.listSends({ subscriberId: 's4' })).toHaveLength(1);
        await store.updateSend('s4', '2026-11-22', 3, { state: 'sending' });
        const after = await Promise.all(Array.from({ length: 8 }, (_, i) => store.claimSend(claimOf('s4'), 4 + i)));
        expect(after.every((r) => r === null)).toBe(true);
      });

      it('lists by subscriber, date, since and state, newest date first', async () => {
        for (const [sid, date] of [
          ['a', '2026-11-20'],
          ['a', '2026-11-21'],
          ['b', '2026-11-21'],
          ['a', '2026-11-22'],
        ] as const) {
          await store.claimSend(claimOf(sid, date), 1);
        }
        await store.updateSend('a', '2026-11-21', 1, { state: 'sent' });
        expect((await store.listSends({ subscriberId: 'a' })).map((r) => r.editionDate)).toEqual(['2026-11-22', '2026-11-21', '2026-11-20']);
        expect((await store.listSends({ editionDate: '2026-11-21' })).map((r) => r.subscriberId)).toEqual(['a', 'b']);
        expect((await store.listSends({ since: '2026-11-21', subscriberId: 'a' })).map((r) => r.editionDate)).toEqual(['2026-11-22', '2026-11-21']);
        expect((await store.listSends({ state: 'sent' })).map((r) => `${r.subscriberId}/${r.editionDate}`)).toEqual(['a/2026-11-21']);
        expect(await store.listSends({ limit: 1 })).toHaveLength(1);
        expect(await store.listSends({ limit: 0 })).toEqual([]);
      });

      it('erasure removes the ledger rows; suppressions are salted hashes, idempotent', async () => {
        const s = await store.createSubscriber(subscriber('erase-me'));
        await store.claimSend(claimOf(s.id), 1);
        await store.updateSend(s.id, '2026-11-22', 1, { state: 'sent' });
        await store.claimSend(claimOf('other'), 1);
        await store.eraseSubscriber(s.id);
        expect(await store.listSends({ subscriberId: s.id })).toEqual([]);
        expect(await store.listSends({ subscriberId: 'other' })).toHaveLength(1);

        expect(await store.isSuppressed('h_abc-1')).toBe(false);
        await store.addSuppression({ hash: 'h_abc-1', reason: 'unsubscribe', at: '2026-11-22T06:00:00.000Z' });
        await store.addSuppression({ hash: 'h_abc-1', reason: 'erasure', at: '2026-11-22T07:00:00.000Z' });
        expect(await store.isSuppressed('h_abc-1')).toBe(true);
        expect(await store.getSuppression('h_abc-1')).toEqual({ hash: 'h_abc-1', reason: 'unsubscribe', at: '2026-11-22T06:00:00.000Z' });
        expect(await store.getSuppression('h_other')).toBeNull();
        expect(await store.removeSuppression('h_abc-1')).toBe(true);
        expect(await store.removeSuppression('h_abc-1')).toBe(false);
        expect(await store.isSuppressed('h_abc-1')).toBe(false);
        await expect(store.addSuppression({ hash: 'a@b.test', reason: 'unsubscribe', at: '2026-11-22T06:00:00.000Z' })).rejects.toThrow(UserError);
        await expect(store.addSuppression({ hash: 'h1', reason: 'whim' as never, at: '2026-11-22T06:00:00.000Z' })).rejects.toThrow(UserError);
        await expect(store.isSuppressed({ $ne: null } as never)).rejects.toThrow(UserError);
      });
    });

    describe('STO-05: untrusted fields', () => {
      it('truncates long text, drops oversize HTML, rejects long urls/ids', async () => {
        const long = 'é'.repeat(ARTICLE_CAPS.title + 500);
        const emoji = 'a'.repeat(ARTICLE_CAPS.title - 1) + '😀😀';
        await store.upsertArticles([
          article(1, { title: long, summary: long.repeat(3), contentHtml: '<p>' + 'x'.repeat(ARTICLE_CAPS.contentHtml) + '</p>' }),
          article(2, { title: emoji }),
        ]);
        const a1 = (await store.getArticle('a1'))!;
        expect(a1.title).toHaveLength(ARTICLE_CAPS.title);
        expect(a1.summary).toHaveLength(ARTICLE_CAPS.summary);
        expect(a1.contentHtml).toBe('');
        expect((await store.getArticle('a2'))!.title).toBe('a'.repeat(ARTICLE_CAPS.title - 1)); // no half surrogate
        await expect(store.upsertArticles([article(3, { url: 'https://exemple.fr/' + 'x'.repeat(3000) })])).rejects.toThrow(/url is longer/);
        await expect(store.upsertArticles([article(3, { id: 'x'.repeat(300) })])).rejects.toThrow(UserError);
        expect(await store.countArticles()).toBe(2);
      });

      it('rejects $-prefixed and dotted keys and raw parser objects in records', async () => {
        await expect(store.upsertArticles([article(1, { tags: { ...tags(), $: { rel: 'x' } } as never })])).rejects.toThrow(/forbidden key/);
        await expect(store.upsertArticles([{ ...article(1), $: { version: '2.0' } } as never])).rejects.toThrow(/unknown field/);
        await store.createSubscriber(subscriber('s1'));
        const e = edition('e1', 's1', '2026-11-22');
        e.items[0]!.scoreParts = { 'topic.sport': 0.5 };
        await expect(store.saveEdition(e)).rejects.toThrow(/forbidden key/);
        await expect(store.upsertClusters([cluster('k', { articleIds: [{ $gt: '' }] as never })])).rejects.toThrow(/forbidden key/);
        await expect(store.upsertClusters([cluster('k', { articleIds: [10n] as never })])).rejects.toThrow(/bigint/);
        expect(await store.countArticles()).toBe(0);
        expect(await store.countEditions()).toBe(0);
      });

      it('refuses objects where an id string is expected (operator injection)', async () => {
        await store.createSubscriber(subscriber('s1'));
        const op = { $ne: null } as unknown as string;
        await expect(store.getSubscriber(op)).rejects.toThrow(UserError);
        await expect(store.getSubscriberByEmail(op)).rejects.toThrow(UserError);
        await expect(store.getFeed(op)).rejects.toThrow(UserError);
        await expect(store.listArticles({ feedId: op })).rejects.toThrow(UserError);
        await expect(store.eraseSubscriber(op)).rejects.toThrow(UserError);
        await expect(store.getArticles([op])).rejects.toThrow(UserError);
        expect(await store.countSubscribers()).toBe(1);
      });
    });

    describe('STO-06: concurrent identical writes', () => {
      const N = 50;
      it('leave exactly one row each, duplicates handled', async () => {
        const feeds = await Promise.all(Array.from({ length: N }, () => store.upsertFeed({ url: 'https://same.test/rss', title: 'Same', section: 'S' })));
        expect(new Set(feeds.map((f) => f.id)).size).toBe(1);
        expect(await store.listFeeds()).toHaveLength(1);

        const ups = await Promise.all(Array.from({ length: N }, () => store.upsertArticles([article(1), article(2, { guidHash: 'g1', id: 'a-other' })])));
        expect(await store.countArticles()).toBe(1);
        expect(new Set(ups.flatMap((u) => u.ids))).toEqual(new Set(['a1']));
        expect(ups.flatMap((u) => u.isNew).filter(Boolean)).toHaveLength(1);

        const subs = await Promise.allSettled(Array.from({ length: N }, (_, i) => store.createSubscriber(subscriber(`s${i}`, { email: 'Same@Exemple.fr' }))));
        expect(subs.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of subs) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(UserError);
        expect(await store.countSubscribers()).toBe(1);
        const sid = (await store.getSubscriberByEmail('same@exemple.fr'))!.id;

        await Promise.all(Array.from({ length: N }, () => store.addClick(click('k1', { subscriberId: sid }))));
        expect(await store.listClicks()).toHaveLength(1);
        await Promise.all(Array.from({ length: N }, (_, i) => store.saveEdition(edition(`e${i % 2}`, sid, '2026-11-22'))));
        expect(await store.countEditions()).toBe(1);
        await Promise.all(Array.from({ length: N }, () => store.upsertClusters([cluster('k1')])));
        expect(await store.countClusters()).toBe(1);

        const leases = await Promise.all(Array.from({ length: N }, (_, i) => store.acquireLease('send', `w${i}`, 60_000)));
        expect(leases.filter((l) => l !== null)).toHaveLength(1);
        const versions = await Promise.all(Array.from({ length: 10 }, (_, i) => store.saveSettings({ i }, 'editor')));
        expect(versions.map((v) => v.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      });
    });

    describe('STO-08: injection strings are only values', () => {
      it('stores and finds them verbatim, matches nothing else, bounds limits', async () => {
        await store.upsertArticles([article(1), article(2)]);
        for (const [i, s] of INJECTIONS.entries()) {
          await store.upsertArticles([article(`x${i}`, { title: s, feedId: s, guidHash: s, clusterId: s, categories: [s] })]);
          await store.createSubscriber(subscriber(`inj${i}`, { name: s, email: `inj${i}@exemple.fr`, timezone: s.slice(0, 60) }));
          await store.setKv(s, { s });
          expect(await store.getKv(s)).toEqual({ s });
          expect((await store.listArticles({ feedId: s })).map((a) => a.title)).toEqual([s]);
          expect(await store.getArticle(s)).toBeNull();
          expect(await store.getSubscriberByEmail(s)).toBeNull();
          expect(await store.getFeedByUrl(`https://a.test/?q=${s}`)).toBeNull();
          expect(await store.listEditions({ subscriberId: s })).toEqual([]);
          expect(await store.listClicks({ articleId: s })).toEqual([]);
          expect(await store.acquireLease(s, s, 1000)).not.toBeNull();
        }
        const feed = await store.upsertFeed({ url: "https://a.test/rss?q=' OR 1=1--", title: INJECTIONS[1]!, section: INJECTIONS[2]! });
        expect((await store.getFeed(feed.id))?.title).toBe(INJECTIONS[1]);
        expect(await store.countArticles()).toBe(2 + INJECTIONS.length);
        expect(await store.listArticles({ limit: 1e9 })).toHaveLength(2 + INJECTIONS.length);
        expect(await store.listSubscribers({ limit: 1e9 })).toHaveLength(INJECTIONS.length);
        expect(await store.listSubscriberIds({ limit: 1e9 })).toHaveLength(INJECTIONS.length);
        expect(await store.listAudit({ limit: 1e9 })).toEqual([]);
        await expect(store.listArticles({ limit: Number.NaN })).rejects.toThrow(UserError);
        await expect(store.listArticles({ limit: '5; DROP TABLE articles' as never })).rejects.toThrow(UserError);
        await expect(store.listSubscribers({ status: "active' OR 1=1--" as never })).rejects.toThrow(UserError);
      });
    });
  });
}

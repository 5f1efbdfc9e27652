/**
 * MongoStore over an in-memory fake database (mingo): the same store code that
 * runs on the real driver, checked against the shared contract. No MongoDB
 * server can run on this machine; see mongo-real.test.ts for a real one.
 */
import { describe, expect, it } from 'vitest';
import { createMongoStore, openMongoStore, redactUri } from '../../src/store/mongo.js';
import { openStore } from '../../src/store/open.js';
import { UserError } from '../../src/util/errors.js';
import { storeContract } from './contract.js';
import { article } from './fixtures.js';
import { MingoDb } from './mingo-db.js';

storeContract('mongodb (mingo fake)', async () => createMongoStore(new MingoDb()));

describe('mongo store on the fake: server-side rules', () => {
  it('creates the unique indexes that make retries safe', async () => {
    const db = new MingoDb();
    await createMongoStore(db);
    expect(db.collection('articles').indexNames).toContain('feedId_1_guidHash_1');
    expect(db.collection('subscribers').indexNames).toContain('emailKey_1');
    expect(db.collection('editions').indexNames).toContain('id_1');
    expect(db.collection('feeds').indexNames).toContain('url_1');
    await expect(db.collection('feeds').insertOne({ _id: 'x', url: 'u' }).then(() => db.collection('feeds').insertOne({ _id: 'y', url: 'u' }))).rejects.toMatchObject({
      code: 11000,
    });
  });

  it('drops the indexes a newer one superseded, once, and keeps the others', async () => {
    const db = new MingoDb();
    // A database from before the covering click indexes.
    await db.collection('clicks').createIndex({ subscriberId: 1, at: -1 });
    await db.collection('clicks').createIndex({ at: -1 });
    await db.collection('clicks').createIndex({ campaign: 1 });
    await createMongoStore(db);
    const names = db.collection('clicks').indexNames;
    expect(names).not.toContain('subscriberId_1_at_-1');
    expect(names).not.toContain('at_-1');
    expect(names).toEqual(expect.arrayContaining(['subscriberId_1_at_-1__id_-1_articleId_1', 'at_-1__id_-1_subscriberId_1_articleId_1', 'articleId_1_at_-1', 'campaign_1']));
    // Starting again finds nothing to drop.
    await createMongoStore(db);
    expect(db.collection('clicks').indexNames).toEqual(names);
  });

  it('stores records as plain documents keyed by _id, payloads as JSON text', async () => {
    const db = new MingoDb();
    const store = await createMongoStore(db);
    await store.upsertArticles([article(1)]);
    const doc = await db.collection('articles').findOne({ _id: { $eq: 'a1' } });
    expect(doc).toMatchObject({ _id: 'a1', feedId: 'f1', guidHash: 'g1', title: article(1).title });
    await store.saveSettings({ a: { 'b.c': 1 } }, 'alice');
    expect((await db.collection('settings').findOne({}))?.settings).toBe('{"a":{"b.c":1}}');
    await store.close();
    expect(db.closed).toBe(true);
  });
});

describe('mongo store on the real driver, without a server', () => {
  it('turns an unreachable server into one clear line', async () => {
    const t0 = Date.now();
    const err = await openMongoStore('mongodb://kiosque:s3cret@127.0.0.1:9/?directConnection=true', 'kiosque', { serverSelectionTimeoutMS: 800 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^cannot use MongoDB at mongodb:\/\/kiosque:\*\*\*@127\.0\.0\.1:9/);
    expect(msg).not.toContain('s3cret');
    expect(msg).not.toContain('\n');
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('refuses a malformed uri or database name in one line', async () => {
    await expect(openMongoStore('mongodb://', 'kiosque')).rejects.toThrow(UserError);
    await expect(openMongoStore('mongodb://127.0.0.1:9', 'bad/name')).rejects.toThrow(/database name/);
  });

  it('openStore chooses MongoDB when a uri is set', async () => {
    await expect(openStore({ dataDir: '/nonexistent', mongodbUri: 'mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=500', mongodbDb: 'kiosque' })).rejects.toThrow(
      /cannot use MongoDB/,
    );
  });

  it('redacts passwords only', () => {
    expect(redactUri('mongodb+srv://u:p@h.example/db')).toBe('mongodb+srv://u:***@h.example/db');
    expect(redactUri('mongodb://h:27017')).toBe('mongodb://h:27017');
  });
});

describe('mongo store on the fake: races', () => {
  it('concurrent identical article upserts lose inserts to each other and recover through the duplicate path', async () => {
    const { MongoStore } = await import('../../src/store/mongo.js');
    const { vi } = await import('vitest');
    const spy = vi.spyOn(MongoStore.prototype as unknown as { upsertArticleAlone: () => unknown }, 'upsertArticleAlone');
    const store = await createMongoStore(new MingoDb());
    const results = await Promise.all(Array.from({ length: 20 }, () => store.upsertArticles([article(1), article(2)])));
    expect(spy.mock.calls.length).toBeGreaterThan(0);
    expect(await store.countArticles()).toBe(2);
    expect(results.flatMap((r) => r.isNew).filter(Boolean)).toHaveLength(2);
    spy.mockRestore();
  });
});

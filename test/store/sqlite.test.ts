import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { MIGRATIONS, NEW_FILE_PAGE_SIZE, migrate, openSqliteStore } from '../../src/store/sqlite.js';
import { openStore } from '../../src/store/open.js';
import { UserError } from '../../src/util/errors.js';
import { storeContract } from './contract.js';
import { article, edition, subscriber } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'kiosque-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshFile = () => join(dir, `t${++n}.db`);

storeContract('sqlite', async () => openSqliteStore(freshFile()));

/** A file as schema version `version` left it, with rows written by `fill` the way that version wrote them. */
function fileAtVersion(version: number, fill: (raw: Database.Database) => void): string {
  const file = freshFile();
  const raw = new Database(file);
  migrate(raw, MIGRATIONS.slice(0, version));
  fill(raw);
  raw.close();
  return file;
}
const json = (x: object) => JSON.stringify(x);
/** Subscriber `id` as the store writes it (id and status in their own columns). */
const insertSubscriberRow = (raw: Database.Database, id: string) =>
  raw.prepare('INSERT INTO subscribers (id, email_key, status, data) VALUES (?, ?, ?, ?)').run(id, `${id}@example.org`, 'active', json({ ...subscriber(id), id: undefined, status: undefined }));
const insertClickRow = (raw: Database.Database, ...row: [id: string, subscriberId: string | null, articleId: string, editionId: string | null, at: string, data: string]) =>
  raw.prepare('INSERT INTO clicks (id, subscriber_id, article_id, edition_id, at, data) VALUES (?, ?, ?, ?, ?, ?)').run(...row);
const clickIndexes = (store: ReturnType<typeof openSqliteStore>) =>
  (store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'clicks'").all() as { name: string }[]).map((r) => r.name);

describe('sqlite store specifics', () => {
  it('sets WAL, busy timeout, synchronous=NORMAL, foreign keys and the schema version', async () => {
    const store = openSqliteStore(freshFile());
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(store.db.pragma('synchronous', { simple: true })).toBe(1);
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(store.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(store.integrityCheck()).toBe('ok');
    await store.close();
    await store.close();
  });

  it('reopens an existing file without re-running migrations, keeping data', async () => {
    const file = freshFile();
    const a = openSqliteStore(file);
    await a.upsertArticles([article(1)]);
    await a.close();
    const b = openSqliteStore(file);
    expect(await b.getArticle('a1')).toEqual(article(1));
    await b.close();
  });

  it('refuses a file from a newer schema, and a path it cannot open, in one line', async () => {
    const file = freshFile();
    const raw = new Database(file);
    raw.pragma(`user_version = ${MIGRATIONS.length + 5}`);
    raw.close();
    expect(() => openSqliteStore(file)).toThrow(/newer than this Kiosque/);
    expect(() => openSqliteStore(join(file, 'under-a-file', 'kiosque.db'))).toThrow(UserError);
  });

  it('openStore picks SQLite in the data dir when no MongoDB uri is set', async () => {
    const store = await openStore({ dataDir: join(dir, 'data'), mongodbDb: 'kiosque' });
    expect(store.kind).toBe('sqlite');
    await store.setKv('k', 1);
    await store.close();
    const again = openSqliteStore(join(dir, 'data', 'kiosque.db'));
    expect(await again.getKv('k')).toBe(1);
    await again.close();
  });

  it('uses the injected clock for created times and leases', async () => {
    const { fixedClock } = await import('../../src/util/clock.js');
    const clock = fixedClock('2026-11-22T06:00:00.000Z');
    const store = openSqliteStore(freshFile(), { clock });
    const f = await store.upsertFeed({ url: 'https://a.test/', title: 'A', section: 'S' });
    expect(f.createdAt).toBe('2026-11-22T06:00:00.000Z');
    const l1 = await store.acquireLease('job', 'w1', 60_000);
    expect(l1?.expiresAt).toBe('2026-11-22T06:01:00.000Z');
    clock.advance(60_000);
    const l2 = await store.acquireLease('job', 'w2', 60_000);
    expect(l2?.token).toBe(l1!.token + 1);
    await store.close();
  });

  it('retries a write that meets SQLITE_BUSY, and gives up with one clear line', async () => {
    const file = freshFile();
    const holder = openSqliteStore(file);
    const store = openSqliteStore(file, { busyTimeoutMs: 0, busyRetries: 8 });
    holder.db.exec('BEGIN IMMEDIATE');
    setTimeout(() => holder.db.exec('COMMIT'), 60);
    await store.setKv('k', { v: 1 });
    expect(store.busyRetries).toBeGreaterThan(0);
    expect(await holder.getKv('k')).toEqual({ v: 1 });

    const impatient = openSqliteStore(file, { busyTimeoutMs: 0, busyRetries: 1 });
    holder.db.exec('BEGIN IMMEDIATE');
    await expect(impatient.setKv('k', 2)).rejects.toThrow(/database is busy \(SQLITE_BUSY\)/);
    holder.db.exec('ROLLBACK');
    for (const s of [holder, store, impatient]) await s.close();
  });

  it('benchStore runs end to end (tiny sizes; figures come from `benchStore()` itself)', async () => {
    const { benchStore } = await import('../../src/store/bench.js');
    const r = await benchStore({ editions: 30, articles: 40, batch: 16 });
    expect(r).toMatchObject({ backend: 'sqlite', editions: 30, articles: 40 });
    expect(r.fileBytes).toBeGreaterThan(0);
  });

  it('applies later migrations in order, each once, SQL or function', async () => {
    const file = freshFile();
    (await openSqliteStore(file)).db.close();
    const db = new Database(file);
    const later = [...MIGRATIONS, 'ALTER TABLE feeds ADD COLUMN extra TEXT', (d: typeof db) => d.prepare("UPDATE feeds SET extra = 'x'").run()];
    migrate(db, later);
    migrate(db, later);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length + 2);
    expect((db.prepare('PRAGMA table_info(feeds)').all() as { name: string }[]).map((c) => c.name)).toContain('extra');
    db.close();
  });

  it('fills the edition summary columns of editions stored before they existed (migration 4)', async () => {
    // Rows as a version-3 store wrote them: no summary columns yet.
    const file = fileAtVersion(3, (raw) => {
      const e = edition('e1', 's1', '2026-11-20');
      insertSubscriberRow(raw, 's1');
      const rest = { lang: e.lang, personalized: e.personalized, settingsVersion: e.settingsVersion, createdAt: e.createdAt, sections: e.sections, metrics: e.metrics };
      raw.prepare('INSERT INTO editions (id, subscriber_id, date, data) VALUES (?, ?, ?, ?)').run('e1', 's1', '2026-11-20', json({ ...rest, items: [e.items[0], { ...e.items[0], articleId: 'a2' }] }));
      raw.prepare('INSERT INTO editions (id, subscriber_id, date, data) VALUES (?, ?, ?, ?)').run('e2', 's1', '2026-11-21', json({ ...rest, items: [], metrics: {} }));
    });
    const store = openSqliteStore(file);
    expect(await store.listEditionSummaries(['s1'], { before: '2026-11-22' })).toEqual([
      { subscriberId: 's1', date: '2026-11-21', articleIds: [], topicEntropy: null },
      { subscriberId: 's1', date: '2026-11-20', articleIds: ['a1', 'a2'], topicEntropy: 1.2 },
    ]);
    // The summary query reads the covering index, not the edition rows.
    const plan = store.db.prepare("EXPLAIN QUERY PLAN SELECT subscriber_id, date, article_ids, topic_entropy FROM editions WHERE subscriber_id IN ('s1') AND date < '2026-11-22'").all() as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/COVERING INDEX editions_summary/);
    await store.close();
  });

  it('upgrades a version-4 file to the click-history index without losing clicks (migration 5)', async () => {
    const file = fileAtVersion(4, (raw) => {
      insertSubscriberRow(raw, 's1');
      insertClickRow(raw, 'k1', 's1', 'a1', 'e1', '2026-11-20T09:00:00.000Z', json({ position: 2, section: 'une', reason: 'top-story' }));
      insertClickRow(raw, 'k2', 's1', 'a2', null, '2026-11-21T09:00:00.000Z', '{}');
    });
    const store = openSqliteStore(file);
    expect(store.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    const indexes = clickIndexes(store);
    expect(indexes).toContain('clicks_history');
    expect(indexes).not.toContain('clicks_subscriber');
    expect(await store.listClicksOf(['s1'], '2026-11-01T00:00:00.000Z')).toEqual([
      { id: 'k2', subscriberId: 's1', articleId: 'a2', at: '2026-11-21T09:00:00.000Z' },
      { id: 'k1', subscriberId: 's1', articleId: 'a1', editionId: 'e1', position: 2, section: 'une', reason: 'top-story', at: '2026-11-20T09:00:00.000Z' },
    ]);
    expect(await store.clickHistoriesOf(['s1'], '2026-11-01T00:00:00.000Z')).toEqual(
      new Map([['s1', [{ articleId: 'a2', at: '2026-11-21T09:00:00.000Z' }, { articleId: 'a1', at: '2026-11-20T09:00:00.000Z' }]]]),
    );
    // The build's read is answered from the index alone, and listClicksOf needs no sort.
    const plan = (sql: string) => (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((p) => p.detail).join(' ');
    expect(plan("SELECT subscriber_id, article_id, at FROM clicks WHERE subscriber_id IN ('s1') AND at >= '' ORDER BY subscriber_id, at DESC, id DESC")).toMatch(/COVERING INDEX clicks_history/);
    expect(plan("SELECT data FROM clicks WHERE subscriber_id IN ('s1') AND at >= '' ORDER BY subscriber_id, at DESC, id DESC")).not.toMatch(/TEMP B-TREE/);
    await store.close();
  });

  it('upgrades a version-6 file to the recent-click index (migration 7): the newest clicks read from the index alone, unsorted', async () => {
    const file = fileAtVersion(6, (raw) => {
      insertClickRow(raw, 'k1', null, 'a1', null, '2026-11-20T09:00:00.000Z', '{}');
      insertClickRow(raw, 'k2', null, 'a2', null, '2026-11-21T09:00:00.000Z', '{}');
    });
    const store = openSqliteStore(file);
    const indexes = clickIndexes(store);
    expect(indexes).toContain('clicks_recent');
    expect(indexes).not.toContain('clicks_at');
    expect(await store.recentClicks({ since: '2026-11-01T00:00:00.000Z' })).toEqual([
      { subscriberId: null, articleId: 'a2', at: '2026-11-21T09:00:00.000Z' },
      { subscriberId: null, articleId: 'a1', at: '2026-11-20T09:00:00.000Z' },
    ]);
    const plan = (store.db.prepare("EXPLAIN QUERY PLAN SELECT subscriber_id, article_id, at FROM clicks WHERE at >= '' ORDER BY at DESC, id DESC LIMIT 10").all() as { detail: string }[]).map((p) => p.detail).join(' ');
    expect(plan).toMatch(/COVERING INDEX clicks_recent/);
    expect(plan).not.toMatch(/TEMP B-TREE/);
    await store.close();
  });

  it('stores what editions show of an article once (migration 6), and reads editions saved whole before it', async () => {
    const old = edition('e0', 's1', '2026-11-20');
    const file = fileAtVersion(5, (raw) => {
      insertSubscriberRow(raw, 's1');
      const { id, subscriberId, date, ...body } = old;
      raw.prepare('INSERT INTO editions (id, subscriber_id, date, data, article_ids, topic_entropy) VALUES (?, ?, ?, ?, ?, ?)').run(id, subscriberId, date, json(body), '["a1"]', 1.2);
    });
    const store = openSqliteStore(file);
    expect(await store.getEditionById('e0')).toEqual(old);
    // Fifty subscribers shown the same two stories: one copy each, and rows without them.
    const item = old.items[0]!;
    const items = [{ ...item, alsoCoveredBy: [{ source: 'Autre', feedId: 'f2', articleId: 'a2', url: 'https://autre.fr/2', title: 'Le scrutin' }] }, { ...item, articleId: 'a3', position: 2, title: 'Budget voté' }];
    for (let s = 2; s <= 50; s++) await store.createSubscriber(subscriber(`s${s}`));
    const editions = Array.from({ length: 50 }, (_, s) => edition(`e${s + 1}`, `s${s + 1}`, '2026-11-22', { items }));
    await store.saveEditions(editions.slice(0, 25));
    await store.saveEditions(editions.slice(25));
    expect((store.db.prepare('SELECT count(*) AS n FROM edition_copies').get() as { n: number }).n).toBe(3);
    const row = store.db.prepare("SELECT data FROM editions WHERE id = 'e7'").get() as { data: string };
    expect(row.data).not.toContain('Budget voté');
    expect(row.data).not.toContain('Le scrutin');
    expect(await store.listEditions({ date: '2026-11-22', limit: 100 })).toEqual([...editions].sort((a, b) => (a.subscriberId < b.subscriberId ? -1 : 1)));
    // A reopened store (another process, a later day) reuses the copies rather than adding any.
    await store.close();
    const again = openSqliteStore(file);
    await again.saveEdition(edition('e51', 's1', '2026-11-22', { items }));
    expect((again.db.prepare('SELECT count(*) AS n FROM edition_copies').get() as { n: number }).n).toBe(3);
    expect(await again.getEdition('s1', '2026-11-22')).toEqual(edition('e51', 's1', '2026-11-22', { items }));
    await again.close();
  });

  it('creates new files with large pages (one page per edition row) and keeps the page size of existing files', async () => {
    const fresh = openSqliteStore(freshFile());
    expect(fresh.db.pragma('page_size', { simple: true })).toBe(NEW_FILE_PAGE_SIZE);
    await fresh.close();
    const file = freshFile();
    const raw = new Database(file);
    raw.pragma('page_size = 4096');
    raw.pragma('journal_mode = WAL');
    migrate(raw, MIGRATIONS.slice(0, 2));
    raw.close();
    const old = openSqliteStore(file);
    expect(old.db.pragma('page_size', { simple: true })).toBe(4096);
    expect(old.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    await old.createSubscriber(subscriber('s1'));
    await old.saveEdition(edition('e1', 's1', '2026-11-22'));
    expect((await old.getEdition('s1', '2026-11-22'))?.id).toBe('e1');
    expect(old.integrityCheck()).toBe('ok');
    await old.close();
    // Reopened: still its own page size.
    const again = openSqliteStore(file);
    expect(again.db.pragma('page_size', { simple: true })).toBe(4096);
    await again.close();
  });
});

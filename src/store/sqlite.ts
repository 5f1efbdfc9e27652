/**
 * The embedded store: one SQLite file through better-sqlite3 (synchronous;
 * every method returns a promise so both stores share the Store interface).
 *
 * - WAL, busy_timeout 5000, synchronous=NORMAL, foreign keys on.
 * - Schema versions in PRAGMA user_version; MIGRATIONS[i] takes the file
 *   from version i to i+1 (append new steps, never edit old ones).
 * - Every write runs in a BEGIN IMMEDIATE transaction (takes the write lock
 *   up front, so a read never has to be upgraded mid-way), retried on
 *   SQLITE_BUSY / SQLITE_BUSY_SNAPSHOT, which other processes can still cause
 *   despite the busy timeout (STO-07).
 * - Queried fields have their own indexed columns; everything else of a
 *   record lives in one JSON `data` column (schema.ts says which is which).
 * - Only parameterised statements; the SQL texts are fixed strings built from
 *   the specs, never from values (STO-08).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type {
  Article,
  ArticleTags,
  AuditEntry,
  Click,
  Edition,
  EditorAccount,
  FeedRecord,
  IsoDate,
  IsoTime,
  Lease,
  NewFeed,
  SettingsVersion,
  StoryCluster,
  Subscriber,
} from '../model.js';
import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import { UserError, oneLine } from '../util/errors.js';
import type { ArticleQuery, ClickHistoryEntry, ClickHourCount, ClickQuery, EditionSummary, EditionSummaryQuery, FeedPatch, RecentClick, Store, SubscriberPatch, UpsertResult } from './store.js';
import { EditionCopies, copyKeysOf, joinCopies } from './edition-copies.js';
import {
  SUPPRESSION_REASONS,
  applySendUpdate,
  checkClaim,
  checkFence,
  checkSendQuery,
  checkSendUpdate,
  checkSuppressionHash,
  claimable,
  newSendRecord,
  type SendClaim,
  type SendQuery,
  type SendRecord,
  type SendUpdate,
  type Suppression,
} from './sends.js';
import {
  ARTICLE,
  AUDIT,
  CLICK,
  CLUSTER,
  EDITION,
  FEED,
  SETTINGS,
  SUBSCRIBER,
  applyPatch,
  canonicalTime,
  checkDate,
  checkField,
  checkId,
  checkPatch,
  checkRecord,
  derivedValues,
  emailKey,
  toJsonText,
  type FieldSpec,
  type RecordSpec,
} from './schema.js';
import {
  DEFAULT_AUDIT_LIMIT,
  boundLimit,
  checkArticleQuery,
  checkAuthor,
  checkEditor,
  checkClickQuery,
  checkEditionQuery,
  checkIds,
  checkLeaseArgs,
  checkSubscriberIdList,
  checkSummaryQuery,
  checkOneOf,
  checkVersion,
  feedIdCandidate,
  newFeedRecord,
  normalizeFeedUrl,
  redeclaredFeed,
  refreshedArticle,
} from './common.js';

type Row = Record<string, unknown>;
type Db = Database.Database;

// ───────────────────────── schema and migrations ─────────────────────────

/** SQL text, or a function for steps that must transform data. */
export type Migration = string | ((db: Db) => void);

/** MIGRATIONS[i] upgrades a file from user_version i to i + 1. Append only. */
export const MIGRATIONS: readonly Migration[] = [
  `
  CREATE TABLE feeds (
    id TEXT PRIMARY KEY, url TEXT NOT NULL UNIQUE, status TEXT NOT NULL, created_at TEXT NOT NULL, data TEXT NOT NULL);
  CREATE INDEX feeds_status ON feeds(status, created_at);

  CREATE TABLE articles (
    id TEXT PRIMARY KEY, feed_id TEXT NOT NULL, guid_hash TEXT NOT NULL, published_at TEXT NOT NULL,
    cluster_id TEXT NOT NULL, tags TEXT, data TEXT NOT NULL,
    UNIQUE (feed_id, guid_hash));
  CREATE INDEX articles_published ON articles(published_at DESC, id DESC);
  CREATE INDEX articles_feed_published ON articles(feed_id, published_at DESC);
  CREATE INDEX articles_untagged ON articles(published_at DESC) WHERE tags IS NULL;
  CREATE INDEX articles_cluster ON articles(cluster_id);

  CREATE TABLE clusters (id TEXT PRIMARY KEY, data TEXT NOT NULL);

  CREATE TABLE subscribers (
    id TEXT PRIMARY KEY, email_key TEXT NOT NULL UNIQUE, status TEXT NOT NULL, data TEXT NOT NULL);
  CREATE INDEX subscribers_status ON subscribers(status, id);

  CREATE TABLE clicks (
    id TEXT PRIMARY KEY,
    subscriber_id TEXT REFERENCES subscribers(id) ON DELETE SET NULL,
    article_id TEXT NOT NULL, edition_id TEXT, at TEXT NOT NULL, data TEXT NOT NULL);
  CREATE INDEX clicks_at ON clicks(at);
  CREATE INDEX clicks_subscriber ON clicks(subscriber_id, at);
  CREATE INDEX clicks_article ON clicks(article_id, at);

  CREATE TABLE editions (
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,
    subscriber_id TEXT NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
    date TEXT NOT NULL, data TEXT NOT NULL,
    UNIQUE (subscriber_id, date));
  CREATE INDEX editions_date ON editions(date, subscriber_id);

  CREATE TABLE settings (version INTEGER PRIMARY KEY, data TEXT NOT NULL);

  CREATE TABLE audit (id TEXT PRIMARY KEY, at TEXT NOT NULL, data TEXT NOT NULL);
  CREATE INDEX audit_at ON audit(at DESC, id DESC);

  CREATE TABLE leases (name TEXT PRIMARY KEY, owner TEXT NOT NULL, token INTEGER NOT NULL, expires_at INTEGER NOT NULL);

  CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL);
  `,
  // 1 → 2: editors' accounts (web console) and cooldown claims (sign-up mails).
  `
  CREATE TABLE editors (id TEXT PRIMARY KEY, email_key TEXT NOT NULL UNIQUE, data TEXT NOT NULL);
  CREATE TABLE cooldowns (key TEXT PRIMARY KEY, until_ms INTEGER NOT NULL);
  CREATE INDEX cooldowns_until ON cooldowns(until_ms);
  `,
  // 2 → 3: the newsletter's send ledger (one row per subscriber and edition date: EML-10) and suppression list.
  `
  CREATE TABLE sends (
    subscriber_id TEXT NOT NULL, edition_date TEXT NOT NULL, state TEXT NOT NULL, fence INTEGER NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (subscriber_id, edition_date));
  CREATE INDEX sends_date_state ON sends(edition_date, state);
  CREATE TABLE suppressions (hash TEXT PRIMARY KEY, reason TEXT NOT NULL, at TEXT NOT NULL);
  `,
  // 3 → 4: edition summaries (listEditionSummaries): the items' article ids and the topic entropy in
  // their own columns, filled from the JSON for existing rows, and a covering index so a build reads
  // them without touching the (large) edition rows.
  `
  ALTER TABLE editions ADD COLUMN article_ids TEXT;
  ALTER TABLE editions ADD COLUMN topic_entropy REAL;
  UPDATE editions SET
    article_ids = (SELECT json_group_array(json_extract(it.value, '$.articleId')) FROM json_each(editions.data, '$.items') AS it
                   WHERE json_type(it.value, '$.articleId') = 'text'),
    topic_entropy = CASE WHEN json_type(data, '$.metrics.topicEntropy') IN ('real', 'integer') THEN json_extract(data, '$.metrics.topicEntropy') END;
  CREATE INDEX editions_summary ON editions(subscriber_id, date DESC, topic_entropy, article_ids);
  `,
  // 4 → 5: a subscriber's clicks in the order a build reads them (newest first, then id), with the article
  // id, so clickHistoriesOf is answered from the index alone and listClicksOf needs no sort; it replaces
  // clicks_subscriber (its prefix). The JSON body stays out of it: the index would double the table.
  `
  CREATE INDEX clicks_history ON clicks(subscriber_id, at DESC, id DESC, article_id);
  DROP INDEX clicks_subscriber;
  `,
  // 5 → 6: what editions show of each article (title, link, source, summary), stored once and named by
  // the items (src/store/edition-copies.ts). Editions saved before keep their items whole and read as they are.
  `
  CREATE TABLE edition_copies (key TEXT PRIMARY KEY, data TEXT NOT NULL) WITHOUT ROWID;
  `,
  // 6 → 7: the newest clicks in the order a build reads them, with who and what, so recentClicks is
  // answered from the index alone (not a row lookup per click); it replaces clicks_at (its prefix).
  `
  CREATE INDEX clicks_recent ON clicks(at DESC, id DESC, subscriber_id, article_id);
  DROP INDEX clicks_at;
  `,
];

export function migrate(db: Db, migrations: readonly Migration[]): void {
  for (;;) {
    const done = db.transaction(() => {
      // Re-read inside the write lock: another process may have migrated meanwhile.
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > migrations.length) {
        throw new UserError(`database schema version ${version} is newer than this Kiosque (${migrations.length}); upgrade Kiosque`);
      }
      if (version === migrations.length) return true;
      const step = migrations[version]!;
      if (typeof step === 'string') db.exec(step);
      else step(db);
      db.pragma(`user_version = ${version + 1}`);
      return false;
    }).immediate();
    if (done) return;
  }
}

// ───────────────────────── rows ↔ records ─────────────────────────

const snake = (s: string): string => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * Maps one record type to its table: spec fields marked `column` (and derived
 * fields) get their own column, the rest goes into the JSON `data` column.
 */
class TableCodec<R> {
  readonly table: string;
  readonly keyColumn: string;
  /** Column name → field spec, for the fields with their own column. */
  private readonly columnFields: [field: string, column: string, spec: FieldSpec][];
  private readonly dataFields: string[];
  private readonly derived: string[];
  /** Every column written, in a fixed order. */
  readonly columns: string[];

  constructor(readonly spec: RecordSpec<R>) {
    this.table = spec.name;
    this.keyColumn = snake(spec.key);
    const entries = Object.entries(spec.fields as Record<string, FieldSpec>);
    this.columnFields = entries.filter(([, f]) => f.column).map(([k, f]) => [k, snake(k), f]);
    this.dataFields = entries.filter(([, f]) => !f.column).map(([k]) => k);
    this.derived = Object.keys(spec.derived ?? {});
    this.columns = [...this.columnFields.map(([, c]) => c), ...this.derived.map(snake), 'data'];
  }

  /** Named parameters for a checked record. */
  toRow(rec: R): Row {
    const r = rec as Record<string, unknown>;
    const row: Row = {};
    for (const [field, col, f] of this.columnFields) row[col] = toSql(f, r[field]);
    for (const [name, v] of Object.entries(derivedValues(this.spec, r))) row[snake(name)] = v;
    const data: Record<string, unknown> = {};
    for (const k of this.dataFields) if (r[k] !== undefined) data[k] = r[k];
    row.data = JSON.stringify(data);
    return row;
  }

  fromRow(row: Row): R {
    const rec = JSON.parse(row.data as string) as Record<string, unknown>;
    for (const [field, col, f] of this.columnFields) {
      const v = row[col];
      if (v === null || v === undefined) {
        if (f.nullable) rec[field] = null;
      } else {
        rec[field] = fromSql(f, v);
      }
    }
    return rec as R;
  }

  private selectListCache: string | undefined;

  /** Column list of every SELECT (built once: it sits on every query's path). */
  get selectList(): string {
    return (this.selectListCache ??= [...this.columnFields.map(([, c]) => c), 'data'].join(', '));
  }

  insertSql(orIgnore = false): string {
    return `INSERT ${orIgnore ? 'OR IGNORE ' : ''}INTO ${this.table} (${this.columns.join(', ')}) VALUES (${this.columns.map((c) => `@${c}`).join(', ')})`;
  }

  /** Insert, or overwrite the row that has the same `conflict` columns. */
  upsertSql(conflict: string[]): string {
    const rest = this.columns.filter((c) => !conflict.includes(c));
    return `${this.insertSql()} ON CONFLICT (${conflict.join(', ')}) DO UPDATE SET ${rest.map((c) => `${c} = excluded.${c}`).join(', ')}`;
  }

  /** Overwrite the row with this record's key. */
  updateSql(): string {
    const rest = this.columns.filter((c) => c !== this.keyColumn);
    return `UPDATE ${this.table} SET ${rest.map((c) => `${c} = @${c}`).join(', ')} WHERE ${this.keyColumn} = @${this.keyColumn}`;
  }

  selectSql(tail: string): string {
    return `SELECT ${this.selectList} FROM ${this.table} ${tail}`;
  }
}

function toSql(f: FieldSpec, v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (f.type === 'bool') return v ? 1 : 0;
  if (f.type === 'json' || f.type === 'blob') return JSON.stringify(v);
  return v;
}

function fromSql(f: FieldSpec, v: unknown): unknown {
  if (f.type === 'bool') return v === 1;
  if (f.type === 'json' || f.type === 'blob') return JSON.parse(v as string);
  return v;
}

const T = {
  feeds: new TableCodec(FEED),
  articles: new TableCodec(ARTICLE),
  clusters: new TableCodec(CLUSTER),
  subscribers: new TableCodec(SUBSCRIBER),
  clicks: new TableCodec(CLICK),
  editions: new TableCodec(EDITION),
  settings: new TableCodec(SETTINGS),
  audit: new TableCodec(AUDIT),
};

/** WHERE clause from optional conditions; only present ones bind a value. */
function where(conds: [sql: string, value: unknown][]): { sql: string; params: unknown[] } {
  const present = conds.filter(([, v]) => v !== undefined);
  return {
    sql: present.length ? `WHERE ${present.map(([s]) => s).join(' AND ')}` : '',
    params: present.map(([, v]) => v).filter((v) => v !== NO_PARAM),
  };
}
/** Marks a condition that is present but binds nothing (e.g. `tags IS NULL`). */
const NO_PARAM = Symbol('no-param');

// ───────────────────────── errors and retries ─────────────────────────

const BUSY_CODES = new Set(['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_RECOVERY', 'SQLITE_BUSY_TIMEOUT', 'SQLITE_LOCKED']);

function sqliteCode(e: unknown): string {
  return typeof (e as { code?: unknown })?.code === 'string' ? (e as { code: string }).code : '';
}

export const isBusy = (e: unknown): boolean => BUSY_CODES.has(sqliteCode(e));
const isUnique = (e: unknown): boolean => ['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY'].includes(sqliteCode(e));
const isForeignKey = (e: unknown): boolean => sqliteCode(e) === 'SQLITE_CONSTRAINT_FOREIGNKEY';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface SqliteStoreOptions {
  clock?: Clock;
  /** busy_timeout in ms (default 5000). */
  busyTimeoutMs?: number;
  /** How many times a transaction that hit SQLITE_BUSY is retried (default 10). */
  busyRetries?: number;
  /**
   * Whether this connection copies the write-ahead log into the database
   * file itself once the log passes 1,000 pages (SQLite's default, true). A
   * build's worker threads turn it off: the copy and its fsync then stalled
   * whichever thread happened to commit, and the coordinating thread, idle
   * meanwhile, calls checkpoint() instead (src/edition/parallel/run.ts).
   */
  autoCheckpoint?: boolean;
}

// ───────────────────────── the store ─────────────────────────

/** Store.clickHistogram: clicks per article and UTC hour since a time, without sorting every click (see there). */
const HOURLY_CLICKS_SQL = `WITH RECURSIVE hours(id, h) AS (
    SELECT value, (SELECT substr(at, 1, 13) FROM clicks WHERE article_id = value AND at >= @since ORDER BY at LIMIT 1) FROM json_each(@ids)
    UNION ALL
    SELECT id, (SELECT substr(at, 1, 13) FROM clicks WHERE article_id = hours.id AND at >= h || ':60' ORDER BY at LIMIT 1) FROM hours WHERE h IS NOT NULL)
  SELECT id, h, (SELECT count(*) FROM clicks WHERE article_id = hours.id AND at >= max(h, @since) AND at < h || ':60') AS n FROM hours WHERE h IS NOT NULL`;

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private readonly clock: Clock;
  private readonly retries: number;
  private readonly statements = new Map<string, Database.Statement>();
  /** Article copies this instance has written (edition-copies.ts). */
  private readonly copies = new EditionCopies();
  private readonly runInTx: Database.Transaction<(f: () => unknown) => unknown>;
  /** Transactions that had to be retried after SQLITE_BUSY (for tests and diagnostics). */
  busyRetries = 0;

  constructor(
    /** The connection, for maintenance (backup, integrity check) and crash tests. */
    readonly db: Db,
    opts: SqliteStoreOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.retries = opts.busyRetries ?? 10;
    this.runInTx = db.transaction((f: () => unknown) => f());
  }

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** Runs `fn`, retrying with jittered backoff while another connection holds the lock. */
  private async retrying<T>(fn: () => T): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return fn();
      } catch (e) {
        if (!isBusy(e)) throw e;
        if (attempt >= this.retries) throw new UserError(`database is busy (${sqliteCode(e)}) after ${attempt + 1} attempts: ${oneLine(e)}`);
        this.busyRetries++;
        await sleep(Math.min(1000, 10 * 2 ** attempt) * (0.5 + Math.random()));
      }
    }
  }

  /** A write transaction (BEGIN IMMEDIATE), retried on busy. */
  private write<T>(fn: () => T): Promise<T> {
    return this.retrying(() => this.runInTx.immediate(fn) as T);
  }

  private read<T>(fn: () => T): Promise<T> {
    return this.retrying(fn);
  }

  private one<R>(codec: TableCodec<R>, tail: string, ...params: unknown[]): R | null {
    const row = this.stmt(codec.selectSql(tail)).get(...params) as Row | undefined;
    return row ? codec.fromRow(row) : null;
  }

  private many<R>(codec: TableCodec<R>, tail: string, ...params: unknown[]): R[] {
    return (this.stmt(codec.selectSql(tail)).all(...params) as Row[]).map((r) => codec.fromRow(r));
  }

  private count(table: string, w: { sql: string; params: unknown[] }): number {
    return (this.stmt(`SELECT count(*) AS n FROM ${table} ${w.sql}`).get(...w.params) as { n: number }).n;
  }

  /** Rows whose key is in `ids`, in the order of `ids` (missing ones skipped). */
  private byIds<R>(codec: TableCodec<R>, ids: string[]): R[] {
    if (!ids.length) return [];
    const found = new Map<string, R>();
    for (const rec of this.many(codec, `WHERE ${codec.keyColumn} IN (SELECT value FROM json_each(?))`, JSON.stringify(ids))) {
      found.set((rec as Record<string, unknown>)[codec.spec.key] as string, rec);
    }
    return [...new Set(ids)].flatMap((id) => (found.has(id) ? [found.get(id)!] : []));
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  /**
   * Copies what it can of the write-ahead log into the database file without
   * waiting for readers or writers (a passive checkpoint). The log starts over
   * from its beginning at the next write once it has been copied whole.
   */
  checkpoint(): { logPages: number; copiedPages: number } {
    const r = (this.db.pragma('wal_checkpoint(PASSIVE)') as { log: number; checkpointed: number }[])[0];
    return { logPages: r?.log ?? 0, copiedPages: r?.checkpointed ?? 0 };
  }

  /** `PRAGMA integrity_check` result ("ok" when the file is sound). */
  integrityCheck(): string {
    return (this.db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
  }

  // ───── feeds ─────

  async upsertFeed(feed: NewFeed): Promise<FeedRecord> {
    const url = normalizeFeedUrl(feed?.url);
    return this.write(() => {
      const existing = this.one(T.feeds, 'WHERE url = ?', url);
      if (existing) {
        const rec = redeclaredFeed(existing, feed);
        this.stmt(T.feeds.updateSql()).run(T.feeds.toRow(rec));
        return rec;
      }
      let id = feedIdCandidate(url, 0);
      // The hash may belong to a feed that moved away from this url after a redirect.
      for (let i = 1; this.one(T.feeds, 'WHERE id = ?', id); i++) id = feedIdCandidate(url, i);
      const rec = newFeedRecord(feed, id, this.clock.now());
      this.stmt(T.feeds.insertSql()).run(T.feeds.toRow(rec));
      return rec;
    });
  }

  async getFeed(id: string): Promise<FeedRecord | null> {
    const key = checkId(id, 'feed id');
    return this.read(() => this.one(T.feeds, 'WHERE id = ?', key));
  }

  async getFeedByUrl(url: string): Promise<FeedRecord | null> {
    let key: string;
    try {
      key = normalizeFeedUrl(url);
    } catch {
      return null;
    }
    return this.read(() => this.one(T.feeds, 'WHERE url = ?', key));
  }

  async listFeeds(opts: { status?: FeedRecord['status'] } = {}): Promise<FeedRecord[]> {
    const status = opts.status === undefined ? undefined : checkOneOf(opts.status, ['active', 'disabled', 'gone'], 'feed status');
    const w = where([['status = ?', status]]);
    return this.read(() => this.many(T.feeds, `${w.sql} ORDER BY created_at, id`, ...w.params));
  }

  async updateFeed(id: string, patch: FeedPatch): Promise<FeedRecord> {
    const key = checkId(id, 'feed id');
    const p = checkPatch(FEED, patch, ['id', 'createdAt'], `feed ${key}`);
    if (p.set.url !== undefined) p.set.url = normalizeFeedUrl(p.set.url);
    return this.write(() => {
      const existing = this.one(T.feeds, 'WHERE id = ?', key);
      if (!existing) throw new UserError(`feed not found: ${key}`);
      if (p.set.url !== undefined && p.set.url !== existing.url) {
        const other = this.one(T.feeds, 'WHERE url = ?', p.set.url);
        if (other) throw new UserError(`feed ${key}: url ${p.set.url} already belongs to feed ${other.id}`);
      }
      const rec = checkRecord(FEED, applyPatch(existing, p));
      this.stmt(T.feeds.updateSql()).run(T.feeds.toRow(rec));
      return rec;
    });
  }

  async deleteFeed(id: string): Promise<void> {
    const key = checkId(id, 'feed id');
    await this.write(() => this.stmt('DELETE FROM feeds WHERE id = ?').run(key));
  }

  // ───── articles ─────

  async upsertArticles(articles: Article[]): Promise<UpsertResult> {
    if (!Array.isArray(articles)) throw new UserError('upsertArticles expects an array');
    const clean = articles.map((a) => checkRecord(ARTICLE, a, 'article'));
    return this.write(() => {
      const result: UpsertResult = { inserted: 0, updated: 0, ids: [], isNew: [] };
      for (const a of clean) {
        const existing =
          this.one(T.articles, 'WHERE id = ?', a.id) ?? this.one(T.articles, 'WHERE feed_id = ? AND guid_hash = ?', a.feedId, a.guidHash);
        if (existing) {
          this.stmt(T.articles.updateSql()).run(T.articles.toRow(refreshedArticle(existing, a)));
          result.updated++;
        } else {
          this.stmt(T.articles.insertSql()).run(T.articles.toRow(a));
          result.inserted++;
        }
        result.ids.push(existing?.id ?? a.id);
        result.isNew.push(!existing);
      }
      return result;
    });
  }

  async getArticle(id: string): Promise<Article | null> {
    const key = checkId(id, 'article id');
    return this.read(() => this.one(T.articles, 'WHERE id = ?', key));
  }

  async getArticles(ids: string[]): Promise<Article[]> {
    const keys = checkIds(ids, 'article ids');
    return this.read(() => this.byIds(T.articles, keys));
  }

  private articleWhere(q: Pick<ArticleQuery, 'since' | 'until' | 'feedId' | 'tagged'>) {
    return where([
      ['published_at >= ?', q.since],
      ['published_at < ?', q.until],
      ['feed_id = ?', q.feedId],
      [q.tagged ? 'tags IS NOT NULL' : 'tags IS NULL', q.tagged === undefined ? undefined : NO_PARAM],
    ]);
  }

  async listArticles(q?: ArticleQuery): Promise<Article[]> {
    const c = checkArticleQuery(q);
    const w = this.articleWhere(c);
    return this.read(() => this.many(T.articles, `${w.sql} ORDER BY published_at DESC, id DESC LIMIT ? OFFSET ?`, ...w.params, c.limit, c.offset));
  }

  async countArticles(q: Pick<ArticleQuery, 'since' | 'feedId'> = {}): Promise<number> {
    const c = checkArticleQuery({ ...(q.since !== undefined ? { since: q.since } : {}), ...(q.feedId !== undefined ? { feedId: q.feedId } : {}) });
    return this.read(() => this.count('articles', this.articleWhere(c)));
  }

  async setArticleTags(updates: { id: string; tags: ArticleTags }[]): Promise<void> {
    const rows = updates.map((u, i) => [checkId(u?.id, `tags update ${i}: id`), toSql(ARTICLE.fields.tags, checkField(ARTICLE.fields.tags, u.tags, `article ${u.id}: tags`))]);
    await this.write(() => {
      for (const [id, tags] of rows) this.stmt('UPDATE articles SET tags = ? WHERE id = ?').run(tags, id);
    });
  }

  async setArticleCluster(updates: { id: string; clusterId: string }[]): Promise<void> {
    const rows = updates.map((u, i) => [checkId(u?.id, `cluster update ${i}: id`), checkId(u.clusterId, `article ${u.id}: clusterId`)]);
    await this.write(() => {
      for (const [id, clusterId] of rows) this.stmt('UPDATE articles SET cluster_id = ? WHERE id = ?').run(clusterId, id);
    });
  }

  // ───── clusters ─────

  async upsertClusters(clusters: StoryCluster[]): Promise<void> {
    const rows = clusters.map((c) => T.clusters.toRow(checkRecord(CLUSTER, c, 'cluster')));
    await this.write(() => {
      for (const row of rows) this.stmt(T.clusters.upsertSql(['id'])).run(row);
    });
  }

  async getCluster(id: string): Promise<StoryCluster | null> {
    const key = checkId(id, 'cluster id');
    return this.read(() => this.one(T.clusters, 'WHERE id = ?', key));
  }

  async getClusters(ids: string[]): Promise<StoryCluster[]> {
    const keys = checkIds(ids, 'cluster ids');
    return this.read(() => this.byIds(T.clusters, keys));
  }

  async countClusters(): Promise<number> {
    return this.read(() => this.count('clusters', where([])));
  }

  // ───── subscribers ─────

  async createSubscriber(s: Subscriber): Promise<Subscriber> {
    const rec = checkRecord(SUBSCRIBER, s, 'subscriber');
    return this.write(() => {
      if (this.one(T.subscribers, 'WHERE email_key = ?', emailKey(rec.email))) throw duplicateEmail();
      if (this.one(T.subscribers, 'WHERE id = ?', rec.id)) throw new UserError(`subscriber id already exists: ${rec.id}`);
      this.stmt(T.subscribers.insertSql()).run(T.subscribers.toRow(rec));
      return rec;
    });
  }

  async getSubscriber(id: string): Promise<Subscriber | null> {
    const key = checkId(id, 'subscriber id');
    return this.read(() => this.one(T.subscribers, 'WHERE id = ?', key));
  }

  async getSubscriberByEmail(email: string): Promise<Subscriber | null> {
    const key = emailKey(checkId(email, 'email', 320));
    return this.read(() => this.one(T.subscribers, 'WHERE email_key = ?', key));
  }

  async updateSubscriber(id: string, patch: SubscriberPatch): Promise<Subscriber> {
    const key = checkId(id, 'subscriber id');
    const p = checkPatch(SUBSCRIBER, patch, ['id', 'createdAt'], `subscriber ${key}`);
    return this.write(() => {
      const existing = this.one(T.subscribers, 'WHERE id = ?', key);
      if (!existing) throw new UserError(`subscriber not found: ${key}`);
      const rec = checkRecord(SUBSCRIBER, applyPatch(existing, p));
      if (emailKey(rec.email) !== emailKey(existing.email) && this.one(T.subscribers, 'WHERE email_key = ?', emailKey(rec.email))) {
        throw duplicateEmail();
      }
      this.stmt(T.subscribers.updateSql()).run(T.subscribers.toRow(rec));
      return rec;
    });
  }

  async listSubscribers(opts: { status?: Subscriber['status']; afterId?: string; limit?: number } = {}): Promise<Subscriber[]> {
    const status = opts.status === undefined ? undefined : checkOneOf(opts.status, SUBSCRIBER.fields.status.oneOf as Subscriber['status'][], 'subscriber status');
    const afterId = opts.afterId === undefined ? undefined : checkId(opts.afterId, 'afterId');
    const limit = boundLimit(opts.limit, 'subscribers limit');
    const w = where([
      ['status = ?', status],
      ['id > ?', afterId],
    ]);
    return this.read(() => this.many(T.subscribers, `${w.sql} ORDER BY id LIMIT ?`, ...w.params, limit));
  }

  async listSubscriberIds(opts: { afterId?: string; limit?: number } = {}): Promise<string[]> {
    const afterId = opts.afterId === undefined ? undefined : checkId(opts.afterId, 'afterId');
    const limit = boundLimit(opts.limit, 'subscribers limit');
    const w = where([['id > ?', afterId]]);
    // From the primary key's index alone.
    return this.read(() => (this.rawStmt(`SELECT /* raw */ id FROM subscribers ${w.sql} ORDER BY id LIMIT ?`).all(...w.params, limit) as [string][]).map((r) => r[0]));
  }

  async countSubscribers(): Promise<number> {
    return this.read(() => this.count('subscribers', where([])));
  }

  async eraseSubscriber(id: string): Promise<void> {
    const key = checkId(id, 'subscriber id');
    // Explicit steps (the foreign keys would do the same) so the intent is readable here.
    await this.write(() => {
      this.stmt('UPDATE clicks SET subscriber_id = NULL, edition_id = NULL WHERE subscriber_id = ?').run(key);
      this.stmt('DELETE FROM editions WHERE subscriber_id = ?').run(key);
      this.stmt('DELETE FROM sends WHERE subscriber_id = ?').run(key);
      this.stmt('DELETE FROM subscribers WHERE id = ?').run(key);
    });
  }

  // ───── clicks ─────

  async addClick(c: Click): Promise<void> {
    const rec = checkRecord(CLICK, c, 'click');
    await this.write(() => {
      // A click for an unknown (e.g. erased) subscriber is kept, anonymised.
      const known = rec.subscriberId !== null && this.stmt('SELECT 1 FROM subscribers WHERE id = ?').get(rec.subscriberId);
      const stored: Click = known ? rec : { ...rec, subscriberId: null };
      if (!known) delete stored.editionId;
      this.stmt(T.clicks.insertSql(true)).run(T.clicks.toRow(stored));
    });
  }

  async listClicks(q?: ClickQuery): Promise<Click[]> {
    const c = checkClickQuery(q);
    const w = where([
      ['subscriber_id = ?', c.subscriberId],
      ['article_id = ?', c.articleId],
      ['at >= ?', c.since],
    ]);
    return this.read(() => this.clickRows(`${w.sql} ORDER BY at DESC, id DESC LIMIT ?`, ...w.params, c.limit));
  }

  async recentClicks(q: { since: IsoTime; limit?: number }): Promise<RecentClick[]> {
    const c = checkClickQuery({ since: q?.since, ...(q?.limit !== undefined ? { limit: q.limit } : {}) });
    const sql = 'SELECT /* raw */ subscriber_id, article_id, at FROM clicks WHERE at >= ? ORDER BY at DESC, id DESC LIMIT ?';
    return this.read(() => {
      const rows = this.rawStmt(sql).all(c.since ?? '', c.limit) as [string | null, string, string][];
      const out: RecentClick[] = new Array(rows.length);
      for (let i = 0; i < rows.length; i++) out[i] = { subscriberId: rows[i]![0], articleId: rows[i]![1], at: rows[i]![2] };
      return out;
    });
  }

  async listClicksOf(subscriberIds: readonly string[], since: IsoTime): Promise<Click[]> {
    const ids = checkSubscriberIdList(subscriberIds);
    const from = canonicalTime(since, 'listClicksOf since');
    if (!ids.length) return [];
    const marks = ids.map(() => '?').join(', ');
    return this.read(() => this.clickRows(`WHERE subscriber_id IN (${marks}) AND at >= ? ORDER BY subscriber_id, at DESC, id DESC`, ...ids, from));
  }

  async clickHistoriesOf(subscriberIds: readonly string[], since: IsoTime): Promise<Map<string, ClickHistoryEntry[]>> {
    const ids = checkSubscriberIdList(subscriberIds);
    const from = canonicalTime(since, 'clickHistoriesOf since');
    const out = new Map<string, ClickHistoryEntry[]>();
    if (!ids.length) return out;
    // One row per subscriber from clicks_history alone: [[articleId, at], …] as JSON text, newest first.
    // Far fewer values cross into JS than one row per click (the build reads tens of thousands per page).
    const sql = `SELECT /* raw */ subscriber_id, json_group_array(json_array(article_id, at) ORDER BY at DESC, id DESC) FROM clicks
      WHERE subscriber_id IN (${ids.map(() => '?').join(', ')}) AND at >= ? GROUP BY subscriber_id`;
    return this.read(() => {
      const rows = this.rawStmt(sql).all(...ids, from) as [string, string][];
      for (const [sid, text] of rows) {
        const pairs = JSON.parse(text) as [string, string][];
        const list: ClickHistoryEntry[] = new Array(pairs.length);
        for (let i = 0; i < pairs.length; i++) list[i] = { articleId: pairs[i]![0], at: pairs[i]![1] };
        out.set(sid, list);
      }
      return out;
    });
  }

  /** A statement that returns array rows; its own text (marked raw) so stmt()'s callers never get one. */
  private rawStmt(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql).raw(true);
      this.statements.set(sql, st);
    }
    return st;
  }

  /**
   * Clicks as T.clicks.fromRow would give them, from array rows and without
   * parsing an empty JSON body: builds read hundreds of thousands of clicks.
   */
  private clickRows(tail: string, ...params: unknown[]): Click[] {
    // Its own text: a raw (array-row) statement must never be handed to stmt()'s callers.
    const sql = `SELECT /* raw */ id, subscriber_id, article_id, edition_id, at, data FROM clicks ${tail}`;
    const rows = this.rawStmt(sql).all(...params) as [string, string | null, string, string | null, string, string][];
    const out: Click[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      const rec = (r[5] === '{}' ? {} : JSON.parse(r[5])) as Click;
      rec.id = r[0];
      rec.subscriberId = r[1];
      rec.articleId = r[2];
      if (r[3] !== null) rec.editionId = r[3];
      rec.at = r[4];
      out[i] = rec;
    }
    return out;
  }

  async clickCounts(since: IsoTime): Promise<Map<string, number>> {
    const from = canonicalTime(since, 'clickCounts since');
    return this.read(() => {
      const rows = this.stmt('SELECT article_id AS id, count(*) AS n FROM clicks WHERE at >= ? GROUP BY article_id').all(from) as { id: string; n: number }[];
      return new Map(rows.map((r) => [r.id, r.n]));
    });
  }

  async clickHistogram(articleIds: readonly string[], since: IsoTime): Promise<ClickHourCount[]> {
    const ids = [...new Set(checkIds(articleIds, 'clickHistogram article ids'))];
    const from = canonicalTime(since, 'clickHistogram since');
    if (!ids.length) return [];
    return this.read(() => {
      // Stored times are canonical ISO strings: their first 13 characters name the UTC hour, and
      // "<hour>:60" sorts after every time of that hour. Hour by hour along the (article_id, at)
      // index: the first click at or after the last hour's end names the next hour, and that hour's
      // clicks are counted as an index range. A GROUP BY instead sorted every click through a temporary
      // B-tree (0.81 s for the 1.7 million clicks on a 100k-subscriber bench's candidates; this: 0.10 s).
      const rows = this.stmt(HOURLY_CLICKS_SQL).all({ ids: JSON.stringify(ids), since: from }) as { id: string; h: string; n: number }[];
      return rows.map((r) => ({ articleId: r.id, hour: `${r.h}:00:00.000Z`, clicks: r.n }));
    });
  }

  // ───── editions ─────

  async saveEdition(e: Edition): Promise<void> {
    await this.saveEditions([e]);
  }

  /** Saves many editions in one transaction (each replaces the one for its subscriber and date). */
  async saveEditions(editions: Edition[]): Promise<void> {
    const split = this.copies.split(editions);
    const rows = split.editions.map((e) => T.editions.toRow(checkRecord(EDITION, e, 'edition')));
    const copies = split.fresh.map((c) => [c.key, JSON.stringify(c.fields)]);
    const sql = T.editions.upsertSql(['subscriber_id', 'date']);
    await this.write(() => {
      for (const c of copies) this.stmt('INSERT OR IGNORE INTO edition_copies (key, data) VALUES (?, ?)').run(...c);
      for (const row of rows) {
        try {
          this.stmt(sql).run(row);
        } catch (err) {
          if (isForeignKey(err)) throw new UserError(`edition ${String(row.id)}: unknown subscriber ${String(row.subscriber_id)}`);
          if (isUnique(err)) throw new UserError(`edition id ${String(row.id)} is already used by another subscriber or date`);
          throw err;
        }
      }
    });
    split.saved();
  }

  /** Stored editions with their items' article copies joined back (edition-copies.ts). */
  private withCopies(editions: Edition[]): Edition[] {
    const keys = copyKeysOf(editions);
    if (!keys.length) return editions;
    const copies = new Map<string, Record<string, unknown>>();
    const sql = 'SELECT key, data FROM edition_copies WHERE key IN (SELECT value FROM json_each(?))';
    for (const r of this.stmt(sql).all(JSON.stringify(keys)) as { key: string; data: string }[]) copies.set(r.key, JSON.parse(r.data) as Record<string, unknown>);
    return joinCopies(editions, copies);
  }

  async getEdition(subscriberId: string, date: IsoDate): Promise<Edition | null> {
    const sid = checkId(subscriberId, 'subscriber id');
    const d = checkDate(date, 'edition date');
    return this.read(() => this.withCopies([this.one(T.editions, 'WHERE subscriber_id = ? AND date = ?', sid, d)].filter((e) => e !== null))[0] ?? null);
  }

  async getEditionById(id: string): Promise<Edition | null> {
    const key = checkId(id, 'edition id');
    return this.read(() => this.withCopies([this.one(T.editions, 'WHERE id = ?', key)].filter((e) => e !== null))[0] ?? null);
  }

  async listEditions(opts: { subscriberId?: string; date?: IsoDate; limit?: number }): Promise<Edition[]> {
    const c = checkEditionQuery(opts);
    const w = where([
      ['subscriber_id = ?', c.subscriberId],
      ['date = ?', c.date],
    ]);
    return this.read(() => this.withCopies(this.many(T.editions, `${w.sql} ORDER BY date DESC, subscriber_id LIMIT ?`, ...w.params, c.limit)));
  }

  async countEditions(opts: { date?: IsoDate } = {}): Promise<number> {
    const c = checkEditionQuery({ ...(opts.date !== undefined ? { date: opts.date } : {}) });
    return this.read(() => this.count('editions', where([['date = ?', c.date]])));
  }

  async listEditionSummaries(subscriberIds: readonly string[], q: EditionSummaryQuery): Promise<EditionSummary[]> {
    const ids = checkSubscriberIdList(subscriberIds);
    const c = checkSummaryQuery(q);
    if (!ids.length || c.perSubscriber === 0) return [];
    const marks = ids.map(() => '?').join(', ');
    // One index range per subscriber, newest first, cut at perSubscriber (answered from editions_summary alone).
    const sql = `SELECT subscriber_id, date, article_ids, topic_entropy FROM (
        SELECT subscriber_id, date, article_ids, topic_entropy, row_number() OVER (PARTITION BY subscriber_id ORDER BY date DESC) AS k
        FROM editions WHERE subscriber_id IN (${marks}) AND date < ? AND date >= ?)
      WHERE k <= ? ORDER BY subscriber_id, date DESC`;
    return this.read(() =>
      (this.stmt(sql).all(...ids, c.before, c.since ?? '', c.perSubscriber) as Row[]).map((r) => ({
        subscriberId: r.subscriber_id as string,
        date: r.date as string,
        articleIds: typeof r.article_ids === 'string' ? (JSON.parse(r.article_ids) as string[]) : [],
        topicEntropy: typeof r.topic_entropy === 'number' ? r.topic_entropy : null,
      })),
    );
  }

  // ───── settings and audit ─────

  async getSettings<S = unknown>(): Promise<SettingsVersion<S> | null> {
    return this.read(() => this.one(T.settings, 'ORDER BY version DESC LIMIT 1') as SettingsVersion<S> | null);
  }

  async getSettingsVersion<S = unknown>(version: number): Promise<SettingsVersion<S> | null> {
    const v = checkVersion(version);
    return this.read(() => this.one(T.settings, 'WHERE version = ?', v) as SettingsVersion<S> | null);
  }

  /** Oldest first. */
  async listSettingsVersions<S = unknown>(): Promise<SettingsVersion<S>[]> {
    return this.read(() => this.many(T.settings, 'ORDER BY version') as SettingsVersion<S>[]);
  }

  async saveSettings<S>(settings: S, author: string, note?: string): Promise<SettingsVersion<S>> {
    const who = checkAuthor(author);
    return this.write(() => {
      const { v } = this.stmt('SELECT coalesce(max(version), 0) + 1 AS v FROM settings').get() as { v: number };
      const rec = checkRecord(SETTINGS, { version: v, settings, author: who, createdAt: this.clock.now().toISOString(), note }, 'settings');
      this.stmt(T.settings.insertSql()).run(T.settings.toRow(rec));
      return rec as SettingsVersion<S>;
    });
  }

  async addAudit(entry: AuditEntry): Promise<void> {
    const row = T.audit.toRow(checkRecord(AUDIT, entry, 'audit entry'));
    await this.write(() => this.stmt(T.audit.insertSql(true)).run(row));
  }

  /** Newest first. */
  async listAudit(opts: { limit?: number } = {}): Promise<AuditEntry[]> {
    const limit = boundLimit(opts.limit, 'audit limit', DEFAULT_AUDIT_LIMIT);
    return this.read(() => this.many(T.audit, 'ORDER BY at DESC, id DESC LIMIT ?', limit));
  }

  // ───── leases (this machine's clock: every SQLite user shares it) ─────

  async acquireLease(name: string, owner: string, ttlMs: number): Promise<Lease | null> {
    const a = checkLeaseArgs(name, owner, ttlMs);
    return this.write(() => {
      const now = this.clock.now().getTime();
      const row = this.stmt('SELECT owner, token, expires_at FROM leases WHERE name = ?').get(a.name) as
        | { owner: string; token: number; expires_at: number }
        | undefined;
      const held = row !== undefined && row.expires_at > now;
      if (held && row.owner !== a.owner) return null;
      // Same live owner keeps its token; any change of hands (or a lapse) bumps it.
      const token = held ? row.token : (row?.token ?? 0) + 1;
      const expiresAt = now + a.ttlMs;
      this.stmt(
        'INSERT INTO leases (name, owner, token, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, token = excluded.token, expires_at = excluded.expires_at',
      ).run(a.name, a.owner, token, expiresAt);
      return { name: a.name, owner: a.owner, token, expiresAt: new Date(expiresAt).toISOString() };
    });
  }

  async renewLease(lease: Lease, ttlMs: number): Promise<boolean> {
    const a = checkLeaseArgs(lease?.name, lease?.owner, ttlMs);
    const token = checkField({ type: 'int' }, lease.token, 'lease token');
    return this.write(() => {
      const expiresAt = this.clock.now().getTime() + a.ttlMs;
      // Nobody else took it while the token is unchanged, so a late renewal is still safe.
      const r = this.stmt('UPDATE leases SET expires_at = ? WHERE name = ? AND owner = ? AND token = ?').run(expiresAt, a.name, a.owner, token);
      return r.changes === 1;
    });
  }

  async releaseLease(lease: Lease): Promise<void> {
    const a = checkLeaseArgs(lease?.name, lease?.owner, 1);
    const token = checkField({ type: 'int' }, lease.token, 'lease token');
    // The row (and its token) stays, so the next holder's token is still larger.
    await this.write(() => this.stmt("UPDATE leases SET owner = '', expires_at = 0 WHERE name = ? AND owner = ? AND token = ?").run(a.name, a.owner, token));
  }

  // ───── editors ─────

  async createEditor(e: EditorAccount): Promise<EditorAccount> {
    const rec = checkEditor(e);
    return this.write(() => {
      if (this.stmt('SELECT 1 FROM editors WHERE email_key = ?').get(rec.email)) throw duplicateEditor();
      if (this.stmt('SELECT 1 FROM editors WHERE id = ?').get(rec.id)) throw new UserError(`editor id already exists: ${rec.id}`);
      this.stmt('INSERT INTO editors (id, email_key, data) VALUES (?, ?, ?)').run(rec.id, rec.email, JSON.stringify(rec));
      return rec;
    });
  }

  async getEditor(id: string): Promise<EditorAccount | null> {
    const key = checkId(id, 'editor id');
    return this.read(() => {
      const row = this.stmt('SELECT data FROM editors WHERE id = ?').get(key) as { data: string } | undefined;
      return row ? (JSON.parse(row.data) as EditorAccount) : null;
    });
  }

  async getEditorByEmail(email: string): Promise<EditorAccount | null> {
    const key = emailKey(checkId(email, 'email', 320));
    return this.read(() => {
      const row = this.stmt('SELECT data FROM editors WHERE email_key = ?').get(key) as { data: string } | undefined;
      return row ? (JSON.parse(row.data) as EditorAccount) : null;
    });
  }

  async listEditors(): Promise<EditorAccount[]> {
    return this.read(() => (this.stmt('SELECT data FROM editors ORDER BY email_key').all() as { data: string }[]).map((r) => JSON.parse(r.data) as EditorAccount));
  }

  async deleteEditor(id: string): Promise<boolean> {
    const key = checkId(id, 'editor id');
    return this.write(() => this.stmt('DELETE FROM editors WHERE id = ?').run(key).changes > 0);
  }

  async claimCooldown(key: string, ttlMs: number): Promise<boolean> {
    const k = checkId(key, 'cooldown key', 200);
    if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new UserError('cooldown ttlMs must be a positive number');
    const now = this.clock.now().getTime();
    return this.write(() => {
      this.stmt('DELETE FROM cooldowns WHERE until_ms <= ?').run(now);
      // The conflict branch only fires for a live claim, which the DELETE left alone: then nothing changes.
      return this.stmt('INSERT INTO cooldowns (key, until_ms) VALUES (?, ?) ON CONFLICT (key) DO NOTHING').run(k, now + Math.ceil(ttlMs)).changes === 1;
    });
  }

  // ───── newsletter send ledger and suppression list ─────

  private sendRow(subscriberId: string, editionDate: string): SendRecord | null {
    const row = this.stmt('SELECT data FROM sends WHERE subscriber_id = ? AND edition_date = ?').get(subscriberId, editionDate) as { data: string } | undefined;
    return row ? (JSON.parse(row.data) as SendRecord) : null;
  }

  private putSend(rec: SendRecord): void {
    this.stmt(
      'INSERT INTO sends (subscriber_id, edition_date, state, fence, data) VALUES (?, ?, ?, ?, ?) ON CONFLICT (subscriber_id, edition_date) DO UPDATE SET state = excluded.state, fence = excluded.fence, data = excluded.data',
    ).run(rec.subscriberId, rec.editionDate, rec.state, rec.fence, JSON.stringify(rec));
  }

  async claimSend(claim: SendClaim, fence: number): Promise<SendRecord | null> {
    const c = checkClaim(claim);
    const f = checkFence(fence);
    return this.write(() => {
      const now = this.clock.now();
      const existing = this.sendRow(c.subscriberId, c.editionDate);
      if (existing && !claimable(existing, f, now)) return null;
      const rec: SendRecord = existing ? { ...existing, fence: f, updatedAt: now.toISOString() } : newSendRecord(c, f, now);
      this.putSend(rec);
      return rec;
    });
  }

  async updateSend(subscriberId: string, editionDate: IsoDate, fence: number, update: SendUpdate): Promise<boolean> {
    const sid = checkId(subscriberId, 'subscriber id');
    const d = checkDate(editionDate, 'edition date');
    const f = checkFence(fence);
    const u = checkSendUpdate(update);
    return this.write(() => {
      const existing = this.sendRow(sid, d);
      if (!existing || existing.fence !== f) return false;
      this.putSend(applySendUpdate(existing, u, this.clock.now()));
      return true;
    });
  }

  async getSend(subscriberId: string, editionDate: IsoDate): Promise<SendRecord | null> {
    const sid = checkId(subscriberId, 'subscriber id');
    const d = checkDate(editionDate, 'edition date');
    return this.read(() => this.sendRow(sid, d));
  }

  async listSends(q?: SendQuery): Promise<SendRecord[]> {
    const c = checkSendQuery(q);
    const w = where([
      ['subscriber_id = ?', c.subscriberId],
      ['edition_date = ?', c.editionDate],
      ['edition_date >= ?', c.since],
      ['state = ?', c.state],
    ]);
    return this.read(() =>
      (this.stmt(`SELECT data FROM sends ${w.sql} ORDER BY edition_date DESC, subscriber_id LIMIT ?`).all(...w.params, c.limit) as { data: string }[]).map(
        (r) => JSON.parse(r.data) as SendRecord,
      ),
    );
  }

  async addSuppression(s: Suppression): Promise<void> {
    const hash = checkSuppressionHash(s?.hash);
    const reason = checkOneOf(s.reason, SUPPRESSION_REASONS, 'suppression reason');
    const at = canonicalTime(s.at, 'suppression time');
    // The first reason is kept: an erasure after an unsubscribe changes nothing that matters.
    await this.write(() => this.stmt('INSERT INTO suppressions (hash, reason, at) VALUES (?, ?, ?) ON CONFLICT (hash) DO NOTHING').run(hash, reason, at));
  }

  async isSuppressed(hash: string): Promise<boolean> {
    const h = checkSuppressionHash(hash);
    return this.read(() => this.stmt('SELECT 1 FROM suppressions WHERE hash = ?').get(h) !== undefined);
  }

  async getSuppression(hash: string): Promise<Suppression | null> {
    const h = checkSuppressionHash(hash);
    return this.read(() => (this.stmt('SELECT hash, reason, at FROM suppressions WHERE hash = ?').get(h) as Suppression | undefined) ?? null);
  }

  async removeSuppression(hash: string): Promise<boolean> {
    const h = checkSuppressionHash(hash);
    return this.write(() => this.stmt('DELETE FROM suppressions WHERE hash = ?').run(h).changes > 0);
  }

  // ───── kv ─────

  async getKv<T>(key: string): Promise<T | null> {
    const k = checkId(key, 'kv key', 200);
    return this.read(() => {
      const row = this.stmt('SELECT value FROM kv WHERE key = ?').get(k) as { value: string } | undefined;
      return row ? (JSON.parse(row.value) as T) : null;
    });
  }

  async pruneState(prefix: string, before: IsoTime): Promise<{ kv: number; leases: number }> {
    const p = checkId(prefix, 'state prefix', 200);
    const t = canonicalTime(before, 'pruneState before');
    return this.write(() => ({
      kv: this.stmt('DELETE FROM kv WHERE substr(key, 1, ?) = ? AND updated_at < ?').run(p.length, p, t).changes,
      // Lease times are this machine's milliseconds (see acquireLease).
      leases: this.stmt('DELETE FROM leases WHERE substr(name, 1, ?) = ? AND expires_at < ?').run(p.length, p, Date.parse(t)).changes,
    }));
  }

  async setKv<T>(key: string, value: T): Promise<void> {
    const k = checkId(key, 'kv key', 200);
    const text = toJsonText(value, `kv ${k}`);
    await this.write(() =>
      this.stmt('INSERT INTO kv (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at').run(
        k,
        text,
        this.clock.now().toISOString(),
      ),
    );
  }
}

function duplicateEditor(): UserError {
  return new UserError('an editor with this e-mail address already exists');
}

function duplicateEmail(): UserError {
  return new UserError('a subscriber with this e-mail address already exists');
}

/**
 * Page size of database files this store creates. An edition row is ~7 KB of
 * JSON (13 KB before its article copies were stored apart): with SQLite's
 * default 4 KB pages it spills over overflow pages, each written (and logged
 * in the WAL) apart; a 16 KB page holds two.
 * Existing files keep the page size they were created with (changing it takes
 * a VACUUM outside WAL mode, which a running store never does); both work.
 */
export const NEW_FILE_PAGE_SIZE = 16384;

/**
 * Opens (creating when missing) the SQLite store at `file` and brings its
 * schema up to date. `:memory:` works for throwaway stores.
 */
export function openSqliteStore(file: string, opts: SqliteStoreOptions = {}): SqliteStore {
  let db: Db;
  try {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    db = new Database(file);
  } catch (e) {
    throw new UserError(`cannot open SQLite database ${file}: ${oneLine(e)}`);
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`);
    // A new file only (no page written yet; WAL would fix the size): see NEW_FILE_PAGE_SIZE.
    if (db.pragma('page_count', { simple: true }) === 0) db.pragma(`page_size = ${NEW_FILE_PAGE_SIZE}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    if (opts.autoCheckpoint === false) db.pragma('wal_autocheckpoint = 0');
    migrate(db, MIGRATIONS);
  } catch (e) {
    db.close();
    if (e instanceof UserError) throw e;
    throw new UserError(`cannot use SQLite database ${file}: ${oneLine(e)}`);
  }
  return new SqliteStore(db, opts);
}

/**
 * The production store on MongoDB (official driver 7).
 *
 * The store logic talks to a small collection interface (DocCollection: the
 * subset of the driver's Collection it uses), so the very same MongoStore
 * runs on the real driver here and on an in-memory fake in tests
 * (test/store/mingo-db.ts).
 *
 * - Every user value in a filter is wrapped in `$eq` (or is a checked string
 *   inside `$in`); ids are checked to be strings before use (STO-01).
 * - Records are validated by the shared specs (schema.ts): unknown fields,
 *   `$`/dotted keys are refused; updates are explicit `$set`s of checked
 *   fields (STO-02, STO-05).
 * - Uniqueness that makes retries safe lives in unique indexes created at
 *   open; duplicate-key errors are expected and handled (STO-06).
 * - No multi-document transactions (they need a replica set): multi-document
 *   writes are idempotent bulk upserts, safe to re-run after a failure.
 * - Leases use the server's clock ($$NOW in an update pipeline), so instances
 *   with skewed clocks still agree on expiry.
 */
import { MongoClient } from 'mongodb';
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
  checkClaim,
  checkFence,
  checkSendQuery,
  checkSendUpdate,
  checkSuppressionHash,
  newSendRecord,
  type SendClaim,
  type SendQuery,
  type SendRecord,
  type SendUpdate,
  type Suppression,
} from './sends.js';
import {
  ARTICLE,
  ARTICLE_REFRESHED,
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
  itemArticleIds,
  recordedEntropy,
  toJsonText,
  type CheckedPatch,
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
  NEW_FEED_DESCRIPTIVE,
  newFeedRecord,
  pick,
  normalizeFeedUrl,
  redeclaredFeed,
  refreshedArticle,
} from './common.js';

// ───────────────────────── the collection subset ─────────────────────────

export type Doc = Record<string, unknown>;
export type SortSpec = Record<string, 1 | -1>;

export interface FindOptions {
  sort?: SortSpec;
  skip?: number;
  limit?: number;
  projection?: Record<string, 0 | 1>;
}

export interface WriteResult {
  matchedCount: number;
  modifiedCount: number;
  upsertedCount: number;
}

export type BulkOp =
  | { insertOne: { document: Doc } }
  | { updateOne: { filter: Doc; update: Doc | Doc[]; upsert?: boolean } }
  | { replaceOne: { filter: Doc; replacement: Doc; upsert?: boolean } };

/** The part of the driver's Collection that MongoStore uses. */
export interface DocCollection {
  createIndex(keys: SortSpec, opts?: { unique?: boolean; name?: string }): Promise<string>;
  /** Names of the collection's indexes (none when the collection does not exist yet). */
  listIndexNames(): Promise<string[]>;
  dropIndex(name: string): Promise<unknown>;
  findOne(filter: Doc, opts?: FindOptions): Promise<Doc | null>;
  find(filter: Doc, opts?: FindOptions): { toArray(): Promise<Doc[]> };
  countDocuments(filter: Doc): Promise<number>;
  aggregate(pipeline: Doc[]): { toArray(): Promise<Doc[]> };
  insertOne(doc: Doc): Promise<unknown>;
  updateOne(filter: Doc, update: Doc | Doc[], opts?: { upsert?: boolean }): Promise<WriteResult>;
  updateMany(filter: Doc, update: Doc | Doc[]): Promise<WriteResult>;
  replaceOne(filter: Doc, replacement: Doc, opts?: { upsert?: boolean }): Promise<WriteResult>;
  deleteOne(filter: Doc): Promise<{ deletedCount: number }>;
  deleteMany(filter: Doc): Promise<{ deletedCount: number }>;
  findOneAndUpdate(filter: Doc, update: Doc | Doc[], opts: { returnDocument: 'after'; upsert?: boolean }): Promise<Doc | null>;
  bulkWrite(ops: BulkOp[], opts: { ordered: boolean }): Promise<unknown>;
}

export interface DocDatabase {
  collection(name: string): DocCollection;
  close(): Promise<void>;
}

// ───────────────────────── errors ─────────────────────────

const DUPLICATE_KEY = 11000;
/** Article ids per clickHistogram aggregation. */
const HISTOGRAM_IDS_PER_QUERY = 1000;

function isDuplicate(e: unknown): boolean {
  return (e as { code?: unknown })?.code === DUPLICATE_KEY || duplicateIndexes(e).size > 0;
}

/**
 * Indexes (in a bulk write) of the operations refused as duplicate keys; any
 * other write error is rethrown, since it cannot be fixed by retrying.
 */
function duplicateIndexes(e: unknown): Set<number> {
  const raw = (e as { writeErrors?: unknown })?.writeErrors;
  const list = (raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]) as { index: number; code: number }[];
  if (list.some((w) => w.code !== DUPLICATE_KEY)) throw e;
  return new Set(list.map((w) => w.index));
}

/** Runs a bulk write; returns the indexes refused as duplicates (unordered: the rest went through). */
async function bulk(c: DocCollection, ops: BulkOp[]): Promise<Set<number>> {
  if (!ops.length) return new Set();
  try {
    await c.bulkWrite(ops, { ordered: false });
    return new Set();
  } catch (e) {
    const dups = duplicateIndexes(e);
    if (!dups.size) throw e;
    return dups;
  }
}

const eq = (v: unknown): Doc => ({ $eq: v });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ───────────────────────── documents ↔ records ─────────────────────────

/** Maps one record type to its collection: `_id` plus the record's fields (opaque payloads as JSON text). */
class RecordCollection<R> {
  constructor(
    readonly spec: RecordSpec<R>,
    readonly c: DocCollection,
    /** The document `_id` of a record (default: its key field). */
    readonly idOf: (rec: R) => unknown = (rec) => (rec as Record<string, unknown>)[spec.key],
  ) {}

  private get fields(): Record<string, FieldSpec> {
    return this.spec.fields as Record<string, FieldSpec>;
  }

  /** Document values for checked record fields (all of them, or a patch's). */
  values(rec: Record<string, unknown>): Doc {
    const out: Doc = {};
    for (const [k, v] of Object.entries(rec)) {
      if (v === undefined || !Object.hasOwn(this.fields, k)) continue;
      out[k] = this.fields[k]!.type === 'blob' ? JSON.stringify(v) : v;
    }
    return { ...out, ...derivedValues(this.spec, rec, 'mongodb') };
  }

  toDoc(rec: R): Doc {
    return { _id: this.idOf(rec), ...this.values(rec as Record<string, unknown>) };
  }

  fromDoc(doc: Doc): R {
    const rec: Record<string, unknown> = {};
    for (const [k, f] of Object.entries(this.fields)) {
      const v = doc[k];
      if (v === undefined || (v === null && !f.nullable)) continue;
      rec[k] = f.type === 'blob' && typeof v === 'string' ? JSON.parse(v) : v;
    }
    return rec as R;
  }

  /** `$set` / `$unset` for a checked patch (empty operators left out). */
  update(p: CheckedPatch): Doc {
    const set = this.values(p.set);
    return {
      ...(Object.keys(set).length ? { $set: set } : {}),
      ...(p.unset.length ? { $unset: Object.fromEntries(p.unset.map((k) => [k, ''])) } : {}),
    };
  }

  async one(filter: Doc, opts?: FindOptions): Promise<R | null> {
    const doc = await this.c.findOne(filter, opts);
    return doc ? this.fromDoc(doc) : null;
  }

  async many(filter: Doc, opts?: FindOptions): Promise<R[]> {
    // limit 0 means "no limit" to MongoDB; here it means none.
    if (opts?.limit === 0) return [];
    return (await this.c.find(filter, opts).toArray()).map((d) => this.fromDoc(d));
  }

  /** Records with these `_id`s, in the order asked (missing ones skipped). */
  async byIds(ids: string[]): Promise<R[]> {
    if (!ids.length) return [];
    const found = new Map((await this.many({ _id: { $in: ids } })).map((r) => [this.idOf(r) as string, r]));
    return [...new Set(ids)].flatMap((id) => (found.has(id) ? [found.get(id)!] : []));
  }
}

/** Editions are keyed by (subscriberId, date) so that saving again is one atomic replace. */
export const editionDocId = (e: Pick<Edition, 'subscriberId' | 'date'>): string => JSON.stringify([e.subscriberId, e.date]);

/** Indexes created at open: the queries' sort orders and the uniqueness rules. */
const INDEXES: Record<string, { keys: SortSpec; unique?: boolean }[]> = {
  feeds: [{ keys: { url: 1 }, unique: true }, { keys: { status: 1, createdAt: 1 } }],
  articles: [
    { keys: { feedId: 1, guidHash: 1 }, unique: true },
    { keys: { publishedAt: -1, _id: -1 } },
    { keys: { feedId: 1, publishedAt: -1 } },
  ],
  subscribers: [{ keys: { emailKey: 1 }, unique: true }, { keys: { status: 1, _id: 1 } }],
  // clickHistoriesOf is covered by the second (listClicksOf's sort too); it supersedes { subscriberId: 1, at: -1 } (OBSOLETE_INDEXES).
  // recentClicks is covered by the first; it supersedes { at: -1 } (OBSOLETE_INDEXES).
  clicks: [{ keys: { at: -1, _id: -1, subscriberId: 1, articleId: 1 } }, { keys: { subscriberId: 1, at: -1, _id: -1, articleId: 1 } }, { keys: { articleId: 1, at: -1 } }],
  editions: [{ keys: { id: 1 }, unique: true }, { keys: { subscriberId: 1, date: -1 } }, { keys: { date: -1, subscriberId: 1 } }],
  audit: [{ keys: { at: -1, _id: -1 } }],
  sends: [{ keys: { editionDate: -1, subscriberId: 1 } }, { keys: { subscriberId: 1, editionDate: -1 } }, { keys: { state: 1, editionDate: -1 } }],
  editors: [{ keys: { email: 1 }, unique: true }],
  cooldowns: [{ keys: { untilMs: 1 } }],
};

/**
 * Indexes that databases created by earlier versions hold and a newer one
 * supersedes (by the driver's default name): dropped at start, as SQLite's
 * migrations drop theirs. Each costs a write per insert and buys nothing.
 */
export const OBSOLETE_INDEXES: Record<string, string[]> = {
  clicks: ['subscriberId_1_at_-1', 'at_-1'],
};

export interface MongoStoreOptions {
  /** Time for created/updated stamps (leases use the server's clock). */
  clock?: Clock;
  serverSelectionTimeoutMS?: number;
}

// ───────────────────────── the store ─────────────────────────

export class MongoStore implements Store {
  readonly kind = 'mongodb' as const;
  private readonly clock: Clock;
  private readonly feeds: RecordCollection<FeedRecord>;
  private readonly articles: RecordCollection<Article>;
  private readonly clusters: RecordCollection<StoryCluster>;
  private readonly subscribers: RecordCollection<Subscriber>;
  private readonly clicks: RecordCollection<Click>;
  private readonly editions: RecordCollection<Edition>;
  private readonly settings: RecordCollection<SettingsVersion>;
  private readonly audit: RecordCollection<AuditEntry>;
  private readonly leases: DocCollection;
  private readonly kv: DocCollection;
  /** What editions show of each article, stored once (edition-copies.ts): `{ _id: key, ...fields }`. */
  private readonly editionCopies: DocCollection;
  private readonly copies = new EditionCopies();

  constructor(
    private readonly db: DocDatabase,
    opts: MongoStoreOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    const coll = <R>(spec: RecordSpec<R>, idOf?: (r: R) => unknown) => new RecordCollection(spec, db.collection(spec.name), idOf);
    this.feeds = coll(FEED);
    this.articles = coll(ARTICLE);
    this.clusters = coll(CLUSTER);
    this.subscribers = coll(SUBSCRIBER);
    this.clicks = coll(CLICK);
    this.editions = coll(EDITION, editionDocId);
    this.settings = coll(SETTINGS);
    this.audit = coll(AUDIT);
    this.leases = db.collection('leases');
    this.kv = db.collection('kv');
    this.editionCopies = db.collection('editionCopies');
  }

  /** Creates the indexes (idempotent: existing ones are left as they are). */
  async ensureIndexes(): Promise<void> {
    for (const [name, list] of Object.entries(INDEXES)) {
      for (const ix of list) await this.db.collection(name).createIndex(ix.keys, ix.unique ? { unique: true } : {});
    }
    for (const [name, obsolete] of Object.entries(OBSOLETE_INDEXES)) {
      const coll = this.db.collection(name);
      const present = await coll.listIndexNames();
      for (const ix of obsolete) if (present.includes(ix)) await coll.dropIndex(ix);
    }
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  // ───── feeds ─────

  async upsertFeed(feed: NewFeed): Promise<FeedRecord> {
    const url = normalizeFeedUrl(feed?.url);
    let idAttempt = 0;
    for (let round = 0; round < 50; round++) {
      const existing = await this.feeds.one({ url: eq(url) });
      if (existing) {
        const rec = redeclaredFeed(existing, feed);
        // Only the declared fields: a concurrent poll's fetch state is not overwritten.
        const set = this.feeds.values(pick(rec, NEW_FEED_DESCRIPTIVE));
        const doc = await this.feeds.c.findOneAndUpdate({ _id: eq(existing.id) }, { $set: set }, { returnDocument: 'after' });
        if (doc) return this.feeds.fromDoc(doc);
        continue; // deleted meanwhile
      }
      const rec = newFeedRecord(feed, feedIdCandidate(url, idAttempt), this.clock.now());
      try {
        await this.feeds.c.insertOne(this.feeds.toDoc(rec));
        return rec;
      } catch (e) {
        if (!isDuplicate(e)) throw e;
        // Either someone else inserted this url (found next round) or the id is taken.
        if (!(await this.feeds.one({ url: eq(url) }))) idAttempt++;
      }
    }
    throw new UserError(`could not store feed ${url}: too many concurrent changes`);
  }

  async getFeed(id: string): Promise<FeedRecord | null> {
    return this.feeds.one({ _id: eq(checkId(id, 'feed id')) });
  }

  async getFeedByUrl(url: string): Promise<FeedRecord | null> {
    let key: string;
    try {
      key = normalizeFeedUrl(url);
    } catch {
      return null;
    }
    return this.feeds.one({ url: eq(key) });
  }

  async listFeeds(opts: { status?: FeedRecord['status'] } = {}): Promise<FeedRecord[]> {
    const filter = opts.status === undefined ? {} : { status: eq(checkOneOf(opts.status, ['active', 'disabled', 'gone'], 'feed status')) };
    return this.feeds.many(filter, { sort: { createdAt: 1, _id: 1 } });
  }

  async updateFeed(id: string, patch: FeedPatch): Promise<FeedRecord> {
    const key = checkId(id, 'feed id');
    const p = checkPatch(FEED, patch, ['id', 'createdAt'], `feed ${key}`);
    if (p.set.url !== undefined) p.set.url = normalizeFeedUrl(p.set.url);
    const existing = await this.feeds.one({ _id: eq(key) });
    if (!existing) throw new UserError(`feed not found: ${key}`);
    checkRecord(FEED, applyPatch(existing, p));
    const taken = (other: FeedRecord | null) => new UserError(`feed ${key}: url ${String(p.set.url)} already belongs to feed ${other?.id ?? 'another feed'}`);
    if (p.set.url !== undefined && p.set.url !== existing.url) {
      const other = await this.feeds.one({ url: eq(p.set.url) });
      if (other) throw taken(other);
    }
    try {
      return (await this.updated(this.feeds, key, p)) ?? throwNotFound('feed', key);
    } catch (e) {
      if (isDuplicate(e)) throw taken(null);
      throw e;
    }
  }

  /** Applies a checked patch to one document atomically; the record after, or null if absent. */
  private async updated<R>(coll: RecordCollection<R>, key: string, p: CheckedPatch): Promise<R | null> {
    const update = coll.update(p);
    if (!Object.keys(update).length) return coll.one({ _id: eq(key) });
    const doc = await coll.c.findOneAndUpdate({ _id: eq(key) }, update, { returnDocument: 'after' });
    return doc ? coll.fromDoc(doc) : null;
  }

  async deleteFeed(id: string): Promise<void> {
    await this.feeds.c.deleteOne({ _id: eq(checkId(id, 'feed id')) });
  }

  // ───── articles ─────

  async upsertArticles(list: Article[]): Promise<UpsertResult> {
    if (!Array.isArray(list)) throw new UserError('upsertArticles expects an array');
    const clean = list.map((a) => checkRecord(ARTICLE, a, 'article'));
    const result: UpsertResult = { inserted: 0, updated: 0, ids: [], isNew: [] };
    if (!clean.length) return result;

    // One read for the whole batch, then one unordered bulk write.
    const guidKey = (a: Pick<Article, 'feedId' | 'guidHash'>) => JSON.stringify([a.feedId, a.guidHash]);
    const found = await this.articles.many({ $or: [{ _id: { $in: clean.map((a) => a.id) } }, { guidHash: { $in: clean.map((a) => a.guidHash) } }] });
    const byId = new Map(found.map((a) => [a.id, a]));
    const byGuid = new Map(found.map((a) => [guidKey(a), a]));
    const ops: BulkOp[] = [];
    /** For each input, the bulk op index of the insert it depends on (itself or an earlier duplicate). */
    const dependsOnInsert: (number | undefined)[] = [];
    const insertOp = new Map<string, number>();
    for (const a of clean) {
      const existing = byId.get(a.id) ?? byGuid.get(guidKey(a));
      if (existing) {
        const merged = refreshedArticle(existing, a);
        ops.push({ updateOne: { filter: { _id: eq(existing.id) }, update: this.refreshUpdate(merged) } });
        byId.set(existing.id, merged);
        byGuid.set(guidKey(existing), merged);
        dependsOnInsert.push(insertOp.get(existing.id));
        result.ids.push(existing.id);
        result.isNew.push(false);
      } else {
        insertOp.set(a.id, ops.length);
        dependsOnInsert.push(ops.length);
        ops.push({ insertOne: { document: this.articles.toDoc(a) } });
        byId.set(a.id, a);
        byGuid.set(guidKey(a), a);
        result.ids.push(a.id);
        result.isNew.push(true);
      }
    }
    const refused = await bulk(this.articles.c, ops);
    // An insert refused as a duplicate lost a race with another writer: redo its articles one by one.
    for (let i = 0; i < clean.length; i++) {
      const dep = dependsOnInsert[i];
      if (dep === undefined || !refused.has(dep)) continue;
      const r = await this.upsertArticleAlone(clean[i]!);
      result.ids[i] = r.id;
      result.isNew[i] = r.isNew;
    }
    result.inserted = result.isNew.filter(Boolean).length;
    result.updated = result.isNew.length - result.inserted;
    return result;
  }

  /** `$set` of the refreshed fields (and `$unset` of those now absent): tags and clusterId untouched. */
  private refreshUpdate(a: Article): Doc {
    const set: Record<string, unknown> = {};
    const unset: string[] = [];
    for (const k of ARTICLE_REFRESHED) {
      if (a[k] === undefined) unset.push(k);
      else set[k] = a[k];
    }
    return this.articles.update({ set, unset });
  }

  private async upsertArticleAlone(a: Article): Promise<{ id: string; isNew: boolean }> {
    for (let round = 0; round < 20; round++) {
      const existing = (await this.articles.one({ _id: eq(a.id) })) ?? (await this.articles.one({ feedId: eq(a.feedId), guidHash: eq(a.guidHash) }));
      if (existing) {
        await this.articles.c.updateOne({ _id: eq(existing.id) }, this.refreshUpdate(refreshedArticle(existing, a)));
        return { id: existing.id, isNew: false };
      }
      try {
        await this.articles.c.insertOne(this.articles.toDoc(a));
        return { id: a.id, isNew: true };
      } catch (e) {
        if (!isDuplicate(e)) throw e;
      }
    }
    throw new UserError(`could not store article ${a.id}: too many concurrent changes`);
  }

  async getArticle(id: string): Promise<Article | null> {
    return this.articles.one({ _id: eq(checkId(id, 'article id')) });
  }

  async getArticles(ids: string[]): Promise<Article[]> {
    return this.articles.byIds(checkIds(ids, 'article ids'));
  }

  private articleFilter(q: { since?: string; until?: string; feedId?: string; tagged?: boolean }): Doc {
    const published: Doc = {};
    if (q.since !== undefined) published.$gte = q.since;
    if (q.until !== undefined) published.$lt = q.until;
    return {
      ...(Object.keys(published).length ? { publishedAt: published } : {}),
      ...(q.feedId !== undefined ? { feedId: eq(q.feedId) } : {}),
      ...(q.tagged !== undefined ? { tags: { $exists: q.tagged } } : {}),
    };
  }

  async listArticles(q?: ArticleQuery): Promise<Article[]> {
    const c = checkArticleQuery(q);
    return this.articles.many(this.articleFilter(c), { sort: { publishedAt: -1, _id: -1 }, skip: c.offset, limit: c.limit });
  }

  async countArticles(q: Pick<ArticleQuery, 'since' | 'feedId'> = {}): Promise<number> {
    const c = checkArticleQuery({ ...(q.since !== undefined ? { since: q.since } : {}), ...(q.feedId !== undefined ? { feedId: q.feedId } : {}) });
    return this.articles.c.countDocuments(this.articleFilter(c));
  }

  async setArticleTags(updates: { id: string; tags: ArticleTags }[]): Promise<void> {
    const ops = updates.map((u, i): BulkOp => {
      const id = checkId(u?.id, `tags update ${i}: id`);
      const tags = checkField(ARTICLE.fields.tags, u.tags, `article ${id}: tags`);
      return { updateOne: { filter: { _id: eq(id) }, update: { $set: { tags } } } };
    });
    await bulk(this.articles.c, ops);
  }

  async setArticleCluster(updates: { id: string; clusterId: string }[]): Promise<void> {
    const ops = updates.map((u, i): BulkOp => {
      const id = checkId(u?.id, `cluster update ${i}: id`);
      return { updateOne: { filter: { _id: eq(id) }, update: { $set: { clusterId: checkId(u.clusterId, `article ${id}: clusterId`) } } } };
    });
    await bulk(this.articles.c, ops);
  }

  // ───── clusters ─────

  /** Replace-or-insert by `_id`, retrying the ones that raced another upsert of the same `_id`. */
  private async replaceAll<R>(coll: RecordCollection<R>, recs: R[]): Promise<Set<number>> {
    const ops = recs.map((r): BulkOp => {
      const doc = coll.toDoc(r);
      return { replaceOne: { filter: { _id: eq(doc._id) }, replacement: doc, upsert: true } };
    });
    const refused = await bulk(coll.c, ops);
    const stillRefused = new Set<number>();
    for (const i of refused) {
      const op = ops[i] as { replaceOne: { filter: Doc; replacement: Doc } };
      try {
        await coll.c.replaceOne(op.replaceOne.filter, op.replaceOne.replacement, { upsert: true });
      } catch (e) {
        if (!isDuplicate(e)) throw e;
        stillRefused.add(i);
      }
    }
    return stillRefused;
  }

  async upsertClusters(clusters: StoryCluster[]): Promise<void> {
    const recs = clusters.map((c) => checkRecord(CLUSTER, c, 'cluster'));
    const refused = await this.replaceAll(this.clusters, recs);
    if (refused.size) throw new UserError(`could not store ${refused.size} clusters: too many concurrent changes`);
  }

  async getCluster(id: string): Promise<StoryCluster | null> {
    return this.clusters.one({ _id: eq(checkId(id, 'cluster id')) });
  }

  async getClusters(ids: string[]): Promise<StoryCluster[]> {
    return this.clusters.byIds(checkIds(ids, 'cluster ids'));
  }

  async countClusters(): Promise<number> {
    return this.clusters.c.countDocuments({});
  }

  // ───── subscribers ─────

  async createSubscriber(s: Subscriber): Promise<Subscriber> {
    const rec = checkRecord(SUBSCRIBER, s, 'subscriber');
    try {
      await this.subscribers.c.insertOne(this.subscribers.toDoc(rec));
      return rec;
    } catch (e) {
      if (!isDuplicate(e)) throw e;
      if (await this.subscribers.one({ emailKey: eq(emailKey(rec.email)) })) throw duplicateEmail();
      throw new UserError(`subscriber id already exists: ${rec.id}`);
    }
  }

  async getSubscriber(id: string): Promise<Subscriber | null> {
    return this.subscribers.one({ _id: eq(checkId(id, 'subscriber id')) });
  }

  async getSubscriberByEmail(email: string): Promise<Subscriber | null> {
    return this.subscribers.one({ emailKey: eq(emailKey(checkId(email, 'email', 320))) });
  }

  async updateSubscriber(id: string, patch: SubscriberPatch): Promise<Subscriber> {
    const key = checkId(id, 'subscriber id');
    const p = checkPatch(SUBSCRIBER, patch, ['id', 'createdAt'], `subscriber ${key}`);
    try {
      return (await this.updated(this.subscribers, key, p)) ?? throwNotFound('subscriber', key);
    } catch (e) {
      if (isDuplicate(e)) throw duplicateEmail();
      throw e;
    }
  }

  async listSubscribers(opts: { status?: Subscriber['status']; afterId?: string; limit?: number } = {}): Promise<Subscriber[]> {
    const filter: Doc = {};
    if (opts.status !== undefined) filter.status = eq(checkOneOf(opts.status, SUBSCRIBER.fields.status.oneOf as Subscriber['status'][], 'subscriber status'));
    if (opts.afterId !== undefined) filter._id = { $gt: checkId(opts.afterId, 'afterId') };
    return this.subscribers.many(filter, { sort: { _id: 1 }, limit: boundLimit(opts.limit, 'subscribers limit') });
  }

  async listSubscriberIds(opts: { afterId?: string; limit?: number } = {}): Promise<string[]> {
    const filter: Doc = {};
    if (opts.afterId !== undefined) filter._id = { $gt: checkId(opts.afterId, 'afterId') };
    const limit = boundLimit(opts.limit, 'subscribers limit');
    if (limit === 0) return [];
    const docs = await this.subscribers.c.find(filter, { sort: { _id: 1 }, limit, projection: { _id: 1 } }).toArray();
    return docs.map((d) => d._id as string);
  }

  async countSubscribers(): Promise<number> {
    return this.subscribers.c.countDocuments({});
  }

  /**
   * Subscriber first (so new editions and clicks for them are refused from
   * here on), then their editions, then their clicks anonymised. Each step is
   * idempotent: re-running after a failure finishes the job.
   */
  async eraseSubscriber(id: string): Promise<void> {
    const key = checkId(id, 'subscriber id');
    await this.subscribers.c.deleteOne({ _id: eq(key) });
    await this.editions.c.deleteMany({ subscriberId: eq(key) });
    await this.clicks.c.updateMany({ subscriberId: eq(key) }, { $set: { subscriberId: null }, $unset: { editionId: '' } });
    await this.db.collection('sends').deleteMany({ subscriberId: eq(key) });
  }

  // ───── clicks ─────

  async addClick(c: Click): Promise<void> {
    const rec = checkRecord(CLICK, c, 'click');
    // A click for an unknown (e.g. erased) subscriber is kept, anonymised.
    const known = rec.subscriberId !== null && (await this.subscribers.c.findOne({ _id: eq(rec.subscriberId) }, { projection: { _id: 1 } }));
    const stored: Click = known ? rec : { ...rec, subscriberId: null };
    if (!known) delete stored.editionId;
    try {
      await this.clicks.c.insertOne(this.clicks.toDoc(stored));
    } catch (e) {
      if (!isDuplicate(e)) throw e; // the same click recorded twice: keep the first
    }
  }

  async listClicks(q?: ClickQuery): Promise<Click[]> {
    const c = checkClickQuery(q);
    const filter: Doc = {};
    if (c.subscriberId !== undefined) filter.subscriberId = eq(c.subscriberId);
    if (c.articleId !== undefined) filter.articleId = eq(c.articleId);
    if (c.since !== undefined) filter.at = { $gte: c.since };
    return this.clicks.many(filter, { sort: { at: -1, _id: -1 }, limit: c.limit });
  }

  async recentClicks(q: { since: IsoTime; limit?: number }): Promise<RecentClick[]> {
    const c = checkClickQuery({ since: q?.since, ...(q?.limit !== undefined ? { limit: q.limit } : {}) });
    // Projected to indexed fields only: answered from the { at, _id, subscriberId, articleId } index.
    const docs = await this.clicks.c
      .find({ at: { $gte: c.since ?? '' } }, { sort: { at: -1, _id: -1 }, limit: c.limit, projection: { _id: 0, subscriberId: 1, articleId: 1, at: 1 } })
      .toArray();
    return docs.map((d) => ({ subscriberId: typeof d.subscriberId === 'string' ? d.subscriberId : null, articleId: d.articleId as string, at: d.at as string }));
  }

  async listClicksOf(subscriberIds: readonly string[], since: IsoTime): Promise<Click[]> {
    const ids = checkSubscriberIdList(subscriberIds);
    const from = canonicalTime(since, 'listClicksOf since');
    if (!ids.length) return [];
    return this.clicks.many({ subscriberId: { $in: ids }, at: { $gte: from } }, { sort: { subscriberId: 1, at: -1, _id: -1 } });
  }

  async clickHistoriesOf(subscriberIds: readonly string[], since: IsoTime): Promise<Map<string, ClickHistoryEntry[]>> {
    const ids = checkSubscriberIdList(subscriberIds);
    const from = canonicalTime(since, 'clickHistoriesOf since');
    const out = new Map<string, ClickHistoryEntry[]>();
    if (!ids.length) return out;
    // Projected to indexed fields only: answered from the { subscriberId, at, _id, articleId } index.
    const docs = await this.clicks.c
      .find({ subscriberId: { $in: ids }, at: { $gte: from } }, { sort: { subscriberId: 1, at: -1, _id: -1 }, projection: { _id: 0, subscriberId: 1, articleId: 1, at: 1 } })
      .toArray();
    let current: string | undefined;
    let list: ClickHistoryEntry[] = [];
    for (const d of docs) {
      const sid = d.subscriberId as string;
      if (sid !== current) {
        current = sid;
        list = [];
        out.set(sid, list);
      }
      list.push({ articleId: d.articleId as string, at: d.at as string });
    }
    return out;
  }

  async clickCounts(since: IsoTime): Promise<Map<string, number>> {
    const from = canonicalTime(since, 'clickCounts since');
    const rows = await this.clicks.c.aggregate([{ $match: { at: { $gte: from } } }, { $group: { _id: '$articleId', n: { $sum: 1 } } }]).toArray();
    return new Map(rows.map((r) => [r._id as string, r.n as number]));
  }

  async clickHistogram(articleIds: readonly string[], since: IsoTime): Promise<ClickHourCount[]> {
    const ids = [...new Set(checkIds(articleIds, 'clickHistogram article ids'))];
    const from = canonicalTime(since, 'clickHistogram since');
    const out: ClickHourCount[] = [];
    // In slices, so that no $in list grows with the candidate window.
    for (let i = 0; i < ids.length; i += HISTOGRAM_IDS_PER_QUERY) {
      const slice = ids.slice(i, i + HISTOGRAM_IDS_PER_QUERY);
      // Stored times are canonical ISO strings: their first 13 characters name the UTC hour.
      const rows = await this.clicks.c
        .aggregate([
          { $match: { articleId: { $in: slice }, at: { $gte: from } } },
          { $group: { _id: { a: '$articleId', h: { $substrCP: ['$at', 0, 13] } }, n: { $sum: 1 } } },
        ])
        .toArray();
      for (const r of rows) {
        const k = r._id as { a: string; h: string };
        out.push({ articleId: k.a, hour: `${k.h}:00:00.000Z`, clicks: r.n as number });
      }
    }
    return out;
  }

  // ───── editions ─────

  async saveEdition(e: Edition): Promise<void> {
    await this.saveEditions([e]);
  }

  /**
   * Replaces each subscriber's edition for its date. All subscribers are
   * checked first, so a batch naming an unknown one writes nothing.
   */
  async saveEditions(list: Edition[]): Promise<void> {
    const split = this.copies.split(list);
    const recs = split.editions.map((e) => checkRecord(EDITION, e, 'edition'));
    const subscriberIds = [...new Set(recs.map((e) => e.subscriberId))];
    const known = new Set(
      subscriberIds.length ? (await this.subscribers.c.find({ _id: { $in: subscriberIds } }, { projection: { _id: 1 } }).toArray()).map((d) => d._id as string) : [],
    );
    const unknown = recs.find((e) => !known.has(e.subscriberId));
    if (unknown) throw new UserError(`edition ${unknown.id}: unknown subscriber ${unknown.subscriberId}`);
    // Copies first, so a stored edition never names a missing one. A duplicate is a copy another writer stored meanwhile.
    await bulk(
      this.editionCopies,
      split.fresh.map((c): BulkOp => ({ updateOne: { filter: { _id: eq(c.key) }, update: { $setOnInsert: c.fields }, upsert: true } })),
    );
    const refused = await this.replaceAll(this.editions, recs);
    if (refused.size) {
      const e = recs[[...refused][0]!]!;
      throw new UserError(`edition id ${e.id} is already used by another subscriber or date`);
    }
    split.saved();
  }

  /** Stored editions with their items' article copies joined back (edition-copies.ts). */
  private async withCopies(editions: Edition[]): Promise<Edition[]> {
    const keys = copyKeysOf(editions);
    if (!keys.length) return editions;
    const copies = new Map<string, Record<string, unknown>>();
    for (const d of await this.editionCopies.find({ _id: { $in: keys } }).toArray()) {
      const { _id, ...fields } = d;
      copies.set(_id as string, fields);
    }
    return joinCopies(editions, copies);
  }

  async getEdition(subscriberId: string, date: IsoDate): Promise<Edition | null> {
    const key = editionDocId({ subscriberId: checkId(subscriberId, 'subscriber id'), date: checkDate(date, 'edition date') });
    const e = await this.editions.one({ _id: eq(key) });
    return e && (await this.withCopies([e]))[0]!;
  }

  async getEditionById(id: string): Promise<Edition | null> {
    const e = await this.editions.one({ id: eq(checkId(id, 'edition id')) });
    return e && (await this.withCopies([e]))[0]!;
  }

  async listEditions(opts: { subscriberId?: string; date?: IsoDate; limit?: number }): Promise<Edition[]> {
    const c = checkEditionQuery(opts);
    const filter: Doc = {};
    if (c.subscriberId !== undefined) filter.subscriberId = eq(c.subscriberId);
    if (c.date !== undefined) filter.date = eq(c.date);
    return this.withCopies(await this.editions.many(filter, { sort: { date: -1, subscriberId: 1 }, limit: c.limit }));
  }

  async countEditions(opts: { date?: IsoDate } = {}): Promise<number> {
    const c = checkEditionQuery({ ...(opts.date !== undefined ? { date: opts.date } : {}) });
    return this.editions.c.countDocuments(c.date !== undefined ? { date: eq(c.date) } : {});
  }

  async listEditionSummaries(subscriberIds: readonly string[], q: EditionSummaryQuery): Promise<EditionSummary[]> {
    const ids = checkSubscriberIdList(subscriberIds);
    const c = checkSummaryQuery(q);
    if (!ids.length || c.perSubscriber === 0) return [];
    const date: Doc = { $lt: c.before, ...(c.since !== undefined ? { $gte: c.since } : {}) };
    // Only the ids and the entropy travel; the per-subscriber cut is made here (the index walks subscriberId, date desc).
    const docs = await this.editions.c
      .find({ subscriberId: { $in: ids }, date }, { sort: { subscriberId: 1, date: -1 }, projection: { _id: 0, subscriberId: 1, date: 1, 'items.articleId': 1, 'metrics.topicEntropy': 1 } })
      .toArray();
    const out: EditionSummary[] = [];
    let current = '';
    let n = 0;
    for (const d of docs) {
      const sid = d.subscriberId as string;
      if (sid !== current) (current = sid), (n = 0);
      if (n++ >= c.perSubscriber) continue;
      out.push({ subscriberId: sid, date: d.date as string, articleIds: itemArticleIds(d.items), topicEntropy: recordedEntropy(d.metrics) });
    }
    return out;
  }

  // ───── settings and audit ─────

  async getSettings<S = unknown>(): Promise<SettingsVersion<S> | null> {
    return (await this.settings.one({}, { sort: { _id: -1 } })) as SettingsVersion<S> | null;
  }

  async getSettingsVersion<S = unknown>(version: number): Promise<SettingsVersion<S> | null> {
    return (await this.settings.one({ _id: eq(checkVersion(version)) })) as SettingsVersion<S> | null;
  }

  /** Oldest first. */
  async listSettingsVersions<S = unknown>(): Promise<SettingsVersion<S>[]> {
    return (await this.settings.many({}, { sort: { _id: 1 } })) as SettingsVersion<S>[];
  }

  /** Appends latest + 1; the unique `_id` makes concurrent saves take distinct versions. */
  async saveSettings<S>(settings: S, author: string, note?: string): Promise<SettingsVersion<S>> {
    const who = checkAuthor(author);
    for (let round = 0; round < 200; round++) {
      const latest = await this.settings.one({}, { sort: { _id: -1 }, projection: { version: 1 } });
      const rec = checkRecord(SETTINGS, { version: (latest?.version ?? 0) + 1, settings, author: who, createdAt: this.clock.now().toISOString(), note }, 'settings');
      try {
        await this.settings.c.insertOne(this.settings.toDoc(rec));
        return rec as SettingsVersion<S>;
      } catch (e) {
        if (!isDuplicate(e)) throw e;
        if (round > 5) await sleep(Math.random() * 20);
      }
    }
    throw new UserError('could not save settings: too many concurrent saves');
  }

  async addAudit(entry: AuditEntry): Promise<void> {
    try {
      await this.audit.c.insertOne(this.audit.toDoc(checkRecord(AUDIT, entry, 'audit entry')));
    } catch (e) {
      if (!isDuplicate(e)) throw e;
    }
  }

  /** Newest first. */
  async listAudit(opts: { limit?: number } = {}): Promise<AuditEntry[]> {
    return this.audit.many({}, { sort: { at: -1, _id: -1 }, limit: boundLimit(opts.limit, 'audit limit', DEFAULT_AUDIT_LIMIT) });
  }

  // ───── leases (server time: $$NOW) ─────

  async acquireLease(name: string, owner: string, ttlMs: number): Promise<Lease | null> {
    const a = checkLeaseArgs(name, owner, ttlMs);
    // The document exists from the first attempt on; its token only grows.
    try {
      await this.leases.updateOne({ _id: eq(a.name) }, { $setOnInsert: { owner: '', token: 0, expiresAt: new Date(0) } }, { upsert: true });
    } catch (e) {
      if (!isDuplicate(e)) throw e; // created concurrently
    }
    const me = { $literal: a.owner };
    const expired = { $lte: ['$expiresAt', '$$NOW'] };
    const doc = await this.leases.findOneAndUpdate(
      { _id: eq(a.name), $expr: { $or: [expired, { $eq: ['$owner', me] }] } },
      [
        {
          $set: {
            // Same live owner keeps its token; a lapse or a change of hands bumps it.
            token: { $cond: [{ $and: [{ $eq: ['$owner', me] }, { $gt: ['$expiresAt', '$$NOW'] }] }, '$token', { $add: ['$token', 1] }] },
            owner: me,
            expiresAt: { $add: ['$$NOW', a.ttlMs] },
          },
        },
      ],
      { returnDocument: 'after' },
    );
    return doc ? leaseOf(doc) : null;
  }

  async renewLease(lease: Lease, ttlMs: number): Promise<boolean> {
    const a = checkLeaseArgs(lease?.name, lease?.owner, ttlMs);
    const token = checkField({ type: 'int' }, lease.token, 'lease token');
    // Nobody else took it while the token is unchanged, so a late renewal is still safe.
    const r = await this.leases.updateOne({ _id: eq(a.name), owner: eq(a.owner), token: eq(token) }, [{ $set: { expiresAt: { $add: ['$$NOW', a.ttlMs] } } }]);
    return r.matchedCount === 1;
  }

  async releaseLease(lease: Lease): Promise<void> {
    const a = checkLeaseArgs(lease?.name, lease?.owner, 1);
    const token = checkField({ type: 'int' }, lease.token, 'lease token');
    await this.leases.updateOne({ _id: eq(a.name), owner: eq(a.owner), token: eq(token) }, { $set: { owner: '', expiresAt: new Date(0) } });
  }

  // ───── editors ─────

  async createEditor(e: EditorAccount): Promise<EditorAccount> {
    const rec = checkEditor(e);
    const c = this.db.collection('editors');
    if (await c.findOne({ _id: eq(rec.id) }, { projection: { _id: 1 } })) throw new UserError(`editor id already exists: ${rec.id}`);
    try {
      await c.insertOne({ _id: rec.id, email: rec.email, role: rec.role, createdAt: rec.createdAt });
    } catch (err) {
      if (isDuplicate(err)) throw new UserError('an editor with this e-mail address already exists');
      throw err;
    }
    return rec;
  }

  async getEditor(id: string): Promise<EditorAccount | null> {
    const doc = await this.db.collection('editors').findOne({ _id: eq(checkId(id, 'editor id')) });
    return doc ? editorOf(doc) : null;
  }

  async getEditorByEmail(email: string): Promise<EditorAccount | null> {
    const doc = await this.db.collection('editors').findOne({ email: eq(emailKey(checkId(email, 'email', 320))) });
    return doc ? editorOf(doc) : null;
  }

  async listEditors(): Promise<EditorAccount[]> {
    return (await this.db.collection('editors').find({}, { sort: { email: 1 } }).toArray()).map(editorOf);
  }

  async deleteEditor(id: string): Promise<boolean> {
    return (await this.db.collection('editors').deleteOne({ _id: eq(checkId(id, 'editor id')) })).deletedCount > 0;
  }

  async claimCooldown(key: string, ttlMs: number): Promise<boolean> {
    const k = checkId(key, 'cooldown key', 200);
    if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new UserError('cooldown ttlMs must be a positive number');
    const now = this.clock.now().getTime();
    const c = this.db.collection('cooldowns');
    try {
      // Matches only an expired claim; a live one makes the upsert collide on _id (duplicate key) instead.
      await c.updateOne({ _id: eq(k), untilMs: { $lte: now } }, { $set: { untilMs: now + Math.ceil(ttlMs) } }, { upsert: true });
      return true;
    } catch (e) {
      if (isDuplicate(e)) return false;
      throw e;
    }
  }

  // ───── newsletter send ledger (_id = [subscriberId, editionDate]: unique) and suppression list ─────

  async claimSend(claim: SendClaim, fence: number): Promise<SendRecord | null> {
    const c = checkClaim(claim);
    const f = checkFence(fence);
    const sends = this.db.collection('sends');
    const id = sendDocId(c.subscriberId, c.editionDate);
    const now = this.clock.now();
    const rec = newSendRecord(c, f, now);
    try {
      await sends.insertOne({ _id: id, ...rec });
      return rec;
    } catch (e) {
      if (!isDuplicate(e)) throw e;
    }
    // The same rule as claimable(), as one conditional update (atomic against a concurrent claim).
    const doc = await sends.findOneAndUpdate(
      {
        _id: eq(id),
        state: eq('queued'),
        fence: { $lte: f },
        $or: [{ nextAttemptAt: { $exists: false } }, { nextAttemptAt: { $lte: now.toISOString() } }],
      },
      { $set: { fence: f, updatedAt: now.toISOString() } },
      { returnDocument: 'after' },
    );
    return doc ? sendOf(doc) : null;
  }

  async updateSend(subscriberId: string, editionDate: IsoDate, fence: number, update: SendUpdate): Promise<boolean> {
    const sid = checkId(subscriberId, 'subscriber id');
    const d = checkDate(editionDate, 'edition date');
    const f = checkFence(fence);
    const u = checkSendUpdate(update);
    const set: Doc = { state: u.state, updatedAt: this.clock.now().toISOString() };
    const unset: Doc = {};
    for (const k of ['attempts', 'providerMessageId', 'error', 'nextAttemptAt', 'sentAt'] as const) {
      const v = u[k];
      if (v === null) unset[k] = '';
      else if (v !== undefined) set[k] = v;
    }
    const r = await this.db
      .collection('sends')
      .updateOne({ _id: eq(sendDocId(sid, d)), fence: eq(f) }, { $set: set, ...(Object.keys(unset).length ? { $unset: unset } : {}) });
    return r.matchedCount === 1;
  }

  async getSend(subscriberId: string, editionDate: IsoDate): Promise<SendRecord | null> {
    const id = sendDocId(checkId(subscriberId, 'subscriber id'), checkDate(editionDate, 'edition date'));
    const doc = await this.db.collection('sends').findOne({ _id: eq(id) });
    return doc ? sendOf(doc) : null;
  }

  async listSends(q?: SendQuery): Promise<SendRecord[]> {
    const c = checkSendQuery(q);
    if (c.limit === 0) return [];
    const filter: Doc = {};
    if (c.subscriberId !== undefined) filter.subscriberId = eq(c.subscriberId);
    if (c.editionDate !== undefined || c.since !== undefined) {
      filter.editionDate = { ...(c.editionDate !== undefined ? { $eq: c.editionDate } : {}), ...(c.since !== undefined ? { $gte: c.since } : {}) };
    }
    if (c.state !== undefined) filter.state = eq(c.state);
    const docs = await this.db.collection('sends').find(filter, { sort: { editionDate: -1, subscriberId: 1 }, limit: c.limit }).toArray();
    return docs.map(sendOf);
  }

  async addSuppression(s: Suppression): Promise<void> {
    const hash = checkSuppressionHash(s?.hash);
    const reason = checkOneOf(s.reason, SUPPRESSION_REASONS, 'suppression reason');
    const at = canonicalTime(s.at, 'suppression time');
    try {
      await this.db.collection('suppressions').updateOne({ _id: eq(hash) }, { $setOnInsert: { reason, at } }, { upsert: true });
    } catch (e) {
      if (!isDuplicate(e)) throw e; // inserted concurrently: the first reason stays
    }
  }

  async isSuppressed(hash: string): Promise<boolean> {
    const h = checkSuppressionHash(hash);
    return (await this.db.collection('suppressions').findOne({ _id: eq(h) }, { projection: { _id: 1 } })) !== null;
  }

  async getSuppression(hash: string): Promise<Suppression | null> {
    const h = checkSuppressionHash(hash);
    const doc = await this.db.collection('suppressions').findOne({ _id: eq(h) });
    return doc ? { hash: h, reason: doc.reason as Suppression['reason'], at: doc.at as string } : null;
  }

  async removeSuppression(hash: string): Promise<boolean> {
    const h = checkSuppressionHash(hash);
    return (await this.db.collection('suppressions').deleteOne({ _id: eq(h) })).deletedCount > 0;
  }

  // ───── kv (values are JSON text: any key inside is inert) ─────

  async getKv<T>(key: string): Promise<T | null> {
    const doc = await this.kv.findOne({ _id: eq(checkId(key, 'kv key', 200)) });
    return doc ? (JSON.parse(doc.value as string) as T) : null;
  }

  async pruneState(prefix: string, before: IsoTime): Promise<{ kv: number; leases: number }> {
    const p = checkId(prefix, 'state prefix', 200);
    const t = canonicalTime(before, 'pruneState before');
    // An anchored regex of the escaped prefix: answered from the _id index.
    const startsWith = { $regex: `^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}` };
    const kv = await this.kv.deleteMany({ _id: startsWith, updatedAt: { $lt: t } });
    const leases = await this.leases.deleteMany({ _id: startsWith, expiresAt: { $lt: new Date(t) } });
    return { kv: kv.deletedCount, leases: leases.deletedCount };
  }

  async setKv<T>(key: string, value: T): Promise<void> {
    const k = checkId(key, 'kv key', 200);
    const update = { $set: { value: toJsonText(value, `kv ${k}`), updatedAt: this.clock.now().toISOString() } };
    try {
      await this.kv.updateOne({ _id: eq(k) }, update, { upsert: true });
    } catch (e) {
      if (!isDuplicate(e)) throw e;
      await this.kv.updateOne({ _id: eq(k) }, update, { upsert: true }); // lost an upsert race: now it exists
    }
  }
}

const sendDocId = (subscriberId: string, editionDate: string): string => JSON.stringify([subscriberId, editionDate]);

function sendOf(doc: Doc): SendRecord {
  const { _id, ...rec } = doc;
  return rec as unknown as SendRecord;
}

function leaseOf(doc: Doc): Lease {
  const exp = doc.expiresAt;
  return {
    name: doc._id as string,
    owner: doc.owner as string,
    token: doc.token as number,
    expiresAt: (exp instanceof Date ? exp : new Date(exp as string)).toISOString(),
  };
}

function editorOf(doc: Doc): EditorAccount {
  return { id: doc._id as string, email: doc.email as string, role: doc.role as EditorAccount['role'], createdAt: doc.createdAt as string };
}

function duplicateEmail(): UserError {
  return new UserError('a subscriber with this e-mail address already exists');
}

function throwNotFound(what: string, id: string): never {
  throw new UserError(`${what} not found: ${id}`);
}

/** The store on any DocDatabase (the real driver, or a fake in tests), indexes created. */
export async function createMongoStore(db: DocDatabase, opts: MongoStoreOptions = {}): Promise<MongoStore> {
  const store = new MongoStore(db, opts);
  await store.ensureIndexes();
  return store;
}

/** The URI without its password, for messages. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/([^@/]*)@/, (_m, cred: string) => `//${cred.split(':')[0]}:***@`);
}

/**
 * Connects to MongoDB and opens the store. An unreachable or refused server
 * becomes one UserError line (after serverSelectionTimeoutMS, 5 s by default).
 */
export async function openMongoStore(uri: string, dbName: string, opts: MongoStoreOptions = {}): Promise<MongoStore> {
  if (!/^[A-Za-z0-9_-]{1,63}$/.test(dbName)) throw new UserError(`invalid MongoDB database name: ${JSON.stringify(dbName.slice(0, 80))}`);
  let client: MongoClient | undefined;
  try {
    client = new MongoClient(uri, { serverSelectionTimeoutMS: opts.serverSelectionTimeoutMS ?? 5000, appName: 'kiosque' });
    await client.connect();
    const db = client.db(dbName);
    await db.command({ ping: 1 });
    const c = client;
    return await createMongoStore({ collection: (name) => driverCollection(db.collection(name)), close: () => c.close() }, opts);
  } catch (e) {
    await client?.close().catch(() => undefined);
    if (e instanceof UserError) throw e;
    throw new UserError(`cannot use MongoDB at ${redactUri(uri)} (database ${dbName}): ${oneLine(e)}`);
  }
}

type DriverCollection = ReturnType<ReturnType<MongoClient['db']>['collection']>;

/** The real driver's Collection seen through DocCollection (types only; calls pass straight through). */
function driverCollection(c: DriverCollection): DocCollection {
  return {
    createIndex: (keys, opts) => c.createIndex(keys, opts ?? {}),
    // listIndexes fails on a collection that does not exist yet: it has no index then.
    listIndexNames: async () => (await c.listIndexes().toArray().catch(() => [])).map((ix) => String(ix.name)),
    dropIndex: (name) => c.dropIndex(name),
    findOne: (filter, opts) => c.findOne(filter, opts ?? {}),
    find: (filter, opts) => c.find(filter, opts ?? {}),
    countDocuments: (filter) => c.countDocuments(filter),
    aggregate: (pipeline) => c.aggregate(pipeline),
    insertOne: (doc) => c.insertOne(doc),
    updateOne: (filter, update, opts) => c.updateOne(filter, update, opts ?? {}),
    updateMany: (filter, update) => c.updateMany(filter, update),
    replaceOne: (filter, doc, opts) => c.replaceOne(filter, doc, opts ?? {}),
    deleteOne: (filter) => c.deleteOne(filter),
    deleteMany: (filter) => c.deleteMany(filter),
    findOneAndUpdate: (filter, update, opts) => c.findOneAndUpdate(filter, update, opts),
    bulkWrite: (ops, opts) => c.bulkWrite(ops as Parameters<DriverCollection['bulkWrite']>[0], opts),
  };
}

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
import type { SendClaim, SendQuery, SendRecord, SendUpdate, Suppression } from './sends.js';

/** Fetch-state fields a poll may change on a feed. */
export type FeedPatch = Partial<Omit<FeedRecord, 'id' | 'createdAt'>>;

export type SubscriberPatch = Partial<Omit<Subscriber, 'id' | 'createdAt'>>;

export interface ArticleQuery {
  /** publishedAt >= since */
  since?: IsoTime;
  /** publishedAt < until */
  until?: IsoTime;
  feedId?: string;
  /** Only articles that have (true) or lack (false) tags. */
  tagged?: boolean;
  limit?: number;
  offset?: number;
}

export interface UpsertResult {
  inserted: number;
  updated: number;
  /** Stored article id for each input, in input order (an existing id when it was a duplicate). */
  ids: string[];
  /** For each input: true when it was new. */
  isNew: boolean[];
}

/** What a build needs of a past edition: what it showed and how wide it was, without the edition itself. */
export interface EditionSummary {
  subscriberId: string;
  date: IsoDate;
  /** The items' article ids, in edition order. */
  articleIds: string[];
  /** The edition's metrics.topicEntropy (null when it was not recorded). */
  topicEntropy: number | null;
}

export interface EditionSummaryQuery {
  /** Editions dated strictly before this date. */
  before: IsoDate;
  /** And on or after this one (bounds the scan; default: no bound). */
  since?: IsoDate;
  /** The latest this many editions of each subscriber (default 7, at most 100). */
  perSubscriber?: number;
}

export interface ClickHourCount {
  articleId: string;
  /** Start of the UTC hour, e.g. 2026-11-22T09:00:00.000Z. */
  hour: IsoTime;
  clicks: number;
}

/** What a build's co-visitation and popularity read of a click (Store.recentClicks). */
export interface RecentClick {
  /** Null once the click's subscriber was erased (the click is kept, anonymised). */
  subscriberId: string | null;
  articleId: string;
  at: IsoTime;
}

/** What a build's profile reads of a click (Store.clickHistoriesOf). */
export interface ClickHistoryEntry {
  articleId: string;
  at: IsoTime;
}

export interface ClickQuery {
  subscriberId?: string;
  articleId?: string;
  since?: IsoTime;
  limit?: number;
}

/**
 * The one persistence interface. Two honest implementations: SQLite (embedded
 * default) and MongoDB (production). Both pass test/store/contract.ts.
 *
 * Rules every implementation keeps:
 * - values from users are bound as parameters / wrapped in $eq, never spliced;
 * - multi-row writes are atomic (a transaction, or idempotent upserts);
 * - uniqueness that makes retries safe is enforced by the database itself.
 */
export interface Store {
  readonly kind: 'sqlite' | 'mongodb';
  close(): Promise<void>;

  // feeds — unique by normalized url
  upsertFeed(feed: NewFeed): Promise<FeedRecord>;
  getFeed(id: string): Promise<FeedRecord | null>;
  getFeedByUrl(url: string): Promise<FeedRecord | null>;
  listFeeds(opts?: { status?: FeedRecord['status'] }): Promise<FeedRecord[]>;
  /** Applies a patch; rejects a url change onto another feed's url with a clear error. */
  updateFeed(id: string, patch: FeedPatch): Promise<FeedRecord>;
  deleteFeed(id: string): Promise<void>;

  // articles — unique by id and by (feedId, guidHash)
  /**
   * Stores new articles and refreshes existing ones (same id or same feedId+guidHash)
   * in one atomic write. Existing tags and clusterId are kept on update.
   */
  upsertArticles(articles: Article[]): Promise<UpsertResult>;
  getArticle(id: string): Promise<Article | null>;
  getArticles(ids: string[]): Promise<Article[]>;
  /** Newest first (publishedAt desc, then id). */
  listArticles(q?: ArticleQuery): Promise<Article[]>;
  countArticles(q?: Pick<ArticleQuery, 'since' | 'feedId'>): Promise<number>;
  setArticleTags(updates: { id: string; tags: ArticleTags }[]): Promise<void>;
  setArticleCluster(updates: { id: string; clusterId: string }[]): Promise<void>;

  // story clusters
  upsertClusters(clusters: StoryCluster[]): Promise<void>;
  getCluster(id: string): Promise<StoryCluster | null>;
  getClusters(ids: string[]): Promise<StoryCluster[]>;
  countClusters(): Promise<number>;

  // subscribers — unique by lower-cased email
  createSubscriber(s: Subscriber): Promise<Subscriber>;
  getSubscriber(id: string): Promise<Subscriber | null>;
  getSubscriberByEmail(email: string): Promise<Subscriber | null>;
  updateSubscriber(id: string, patch: SubscriberPatch): Promise<Subscriber>;
  /** Ordered by id, for stable paging and partitioning. */
  listSubscribers(opts?: { status?: Subscriber['status']; afterId?: string; limit?: number }): Promise<Subscriber[]>;
  /** The ids alone, in the same order (a build cuts its partitions from them without reading every subscriber). */
  listSubscriberIds(opts?: { afterId?: string; limit?: number }): Promise<string[]>;
  countSubscribers(): Promise<number>;
  /** Erasure: the subscriber, their editions, their send-ledger rows, and their clicks (clicks kept anonymised). */
  eraseSubscriber(id: string): Promise<void>;

  // clicks
  addClick(c: Click): Promise<void>;
  listClicks(q?: ClickQuery): Promise<Click[]>;
  /**
   * The same clicks as listClicks({ since, limit }) (newest first, then id
   * descending), narrowed to who, what and when: a build reads the newest
   * 100,000 of them from an index alone.
   */
  recentClicks(q: { since: IsoTime; limit?: number }): Promise<RecentClick[]>;
  /** Click counts per article since a time (popularity). */
  clickCounts(since: IsoTime): Promise<Map<string, number>>;
  /**
   * Click counts of these articles per UTC hour since a time, in no set
   * order: a build's popularity at any traffic, one row per article-hour
   * rather than one per click (a build reads only the newest clicks themselves).
   */
  clickHistogram(articleIds: readonly string[], since: IsoTime): Promise<ClickHourCount[]>;
  /**
   * The clicks of these subscribers (at most 1000 ids) since a time, ordered by
   * subscriber id, then newest first: a build loads its subscribers' histories
   * chunk by chunk instead of every click of the store at once.
   */
  listClicksOf(subscriberIds: readonly string[], since: IsoTime): Promise<Click[]>;
  /**
   * The same clicks as listClicksOf, narrowed to what a build's profiles read
   * (article and time), grouped by subscriber, each list newest first (then id
   * descending); subscribers without clicks get no entry. Cheaper to read and
   * to hold than whole clicks for pages of hundreds of subscribers.
   */
  clickHistoriesOf(subscriberIds: readonly string[], since: IsoTime): Promise<Map<string, ClickHistoryEntry[]>>;

  // editions — unique by (subscriberId, date): saving again replaces
  saveEdition(e: Edition): Promise<void>;
  /** Saves many editions in one atomic batch (bulk generation); same replace rule as saveEdition. */
  saveEditions(editions: Edition[]): Promise<void>;
  getEdition(subscriberId: string, date: IsoDate): Promise<Edition | null>;
  getEditionById(id: string): Promise<Edition | null>;
  listEditions(opts: { subscriberId?: string; date?: IsoDate; limit?: number }): Promise<Edition[]>;
  countEditions(opts?: { date?: IsoDate }): Promise<number>;
  /**
   * Compact summaries of the latest editions of these subscribers (at most
   * 1000 ids) before a date, ordered by subscriber id, then newest first: a
   * build feeds exposure and the bubble guard page by page without reading
   * whole editions.
   */
  listEditionSummaries(subscriberIds: readonly string[], q: EditionSummaryQuery): Promise<EditionSummary[]>;

  // editor settings — versioned, append-only
  getSettings<S = unknown>(): Promise<SettingsVersion<S> | null>;
  getSettingsVersion<S = unknown>(version: number): Promise<SettingsVersion<S> | null>;
  listSettingsVersions<S = unknown>(): Promise<SettingsVersion<S>[]>;
  /** Appends version = latest + 1. */
  saveSettings<S>(settings: S, author: string, note?: string): Promise<SettingsVersion<S>>;
  addAudit(entry: AuditEntry): Promise<void>;
  listAudit(opts?: { limit?: number }): Promise<AuditEntry[]>;

  // editors' accounts — unique by lower-cased email, apart from subscribers (WEB-10)
  /** Refuses a second account with the same e-mail address with a UserError. */
  createEditor(e: EditorAccount): Promise<EditorAccount>;
  getEditor(id: string): Promise<EditorAccount | null>;
  getEditorByEmail(email: string): Promise<EditorAccount | null>;
  /** Ordered by e-mail address. */
  listEditors(): Promise<EditorAccount[]>;
  /** True when an account was removed. */
  deleteEditor(id: string): Promise<boolean>;

  /**
   * Atomically claims `key` for `ttlMs`: true when no live claim existed
   * (then this call holds it), false otherwise. One confirmation mail per
   * address per cooldown, whatever the number of instances (WEB-12).
   */
  claimCooldown(key: string, ttlMs: number): Promise<boolean>;

  // job leases (one runner per job across instances)
  /** Takes the lease if free or expired; null if someone else holds it. */
  acquireLease(name: string, owner: string, ttlMs: number): Promise<Lease | null>;
  /** Extends a lease still held with the same token; false if it was lost. */
  renewLease(lease: Lease, ttlMs: number): Promise<boolean>;
  releaseLease(lease: Lease): Promise<void>;

  // newsletter send ledger — unique by (subscriberId, editionDate); see sends.ts for the states
  /**
   * Claims the send of one edition for a run holding lease token `fence`:
   * creates the row as queued, or takes over a queued row of an older run
   * whose retry time has come. Null when the row is sending, sent, failed,
   * waiting for a retry, or held by a newer run.
   */
  claimSend(claim: SendClaim, fence: number): Promise<SendRecord | null>;
  /** Fenced write: applies only while the row is held with this fence (false otherwise, e.g. after a takeover or an erasure). */
  updateSend(subscriberId: string, editionDate: IsoDate, fence: number, update: SendUpdate): Promise<boolean>;
  getSend(subscriberId: string, editionDate: IsoDate): Promise<SendRecord | null>;
  /** Newest edition date first, then subscriber id. */
  listSends(q?: SendQuery): Promise<SendRecord[]>;

  // suppression list: salted hashes of addresses that must not be mailed (unsubscribe, erasure, bounces)
  addSuppression(s: Suppression): Promise<void>;
  isSuppressed(hash: string): Promise<boolean>;
  /** The entry with its reason and time (a later, confirmed opt-in may override it). */
  getSuppression(hash: string): Promise<Suppression | null>;
  /** True when an entry was removed (a fresh, confirmed opt-in). */
  removeSuppression(hash: string): Promise<boolean>;

  // small documents: models (TF-IDF document frequencies, topic weights), job marks
  getKv<T>(key: string): Promise<T | null>;
  setKv<T>(key: string, value: T): Promise<void>;
  /**
   * Forgets finished coordination state: kv entries whose key starts with
   * `prefix` and were last set before `before`, and leases whose name starts
   * with `prefix` that expired before then. Only for names never used again
   * (a deleted lease's next token starts over). Counts what went.
   */
  pruneState(prefix: string, before: IsoTime): Promise<{ kv: number; leases: number }>;
}

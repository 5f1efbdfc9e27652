/**
 * Rules both stores share, as pure functions: argument checks and bounds,
 * feed URL identity, what an upsert keeps, lease arithmetic.
 */
import type { Article, EditorAccount, FeedRecord, NewFeed } from '../model.js';
import { stableId } from '../util/ids.js';
import { UserError } from '../util/errors.js';
import type { ArticleQuery, ClickQuery } from './store.js';
import { ARTICLE_REFRESHED, FEED, canonicalTime, checkDate, checkId, checkRecord, emailKey } from './schema.js';

/** Upper bound on any list (STO-08: `limit=1e9` is clamped, not obeyed). */
export const MAX_LIST = 100_000;
export const DEFAULT_AUDIT_LIMIT = 200;
/** Longest lease accepted (a lease is a heartbeat, not a reservation). */
export const MAX_LEASE_MS = 24 * 3600_000;

/** A list limit: a non-negative number, floored, clamped to MAX_LIST; absent → `dflt`. */
export function boundLimit(v: unknown, where: string, dflt = MAX_LIST): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || Number.isNaN(v) || v < 0) throw new UserError(`${where} must be a number ≥ 0`);
  return Math.min(Math.floor(v), MAX_LIST);
}

export function boundOffset(v: unknown, where: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new UserError(`${where} must be a number ≥ 0`);
  return Math.min(Math.floor(v), Number.MAX_SAFE_INTEGER);
}

export function checkOneOf<T extends string>(v: unknown, allowed: readonly T[], where: string): T {
  if (typeof v !== 'string' || !allowed.includes(v as T)) throw new UserError(`${where} must be one of ${allowed.join(', ')}`);
  return v as T;
}

export function checkIds(ids: unknown, where: string): string[] {
  if (!Array.isArray(ids)) throw new UserError(`${where} must be an array of ids`);
  return ids.map((x, i) => checkId(x, `${where}[${i}]`));
}

/**
 * The identity of a feed URL: WHATWG-parsed (scheme and host lower-cased,
 * default port dropped), fragment removed. Only http(s).
 */
export function normalizeFeedUrl(raw: unknown): string {
  if (typeof raw !== 'string') throw new UserError('feed url must be a string');
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw new UserError(`feed url is not a valid URL: ${JSON.stringify(raw.slice(0, 200))}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UserError(`feed url must be http(s): ${JSON.stringify(raw.slice(0, 200))}`);
  u.hash = '';
  return u.toString();
}

const NEW_FEED_FIELDS = ['url', 'title', 'section', 'lang', 'country', 'region', 'siteUrl'] as const;
/** Fields a re-declaration (OPML re-import) may change; fetch state is never among them. */
export const NEW_FEED_DESCRIPTIVE = ['title', 'section', 'lang', 'country', 'region', 'siteUrl'] as const;

/** A new feed's record, checked; `id` is chosen by the caller (it must be free). */
export function newFeedRecord(feed: NewFeed, id: string, now: Date): FeedRecord {
  checkNewFeedKeys(feed);
  return checkRecord(FEED, {
    ...pick(feed, NEW_FEED_FIELDS),
    id,
    url: normalizeFeedUrl(feed.url),
    status: 'active',
    createdAt: now.toISOString(),
    errorCount: 0,
  });
}

/** An existing feed re-declared (OPML re-import): descriptive fields refreshed, fetch state kept. */
export function redeclaredFeed(existing: FeedRecord, feed: NewFeed): FeedRecord {
  checkNewFeedKeys(feed);
  return checkRecord(FEED, { ...existing, ...pick(feed, NEW_FEED_DESCRIPTIVE) });
}

function checkNewFeedKeys(feed: NewFeed): void {
  if (feed === null || typeof feed !== 'object') throw new UserError('feed: expected an object');
  for (const k of Object.keys(feed)) {
    if (!(NEW_FEED_FIELDS as readonly string[]).includes(k)) throw new UserError(`feed: unknown field ${JSON.stringify(k.slice(0, 60))}`);
  }
}

/** Candidate ids for a feed url: its hash, then (after a redirect freed the hash) numbered variants. */
export function feedIdCandidate(url: string, attempt: number): string {
  return stableId(attempt === 0 ? url : `${url}#${attempt}`);
}

/** An article seen again: content refreshed; id, feed, guid, tags and cluster kept. */
export function refreshedArticle(existing: Article, incoming: Article): Article {
  const out: Record<string, unknown> = { ...existing };
  for (const k of ARTICLE_REFRESHED) {
    if (incoming[k] === undefined) delete out[k];
    else out[k] = incoming[k];
  }
  return out as unknown as Article;
}

export function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

export interface CheckedArticleQuery {
  since?: string;
  until?: string;
  feedId?: string;
  tagged?: boolean;
  limit: number;
  offset: number;
}

export function checkArticleQuery(q: ArticleQuery = {}): CheckedArticleQuery {
  if (q.tagged !== undefined && typeof q.tagged !== 'boolean') throw new UserError('articles query: tagged must be true or false');
  return {
    ...(q.since !== undefined ? { since: canonicalTime(q.since, 'articles query: since') } : {}),
    ...(q.until !== undefined ? { until: canonicalTime(q.until, 'articles query: until') } : {}),
    ...(q.feedId !== undefined ? { feedId: checkId(q.feedId, 'articles query: feedId') } : {}),
    ...(q.tagged !== undefined ? { tagged: q.tagged } : {}),
    limit: boundLimit(q.limit, 'articles query: limit'),
    offset: boundOffset(q.offset, 'articles query: offset'),
  };
}

export interface CheckedClickQuery {
  subscriberId?: string;
  articleId?: string;
  since?: string;
  limit: number;
}

export function checkClickQuery(q: ClickQuery = {}): CheckedClickQuery {
  return {
    ...(q.subscriberId !== undefined ? { subscriberId: checkId(q.subscriberId, 'clicks query: subscriberId') } : {}),
    ...(q.articleId !== undefined ? { articleId: checkId(q.articleId, 'clicks query: articleId') } : {}),
    ...(q.since !== undefined ? { since: canonicalTime(q.since, 'clicks query: since') } : {}),
    limit: boundLimit(q.limit, 'clicks query: limit'),
  };
}

export interface CheckedEditionQuery {
  subscriberId?: string;
  date?: string;
  limit: number;
}

export function checkEditionQuery(q: { subscriberId?: string; date?: string; limit?: number } = {}): CheckedEditionQuery {
  return {
    ...(q.subscriberId !== undefined ? { subscriberId: checkId(q.subscriberId, 'editions query: subscriberId') } : {}),
    ...(q.date !== undefined ? { date: checkDate(q.date, 'editions query: date') } : {}),
    limit: boundLimit(q.limit, 'editions query: limit'),
  };
}

export function checkLeaseArgs(name: unknown, owner: unknown, ttlMs: unknown): { name: string; owner: string; ttlMs: number } {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs < 1 || ttlMs > MAX_LEASE_MS) {
    throw new UserError(`lease ttl must be between 1 ms and ${MAX_LEASE_MS} ms`);
  }
  return { name: checkId(name, 'lease name', 200), owner: checkId(owner, 'lease owner', 200), ttlMs: Math.ceil(ttlMs) };
}

export function checkAuthor(author: unknown): string {
  const a = checkId(author, 'settings author', 200);
  if (!a.trim()) throw new UserError('settings author must not be blank');
  return a;
}

export function checkVersion(v: unknown): number {
  if (!Number.isSafeInteger(v) || (v as number) < 1) throw new UserError('settings version must be an integer ≥ 1');
  return v as number;
}

/** An editor account as stored: known fields only, lower-cased e-mail. */
export function checkEditor(e: EditorAccount): EditorAccount {
  if (!e || typeof e !== 'object') throw new UserError('editor must be an object');
  for (const k of Object.keys(e)) if (!['id', 'email', 'role', 'createdAt'].includes(k)) throw new UserError(`editor: unknown field "${k}"`);
  const email = emailKey(checkId(e.email, 'editor email', 320));
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new UserError(`editor email is not an e-mail address`);
  return {
    id: checkId(e.id, 'editor id'),
    email,
    role: checkOneOf(e.role, ['editor', 'admin'], 'editor role'),
    createdAt: canonicalTime(e.createdAt, 'editor createdAt'),
  };
}

/** Most subscriber ids one listClicksOf call accepts. */
export const MAX_CLICK_SUBSCRIBERS = 1000;

/** A list of subscriber ids for listClicksOf: strings, at most MAX_CLICK_SUBSCRIBERS, duplicates dropped. */
export function checkSubscriberIdList(ids: unknown): string[] {
  const checked = checkIds(ids, 'subscriber ids');
  if (checked.length > MAX_CLICK_SUBSCRIBERS) throw new UserError(`at most ${MAX_CLICK_SUBSCRIBERS} subscriber ids per call (got ${checked.length})`);
  return [...new Set(checked)];
}

/** Default and cap of EditionSummaryQuery.perSubscriber. */
export const DEFAULT_SUMMARIES_PER_SUBSCRIBER = 7;
export const MAX_SUMMARIES_PER_SUBSCRIBER = 100;

export interface CheckedSummaryQuery {
  before: string;
  since?: string;
  perSubscriber: number;
}

export function checkSummaryQuery(q: unknown): CheckedSummaryQuery {
  if (q === null || typeof q !== 'object') throw new UserError('edition summaries query must be an object with a date `before`');
  const o = q as { before?: unknown; since?: unknown; perSubscriber?: unknown };
  const per = o.perSubscriber ?? DEFAULT_SUMMARIES_PER_SUBSCRIBER;
  if (!Number.isInteger(per) || (per as number) < 0 || (per as number) > MAX_SUMMARIES_PER_SUBSCRIBER) {
    throw new UserError(`edition summaries: perSubscriber must be an integer from 0 to ${MAX_SUMMARIES_PER_SUBSCRIBER}`);
  }
  return {
    before: checkDate(o.before, 'edition summaries: before'),
    ...(o.since !== undefined ? { since: checkDate(o.since, 'edition summaries: since') } : {}),
    perSubscriber: per as number,
  };
}


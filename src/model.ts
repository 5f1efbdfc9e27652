/**
 * Kiosque's domain model: the records that travel between the stages
 * (ingest → tag → store → personalize → edition → web / newsletter).
 * Every stage speaks these types; the Store persists them as they are.
 */

export type Lang = 'fr' | 'en';
export const LANGS: readonly Lang[] = ['fr', 'en'];

/** ISO-8601 instant in UTC, e.g. "2026-11-22T06:00:00.000Z". */
export type IsoTime = string;
/** Calendar date "YYYY-MM-DD" (an edition's date, in the subscriber's zone). */
export type IsoDate = string;

// ───────────────────────── feeds ─────────────────────────

export type FeedStatus = 'active' | 'disabled' | 'gone';

export interface FeedRecord {
  id: string;
  /** Normalized URL; unique. Updated after a permanent redirect. */
  url: string;
  title: string;
  /** Editorial section from the OPML outline, e.g. "International", "Sport". */
  section: string;
  /** Language hint for the feed's items, when known. */
  lang?: Lang;
  /** ISO 3166-1 alpha-2 home country of the publisher (helps place resolution). */
  country?: string;
  /** Region/city the feed covers, for regional feeds (e.g. "Bretagne"). */
  region?: string;
  siteUrl?: string;
  status: FeedStatus;
  createdAt: IsoTime;
  // fetch state
  etag?: string;
  lastModified?: string;
  lastFetchedAt?: IsoTime;
  lastSuccessAt?: IsoTime;
  /** Earliest time the next poll may happen (backoff, Retry-After, cache headers). */
  nextFetchAt?: IsoTime;
  lastStatus?: number;
  lastError?: string;
  errorCount: number;
  /** Items seen in the last successful fetch. */
  lastItemCount?: number;
  /** Permanent-redirect target seen, awaiting confirmation. */
  pendingRedirect?: { url: string; count: number };
}

export type NewFeed = Pick<FeedRecord, 'url' | 'title' | 'section'> &
  Partial<Pick<FeedRecord, 'lang' | 'country' | 'region' | 'siteUrl'>>;

// ───────────────────────── articles ─────────────────────────

export interface KeywordWeight {
  /** Readable surface form ("élections"), not the stem. */
  term: string;
  /** Stem used in vectors ("élect"). */
  stem: string;
  weight: number;
}

export interface TopicScore {
  /** Taxonomy id, e.g. "sport", "economie". */
  id: string;
  score: number;
}

export interface PlaceMention {
  name: string;
  /** Gazetteer id, e.g. "geonames:2988507" or "country:FR". */
  geoId: string;
  kind: 'country' | 'region' | 'city';
  countryCode: string;
  admin1?: string;
  lat: number;
  lon: number;
  confidence: number;
}

/** Sparse TF-IDF vector: parallel arrays of stems and L2-normalized weights. */
export interface SparseVector {
  terms: string[];
  weights: number[];
}

export interface ArticleTags {
  lang: Lang;
  keywords: KeywordWeight[];
  vector: SparseVector;
  topics: TopicScore[];
  places: PlaceMention[];
  mainCountry?: string;
  /** Editor-corrected topic; overrides the classifier and trains it. */
  topicOverride?: string;
  taggedAt: IsoTime;
  taggerVersion: string;
}

export interface Article {
  /** Stable id derived from the canonical URL (or feed + guid when there is no URL). */
  id: string;
  feedId: string;
  /** Hash of the item's guid (or link) within its feed; (feedId, guidHash) is unique. */
  guidHash: string;
  url?: string;
  title: string;
  author?: string;
  publishedAt: IsoTime;
  fetchedAt: IsoTime;
  /** Plain-text summary, at most ~300 characters. */
  summary: string;
  /** Sanitized HTML; safe to put in a page as is. */
  contentHtml: string;
  /** Plain text of the whole item. */
  text: string;
  langHint?: string;
  categories: string[];
  /** Section of the feed the article came from (training signal for topics). */
  section: string;
  /** 64-bit SimHash over word shingles, as 16 hex digits (near-duplicate detection). */
  simhash: string;
  clusterId: string;
  tags?: ArticleTags;
}

export interface StoryCluster {
  id: string;
  /** The article shown first (best source). */
  leadArticleId: string;
  articleIds: string[];
  feedIds: string[];
  firstSeenAt: IsoTime;
  updatedAt: IsoTime;
}

// ───────────────────────── subscribers ─────────────────────────

export interface ConsentRecord {
  granted: boolean;
  at: IsoTime;
  source: string;
}

export interface HomePlace {
  name: string;
  geoId?: string;
  countryCode: string;
  admin1?: string;
  lat: number;
  lon: number;
}

export type Frequency = 'daily' | 'weekdays' | 'weekly';
export type SubscriberStatus = 'pending' | 'active' | 'unsubscribed' | 'bouncing';

export interface FeedbackSignal {
  articleId: string;
  signal: 1 | -1;
  at: IsoTime;
}

export interface SubscriberPrefs {
  followTopics: string[];
  muteTopics: string[];
  followPlaces: string[];
  mutePlaces: string[];
  followSources: string[];
  muteSources: string[];
  feedback: FeedbackSignal[];
  /** Languages of the stories in the edition; absent or empty: the subscriber's own language only. */
  languages?: Lang[];
}

export interface Subscriber {
  id: string;
  email: string;
  name?: string;
  lang: Lang;
  home?: HomePlace;
  /** IANA time zone, e.g. "Europe/Paris". */
  timezone: string;
  /** Local edition time "HH:MM". */
  editionTime: string;
  frequency: Frequency;
  consents: {
    personalization: ConsentRecord;
    tracking: ConsentRecord;
    newsletter: ConsentRecord;
  };
  prefs: SubscriberPrefs;
  /** Personal diversity dial, 0 (familiar) … 1 (surprise me). */
  diversity: number;
  status: SubscriberStatus;
  createdAt: IsoTime;
  confirmedAt?: IsoTime;
  unsubscribedAt?: IsoTime;
  bounceCount: number;
  lastEngagedAt?: IsoTime;
}

export interface Click {
  id: string;
  /** null when the subscriber does not consent to tracking (aggregate only). */
  subscriberId: string | null;
  articleId: string;
  editionId?: string;
  position?: number;
  section?: string;
  reason?: string;
  at: IsoTime;
}

// ───────────────────────── editions ─────────────────────────

export type ReasonCode =
  | 'because-you-read'
  | 'followed-topic'
  | 'followed-source'
  | 'near-you'
  | 'editors-pick'
  | 'explore'
  | 'broaden'
  | 'popular'
  | 'top-story'
  | 'more-like-this';

export interface Reason {
  code: ReasonCode;
  /** Human sentence in the subscriber's language. */
  text: string;
  /** What the reason refers to (an article title, a place name, a topic id). */
  ref?: string;
}

export interface EditionItem {
  articleId: string;
  clusterId: string;
  title: string;
  url?: string;
  source: string;
  feedId: string;
  summary: string;
  publishedAt: IsoTime;
  topics: string[];
  place?: string;
  alsoCoveredBy: { source: string; feedId: string; articleId: string; url?: string; title: string }[];
  section: string;
  position: number;
  score: number;
  scoreParts: Record<string, number>;
  reasons: Reason[];
}

export interface EditionSection {
  id: string;
  title: string;
  itemIds: string[];
}

export interface DiversityMetrics {
  intraListDiversity: number;
  topicEntropy: number;
  topicCoverage: number;
  calibrationKl: number;
  sources: number;
  localShare: number;
  nationalShare: number;
  worldShare: number;
}

export interface Edition {
  id: string;
  subscriberId: string;
  date: IsoDate;
  lang: Lang;
  personalized: boolean;
  settingsVersion: number;
  createdAt: IsoTime;
  sections: EditionSection[];
  items: EditionItem[];
  metrics: DiversityMetrics;
}

// ───────────────────────── editors ─────────────────────────

export interface SettingsVersion<S = unknown> {
  version: number;
  settings: S;
  author: string;
  createdAt: IsoTime;
  note?: string;
}

/** An editor's account (created from the CLI); kept apart from subscribers (WEB-10). */
export type EditorRole = 'editor' | 'admin';

export interface EditorAccount {
  id: string;
  /** Lower-cased; unique. */
  email: string;
  role: EditorRole;
  createdAt: IsoTime;
}

export interface AuditEntry {
  id: string;
  at: IsoTime;
  actor: string;
  action: string;
  detail: unknown;
}

// ───────────────────────── coordination ─────────────────────────

export interface Lease {
  name: string;
  owner: string;
  /** Fencing token: strictly increases every time the lease changes hands. */
  token: number;
  expiresAt: IsoTime;
}

/**
 * What each stored record looks like, field by field, for both stores.
 *
 * One spec per record type says every field's type, whether it is optional,
 * its length cap and what happens above the cap, and whether SQLite keeps it
 * in its own (queried, indexed) column or inside the row's JSON `data` column.
 * Validation, row↔record mapping (sqlite.ts) and document↔record mapping
 * (mongo.ts) are all derived from these specs, so a field is declared once.
 *
 * Policy for untrusted content (STO-02 / STO-05):
 * - unknown fields are rejected (no mass assignment);
 * - keys that start with `$`, contain `.` or are `__proto__` are rejected
 *   anywhere inside structured fields, so nothing stored can later be read as
 *   a Mongo operator or a path;
 * - free-form payloads (settings, audit detail, kv values) are opaque JSON
 *   text in both stores, so any key inside them is inert;
 * - plain-text fields over their cap are truncated; identifiers and URLs over
 *   their cap are rejected (a cut URL is a wrong URL); sanitized HTML over its
 *   cap is dropped (a cut tag could swallow the page after it).
 */
import type { Article, AuditEntry, Click, Edition, FeedRecord, SettingsVersion, StoryCluster, Subscriber } from '../model.js';
import { LANGS } from '../model.js';
import { UserError } from '../util/errors.js';

export type FieldType = 'text' | 'int' | 'real' | 'bool' | 'json' | 'blob' | 'time' | 'date';

export interface FieldSpec {
  type: FieldType;
  optional?: boolean;
  /** The value may be null (and is stored as null, not omitted). */
  nullable?: boolean;
  /** Maximum length in UTF-16 code units, for text fields. */
  max?: number;
  /** What to do above `max`: cut it (default for text), reject the record, or store ''. */
  over?: 'truncate' | 'reject' | 'empty';
  oneOf?: readonly string[];
  /** SQLite keeps this field in its own column (it is filtered, sorted or updated alone). */
  column?: boolean;
}

export interface RecordSpec<R> {
  /** Table / collection name. */
  name: string;
  /** The record's identity field. */
  key: keyof R & string;
  fields: { [K in keyof R & string]-?: FieldSpec };
  /** Fields computed from another field, stored for lookups only (never returned). */
  derived?: Record<string, { from: keyof R & string; compute: (v: never) => string | number | null; sqliteOnly?: boolean }>;
}

const ID_MAX = 256;
const URL_MAX = 2048;

const id = (extra: Partial<FieldSpec> = {}): FieldSpec => ({ type: 'text', max: ID_MAX, over: 'reject', ...extra });
const url = (extra: Partial<FieldSpec> = {}): FieldSpec => ({ type: 'text', max: URL_MAX, over: 'reject', ...extra });
const text = (max: number, extra: Partial<FieldSpec> = {}): FieldSpec => ({ type: 'text', max, over: 'truncate', ...extra });
const time = (extra: Partial<FieldSpec> = {}): FieldSpec => ({ type: 'time', ...extra });
const int = (extra: Partial<FieldSpec> = {}): FieldSpec => ({ type: 'int', ...extra });
const json = (extra: Partial<FieldSpec> = {}): FieldSpec => ({ type: 'json', ...extra });
const opt = (f: FieldSpec): FieldSpec => ({ ...f, optional: true });
const lang: FieldSpec = { type: 'text', oneOf: LANGS };

/** Caps on article content (STO-05). */
export const ARTICLE_CAPS = { title: 1000, summary: 2000, text: 200_000, contentHtml: 500_000 } as const;

export const FEED: RecordSpec<FeedRecord> = {
  name: 'feeds',
  key: 'id',
  fields: {
    id: id({ column: true }),
    url: url({ column: true }),
    title: text(1000),
    section: text(200),
    lang: opt(lang),
    country: opt(text(8, { over: 'reject' })),
    region: opt(text(200)),
    siteUrl: opt(url()),
    status: { type: 'text', oneOf: ['active', 'disabled', 'gone'], column: true },
    createdAt: time({ column: true }),
    etag: opt(text(1024, { over: 'reject' })),
    lastModified: opt(text(200, { over: 'reject' })),
    lastFetchedAt: opt(time()),
    lastSuccessAt: opt(time()),
    nextFetchAt: opt(time()),
    lastStatus: opt(int()),
    lastError: opt(text(2000)),
    errorCount: int(),
    lastItemCount: opt(int()),
    pendingRedirect: opt(json()),
  },
};

export const ARTICLE: RecordSpec<Article> = {
  name: 'articles',
  key: 'id',
  fields: {
    id: id({ column: true }),
    feedId: id({ column: true }),
    guidHash: id({ column: true }),
    url: opt(url()),
    title: text(ARTICLE_CAPS.title),
    author: opt(text(500)),
    publishedAt: time({ column: true }),
    fetchedAt: time(),
    summary: text(ARTICLE_CAPS.summary),
    contentHtml: text(ARTICLE_CAPS.contentHtml, { over: 'empty' }),
    text: text(ARTICLE_CAPS.text),
    langHint: opt(text(35)),
    categories: json(),
    section: text(200),
    simhash: text(64, { over: 'reject' }),
    clusterId: id({ column: true }),
    tags: opt(json({ column: true })),
  },
};

/** Fields an article refresh (same id or same feedId+guidHash) may change; tags and clusterId are kept. */
export const ARTICLE_REFRESHED = [
  'url',
  'title',
  'author',
  'publishedAt',
  'fetchedAt',
  'summary',
  'contentHtml',
  'text',
  'langHint',
  'categories',
  'section',
  'simhash',
] as const satisfies readonly (keyof Article)[];

export const CLUSTER: RecordSpec<StoryCluster> = {
  name: 'clusters',
  key: 'id',
  fields: {
    id: id({ column: true }),
    leadArticleId: id(),
    articleIds: json(),
    feedIds: json(),
    firstSeenAt: time(),
    updatedAt: time(),
  },
};

/** Case-insensitive e-mail identity (Unicode-aware, unlike SQLite's ASCII-only lower()). */
export function emailKey(email: string): string {
  return email.trim().toLowerCase();
}

export const SUBSCRIBER: RecordSpec<Subscriber> = {
  name: 'subscribers',
  key: 'id',
  fields: {
    id: id({ column: true }),
    email: { type: 'text', max: 320, over: 'reject' },
    name: opt(text(200)),
    lang,
    home: opt(json()),
    timezone: text(64, { over: 'reject' }),
    editionTime: text(16, { over: 'reject' }),
    frequency: { type: 'text', oneOf: ['daily', 'weekdays', 'weekly'] },
    consents: json(),
    prefs: json(),
    diversity: { type: 'real' },
    status: { type: 'text', oneOf: ['pending', 'active', 'unsubscribed', 'bouncing'], column: true },
    createdAt: time(),
    confirmedAt: opt(time()),
    unsubscribedAt: opt(time()),
    bounceCount: int(),
    lastEngagedAt: opt(time()),
  },
  derived: { emailKey: { from: 'email', compute: emailKey } },
};

export const CLICK: RecordSpec<Click> = {
  name: 'clicks',
  key: 'id',
  fields: {
    id: id({ column: true }),
    subscriberId: id({ nullable: true, column: true }),
    articleId: id({ column: true }),
    editionId: opt(id({ column: true })),
    position: opt(int()),
    section: opt(text(200)),
    reason: opt(text(200)),
    at: time({ column: true }),
  },
};

export const EDITION: RecordSpec<Edition> = {
  name: 'editions',
  key: 'id',
  fields: {
    id: id({ column: true }),
    subscriberId: id({ column: true }),
    date: { type: 'date', column: true },
    lang,
    personalized: { type: 'bool' },
    settingsVersion: int(),
    createdAt: time(),
    sections: json(),
    items: json(),
    metrics: json(),
  },
  // What Store.listEditionSummaries reads, kept apart from the JSON so a build never parses whole editions.
  derived: {
    articleIds: { from: 'items', compute: (items: unknown) => JSON.stringify(itemArticleIds(items)), sqliteOnly: true },
    topicEntropy: { from: 'metrics', compute: recordedEntropy, sqliteOnly: true },
  },
};

/** The article ids of an edition's items, whatever the stored items hold. */
export function itemArticleIds(items: unknown): string[] {
  if (!Array.isArray(items)) return [];
  const out: string[] = [];
  for (const it of items) {
    const id = (it as { articleId?: unknown } | null)?.articleId;
    if (typeof id === 'string') out.push(id);
  }
  return out;
}

/** metrics.topicEntropy when it is a finite number, else null. */
export function recordedEntropy(metrics: unknown): number | null {
  const h = (metrics as { topicEntropy?: unknown } | null)?.topicEntropy;
  return typeof h === 'number' && Number.isFinite(h) ? h : null;
}

export const SETTINGS: RecordSpec<SettingsVersion> = {
  name: 'settings',
  key: 'version',
  fields: {
    version: int({ column: true }),
    settings: { type: 'blob' },
    author: { type: 'text', max: 200, over: 'reject' },
    createdAt: time(),
    note: opt(text(2000)),
  },
};

export const AUDIT: RecordSpec<AuditEntry> = {
  name: 'audit',
  key: 'id',
  fields: {
    id: id({ column: true }),
    at: time({ column: true }),
    actor: text(200),
    action: text(200),
    detail: { type: 'blob', optional: true },
  },
};

// ───────────────────────── validation ─────────────────────────

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Largest JSON payload accepted (Mongo's document limit is 16 MB). */
export const MAX_JSON_BYTES = 15 * 1024 * 1024;

function fail(where: string, msg: string): never {
  throw new UserError(`${where} ${msg}`);
}

/** Cuts a string to at most `max` code units without splitting a surrogate pair. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  const code = s.charCodeAt(max - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/** Canonical ISO instant ("…Z"), so text comparison orders times correctly. */
export function canonicalTime(v: unknown, where: string): string {
  if (typeof v !== 'string' && !(v instanceof Date)) fail(where, 'must be an ISO time string');
  const t = new Date(v).getTime();
  if (!Number.isFinite(t)) fail(where, `is not a valid time: ${JSON.stringify(String(v).slice(0, 40))}`);
  return new Date(t).toISOString();
}

export function checkDate(v: unknown, where: string): string {
  if (typeof v !== 'string' || !ISO_DATE.test(v) || !Number.isFinite(Date.parse(`${v}T00:00:00Z`))) {
    fail(where, 'must be a date YYYY-MM-DD');
  }
  return v;
}

/** A string argument used as a lookup key (never an object: STO-01). */
export function checkId(v: unknown, where: string, max = ID_MAX): string {
  if (typeof v !== 'string' || v.length === 0) fail(where, 'must be a non-empty string');
  if (v.length > max) fail(where, `is longer than ${max} characters`);
  return v;
}

/** Rejects keys that Mongo would read as operators or paths, prototype keys, and values JSON cannot hold, at any depth. */
export function checkSafeKeys(value: unknown, where: string, depth = 0): void {
  if (depth > 64) fail(where, 'is nested too deeply');
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) checkSafeValue(value[i], where, depth);
  } else if (value !== null && typeof value === 'object') {
    // for…in with an own-property check: no array of keys per object (a stored edition holds hundreds of objects).
    for (const k in value) {
      if (!Object.hasOwn(value, k)) continue;
      if (k.charCodeAt(0) === 36 /* $ */ || k === '__proto__' || k.includes('.')) fail(where, `has a forbidden key ${JSON.stringify(k)}`);
      checkSafeValue((value as Record<string, unknown>)[k], where, depth);
    }
  } else checkSafeValue(value, where, depth - 1);
}

/** One member of an object or array at `depth`: scalars are settled here, objects walked one level down. */
function checkSafeValue(v: unknown, where: string, depth: number): void {
  const t = typeof v;
  if (t === 'object') {
    if (v !== null) checkSafeKeys(v, where, depth + 1);
  } else if (t === 'bigint' || t === 'function' || t === 'symbol') fail(where, `holds a ${t}, which JSON cannot store`);
}

/** JSON text of a payload, refusing what JSON cannot hold and what is too big. */
export function toJsonText(value: unknown, where: string): string {
  let s: string | undefined;
  try {
    s = JSON.stringify(value);
  } catch (e) {
    fail(where, `is not JSON-serializable (${(e as Error).message})`);
  }
  if (s === undefined) fail(where, 'is not JSON-serializable');
  if (s.length > MAX_JSON_BYTES) fail(where, `is larger than ${MAX_JSON_BYTES} bytes`);
  return s;
}

/** One field's value, checked and normalized; `undefined` for an absent optional field. */
export function checkField(spec: FieldSpec, value: unknown, where: string): unknown {
  if (value === undefined || (value === null && !spec.nullable)) {
    if (spec.optional) return undefined;
    fail(where, 'is required');
  }
  if (value === null) return null;
  switch (spec.type) {
    case 'text': {
      if (typeof value !== 'string') fail(where, 'must be a string');
      if (spec.oneOf && !spec.oneOf.includes(value)) fail(where, `must be one of ${spec.oneOf.join(', ')}`);
      if (spec.max !== undefined && value.length > spec.max) {
        if (spec.over === 'reject') fail(where, `is longer than ${spec.max} characters`);
        return spec.over === 'empty' ? '' : truncate(value, spec.max);
      }
      return value;
    }
    case 'int':
      if (!Number.isSafeInteger(value)) fail(where, 'must be an integer');
      return value;
    case 'real':
      if (typeof value !== 'number' || !Number.isFinite(value)) fail(where, 'must be a finite number');
      return value;
    case 'bool':
      if (typeof value !== 'boolean') fail(where, 'must be true or false');
      return value;
    case 'time':
      return canonicalTime(value, where);
    case 'date':
      return checkDate(value, where);
    case 'json':
      if (typeof value !== 'object') fail(where, 'must be an object or an array');
      // The key walk also bounds depth (so no cycles); the row's JSON is written once, later.
      checkSafeKeys(value, where);
      return value;
    case 'blob':
      // Opaque payload: normalized through JSON so both stores return the same thing.
      return JSON.parse(toJsonText(value, where));
  }
}

/** A whole record, checked against its spec; returns a clean copy holding only known fields. */
export function checkRecord<R>(spec: RecordSpec<R>, rec: unknown, what = spec.name): R {
  if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) throw new UserError(`${what}: expected an object`);
  const fields = spec.fields as Record<string, FieldSpec>;
  for (const k of Object.keys(rec)) {
    if (!Object.hasOwn(fields, k)) throw new UserError(`${what}: unknown field ${JSON.stringify(k.slice(0, 60))}`);
  }
  const out: Record<string, unknown> = {};
  const keyValue = (rec as Record<string, unknown>)[spec.key];
  const label = typeof keyValue === 'string' || typeof keyValue === 'number' ? `${what} ${String(keyValue).slice(0, 80)}` : what;
  for (const [k, f] of Object.entries(fields)) {
    const v = checkField(f, (rec as Record<string, unknown>)[k], `${label}: ${k}`);
    if (v !== undefined) out[k] = v;
  }
  return out as R;
}

export interface CheckedPatch {
  /** Fields to set, already checked. */
  set: Record<string, unknown>;
  /** Optional fields to clear (given as undefined or null). */
  unset: string[];
}

/**
 * A partial update, checked field by field against the spec: only known,
 * mutable fields; required fields cannot be cleared (STO-02: no mass assignment).
 */
export function checkPatch<R>(spec: RecordSpec<R>, patch: unknown, immutable: readonly string[], what: string): CheckedPatch {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) throw new UserError(`${what}: patch must be an object`);
  const fields = spec.fields as Record<string, FieldSpec>;
  const set: Record<string, unknown> = {};
  const unset: string[] = [];
  for (const [k, v] of Object.entries(patch)) {
    if (!Object.hasOwn(fields, k) || immutable.includes(k)) throw new UserError(`${what}: field ${JSON.stringify(k.slice(0, 60))} cannot be changed`);
    const f = fields[k]!;
    if (v === undefined || (v === null && !f.nullable)) {
      if (!f.optional) throw new UserError(`${what}: ${k} is required and cannot be cleared`);
      unset.push(k);
    } else {
      set[k] = checkField(f, v, `${what}: ${k}`);
    }
  }
  return { set, unset };
}

/** Applies a checked patch to a record (a new object; the input is not modified). */
export function applyPatch<R>(rec: R, p: CheckedPatch): R {
  const out: Record<string, unknown> = { ...(rec as Record<string, unknown>), ...p.set };
  for (const k of p.unset) delete out[k];
  return out as R;
}

/** Derived lookup fields (e.g. emailKey) for the fields present in `values`. */
export function derivedValues<R>(spec: RecordSpec<R>, values: Record<string, unknown>, store: 'sqlite' | 'mongodb' = 'sqlite'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, d] of Object.entries(spec.derived ?? {})) {
    // MongoDB projects what it needs from the document itself.
    if (d.sqliteOnly && store !== 'sqlite') continue;
    if (Object.hasOwn(values, d.from)) out[name] = (d.compute as (v: unknown) => unknown)(values[d.from]);
  }
  return out;
}

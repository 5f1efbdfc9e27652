/**
 * What an edition shows of an article (title, link, source, summary, date) is
 * the same in every edition of the day that shows it. The stores keep each
 * such copy once, keyed by a hash of the article id and that content, and a
 * stored item names its copy (`articleCopy`) instead of repeating it; the
 * stories an item lists as "also covered by" do the same. Reading joins the
 * copies back, so the edition read is the edition saved, field for field.
 *
 * They were half of a stored edition: a 12-item edition row of the bench's
 * store went from 14.0 to 7.4 KB, and a daily build writes one per subscriber.
 *
 * Copies are never deleted: they hold article text, nothing about a
 * subscriber, and an edition saved later may name the same copy. Items that
 * do not have exactly the planner's fields are stored as given.
 */
import { stableId } from '../util/ids.js';
import type { Edition } from '../model.js';

/** An item's fields that copy its article, in the order an item holds them (plan.ts renderItem). */
const ITEM_COPY = ['title', 'url', 'source', 'feedId', 'summary', 'publishedAt'] as const;
/** An "also covered by" entry is all copy (its article id too, to keep the fields' order). */
const ALSO_COPY = ['source', 'feedId', 'articleId', 'url', 'title'] as const;
/** Where a stored item or entry names its copy. */
export const COPY_KEY = 'articleCopy';

type Obj = Record<string, unknown>;

export interface CopyRow {
  key: string;
  /** The copied fields, in their order; `url` absent when the article has none. */
  fields: Obj;
}

interface Entry {
  key: string;
  /** The copied values, in ITEM_COPY or ALSO_COPY order. */
  values: readonly unknown[];
  fields: Obj;
  /** Known to be in the store (written by a committed save of this instance). */
  stored: boolean;
}

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const isText = (v: unknown, optional = false) => typeof v === 'string' || (optional && v === undefined);

/** Own enumerable keys of `o` (for…in: no array made). */
function keyCount(o: Obj): number {
  let n = 0;
  for (const k in o) if (Object.hasOwn(o, k)) n++;
  return n;
}

/**
 * Items and entries are taken apart only when they have exactly the fields
 * the planner gives them (plan.ts renderItem), with the expected types:
 * everything else is stored as given, so nothing is ever dropped.
 */
function isPlannerItem(it: Obj): boolean {
  if (!(isText(it.articleId) && isText(it.title) && isText(it.url, true) && isText(it.source) && isText(it.feedId) && isText(it.summary) && isText(it.publishedAt))) return false;
  let expected = 14;
  if ('url' in it) expected++;
  if ('place' in it) expected++;
  return (
    'clusterId' in it && 'topics' in it && 'alsoCoveredBy' in it && 'section' in it && 'position' in it && 'score' in it && 'scoreParts' in it && 'reasons' in it && keyCount(it) === expected
  );
}

function isPlannerEntry(m: Obj): boolean {
  return isText(m.source) && isText(m.feedId) && isText(m.articleId) && isText(m.url, true) && isText(m.title) && keyCount(m) === ('url' in m ? 5 : 4);
}

function sameValues(a: readonly unknown[], b: readonly unknown[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * One store instance's copies: what it has already written, so a build
 * hashes and writes each article's copy once, not once per edition.
 */
export class EditionCopies {
  private readonly items = new Map<string, Entry>();
  private readonly also = new Map<string, Entry>();

  /** Entries remembered per kind before the memory is dropped (it only saves rewrites). */
  static readonly MAX_REMEMBERED = 50_000;

  private entry(map: Map<string, Entry>, fields: readonly string[], articleId: string, values: readonly unknown[]): Entry {
    const known = map.get(articleId);
    if (known && sameValues(known.values, values)) return known;
    const copy: Obj = {};
    for (let i = 0; i < fields.length; i++) if (values[i] !== undefined) copy[fields[i]!] = values[i];
    const key = stableId(`${articleId}\u0000${JSON.stringify(copy)}`);
    if (map.size >= EditionCopies.MAX_REMEMBERED) map.clear();
    const e: Entry = { key, values, fields: copy, stored: false };
    map.set(articleId, e);
    return e;
  }

  /**
   * The editions as stored (items naming their copies), the copies not yet
   * known to be stored, and `saved` to call once the write has committed.
   */
  split(editions: readonly Edition[]): { editions: Edition[]; fresh: CopyRow[]; saved: () => void } {
    const fresh = new Set<Entry>();
    const take = (e: Entry) => {
      if (!e.stored) fresh.add(e);
      return e.key;
    };
    const entry = (m: unknown): unknown => {
      if (!isObj(m) || !isPlannerEntry(m)) return m;
      return { [COPY_KEY]: take(this.entry(this.also, ALSO_COPY, m.articleId as string, [m.source, m.feedId, m.articleId, m.url, m.title])) };
    };
    const item = (it: unknown): unknown => {
      if (!isObj(it) || !isPlannerItem(it)) return it;
      const key = take(this.entry(this.items, ITEM_COPY, it.articleId as string, [it.title, it.url, it.source, it.feedId, it.summary, it.publishedAt]));
      // The planner's field order, the copy where its fields were (joinCopies puts them back there).
      const slim: Obj = { articleId: it.articleId, clusterId: it.clusterId, [COPY_KEY]: key, topics: it.topics };
      if ('place' in it) slim.place = it.place;
      slim.alsoCoveredBy = Array.isArray(it.alsoCoveredBy) ? (it.alsoCoveredBy as unknown[]).map(entry) : it.alsoCoveredBy;
      slim.section = it.section;
      slim.position = it.position;
      slim.score = it.score;
      slim.scoreParts = it.scoreParts;
      slim.reasons = it.reasons;
      return slim;
    };
    const out = editions.map((ed) => (isObj(ed) && Array.isArray(ed.items) ? ({ ...ed, items: (ed.items as unknown[]).map(item) } as Edition) : ed));
    return {
      editions: out,
      fresh: [...fresh].map((e) => ({ key: e.key, fields: e.fields })),
      saved: () => {
        for (const e of fresh) e.stored = true;
      },
    };
  }
}

/** The copy keys stored editions name (to fetch them in one query). */
export function copyKeysOf(editions: readonly Edition[]): string[] {
  const keys = new Set<string>();
  const look = (o: unknown) => {
    if (isObj(o) && typeof o[COPY_KEY] === 'string') keys.add(o[COPY_KEY] as string);
  };
  for (const ed of editions) {
    if (!isObj(ed) || !Array.isArray(ed.items)) continue;
    for (const it of ed.items as unknown[]) {
      look(it);
      if (isObj(it) && Array.isArray(it.alsoCoveredBy)) for (const m of it.alsoCoveredBy as unknown[]) look(m);
    }
  }
  return [...keys];
}

/** `o` with its copy put back in place of COPY_KEY (unchanged when it names none, or one not found). */
function withCopy(o: unknown, copies: ReadonlyMap<string, Obj>): unknown {
  if (!isObj(o) || typeof o[COPY_KEY] !== 'string') return o;
  const copy = copies.get(o[COPY_KEY] as string);
  if (!copy) return o;
  const out: Obj = {};
  for (const k in o) {
    if (!Object.hasOwn(o, k)) continue;
    if (k === COPY_KEY) Object.assign(out, copy);
    else out[k] = o[k];
  }
  return out;
}

/** Stored editions with their items' copies joined back (editions are changed in place and returned). */
export function joinCopies(editions: Edition[], copies: ReadonlyMap<string, Obj>): Edition[] {
  for (const ed of editions) {
    if (!isObj(ed) || !Array.isArray(ed.items)) continue;
    ed.items = (ed.items as unknown[]).map((it) => {
      const full = withCopy(it, copies);
      if (isObj(full) && Array.isArray(full.alsoCoveredBy)) full.alsoCoveredBy = (full.alsoCoveredBy as unknown[]).map((m) => withCopy(m, copies));
      return full;
    }) as Edition['items'];
  }
  return editions;
}

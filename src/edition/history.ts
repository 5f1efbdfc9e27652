/**
 * What a build feeds the planner from a subscriber's past editions: the items
 * they were shown (exposure correction of the profile) and the topic entropy
 * of their latest editions (the bubble guard). Read page by page as compact
 * summaries (Store.listEditionSummaries), never as whole editions.
 */
import type { Article } from '../model.js';
import type { ClickHistoryEntry, Store } from '../store/store.js';
import type { EditorSettings } from '../personalize/settings.js';
import type { PlanOptions, PreparedBuild } from '../personalize/plan.js';
import type { ProfileClickInput } from '../personalize/profile.js';
import { prepareArticle } from '../personalize/articles.js';

/**
 * Past editions whose items count as exposure: two weeks of daily editions.
 * Older ones would weigh little anyway (the profile's 21-day half-life) and
 * each one costs a row per subscriber and build.
 */
export const EXPOSURE_EDITIONS = 14;

/** How far back clicks count for profiles, popularity and co-visitation, and past editions are looked for. */
export const HISTORY_DAYS = 60;

/** The articles of click histories (Store.clickHistoriesOf), for addMissingArticles. */
export function* clickedArticleIds(histories: Iterable<readonly ClickHistoryEntry[]>): Iterable<string> {
  for (const h of histories) for (const c of h) yield c.articleId;
}

const DAY_MS = 86_400_000;

/**
 * Per subscriber, the planner options their past editions give: exposure
 * (each item shown, dated at its edition's date) and the recorded topic
 * entropy of the latest `settings.bubbleGuard.editions` editions, oldest
 * first. Only editions dated before the subscriber's own build date count;
 * a subscriber without past editions gets no entry (the planner then runs
 * without exposure and without the guard, as for a new subscriber).
 */
export async function pastEditionOptions(
  store: Store,
  page: readonly { id: string; date: string }[],
  settings: Pick<EditorSettings, 'bubbleGuard'>,
): Promise<Map<string, PlanOptions>> {
  const out = new Map<string, PlanOptions>();
  if (!page.length) return out;
  const guardEditions = Math.max(1, settings.bubbleGuard.editions);
  const keep = Math.max(EXPOSURE_EDITIONS, guardEditions);
  let before = page[0]!.date;
  let first = page[0]!.date;
  const dateOf = new Map<string, string>();
  for (const s of page) {
    dateOf.set(s.id, s.date);
    if (s.date > before) before = s.date;
    if (s.date < first) first = s.date;
  }
  const since = new Date(Date.parse(`${first}T00:00:00Z`) - HISTORY_DAYS * DAY_MS).toISOString().slice(0, 10);
  // One more than kept: with per-subscriber dates, one row may fall on or after a subscriber's own date.
  const perSubscriber = Math.min(100, keep + 1);
  const summaries = await store.listEditionSummaries(
    page.map((s) => s.id),
    { before, since, perSubscriber },
  );
  let current = '';
  let exposure: ProfileClickInput[] = [];
  let entropy: number[] = [];
  let taken = 0;
  const flush = () => {
    if (!current || taken === 0) return;
    // Newest first from the store; the guard wants the oldest first.
    out.set(current, { exposure, recentTopicEntropy: entropy.reverse() });
  };
  for (const s of summaries) {
    if (s.subscriberId !== current) {
      flush();
      current = s.subscriberId;
      exposure = [];
      entropy = [];
      taken = 0;
    }
    const own = dateOf.get(current);
    if (own === undefined || s.date >= own || taken >= keep) continue;
    taken++;
    const at = Date.parse(`${s.date}T00:00:00Z`);
    if (taken <= EXPOSURE_EDITIONS) for (const articleId of s.articleIds) exposure.push({ articleId, at });
    if (taken <= guardEditions && s.topicEntropy !== null) entropy.push(s.topicEntropy);
  }
  flush();
  return out;
}

/**
 * Articles a page needs that the build does not hold yet (clicked or shown
 * before the candidate window) are fetched once and added to the build, so
 * the whole history shapes the profile.
 */
export async function addMissingArticles(store: Store, prepared: PreparedBuild, ids: Iterable<string>): Promise<void> {
  const missing: string[] = [];
  const seen = new Set<string>();
  for (const id of ids) {
    // Most ids are in the build already: that lookup first.
    if (prepared.articles.has(id) || seen.has(id)) continue;
    seen.add(id);
    missing.push(id);
  }
  for (let i = 0; i < missing.length; i += 1000) {
    const found: Article[] = await store.getArticles(missing.slice(i, i + 1000));
    for (const a of found) if (!prepared.articles.has(a.id)) prepared.articles.set(a.id, prepareArticle(a, prepared.dict));
  }
}

/**
 * addMissingArticles for entries the page owns: each entry gets its prepared
 * article (`article`), those the build lacks being fetched first. The
 * profile then reads the article off the entry instead of looking its id up
 * again (two hash lookups per click and shown item become one). Only for
 * entries planned against this same build.
 */
export async function resolveArticles(store: Store, prepared: PreparedBuild, entries: Iterable<ProfileClickInput>): Promise<void> {
  const unresolved: ProfileClickInput[] = [];
  for (const e of entries) {
    const a = prepared.articles.get(e.articleId);
    if (a) e.article = a;
    else unresolved.push(e);
  }
  if (!unresolved.length) return;
  await addMissingArticles(
    store,
    prepared,
    unresolved.map((e) => e.articleId),
  );
  for (const e of unresolved) {
    const a = prepared.articles.get(e.articleId);
    if (a) e.article = a;
  }
}

/** Every click and shown item of a page (what resolveArticles resolves). */
export function* pageEntries(histories: Iterable<ProfileClickInput[]>, options: Iterable<PlanOptions>): Iterable<ProfileClickInput> {
  for (const h of histories) yield* h;
  for (const o of options) if (o.exposure) yield* o.exposure as ProfileClickInput[];
}

/** Every article id a page's planner options refer to. */
export function* exposureArticleIds(options: Iterable<PlanOptions>): Iterable<string> {
  for (const o of options) for (const e of o.exposure ?? []) yield e.articleId;
}

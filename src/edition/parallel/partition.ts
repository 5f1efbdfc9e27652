/**
 * One partition of a day's build: the subscribers whose id lies in a range,
 * planned, stored and (optionally) rendered. The same code runs in a worker
 * thread (its own store connection) and in-process, so both give the same
 * editions as the single-thread build for the same inputs.
 */
import type { Edition, Subscriber } from '../../model.js';
import type { Store } from '../../store/store.js';
import type { EditorSettings } from '../../personalize/settings.js';
import { planForSubscriber, toEdition, type PreparedBuild } from '../../personalize/plan.js';
import type { Taxonomy } from '../../tag/taxonomy.js';
import { seededRng } from '../../util/random.js';
import { localDate } from '../../util/time.js';
import { fnv1a } from '../../ingest/dedupe.js';
import { editionId, prepareFromStore, writeEditionFiles } from '../build.js';
import { HISTORY_DAYS, pageEntries, pastEditionOptions, resolveArticles } from '../history.js';

/** Subscribers with id > after and ≤ through (either end open when absent). */
export interface IdRange {
  after?: string;
  through?: string;
}

/** What every partition of one build shares (plain data: it crosses to worker threads). */
export interface BuildSpec {
  settings: EditorSettings;
  settingsVersion: number;
  /** Build time (ms since the epoch): every instance and thread plans for the same instant. */
  nowMs: number;
  /** Edition date for everyone; by default each subscriber's local today. */
  date?: string;
  /** Render editions/DATE/<subscriber>.{json,md,html} after storing (the product build does; the bench may not). */
  render?: { editionsDir: string; baseUrl: string; secret: string };
}

export interface PartitionResult {
  editions: number;
  dates: string[];
  /** CPU-heavy phases, in milliseconds of wall time inside the thread. */
  /** Reading each page: subscribers, click histories, past-edition summaries, articles not yet in the build. */
  readMs: number;
  planMs: number;
  storeMs: number;
  renderMs: number;
}

/** Subscribers read per step (their clicks and past editions in one store call each). */
export const PAGE = 500;
/** Editions planned and then stored per store call (one atomic write each). */
export const SAVE_BATCH = 100;

/** A thread's (or process's) state for one build: the store, the prepared build, the taxonomy for rendering. */
export interface PartitionContext {
  store: Store;
  spec: BuildSpec;
  prepared: PreparedBuild;
  taxonomy?: Taxonomy;
}

export async function preparePartitionContext(store: Store, spec: BuildSpec, taxonomy?: Taxonomy): Promise<PartitionContext> {
  const { prepared } = await prepareFromStore(store, spec.settings, new Date(spec.nowMs));
  return { store, spec, prepared, ...(taxonomy ? { taxonomy } : {}) };
}

/**
 * Builds the editions of every subscriber in `range`: pages of PAGE
 * subscribers, each page's click histories in one store call, its editions
 * in atomic writes of SAVE_BATCH (replacing any edition of the same subscriber
 * and date, so a partition built twice leaves one edition per subscriber).
 */
export async function buildPartition(ctx: PartitionContext, range: IdRange, shouldStop: () => boolean = () => false): Promise<PartitionResult> {
  const { store, spec, prepared } = ctx;
  const now = new Date(spec.nowMs);
  const since = new Date(spec.nowMs - HISTORY_DAYS * 86400_000).toISOString();
  const createdAt = now.toISOString();
  const dates = new Set<string>();
  const out: PartitionResult = { editions: 0, dates: [], readMs: 0, planMs: 0, storeMs: 0, renderMs: 0 };
  let after = range.after;
  for (;;) {
    if (shouldStop()) break;
    const tr = performance.now();
    const raw = await store.listSubscribers({ limit: PAGE, ...(after !== undefined ? { afterId: after } : {}) });
    const page = range.through === undefined ? raw : raw.filter((s) => s.id <= range.through!);
    if (!page.length) break;
    // Article and time of each click, grouped by subscriber, newest first (what the profiles read).
    const bySubscriber = await store.clickHistoriesOf(
      page.map((s) => s.id),
      since,
    );
    const dated = page.map((s) => ({ id: s.id, date: spec.date ?? localDate(now, s.timezone) }));
    // Exposure and the bubble guard's recent entropy, from the page's past editions.
    const past = await pastEditionOptions(store, dated, spec.settings);
    await resolveArticles(store, prepared, pageEntries(bySubscriber.values(), past.values()));
    out.readMs += performance.now() - tr;
    // Planned, stored and rendered SAVE_BATCH at a time: fewer finished editions
    // wait in memory for their write (they would outlive young-generation
    // collections and be copied to the old generation first).
    for (let b = 0; b < page.length; b += SAVE_BATCH) {
      const t0 = performance.now();
      const batch = page.slice(b, b + SAVE_BATCH);
      const editions: Edition[] = [];
      for (let k = 0; k < batch.length; k++) {
        const sub = batch[k]!;
        const date = dated[b + k]!.date;
        dates.add(date);
        const plan = planForSubscriber(prepared, sub, bySubscriber.get(sub.id) ?? [], seededRng(fnv1a(`${sub.id}:${date}`)), past.get(sub.id));
        editions.push(toEdition(plan, { id: editionId(sub.id, date), date, settingsVersion: spec.settingsVersion, createdAt }));
      }
      const t1 = performance.now();
      await store.saveEditions(editions);
      const t2 = performance.now();
      if (spec.render) await renderAll(ctx, batch, editions);
      const t3 = performance.now();
      out.planMs += t1 - t0;
      out.storeMs += t2 - t1;
      out.renderMs += t3 - t2;
      out.editions += editions.length;
    }
    if (raw.length < PAGE || page.length < raw.length) break;
    after = raw[raw.length - 1]!.id;
  }
  out.dates = [...dates].sort();
  return out;
}

async function renderAll(ctx: PartitionContext, subs: readonly Subscriber[], editions: readonly Edition[]): Promise<void> {
  const r = ctx.spec.render!;
  for (let i = 0; i < editions.length; i++) await writeEditionFiles(r, subs[i]!, editions[i]!, ctx.taxonomy);
}


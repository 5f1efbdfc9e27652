/**
 * The product build feeds the planner what the subscriber's past editions
 * say: the items shown (exposure) and their recorded topic entropy (the
 * bubble guard), through Store.listEditionSummaries, in the single-thread
 * build and in the partitioned one alike.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite.js';
import { buildEditions } from '../../src/edition/build.js';
import { runPartitionedBuild } from '../../src/edition/parallel/run.js';
import { EXPOSURE_EDITIONS, pageEntries, pastEditionOptions, resolveArticles } from '../../src/edition/history.js';
import { prepareFromStore } from '../../src/edition/build.js';
import type { ProfileClickInput } from '../../src/personalize/profile.js';
import { DEFAULT_SETTINGS } from '../../src/personalize/settings.js';
import { silentLogger } from '../../src/util/log.js';
import { fixedClock } from '../../src/util/clock.js';
import type { Edition } from '../../src/model.js';
import { seedFile } from './parallel/world.js';
import { previewSettings } from '../../src/web/editor/preview.js';
import { localDate } from '../../src/util/time.js';

const dir = mkdtempSync(join(tmpdir(), 'kiosque-history-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NOW = '2026-11-22T06:00:00.000Z';
const DATE = '2026-11-22';
const deps = (store: SqliteStore) => ({
  store,
  log: silentLogger,
  clock: fixedClock(NOW),
  editionsDir: join(dir, 'editions'),
  baseUrl: 'http://localhost:3000',
  secret: 's'.repeat(32),
});
const dayBefore = (n: number) => new Date(Date.parse(`${DATE}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);

/** A past edition of `e`'s subscriber `n` days before DATE, showing `articleIds`, with this recorded entropy. */
function past(e: Edition, n: number, entropy: number, articleIds: string[]): Edition {
  return {
    ...e,
    id: `${e.id}-${n}`,
    date: dayBefore(n),
    items: articleIds.map((a, k) => ({ ...e.items[0]!, articleId: a, position: k + 1 })),
    metrics: { ...e.metrics, topicEntropy: entropy },
  };
}

describe('past editions in the build', () => {
  const file = join(dir, 'world.db');
  let store: SqliteStore;
  let ids: string[];
  let baseline: Map<string, Edition>;
  beforeAll(async () => {
    await seedFile(file, 24);
    store = openSqliteStore(file);
    ids = (await store.listSubscribers({ limit: 100 })).map((s) => s.id);
    await buildEditions(deps(store), { date: DATE, subscriberIds: ids });
    baseline = new Map((await store.listEditions({ date: DATE, limit: 100 })).map((e) => [e.subscriberId, e]));
  }, 120_000);
  afterAll(() => store?.close());

  const clearPast = () => store.db.prepare('DELETE FROM editions WHERE date < ?').run(DATE);
  const rebuild = async () => {
    await buildEditions(deps(store), { date: DATE, subscriberIds: ids });
    return new Map((await store.listEditions({ date: DATE, limit: 100 })).map((e) => [e.subscriberId, e]));
  };
  const meanEntropy = (m: Map<string, Edition>) => [...m.values()].reduce((a, e) => a + e.metrics.topicEntropy, 0) / m.size;

  it('reads exposure and the latest editions’ entropy per subscriber, before their build date only', async () => {
    const e = baseline.get(ids[0]!)!;
    clearPast();
    const history = Array.from({ length: 20 }, (_, k) => past(e, k + 1, 0.1 * (k + 1), [`x${k + 1}a`, `x${k + 1}b`]));
    await store.saveEditions([...history, { ...past(e, 0, 9, ['today']), date: DATE, id: e.id }]);
    const got = (await pastEditionOptions(store, [{ id: e.subscriberId, date: DATE }, { id: ids[1]!, date: DATE }], DEFAULT_SETTINGS)).get(e.subscriberId)!;
    // The guard's editions, oldest first; exposure from the latest EXPOSURE_EDITIONS editions, never today's.
    expect(got.recentTopicEntropy!.map((h) => Math.round(h * 10) / 10)).toEqual([0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1]);
    expect(got.exposure).toHaveLength(2 * EXPOSURE_EDITIONS);
    expect(got.exposure![0]).toEqual({ articleId: 'x1a', at: Date.parse(`${dayBefore(1)}T00:00:00Z`) });
    expect(got.exposure!.some((x) => x.articleId === 'today' || x.articleId === 'x15a')).toBe(false);
    // No past edition: no options (the planner runs as for a new subscriber).
    expect((await pastEditionOptions(store, [{ id: ids[1]!, date: DATE }], DEFAULT_SETTINGS)).has(ids[1]!)).toBe(false);
  });

  it('narrow past editions widen the next edition (bubble guard); wide ones leave it as it was', async () => {
    clearPast();
    // Items of unknown articles: exposure has nothing to say, only the recorded entropy counts.
    const history = (h: number) => ids.flatMap((id) => Array.from({ length: 7 }, (_, k) => past(baseline.get(id)!, k + 1, h, [`gone-${k}`])));
    await store.saveEditions(history(3));
    const wide = await rebuild();
    for (const id of ids) expect(wide.get(id)!.items).toEqual(baseline.get(id)!.items);
    clearPast();
    await store.saveEditions(history(0.2));
    const narrow = await rebuild();
    const changed = ids.filter((id) => JSON.stringify(narrow.get(id)!.items) !== JSON.stringify(baseline.get(id)!.items));
    expect(changed.length).toBeGreaterThan(ids.length / 2);
    expect(meanEntropy(narrow)).toBeGreaterThan(meanEntropy(baseline));
    // The partitioned build feeds the same inputs: same editions.
    await runPartitionedBuild(deps(store), { date: DATE, partitionSize: 10, owner: 't', inProcess: true, render: false });
    const parted = new Map((await store.listEditions({ date: DATE, limit: 100 })).map((e) => [e.subscriberId, e]));
    for (const id of ids) expect(parted.get(id)!.items).toEqual(narrow.get(id)!.items);
  });

  it("the editors' preview plans what the build makes, past editions included", async () => {
    clearPast();
    const shown = (await store.listArticles({ limit: 400 })).map((a) => a.id);
    await store.saveEditions(ids.flatMap((id) => Array.from({ length: 7 }, (_, k) => past(baseline.get(id)!, k + 1, 0.2, shown.slice(k * 12, k * 12 + 12)))));
    const built = await rebuild();
    const subs = (await store.listSubscribers({ limit: 100 })).filter((s) => localDate(new Date(NOW), s.timezone) === DATE);
    expect(subs.length).toBeGreaterThan(5);
    const preview = await previewSettings(store, DEFAULT_SETTINGS, DEFAULT_SETTINGS, new Date(NOW), { subscribers: subs });
    expect(preview.changedEditions).toBe(0);
    subs.forEach((s, k) => expect(preview.subscribers[k]!.before).toEqual(built.get(s.id)!.metrics));
  });

  it('resolves a page’s clicks and shown items to the build’s articles, fetching those it lacks', async () => {
    const { prepared } = await prepareFromStore(store, DEFAULT_SETTINGS, new Date(NOW));
    const [held, dropped] = [...prepared.articles.keys()];
    // As if the build had never read this one (clicked before the candidate window).
    prepared.articles.delete(dropped!);
    const clicks: ProfileClickInput[] = [{ articleId: held!, at: NOW }, { articleId: dropped!, at: NOW }, { articleId: 'no-such-article', at: NOW }];
    const shown: ProfileClickInput[] = [{ articleId: held!, at: NOW }];
    await resolveArticles(store, prepared, pageEntries([clicks], [{ exposure: shown }]));
    expect(clicks[0]!.article).toBe(prepared.articles.get(held!));
    expect(shown[0]!.article).toBe(prepared.articles.get(held!));
    expect(clicks[1]!.article?.id).toBe(dropped);
    expect(prepared.articles.get(dropped!)).toBe(clicks[1]!.article);
    expect(clicks[2]!.article).toBeUndefined();
  });

  it('what past editions showed corrects the profile (exposure)', async () => {
    clearPast();
    // Wide editions (no guard) that showed real articles, a topic over and over.
    const shown = (await store.listArticles({ limit: 400 })).map((a) => a.id);
    await store.saveEditions(ids.flatMap((id) => Array.from({ length: 7 }, (_, k) => past(baseline.get(id)!, k + 1, 3, shown.slice(k * 12, k * 12 + 12)))));
    const exposed = await rebuild();
    const changed = ids.filter((id) => JSON.stringify(exposed.get(id)!.items) !== JSON.stringify(baseline.get(id)!.items));
    expect(changed.length).toBeGreaterThan(0);
  });
});

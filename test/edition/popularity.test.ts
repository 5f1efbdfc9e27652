/**
 * Popularity at any traffic: a build reads only the newest clicks one by one
 * (co-visitation); when the window holds more, popularity counts every click
 * on a candidate by the hour (Store.clickHistogram) and matches what the full
 * list would give.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { prepareFromStore } from '../../src/edition/build.js';
import { DEFAULT_SETTINGS } from '../../src/personalize/settings.js';
import { seedFile } from './parallel/world.js';

const dir = mkdtempSync(join(tmpdir(), 'kiosque-popularity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NOW = new Date('2026-11-22T06:00:00.000Z');

describe('popularity in a busy window', () => {
  it('comes from hourly counts of every click when the click list is only the newest', async () => {
    const file = join(dir, 'world.db');
    await seedFile(file, 12, 60, 0);
    const store = openSqliteStore(file);
    try {
      const since = new Date(NOW.getTime() - DEFAULT_SETTINGS.candidateWindowHours * 3_600_000).toISOString();
      const candidates = (await store.listArticles({ since, limit: 1000 })).map((a) => a.id);
      const subs = (await store.listSubscribers({ limit: 100 })).map((s) => s.id);
      // Older clicks on the first candidates, the newest ones on the last: the newest alone tell another story.
      let k = 0;
      for (let h = 0; h < 72; h++) {
        const hot = candidates.slice(0, 5);
        for (const a of h < 60 ? hot : candidates.slice(-3)) {
          await store.addClick({ id: `c${k}`, subscriberId: subs[k % subs.length]!, articleId: a, at: new Date(NOW.getTime() - (72 - h) * 3_600_000 + (k % 50) * 60_000).toISOString() });
          k++;
        }
      }
      const full = await prepareFromStore(store, DEFAULT_SETTINGS, NOW);
      const busy = await prepareFromStore(store, DEFAULT_SETTINGS, NOW, 20);
      expect(busy.clicks).toHaveLength(20);
      const fullPop = full.prepared.ctx.popularity;
      const busyPop = busy.prepared.ctx.popularity;
      expect(busy.prepared.clusterIds).toEqual(full.prepared.clusterIds);
      for (let i = 0; i < fullPop.length; i++) expect(Math.abs(busyPop[i]! - fullPop[i]!), full.prepared.clusterIds[i]).toBeLessThan(0.02);
      // The same ordering of what is popular, led by the stories clicked all along.
      const top = (p: Float64Array) => [...p.keys()].sort((a, b) => p[b]! - p[a]!).slice(0, 5).sort();
      expect(top(busyPop)).toEqual(top(fullPop));
    } finally {
      await store.close();
    }
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dirichlet, evalBubble } from '../../src/eval/bubble.js';
import { EditorSettingsSchema } from '../../src/personalize/settings.js';
import { seededRng } from '../../src/util/random.js';
import { HAS_SHARED, NO_SHARED, sharedPath } from '../helpers/shared.js';

const WORDS: Record<string, string[]> = {
  sport: ['football', 'match', 'goal', 'league', 'coach', 'striker', 'tennis', 'tournament', 'cup', 'season'],
  business: ['shares', 'market', 'profit', 'bank', 'economy', 'investors', 'company', 'sales', 'growth', 'inflation'],
  music: ['album', 'singer', 'concert', 'band', 'chart', 'film', 'actor', 'festival', 'award', 'song'],
};

describe('bubble simulation', () => {
  it('draws Dirichlet interests that sum to one', () => {
    const rng = seededRng(4);
    for (let k = 0; k < 20; k++) {
      const d = dirichlet(0.3, 5, rng);
      expect(d.reduce((a, b) => a + b, 0)).toBeCloseTo(1);
      expect(d.every((x) => x >= 0)).toBe(true);
    }
  });

  it('runs both arms on a small labelled file and reports the four figures', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosque-bubble-'));
    const rng = seededRng(9);
    const rows: string[] = [];
    for (const [label, words] of Object.entries(WORDS)) {
      for (let i = 0; i < 30; i++) {
        const text = Array.from({ length: 40 }, () => words[Math.floor(rng() * words.length)]).join(' ');
        rows.push(JSON.stringify({ id: `${label}-${i}`, title: `${words[i % 10]} news ${i}`, text, label, lang: 'en' }));
      }
    }
    writeFileSync(join(dir, 'a.jsonl'), rows.join('\n'));
    const r = await evalBubble({ articles: join(dir, 'a.jsonl'), users: 12, days: 8, seed: 3, perDay: 40 });
    for (const arm of [r.relevanceOnly, r.kiosque]) {
      expect(Object.keys(arm).sort()).toEqual(['coverageLastWeek', 'ctr', 'entropyFirstWeek', 'entropyLastWeek']);
      expect(arm.ctr).toBeGreaterThan(0);
      expect(arm.ctr).toBeLessThan(1);
    }
    expect(r.kiosque.entropyLastWeek).toBeGreaterThan(r.relevanceOnly.entropyLastWeek);
    // The simulation feeds each subscriber's recorded edition entropy to the bubble guard, as a build would:
    // a floor no edition can reach (6 bits) keeps the guard fully on and widens the editions.
    const wide = await evalBubble({
      articles: join(dir, 'a.jsonl'),
      users: 12,
      days: 8,
      seed: 3,
      perDay: 40,
      settings: EditorSettingsSchema.parse({ bubbleGuard: { floorBits: 6, explorationBoost: 0.5 } }),
    });
    expect(wide.relevanceOnly).toEqual(r.relevanceOnly);
    expect(wide.kiosque).not.toEqual(r.kiosque);
    await expect(evalBubble({ articles: join(dir, 'none.jsonl'), users: 1, days: 1, seed: 1 })).rejects.toThrow(/articles file not found/);
  }, 60_000);
});

describe.skipIf(!HAS_SHARED)('bubble on ../shared/data/topics/bbc-en.jsonl, 200 users × 30 days', () => {
  if (!HAS_SHARED) console.warn(NO_SHARED);
  it('keeps last-week entropy ≥ 90 % of first week at ≥ 90 % of relevance-only CTR', async () => {
    const r = await evalBubble({ articles: sharedPath('data/topics/bbc-en.jsonl'), users: 200, days: 30, seed: 1 });
    console.log('eval bubble', JSON.stringify(r));
    expect(r.kiosque.entropyLastWeek).toBeGreaterThanOrEqual(0.9 * r.kiosque.entropyFirstWeek);
    expect(r.kiosque.ctr).toBeGreaterThanOrEqual(0.9 * r.relevanceOnly.ctr);
  }, 900_000);
});

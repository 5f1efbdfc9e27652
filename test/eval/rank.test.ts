import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auc, mrr, ndcg, parseBehaviors, parseMindTime, parseNews } from '../../src/eval/mind.js';
import { evalRank } from '../../src/eval/rank.js';
import { HAS_SHARED, NO_SHARED, sharedPath } from '../helpers/shared.js';

describe('MIND metrics', () => {
  it('AUC counts ties as one half and is undefined with one class', () => {
    expect(auc([1, 0, 0], [0.9, 0.1, 0.2])).toBe(1);
    expect(auc([1, 0], [0.5, 0.5])).toBe(0.5);
    expect(auc([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4])).toBe(0.75);
    expect(auc([0, 0], [1, 2])).toBeNull();
  });
  it('MRR and nDCG follow the MIND scorer', () => {
    expect(mrr([0, 1, 0], [0.9, 0.5, 0.1])).toBeCloseTo(0.5);
    expect(mrr([1, 1, 0], [0.9, 0.5, 0.1])).toBeCloseTo((1 + 0.5) / 2);
    expect(ndcg([0, 1], [0.9, 0.1], 5)).toBeCloseTo(1 / Math.log2(3));
    expect(ndcg([1, 0], [0.9, 0.1], 10)).toBe(1);
  });
  it('parses MIND rows and times, refusing bad ones with the line', () => {
    expect(new Date(parseMindTime('11/9/2019 12:01:13 AM')).toISOString()).toBe('2019-11-09T00:01:13.000Z');
    expect(new Date(parseMindTime('11/9/2019 1:05:00 PM')).toISOString()).toBe('2019-11-09T13:05:00.000Z');
    const b = parseBehaviors('1\tU1\t11/9/2019 1:05:00 PM\tN1 N2\tN3-1 N4-0\n');
    expect(b[0]!.candidates).toEqual([{ id: 'N3', clicked: true }, { id: 'N4', clicked: false }]);
    expect(() => parseBehaviors('1\tU1\tyesterday\t\tN3-1')).toThrow(/line 1: bad time/);
    expect(() => parseBehaviors('1\tU1\t11/9/2019 1:05:00 PM\t\tN3-x')).toThrow(/bad impression/);
    expect(parseNews('N1\tsports\tsoccer\tA title\tAn abstract\turl\t[]\t[]\n').get('N1')?.category).toBe('sports');
  });
});

describe('evalRank on a synthetic log', () => {
  it('learns popularity online and reports the MIND metrics with the baseline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosque-rank-'));
    const news = ['N1\tsports\tsoccer\tLeague final tonight\tThe league final\tu\t[]\t[]', 'N2\tnews\tpolitics\tSenate vote\tThe senate votes\tu\t[]\t[]'];
    writeFileSync(join(dir, 'news.tsv'), news.join('\n'));
    const rows: string[] = [];
    for (let i = 0; i < 40; i++) {
      const h = String(i % 12).padStart(2, '0');
      rows.push(`${i}\tU${i % 7}\t11/9/2019 ${h === '00' ? '12' : h}:${String(i).padStart(2, '0')}:00 AM\tN9\tN1-1 N2-0 N3-0`);
    }
    writeFileSync(join(dir, 'b.tsv'), rows.join('\n'));
    const r = await evalRank({ behaviors: join(dir, 'b.tsv'), news: join(dir, 'news.tsv') });
    expect(r.impressions).toBe(40);
    // After the first impressions, the always-clicked N1 is ranked first.
    expect(r.auc).toBeGreaterThan(0.9);
    expect(r.popularityBaseline.auc).toBeGreaterThan(0.9);
    await expect(evalRank({ behaviors: join(dir, 'missing.tsv'), news: join(dir, 'news.tsv') })).rejects.toThrow(/cannot read behaviors/);
  });
});

describe.skipIf(!HAS_SHARED)('evalRank on ../shared/data/mind (bar: AUC > 0.624, nDCG@10 > 0.408)', () => {
  if (!HAS_SHARED) console.warn(NO_SHARED);
  it('beats the popularity baseline', async () => {
    const r = await evalRank({ behaviors: sharedPath('data/mind/behaviors.tsv'), news: sharedPath('data/mind/news.tsv') });
    console.log('eval rank', JSON.stringify(r));
    expect(r.impressions).toBe(2500);
    expect(r.auc).toBeGreaterThan(0.624);
    expect(r.ndcg10).toBeGreaterThan(0.408);
    expect(r.auc).toBeGreaterThan(r.popularityBaseline.auc);
  }, 120_000);
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evalGeo, matchByOverlap, readGeoRows } from '../../src/eval/geo.js';
import { UserError } from '../../src/util/errors.js';
import { HAS_SHARED, NO_SHARED, sharedPath } from '../helpers/shared.js';

function corpus(lines: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'kiosque-geo-'));
  const file = join(dir, 'corpus.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

describe('evalGeo on a small hand-made corpus', () => {
  it('prints resolution, detection and end-to-end figures', async () => {
    const t1 = 'Flooding hit Lyon and Grenoble on Monday, the prefecture said.';
    const t2 = 'The mayor of Paris, Texas, met officials from Dallas.';
    const file = corpus([
      JSON.stringify({
        id: '1',
        text: t1,
        lang: 'en',
        places: [
          { start: t1.indexOf('Lyon'), end: t1.indexOf('Lyon') + 4, name: 'Lyon', lat: 45.75, lon: 4.85 },
          { start: t1.indexOf('Grenoble'), end: t1.indexOf('Grenoble') + 8, name: 'Grenoble' },
        ],
      }),
      JSON.stringify({
        id: '2',
        text: t2,
        places: [
          { start: t2.indexOf('Paris'), end: t2.indexOf('Paris') + 5, name: 'Paris', lat: 33.66, lon: -95.56 },
          { start: t2.indexOf('Texas'), end: t2.indexOf('Texas') + 5, name: 'Texas', lat: 31.25, lon: -99.25 },
          { start: t2.indexOf('Dallas'), end: t2.indexOf('Dallas') + 6, name: 'Dallas', lat: 32.78, lon: -96.8 },
        ],
      }),
    ]);
    const r = await evalGeo({ corpus: file });
    expect(r.resolution.n).toBe(4);
    expect(r.resolution.acc161).toBe(1);
    expect(r.detection.recall).toBe(1);
    expect(r.detection.precision).toBe(1);
    expect(r.detection.f1).toBe(1);
    expect(r.endToEnd.n).toBe(4);
    expect(r.endToEnd.acc161).toBe(1);
  });

  it('rejects bad files with a one-line UserError', () => {
    expect(() => readGeoRows('/nonexistent/geo.jsonl')).toThrow(UserError);
    expect(() => readGeoRows(corpus(['{not json'] ))).toThrow(/not valid JSON/);
    expect(() => readGeoRows(corpus([JSON.stringify({ id: 'x', text: 'abc', places: [{ start: 2, end: 9 }] })]))).toThrow(/places\[0\]/);
    expect(() => readGeoRows(corpus([JSON.stringify({ id: 'x', places: [] })]))).toThrow(/"text"/);
  });

  it('matches spans one-to-one by overlap', () => {
    const pairs = matchByOverlap(
      [{ start: 0, end: 10 }, { start: 20, end: 25 }],
      [{ start: 2, end: 5 }, { start: 4, end: 12 }, { start: 30, end: 33 }],
    );
    expect(pairs).toEqual([[0, 1]]);
  });
});

describe.skipIf(!HAS_SHARED)('evalGeo on LGL (shared data)', () => {
  it('meets the bars: resolution Acc@161 >= 0.78 and detection F1 >= 0.65', async () => {
    const r = await evalGeo({ corpus: sharedPath('data', 'geo', 'lgl-en.jsonl') });
    console.log(JSON.stringify(r));
    expect(r.resolution.n).toBeGreaterThan(4000);
    expect(r.resolution.acc161).toBeGreaterThanOrEqual(0.78);
    expect(r.detection.f1).toBeGreaterThanOrEqual(0.65);
  }, 120_000);
});

if (!HAS_SHARED) console.warn(NO_SHARED);

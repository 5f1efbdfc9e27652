import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildGazetteer, entryAt, entryByGeoId, namesOf } from '../../../src/tag/geo/gazetteer.js';
import { readSnapshot, snapshotPath, writeSnapshot } from '../../../src/tag/geo/snapshot.js';

describe('gazetteer snapshot', () => {
  it('round-trips the built gazetteer', () => {
    const built = buildGazetteer();
    const file = join(mkdtempSync(join(tmpdir(), 'kiosque-geo-snap-')), 'g.v8');
    writeSnapshot(file, built);
    const read = { ...readSnapshot(file)!, loadMs: 0, loadPhases: {} };
    expect(read.size).toBe(built.size);
    expect(read.byKey.size).toBe(built.byKey.size);
    expect(read.prefixes.size).toBe(built.prefixes.size);
    for (const i of [0, 1000, 135000, 140000, built.size - 1]) {
      const a = entryAt(built, i);
      const b = entryAt(read, i);
      expect({ ...b }).toEqual({ ...a });
      expect(read.geoIdAt(i)).toBe(a.geoId);
    }
    expect(entryByGeoId(read, 'fr-dept:42')?.name).toBe('Loire');
    expect(entryByGeoId(read, 'geonames:2988507')?.name).toBe('Paris');
    expect(namesOf(read, 'paris')).toEqual(namesOf(built, 'paris'));
    expect(namesOf(read, 'paris')!.length).toBeGreaterThan(3);
    expect(read.countries.get('FR')?.geoId).toBe('country:FR');
    expect(read.admin1.get('US.TX')?.name).toBe('Texas');
  }, 60_000);

  it('ignores unreadable or foreign files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosque-geo-snap-'));
    writeFileSync(join(dir, 'bad.v8'), 'not a snapshot');
    expect(readSnapshot(join(dir, 'bad.v8'))).toBeUndefined();
    expect(readSnapshot(join(dir, 'missing.v8'))).toBeUndefined();
  });

  it('names snapshots by sources and package versions', () => {
    expect(snapshotPath(['a@1'])).not.toBe(snapshotPath(['a@2']));
    expect(snapshotPath(['a@1'])).toBe(snapshotPath(['a@1']));
  });
});

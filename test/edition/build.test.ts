import { describe, expect, it } from 'vitest';
import { editionId } from '../../src/edition/build.js';

describe('editionId', () => {
  it('is stable and names the date and the subscriber', () => {
    expect(editionId('s0000042', '2026-11-22')).toBe('2026-11-22.s0000042');
    expect(editionId('s0000042', '2026-11-22')).toBe(editionId('s0000042', '2026-11-22'));
    expect(editionId('s0000042', '2026-11-23')).not.toBe(editionId('s0000042', '2026-11-22'));
  });

  it('sorts as a build inserts: by date, then by subscriber id (the id index grows at its end)', () => {
    const subs = ['Zed', 'a-1', 'a-2', 'b', 'bb', 's0000009', 's0000010'].sort();
    const ids = subs.map((s) => editionId(s, '2026-11-22'));
    expect([...ids].sort()).toEqual(ids);
    expect(editionId('a', '2026-11-22') < editionId('a', '2026-11-23')).toBe(true);
  });

  it('hashes a subscriber id too long to keep whole (ids stay within the store limit)', () => {
    const long = 'x'.repeat(250);
    const id = editionId(long, '2026-11-22');
    expect(id).toMatch(/^2026-11-22\.[0-9a-f]{16}$/);
    expect(id).toBe(editionId(long, '2026-11-22'));
    expect(id).not.toBe(editionId(`${long}y`, '2026-11-22'));
  });
});

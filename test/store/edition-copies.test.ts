import { describe, expect, it } from 'vitest';
import { COPY_KEY, EditionCopies, copyKeysOf, joinCopies } from '../../src/store/edition-copies.js';
import type { Edition } from '../../src/model.js';
import { edition } from './fixtures.js';

const also = { source: 'Autre', feedId: 'f2', articleId: 'a2', url: 'https://autre.fr/2', title: 'Le scrutin' };
const withAlso = (id: string, over: Record<string, unknown> = {}) => {
  const e = edition(id, 's1', '2026-11-22');
  return { ...e, items: [{ ...e.items[0]!, alsoCoveredBy: [also], ...over }] } as Edition;
};
/** Stores a split in a Map and reads it back, as a store does. */
const roundTrip = (copies: EditionCopies, editions: Edition[], stored = new Map<string, Record<string, unknown>>()) => {
  const split = copies.split(editions);
  for (const c of split.fresh) stored.set(c.key, c.fields);
  split.saved();
  const read = JSON.parse(JSON.stringify(split.editions)) as Edition[];
  return { split, read: joinCopies(read, stored), stored };
};

describe('edition copies', () => {
  it('takes the article fields out of items and their other sources, and joins them back in place', () => {
    const copies = new EditionCopies();
    const e = withAlso('e1');
    const { split, read } = roundTrip(copies, [e]);
    const item = split.editions[0]!.items[0] as unknown as Record<string, unknown>;
    expect(Object.keys(item)).toEqual(['articleId', 'clusterId', COPY_KEY, 'topics', 'alsoCoveredBy', 'section', 'position', 'score', 'scoreParts', 'reasons']);
    expect(item.alsoCoveredBy).toEqual([{ [COPY_KEY]: expect.any(String) }]);
    expect(read).toEqual([e]);
    expect(Object.keys(read[0]!.items[0]!)).toEqual(Object.keys(e.items[0]!));
    expect(Object.keys(read[0]!.items[0]!.alsoCoveredBy[0]!)).toEqual(Object.keys(also));
    expect(copyKeysOf(split.editions)).toHaveLength(2);
  });

  it('hashes and hands out each copy once until it is saved, and a new one when the article changes', () => {
    const copies = new EditionCopies();
    const first = copies.split([withAlso('e1'), withAlso('e2')]);
    expect(first.fresh).toHaveLength(2);
    // Not saved yet (the write failed): handed out again.
    const retry = copies.split([withAlso('e3')]);
    expect(retry.fresh.map((c) => c.key)).toEqual(first.fresh.map((c) => c.key));
    retry.saved();
    expect(copies.split([withAlso('e4')]).fresh).toEqual([]);
    const changed = copies.split([withAlso('e5', { title: 'Élections (corrigé)', url: undefined })]);
    expect(changed.fresh).toHaveLength(1);
    expect(changed.fresh[0]!.fields).toEqual({ title: 'Élections (corrigé)', source: 'Exemple', feedId: 'f1', summary: 'Les électeurs ont voté.', publishedAt: '2026-11-20T08:00:00.000Z' });
    expect(changed.fresh[0]!.key).not.toBe(first.fresh[0]!.key);
  });

  it('leaves what does not have the expected shape as it is', () => {
    const copies = new EditionCopies();
    const odd = [
      { ...edition('e1', 's1', '2026-11-22'), items: 'nope' },
      { ...edition('e2', 's1', '2026-11-22'), items: [null, { articleId: 'a1', title: 3 }, { articleId: 'a1', title: 't', source: 's', feedId: 'f', summary: '', publishedAt: 'p', [COPY_KEY]: 'x' }] },
      null,
    ] as unknown as Edition[];
    const split = copies.split(odd);
    expect(split.editions).toEqual(odd);
    expect(split.fresh).toEqual([]);
    // A name no copy answers to is left in place on reading.
    expect(joinCopies(JSON.parse(JSON.stringify(odd)) as Edition[], new Map())).toEqual(JSON.parse(JSON.stringify(odd)));
  });

  it('forgets what it wrote past its limit, and then only writes copies again (never loses one)', () => {
    const copies = new EditionCopies();
    const stored = new Map<string, Record<string, unknown>>();
    const many = Array.from({ length: EditionCopies.MAX_REMEMBERED + 1 }, (_, i) => withAlso(`e${i}`, { articleId: `a${i}` }));
    roundTrip(copies, many, stored);
    const again = roundTrip(copies, [many[0]!], stored);
    expect(again.split.fresh).toHaveLength(1);
    expect(again.read).toEqual([many[0]]);
  });
});

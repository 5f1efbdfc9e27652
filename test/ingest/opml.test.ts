import { describe, expect, it } from 'vitest';
import { parseOpml, toOpml } from '../../src/ingest/opml.js';
import type { FeedRecord } from '../../src/model.js';

const SAMPLE = `<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>Mes flux</title></head><body>
  <outline text="International">
    <outline type="rss" text="Monde" xmlUrl="https://news.example/monde.xml" htmlUrl="https://news.example/" language="fr-FR"/>
    <outline text="Afrique">
      <outline type="rss" text="Afrique &amp; co" xmlUrl="https://news.example/afrique.xml"/>
    </outline>
  </outline>
  <outline type="rss" title="Loose feed" xmlUrl="http://loose.example/rss"/>
  <outline type="rss" text="Bad scheme" xmlUrl="javascript:alert(1)"/>
  <outline type="rss" text="Duplicate" xmlUrl="https://news.example/monde.xml"/>
  <outline type="rss" text="Proto" xmlUrl="https://p.example/rss" __proto__="x"/>
</body></opml>`;

describe('parseOpml', () => {
  it('keeps sections (nested ones joined), languages and site URLs', async () => {
    const { feeds, skipped, title } = await parseOpml(SAMPLE, { defaultSection: 'Divers' });
    expect(title).toBe('Mes flux');
    expect(feeds.map((f) => [f.title, f.section])).toEqual([
      ['Monde', 'International'],
      ['Afrique & co', 'International / Afrique'],
      ['Loose feed', 'Divers'],
      ['Proto', 'Divers'],
    ]);
    expect(feeds[0]).toMatchObject({ url: 'https://news.example/monde.xml', lang: 'fr', siteUrl: 'https://news.example/' });
    expect(skipped).toBe(2);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('gives one clear line for files that are not OPML', async () => {
    await expect(parseOpml('<html><body>hi</body></html>')).rejects.toThrow(/not an OPML file/);
    await expect(parseOpml('<<<')).rejects.toThrow(/not a valid OPML file/);
  });

  it('handles a large file', async () => {
    const outlines = Array.from({ length: 20_000 }, (_, i) => `<outline type="rss" text="F${i}" xmlUrl="https://f${i}.example/rss"/>`).join('');
    const { feeds } = await parseOpml(`<opml version="2.0"><body><outline text="Big">${outlines}</outline></body></opml>`);
    expect(feeds).toHaveLength(20_000);
  });

  it('round-trips through toOpml', async () => {
    const { feeds } = await parseOpml(SAMPLE);
    const records: FeedRecord[] = feeds.map((f, i) => ({ ...f, id: `f${i}`, status: 'active', createdAt: '', errorCount: 0 }));
    const again = await parseOpml(toOpml(records));
    expect(again.feeds.map((f) => [f.url, f.section, f.title]).sort()).toEqual(feeds.map((f) => [f.url, f.section, f.title]).sort());
  });
});

import { describe, expect, it } from 'vitest';
import { renderEdition, md, mdUrl } from '../../src/edition/render.js';
import type { Edition, EditionItem } from '../../src/model.js';
import { editionOf } from './fixtures.js';

function item(over: Partial<EditionItem>): EditionItem {
  return {
    articleId: 'a1',
    clusterId: 'c1',
    title: 'Tempête Armelle : la Bretagne balayée',
    url: 'https://news.example/a1',
    source: 'Ouest Matin',
    feedId: 'f1',
    summary: 'Des rafales à 150 km/h.',
    publishedAt: '2026-11-22T03:00:00.000Z',
    topics: ['Environnement'],
    place: 'Brest',
    alsoCoveredBy: [{ source: 'Le Quotidien', feedId: 'f2', articleId: 'a9', url: 'https://lq.example/a9', title: 'x' }],
    section: 'top',
    position: 1,
    score: 1,
    scoreParts: {},
    reasons: [{ code: 'near-you', text: 'Près de chez vous : Rennes' }],
    ...over,
  };
}

const edition = editionOf;

const ctx = {
  lang: 'fr' as const,
  readerName: 'Camille',
  placeName: 'Rennes',
  now: new Date('2026-11-22T06:00:00.000Z'),
  linkFor: (it: EditionItem) => `https://kiosque.example/c/tok-${it.articleId}`,
};

describe('renderEdition', () => {
  it('renders sections, items, reasons and also-covered-by in the subscriber language', () => {
    const r = renderEdition(edition([item({}), item({ articleId: 'a2', section: 'foryou', title: 'Le Stade rennais gagne' })]), ctx);
    expect(r.markdown).toContain('# Kiosque — dimanche 22 novembre 2026');
    expect(r.markdown).toContain('*Édition de Rennes, préparée pour Camille*');
    expect(r.markdown.indexOf('## À la une')).toBeLessThan(r.markdown.indexOf('## Pour vous'));
    expect(r.markdown).toContain('[Tempête Armelle : la Bretagne balayée](https://kiosque.example/c/tok-a1)');
    expect(r.markdown).toContain('il y a 3 h');
    expect(r.markdown).toContain('Près de chez vous : Rennes');
    expect(r.html).toContain('<a href="https://kiosque.example/c/tok-a1" rel="noopener noreferrer">Tempête Armelle');
    expect(r.html).toContain('Aussi couvert par');
    expect(JSON.parse(r.json).items).toHaveLength(2);
  });

  it('never lets feed text become markup or a non-http link', () => {
    const evil = item({
      title: '<script>alert(1)</script>[click](javascript:alert(2)) *bold*',
      summary: '<img src=x onerror=alert(3)> # not a heading',
      source: '<b>Src</b>',
      reasons: [{ code: 'popular', text: '<iframe src="https://x.example"></iframe>' }],
      alsoCoveredBy: [{ source: 'Y', feedId: 'f', articleId: 'b', url: 'javascript:alert(4)', title: 'y' }],
    });
    const r = renderEdition(edition([evil]), { ...ctx, linkFor: () => 'javascript:alert(5)', linkForAlso: () => 'data:text/html,x' });
    expect(r.html).not.toMatch(/<(script|img|iframe|b)\b/i);
    expect(r.html).not.toMatch(/href="(?!https?:)/);
    expect(r.html).not.toMatch(/<[^>]*\son\w+=/);
    expect(r.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(r.html).not.toContain('<em>bold</em>');
  });

  it('escapes Markdown syntax and keeps only http(s) URLs', () => {
    expect(md('1. First')).toBe('1\\. First');
    expect(md('a [b](c) *d*')).toBe('a \\[b\\](c) \\*d\\*');
    expect(mdUrl('https://x.example/a b(c)')).toBe('https://x.example/a%20b%28c%29');
    expect(mdUrl('javascript:alert(1)')).toBeNull();
  });

  it('says so when an edition is empty, in English too', () => {
    const e = { ...edition([]), lang: 'en' as const };
    const r = renderEdition(e, { ...ctx, lang: 'en' });
    expect(r.markdown).toContain('Nothing new yet.');
    expect(r.markdown).toContain('Sunday, 22 November 2026');
  });
});

import { describe, expect, it } from 'vitest';
import {
  applyBase,
  canonicalUrl,
  LIMITS,
  makeSummary,
  normalizeItem,
  plainText,
  resolveItemUrl,
  truncateUtf8,
  type RawItem,
} from '../../../src/ingest/parse/normalize.js';
import { parseFeedDate } from '../../../src/ingest/parse/dates.js';
import { findUnsafe } from './html-safety.js';

const raw = (over: Partial<RawItem> = {}): RawItem => ({ links: [], dates: [], categories: [], ...over });

describe('canonicalUrl', () => {
  it('lower-cases the host, drops default port, fragment, credentials and tracking parameters', () => {
    expect(canonicalUrl('HTTPS://User:Pw@WWW.Example.COM:443/Path/A?b=2&utm_source=rss&utm_medium=x&fbclid=1&gclid=2&a=1#top')).toBe(
      'https://www.example.com/Path/A?b=2&a=1',
    );
    expect(canonicalUrl('http://example.com:80/?utm_campaign=x')).toBe('http://example.com/');
    expect(canonicalUrl('http://example.com:8080/x?id=3&xtor=RSS-1')).toBe('http://example.com:8080/x?id=3');
    expect(canonicalUrl('https://bücher.example/été')).toBe('https://xn--bcher-kva.example/%C3%A9t%C3%A9');
  });

  it('keeps the query as written when there is nothing to remove', () => {
    expect(canonicalUrl('https://a.example/search?q=a+b&x=%20')).toBe('https://a.example/search?q=a+b&x=%20');
  });

  it('rejects everything that is not absolute http(s)', () => {
    for (const u of ['javascript:alert(1)', 'data:text/html,x', 'ftp://a/b', '/relative', '//evil.example/x', 'mailto:a@b.c', '', 'http://', 'https://' + 'a'.repeat(3000) + '.example/']) {
      expect(canonicalUrl(u)).toBeUndefined();
    }
  });
});

describe('resolveItemUrl / applyBase (ING-21)', () => {
  const base = 'https://news.example/feeds/une.xml';
  it('resolves relative links against the base', () => {
    expect(resolveItemUrl('/article/1', base)).toBe('https://news.example/article/1');
    expect(resolveItemUrl('2?utm_source=x', base)).toBe('https://news.example/feeds/2');
    expect(resolveItemUrl('  https://x.example/a  ', undefined)).toBe('https://x.example/a');
  });

  it('drops javascript:, data:, other schemes, and relative links with no base', () => {
    expect(resolveItemUrl('javascript:alert(document.cookie)', base)).toBeUndefined();
    expect(resolveItemUrl('JAVASCRIPT:alert(1)', base)).toBeUndefined();
    expect(resolveItemUrl('data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==', base)).toBeUndefined();
    expect(resolveItemUrl('/article/1', undefined)).toBeUndefined();
    expect(resolveItemUrl('#top', base)).toBeUndefined();
  });

  it('protocol-relative: only to the base host', () => {
    expect(resolveItemUrl('//evil.example/x', base)).toBeUndefined();
    expect(resolveItemUrl('//evil.example/x', undefined)).toBeUndefined();
    expect(resolveItemUrl('//news.example/x', base)).toBe('https://news.example/x');
  });

  it('a link with markup in it is percent-encoded into a harmless http(s) URL', () => {
    const u = resolveItemUrl(' https://x.example/"><img src=1 onerror=alert(1)> ', base)!;
    expect(u.startsWith('https://x.example/')).toBe(true);
    expect(u).not.toMatch(/[<>"\s]/);
  });

  it('xml:base with an unsafe scheme is ignored; relative xml:base stacks', () => {
    expect(applyBase('http://example.com/', "javascript:alert('unsafe')")).toBe('http://example.com/');
    expect(applyBase(undefined, 'data:text/html,x')).toBeUndefined();
    expect(applyBase('http://example.com/feed/', 'entry/')).toBe('http://example.com/feed/entry/');
    expect(applyBase('http://example.com/a/', 'https://other.example/b/')).toBe('https://other.example/b/');
  });
});

describe('plain text fields (WEB-05)', () => {
  it('literal text keeps its entities decoded once: "&lt;script&gt;" stays literal', () => {
    expect(plainText({ value: 'Use &lt;script&gt; tags', type: 'text' }, 1024)).toBe('Use &lt;script&gt; tags');
  });

  it('HTML is stripped and its entities decoded', () => {
    expect(plainText({ value: '<b>Tom &amp; Jerry</b> <script>alert(1)</script>', type: 'html' }, 1024)).toBe('Tom & Jerry');
    expect(plainText({ value: 'A <em>vrai</em> dire', type: 'auto' }, 1024)).toBe('A vrai dire');
    expect(plainText({ value: '3 < 5 & 6 > 2', type: 'auto' }, 1024)).toBe('3 < 5 & 6 > 2');
    expect(plainText({ value: 'Use &lt;script&gt; tags', type: 'auto' }, 1024)).toBe('Use &lt;script&gt; tags');
  });

  it('declared plain text (Atom type="text", JSON Feed) is literal even with brackets', () => {
    expect(plainText({ value: 'History of the <blink> tag', type: 'text' }, 1024)).toBe('History of the <blink> tag');
  });

  it('caps length in UTF-8 bytes without splitting characters', () => {
    const t = plainText({ value: 'é'.repeat(5000), type: 'text' }, LIMITS.titleBytes);
    expect(Buffer.byteLength(t)).toBeLessThanOrEqual(LIMITS.titleBytes);
    expect(t).toBe('é'.repeat(512));
    expect(truncateUtf8('a😀b', 3)).toBe('a');
  });
});

describe('makeSummary', () => {
  it('cuts at a word boundary with an ellipsis, at most ~300 characters', () => {
    const text = 'mot '.repeat(200);
    const s = makeSummary(text);
    expect(s.length).toBeLessThanOrEqual(301);
    expect(s.endsWith('mot…')).toBe(true);
    expect(makeSummary('  court   texte ')).toBe('court texte');
  });
});

describe('parseFeedDate', () => {
  it('honours time zones and returns ISO UTC', () => {
    expect(parseFeedDate('Sat, 21 Nov 2026 18:30:00 +0100')).toBe('2026-11-21T17:30:00.000Z');
    expect(parseFeedDate('Sat, 21 Nov 2026 18:30:00 EST')).toBe('2026-11-21T23:30:00.000Z');
    expect(parseFeedDate('Sat, 21 Nov 2026 18:30:00 GMT')).toBe('2026-11-21T18:30:00.000Z');
    expect(parseFeedDate('Sat, 21 Nov 2026 18:30 CEST')).toBe('2026-11-21T16:30:00.000Z');
    expect(parseFeedDate('21 Nov 26 18:30:00 Z')).toBe('2026-11-21T18:30:00.000Z');
    expect(parseFeedDate('2026-11-21T10:00:00+02:00')).toBe('2026-11-21T08:00:00.000Z');
    expect(parseFeedDate('2026-11-21T10:00:00.123-05:30')).toBe('2026-11-21T15:30:00.123Z');
    expect(parseFeedDate('2026-11-21')).toBe('2026-11-21T00:00:00.000Z');
    expect(parseFeedDate('2026-11-21 10:00:00')).toBe('2026-11-21T10:00:00.000Z');
  });

  it('reads French day and month names', () => {
    expect(parseFeedDate('sam., 21 nov. 2026 18:30:00 +0100')).toBe('2026-11-21T17:30:00.000Z');
    expect(parseFeedDate('Lundi 3 août 2026 08:00:00 +0200')).toBe('2026-08-03T06:00:00.000Z');
    expect(parseFeedDate('1er déc. 2026 12:00 GMT')).toBe('2026-12-01T12:00:00.000Z');
  });

  it('a date without a zone is UTC whatever TZ is', () => {
    expect(parseFeedDate('Sat, 21 Nov 2026 18:30:00')).toBe('2026-11-21T18:30:00.000Z');
  });

  it('rejects garbage and absurd years', () => {
    for (const d of ['', 'yesterday', 'not a date', '0000-00-00', '9999-01-01T00:00:00Z', 'Sat, 31 Foo 2026 10:00:00 GMT']) {
      expect(parseFeedDate(d)).toBeUndefined();
    }
  });
});

describe('normalizeItem', () => {
  it('builds a typed, sanitized item', () => {
    const item = normalizeItem(
      raw({
        guid: 'tag:x,2026:1',
        links: ['javascript:alert(1)', '/a/1?utm_source=rss#c'],
        base: 'https://news.example/',
        title: { value: 'Élections : <b>résultats</b>', type: 'html' },
        author: { value: 'Jeanne Martin', type: 'text' },
        dates: ['garbage', 'Sat, 21 Nov 2026 18:30:00 +0100'],
        content: { value: '<p onclick="x()">Le <a href="/b">texte</a> complet.<script>alert(1)</script></p>', type: 'html' },
        summary: { value: 'Le résumé.', type: 'html' },
        categories: ['Politique', 'Politique', '<i>Monde</i>'],
        lang: 'fr_FR',
      }),
    );
    expect(item).toEqual({
      guid: 'tag:x,2026:1',
      url: 'https://news.example/a/1',
      title: 'Élections : résultats',
      author: 'Jeanne Martin',
      publishedAt: '2026-11-21T17:30:00.000Z',
      summary: 'Le résumé.',
      contentHtml: '<p>Le <a href="https://news.example/b" rel="noopener noreferrer nofollow">texte</a> complet.</p>',
      text: 'Le texte complet.',
      categories: ['Politique', 'Monde'],
      langHint: 'fr-FR',
    });
    expect(findUnsafe(item.contentHtml)).toEqual([]);
  });

  it('guid falls back to the URL, then to a content hash; permalink guid serves as URL', () => {
    expect(normalizeItem(raw({ links: ['https://a.example/1'], title: { value: 't', type: 'text' } })).guid).toBe('https://a.example/1');
    const h1 = normalizeItem(raw({ title: { value: 't', type: 'text' } })).guid;
    expect(h1).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(normalizeItem(raw({ title: { value: 't', type: 'text' } })).guid).toBe(h1);
    expect(normalizeItem(raw({ guid: 'https://a.example/p', guidIsPermalink: true })).url).toBe('https://a.example/p');
    expect(normalizeItem(raw({ guid: 'https://a.example/p', guidIsPermalink: false })).url).toBeUndefined();
  });

  it('plain-text content is escaped into paragraphs', () => {
    const item = normalizeItem(raw({ content: { value: 'Ligne <b>un</b>\n\nDeux & trois', type: 'text' } }));
    expect(item.contentHtml).toBe('<p>Ligne &lt;b&gt;un&lt;/b&gt;</p><p>Deux &amp; trois</p>');
    expect(item.text).toBe('Ligne <b>un</b>\n\nDeux & trois');
  });

  it('an untitled item takes the start of its text as title', () => {
    expect(normalizeItem(raw({ content: { value: '<p>Court billet sans titre.</p>', type: 'html' } })).title).toBe('Court billet sans titre.');
  });

  it('STO-05 caps: title 1 KB, content 256 KB, URL 2 KB, summary 300 chars', () => {
    const item = normalizeItem(
      raw({
        links: ['https://a.example/' + 'x'.repeat(3000)],
        title: { value: 'T'.repeat(5 * 1024 * 1024), type: 'text' },
        content: { value: '<p>' + 'mot '.repeat(200_000) + '</p>', type: 'html' },
      }),
    );
    expect(Buffer.byteLength(item.title)).toBeLessThanOrEqual(1024);
    expect(Buffer.byteLength(item.contentHtml)).toBeLessThanOrEqual(256 * 1024);
    expect(Buffer.byteLength(item.text)).toBeLessThanOrEqual(256 * 1024);
    expect(item.summary.length).toBeLessThanOrEqual(301);
    expect(item.url).toBeUndefined();
    expect(findUnsafe(item.contentHtml)).toEqual([]);
  });
});

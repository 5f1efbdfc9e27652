/**
 * renderEdition reuses converted fragments across editions (src/edition/fragments.ts);
 * its JSON, Markdown and HTML must be byte for byte those of the rendering
 * that converts the whole document (renderEditionDirect), for
 * ordinary, hostile and random editions, with the caches cold and warm, and
 * no markup from a feed may reach the page.
 */
import { describe, expect, it } from 'vitest';
import { markdownToSafeHtml, md, renderEdition, renderEditionDirect, renderMarkdown, type RenderContext } from '../../src/edition/render.js';
import { BoundedCache, clearFragmentCache, fragmentCacheSize, plainHref, plainText, plainTextHtml } from '../../src/edition/fragments.js';
import { webClickLink } from '../../src/edition/build.js';
import type { Edition, EditionItem } from '../../src/model.js';
import { editionOf } from './fixtures.js';
import { seededRng } from '../../src/util/random.js';

function item(n: number, over: Partial<EditionItem> = {}): EditionItem {
  return {
    articleId: `a${n}`,
    clusterId: `c${n}`,
    title: `Tempête ${n} : la Bretagne balayée`,
    url: `https://news.example/a${n}`,
    source: 'Ouest Matin',
    feedId: 'f1',
    summary: 'Des rafales à 150 km/h sur les côtes.',
    publishedAt: '2026-11-22T03:00:00.000Z',
    topics: ['environnement', 'local'],
    place: 'Brest',
    alsoCoveredBy: [{ source: 'Le Quotidien', feedId: 'f2', articleId: `b${n}`, url: `https://lq.example/b${n}`, title: 'x' }],
    section: 'top',
    position: n,
    score: 0.5,
    scoreParts: { content: 0.25 },
    reasons: [
      { code: 'near-you', text: 'Près de chez vous : Rennes' },
      { code: 'because-you-read', text: 'Parce que vous avez lu « Le budget voté »', ref: 'a0' },
    ],
    ...over,
  };
}

const edition = editionOf;

/** As the build renders the web edition: signed click links (base64url, so with "-", "_" and "."). */
function webCtx(e: Edition, over: Partial<RenderContext> = {}): RenderContext {
  const deps = { baseUrl: 'https://kiosque.example', secret: 's'.repeat(40) };
  return {
    lang: e.lang,
    readerName: 'Camille',
    placeName: 'Rennes',
    now: new Date(e.createdAt),
    topicLabel: (id) => `Rubrique ${id}`,
    linkFor: (it) => webClickLink(deps.baseUrl, deps.secret, e, it),
    linkForAlso: (it, i) => webClickLink(deps.baseUrl, deps.secret, e, it, it.alsoCoveredBy[i]!.articleId),
    ...over,
  };
}

function expectSame(e: Edition, ctx: RenderContext) {
  const ref = renderEditionDirect(e, ctx);
  // Twice: the first may fill the caches, the second reads from them.
  for (let round = 0; round < 2; round++) {
    const r = renderEdition(e, ctx);
    expect(r.json).toBe(ref.json);
    expect(r.markdown).toBe(ref.markdown);
    expect(r.html).toBe(ref.html);
  }
  expect(renderMarkdown(e, ctx)).toBe(ref.markdown);
}

/** Pieces of text that Markdown, GFM, HTML or the slots treat specially. */
const NASTY = [
  ' ', '  ', '    ', '\t', '* ', '- ', '+ ', '1. ', '2) ', '#', '## ', '> ', '```', '~~~', '<b>', '</p>', '<script>alert(1)</script>', '<', '>', '&', '&amp;', '&#60;', '&copy',
  '"', "'", '[', ']', '(', ')', '](javascript:alert(1))', '[x]: https://evil.test', '![i](https://evil.test/i.png)', '*', '**', '_', '__', '`', '|', '|a|b|', '---', '===', '\\',
  'www.example.com', 'https://evil.test/x', 'http://a.test', 'a@b.test', 'mailto:a@b.test', 'javascript:alert(1)', 'é', 'É', 'œ', 'ç', '—', '«', '»', '“', '”', '🗞️', '\u00a0',
  '\u2028', '\r\n', '\n', '{', '}', '%', '=', ':', ' : ', '.', '!', '?', 'Rennes', 'le', 'budget', ' voté ', '12', 'Lecteur', 'e\u0301',
];

function randomText(rng: () => number, max = 10): string {
  let s = '';
  const n = 1 + Math.floor(rng() * max);
  for (let i = 0; i < n; i++) s += NASTY[Math.floor(rng() * NASTY.length)]!;
  return s;
}

const LINKS = [
  'https://kiosque.example/c/eyJzIjoiczEifQ.Ab-_cd',
  'http://localhost:3000/c/x_y-z.w',
  'https://kiosque.example/c/a?x=1&y=2',
  'https://kiosque.example/c/(paren)',
  'https://kiosque.example/c/a b',
  "https://kiosque.example/c/it's",
  'https://kiosque.example/c/%41%zz',
  'https://kiosque.example/c/*star*_under_',
  'https://ex.test/#frag~',
  'javascript:alert(1)',
  'data:text/html,x',
  '',
  'not a url',
];

describe('renderEdition with reused fragments (same bytes as converting the whole document)', () => {
  it('ordinary editions in French and English, and an empty one', () => {
    const items = [item(1), item(2, { section: 'foryou', alsoCoveredBy: [] }), item(3, { section: 'foryou', place: undefined, reasons: [] })];
    const fr = edition(items);
    expectSame(fr, webCtx(fr));
    const en = edition(items, { lang: 'en', subscriberId: 's2', id: 'e2' });
    expectSame(en, webCtx(en, { readerName: 'Ann', placeName: 'Bristol' }));
    const empty = edition([]);
    expectSame(empty, webCtx(empty, { readerName: undefined, placeName: undefined, siteTitle: 'Le *Kiosque*' }));
  });

  it('hostile feed text: tags, Markdown syntax, link tricks, emphasis, autolinks, accents', () => {
    const tricky = [
      '<script>alert(1)</script>',
      '[click](javascript:alert(2))',
      'a ](javascript:alert(3)) b',
      '*bold* _it_ **strong** __s__ ~~del~~',
      '# not a heading',
      '1. not a list',
      '- not a list',
      '    indented',
      '> not a quote',
      '| a | b |',
      '```js',
      '<img src=x onerror=alert(4)>',
      'www.evil.test and https://evil.test/x?a=1',
      'contact: a@b.test',
      'Élodie Œuvre « à la française » — déjà',
      'ends with a dot.',
      ' spaced ',
      'tab\tinside',
      'line\nbreak\r\nhere',
      '&amp; &lt; &#60; &copy',
      '“quoted”',
    ];
    for (const t of tricky) {
      const items = [
        item(1, { title: t, summary: t, source: t, place: t, topics: [t], alsoCoveredBy: [{ source: t, feedId: 'f', articleId: 'x1', url: 'https://q.test/1', title: t }] }),
        item(2, { section: 'foryou', reasons: [{ code: 'popular', text: t }, { code: 'explore', text: `Parce que vous avez lu « ${t} »` }] }),
      ];
      const e = edition(items, { sections: [{ id: 'top', title: t, itemIds: ['a1'] }, { id: 'foryou', title: 'Pour vous', itemIds: ['a2'] }] });
      expectSame(e, webCtx(e, { readerName: t, placeName: t }));
      expectSame(e, webCtx(e, { readerName: `Léa ${t}`, placeName: `${t} Rennes`, lang: 'en' }));
    }
  });

  it('links of every kind: signed tokens, query strings, parentheses, spaces, quotes, non-web schemes', () => {
    for (const url of LINKS) {
      const e = edition([item(1), item(2, { section: 'foryou' })]);
      expectSame(e, webCtx(e, { linkFor: () => url }));
      expectSame(e, webCtx(e, { linkForAlso: () => url }));
    }
  });

  it('never lets feed text become markup or a non-http link, with the caches warm', () => {
    const evil = item(1, {
      title: '<script>alert(1)</script>[click](javascript:alert(2)) *bold*',
      summary: '<img src=x onerror=alert(3)> # not a heading',
      source: '<b>Src</b>',
      reasons: [{ code: 'popular', text: '<iframe src="https://x.example"></iframe>' }],
      alsoCoveredBy: [{ source: 'Y', feedId: 'f', articleId: 'b', url: 'javascript:alert(4)', title: 'y' }],
    });
    const e = edition([evil]);
    for (let round = 0; round < 2; round++) {
      const r = renderEdition(e, webCtx(e, { readerName: '<i>Eve</i>', linkForAlso: () => 'data:text/html,x' }));
      expect(r.html).not.toMatch(/<(script|img|iframe|b|i)\b/i);
      expect(r.html).not.toMatch(/href="(?!https?:)/);
      expect(r.html).not.toMatch(/<[^>]*\son\w+=/);
      expect(r.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(r.html).not.toContain('<em>bold</em>');
      expect(r.html).not.toMatch(/kq[0-9a-f]{24}/);
    }
  });

  it('the same stories for many readers share fragments, and each reader gets their own links and name', () => {
    clearFragmentCache();
    const items = Array.from({ length: 12 }, (_, k) => item(k + 1, { section: k % 2 ? 'foryou' : 'top' }));
    const htmls = new Set<string>();
    for (let s = 0; s < 40; s++) {
      const e = edition(items, { subscriberId: `s${s}`, id: `e${s}` });
      const ctx = webCtx(e, { readerName: `Lecteur ${s}` });
      expectSame(e, ctx);
      const html = renderEdition(e, ctx).html;
      expect(html).toContain(`préparée pour Lecteur ${s}</em>`);
      htmls.add(html);
    }
    expect(htmls.size).toBe(40);
    // The stories' blocks are kept once, not once per reader.
    expect(fragmentCacheSize().blocks).toBeLessThan(60);
  });

  it('250 random editions of hostile text', () => {
    const rng = seededRng(20261122);
    for (let n = 0; n < 250; n++) {
      const items = Array.from({ length: 1 + Math.floor(rng() * 5) }, (_, k) =>
        item(k + 1, {
          title: randomText(rng),
          summary: rng() < 0.1 ? '' : randomText(rng, 20),
          source: randomText(rng, 3),
          section: k % 2 ? 'foryou' : 'top',
          topics: rng() < 0.3 ? [] : [randomText(rng, 2), 'local', randomText(rng, 2)],
          place: rng() < 0.5 ? randomText(rng, 2) : undefined,
          reasons: Array.from({ length: Math.floor(rng() * 4) }, () => ({ code: 'near-you' as const, text: randomText(rng, 5) })),
          alsoCoveredBy: Array.from({ length: Math.floor(rng() * 3) }, (_, j) => ({
            source: randomText(rng, 3),
            feedId: 'f',
            articleId: `o${k}-${j}`,
            ...(rng() < 0.8 ? { url: LINKS[Math.floor(rng() * LINKS.length)]! } : {}),
            title: 't',
          })),
        }),
      );
      const e = edition(items, {
        lang: rng() < 0.5 ? 'fr' : 'en',
        sections: [
          { id: 'top', title: randomText(rng, 3), itemIds: items.filter((it) => it.section === 'top').map((it) => it.articleId) },
          { id: 'foryou', title: randomText(rng, 3), itemIds: items.filter((it) => it.section === 'foryou').map((it) => it.articleId) },
        ],
      });
      // The same link for the same item on every call (the reference and the fast rendering both ask).
      const o = Math.floor(rng() * LINKS.length);
      const links =
        rng() < 0.5 ? {} : { linkFor: (it: EditionItem) => LINKS[(it.position + o) % LINKS.length]!, linkForAlso: rng() < 0.5 ? undefined : (it: EditionItem, i: number) => LINKS[(it.position * 3 + i + o) % LINKS.length]! };
      const ctx = webCtx(e, {
        readerName: rng() < 0.2 ? undefined : randomText(rng, 4),
        placeName: rng() < 0.2 ? undefined : randomText(rng, 3),
        ...(n % 3 ? {} : { siteTitle: randomText(rng, 3) }),
        ...links,
      });
      expectSame(e, ctx);
    }
  });
});

describe('fragment slots', () => {
  it('take only hrefs that marked and the sanitizer leave as they are', () => {
    expect(plainHref('https://kiosque.example/c/eyJzIjoiczEifQ.Ab-_cd')).toBe(true);
    expect(plainHref('http://localhost:3000/c/a%41')).toBe(true);
    for (const h of ['https://x.test/a?b=1&c=2', 'https://x.test/(a)', "https://x.test/it's", 'https://x.test/a b', 'javascript:alert(1)', 'https://x.test/<a>', 'https://x.test/a"b'])
      expect(plainHref(h)).toBe(false);
  });

  it('take only text whose rendering cannot depend on its neighbours', () => {
    expect(plainText('Camille', false)).toBe(true);
    expect(plainText('Jean-Pierre 2', false)).toBe(true);
    expect(plainText('Parce que vous avez lu « Le budget »', true)).toBe(true);
    expect(plainText('Because you read “Budget”', true)).toBe(true);
    expect(plainText('Because you read “Budget”', false)).toBe(false);
    for (const t of [' Camille', 'Camille ', 'Cam.', 'a@b.test', 'see www.x.test', 'http://x.test', '', 'É\u0301'.normalize('NFD').slice(1)]) expect(plainText(t, false)).toBe(false);
    expect(plainText(' spaced', true)).toBe(false);
  });
});

describe('plain text HTML by rule', () => {
  it('is what marked and sanitize-html make of the escaped text, for random text the slots take', () => {
    const pieces = [...NASTY, 'Because you read “', '”', '&copy;', '&#x41;', '&nbsp;', '\\\\', '![', '~~', '^', '$', '€', '°', '\u3000', '\u2009', 'ﬁ', '\ufffd', 'xmpp:', '\u0000', '\u200b'];
    const rng = seededRng(4242);
    let checked = 0;
    for (let n = 0; n < 20_000; n++) {
      let raw = '';
      const len = 1 + Math.floor(rng() * 8);
      for (let i = 0; i < len; i++) raw += pieces[Math.floor(rng() * pieces.length)]!;
      const escaped = md(raw);
      const byRule = plainTextHtml(raw);
      if (byRule === null || !plainText(escaped, true)) continue;
      checked++;
      expect(markdownToSafeHtml(escaped)).toBe(`<p>${byRule}</p>\n`);
    }
    expect(checked).toBeGreaterThan(2000);
    expect(plainTextHtml('Parce que vous avez lu « A & B <i> »')).toBe('Parce que vous avez lu « A &amp; B &lt;i&gt; »');
    expect(plainTextHtml('tab\there')).toBeNull();
  });
});

describe('BoundedCache', () => {
  it('keeps at most two generations and promotes what is read from the older one', () => {
    const c = new BoundedCache<number>(2);
    c.set('a', 1);
    c.set('b', 2);
    c.set('c', 3); // a, b → previous generation
    expect(c.get('a')).toBe(1); // promoted
    c.set('d', 4); // current full (c, a) → previous; b dropped
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBe(1);
    expect(c.size).toBeLessThanOrEqual(4);
    c.clear();
    expect(c.size).toBe(0);
  });
});

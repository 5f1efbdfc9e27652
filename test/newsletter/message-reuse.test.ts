/**
 * The edition message built from reused story HTML (placeholder links, one
 * Markdown → safe HTML conversion per story block) is byte for byte the one
 * built the direct way, for ordinary, hostile and random editions.
 */
import { describe, expect, it } from 'vitest';
import type { Edition, Subscriber } from '../../src/model.js';
import { buildEditionMessage, styledSafeHtml, inlineStyles, type MessageContext } from '../../src/newsletter/message.js';
import { markdownToSafeHtml } from '../../src/edition/render.js';
import { benchEdition, benchSubscriber } from '../../src/newsletter/bench.js';
import { seededRng } from '../../src/util/random.js';
import { editionFor, item, subscriberFor } from './fixtures.js';

const ctx: MessageContext = { baseUrl: 'https://news.example', secret: 's'.repeat(40) };

function expectSameMessage(edition: Edition, sub: Subscriber, c: MessageContext = ctx) {
  const direct = buildEditionMessage(edition, sub, c, { reuseStoryHtml: false });
  // Twice: the first fills the block cache, the second reads from it.
  for (let round = 0; round < 2; round++) expect(buildEditionMessage(edition, sub, c)).toEqual(direct);
}

/** Text with everything Markdown, HTML and the text part treat specially. */
const NASTY = [
  ' ', '  ', '    ', '\t', '* ', '- ', '+ ', '1. ', '2) ', '#', '## ', '> ', '```', '~~~', '<b>', '</p>', '<', '>', '&', '&amp;', '&#60;', '"', "'", '[', ']', '(', ')',
  '[x]: https://evil.test', '![i](https://evil.test/i.png)', '*', '**', '_', '__', '`', '|', '|a|b|', '---', '===', '\\', 'www.example.com', 'https://evil.test/x', 'a@b.test',
  'javascript:alert(1)', 'é', 'œ', '—', '«', '»', '🗞️', '\u00a0', '\u2028', '\r\n', '\n', 'kq00t', '{', '}', '%', '=', 'Rennes', 'le', 'budget', ' voté ',
];

function randomText(rng: () => number, max = 12): string {
  let s = '';
  const n = 1 + Math.floor(rng() * max);
  for (let i = 0; i < n; i++) s += NASTY[Math.floor(rng() * NASTY.length)]!;
  return s;
}

describe('edition message from reused story HTML (same bytes as the direct rendering)', () => {
  it('the hostile fixture edition, French and English', () => {
    const fr = subscriberFor('sub-1');
    expectSameMessage(editionFor(fr), fr);
    const en = subscriberFor('sub-2', { lang: 'en', name: 'Ann *bold* <i>', frequency: 'weekly' });
    expectSameMessage(editionFor(en), en, { ...ctx, siteTitle: 'Le "Kiosque" <du matin>', reducedCadence: true });
  });

  it('the bench editions, and stories shared between subscribers', () => {
    for (let i = 0; i < 6; i++) {
      const sub = benchSubscriber(i);
      expectSameMessage(benchEdition(sub), sub);
    }
  });

  it('stories with leading spaces, list markers, fences, raw HTML and link definitions', () => {
    const sub = subscriberFor('sub-3', { name: '  1. Léa', home: { name: '* Rennes', countryCode: 'FR', lat: 48.1, lon: -1.7 } });
    const tricky = ['    indented code', '* starts like a list', '1. numbered', '- dash', '```js', '<div>raw</div>', '[ref]: https://evil.test', '> quoted', '| a | b |', ' ', ''];
    for (const t of tricky) {
      const items = [
        item(1, { title: t, summary: t, source: t, alsoCoveredBy: [{ source: t, feedId: 'f', articleId: 'x1', url: 'https://q.test/1', title: t }] }),
        item(2, { summary: `    ${t}`, reasons: [{ code: 'near-you', text: t }] }),
        item(3, { section: 'monde', source: ` ${t}`, topics: [], place: undefined }),
      ];
      expectSameMessage(editionFor(sub, '2026-11-22', { items }), sub);
    }
    expectSameMessage(editionFor(sub, '2026-11-22', { items: [], sections: [] }), sub);
  });

  it('300 random editions of hostile text', () => {
    const rng = seededRng(20261122);
    for (let n = 0; n < 300; n++) {
      const sub = subscriberFor(`sub-r${n}`, {
        lang: rng() < 0.5 ? 'fr' : 'en',
        name: randomText(rng, 4),
        home: { name: randomText(rng, 3), countryCode: 'FR', lat: 48.1, lon: -1.7 },
      });
      const items = Array.from({ length: 1 + Math.floor(rng() * 5) }, (_, k) =>
        item(k + 1, {
          title: randomText(rng),
          summary: randomText(rng, 30),
          source: randomText(rng, 3),
          section: k % 2 ? 'monde' : 'une',
          place: rng() < 0.5 ? randomText(rng, 2) : undefined,
          reasons: [{ code: 'near-you', text: randomText(rng, 5) }],
          alsoCoveredBy: rng() < 0.4 ? [{ source: randomText(rng, 3), feedId: 'f', articleId: `o${k}`, url: 'https://q.test/o', title: 't' }] : [],
        }),
      );
      const edition = editionFor(sub, '2026-11-22', {
        items,
        sections: [
          { id: 'une', title: randomText(rng, 3), itemIds: items.filter((it) => it.section === 'une').map((it) => it.articleId) },
          { id: 'monde', title: randomText(rng, 3), itemIds: items.filter((it) => it.section === 'monde').map((it) => it.articleId) },
        ],
      });
      expectSameMessage(edition, sub, n % 3 ? ctx : { ...ctx, siteTitle: randomText(rng, 3) });
    }
  });

  it('block by block gives the whole document, or null when a block could join the next', () => {
    const doc = '# Kiosque\n\n*meta*\n\n### [T](https://x.test/c/a)\n\n> **Why:** near\n\n---\n\n*end*\n';
    expect(styledSafeHtml(doc)).toBe(inlineStyles(markdownToSafeHtml(doc)));
    expect(styledSafeHtml('*meta*\n\n* item\n\n  continued')).toBeNull();
    expect(styledSafeHtml('text\n\n    code\n\n    more code')).toBeNull();
  });
});

/**
 * Seeded mutation fuzzing: damaged feeds either parse into safe output or are
 * rejected with a one-line FeedParseError; nothing else ever escapes, and the
 * file entry point never throws.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRng, type Rng } from '../../../src/util/random.js';
import { decodeFeedBytes } from '../../../src/ingest/parse/decode.js';
import { FeedParseError, parseFeed } from '../../../src/ingest/parse/parse.js';
import { sanitizeHtml } from '../../../src/ingest/parse/sanitize.js';
import { parseFileToJson } from '../../../src/ingest/parse/parse-file.js';
import { findUnsafe } from './html-safety.js';

const SEEDS: string[] = [
  `<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Chaîne</title><link>https://s.example/</link>` +
    `<item><title>Un &amp; deux</title><link>https://s.example/1</link><guid>1</guid><pubDate>Sat, 21 Nov 2026 18:30:00 +0100</pubDate>` +
    `<description>&lt;p onclick="x()"&gt;Texte &lt;a href="javascript:alert(1)"&gt;lien&lt;/a&gt;&lt;/p&gt;</description>` +
    `<content:encoded><![CDATA[<div><img src="/i.png" onerror="alert(1)"><script>alert(2)</script><svg onload=alert(3)></svg></div>]]></content:encoded></item></channel></rss>`,
  `<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://a.example/"><title type="html">&lt;b&gt;T&lt;/b&gt;</title>` +
    `<entry><title>E</title><id>urn:1</id><link href="/e"/><updated>2026-11-21T10:00:00Z</updated>` +
    `<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p style="x">a<a href="javascript:x">b</a><iframe src="https://x/"/></p></div></content></entry></feed>`,
  JSON.stringify({
    version: 'https://jsonfeed.org/version/1.1',
    title: 'J',
    items: [{ id: '1', url: 'https://j.example/1', title: 'T', content_html: '<p>x<object data="x"></object><a href="vbscript:y">z</a></p>' }],
  }),
];

const NASTY = ['<', '>', '&', ']]>', '<![CDATA[', '<!--', '-->', '<script>', '"', "'", '\u0000', '\uFFFF', '\uD800', '&#0;', '&lol;', '<!DOCTYPE x [<!ENTITY a "b">]>', 'javascript:', '<item>', '</item>', '<entry>', '<__proto__>', 'xml:base="javascript:x"'];

function mutate(s: string, rng: Rng): string {
  const pos = Math.floor(rng() * (s.length + 1));
  if (rng() < 0.05) return s.slice(0, pos); // truncation
  switch (Math.floor(rng() * 4) + 1) {
    case 1:
      return s.slice(0, pos) + NASTY[Math.floor(rng() * NASTY.length)] + s.slice(pos);
    case 2: {
      const len = Math.floor(rng() * 20);
      return s.slice(0, pos) + s.slice(pos + len); // deletion
    }
    case 3:
      return s.slice(0, pos) + String.fromCharCode(Math.floor(rng() * 0x3000)) + s.slice(pos + 1); // substitution
    default: {
      const from = Math.floor(rng() * s.length);
      return s.slice(0, pos) + s.slice(from, from + 40) + s.slice(pos); // duplication
    }
  }
}

describe('fuzz: mutated feeds', () => {
  it('every mutant parses to safe output or is rejected with a FeedParseError', async () => {
    const rng = seededRng(20261122);
    let parsed = 0;
    let rejected = 0;
    for (const seed of SEEDS) {
      for (let i = 0; i < 300; i++) {
        let doc = seed;
        const rounds = 1 + Math.floor(rng() * 4);
        for (let k = 0; k < rounds; k++) doc = mutate(doc, rng);
        try {
          const r = await parseFeed(doc, { baseUrl: 'https://base.example/feed' });
          parsed++;
          for (const item of r.items) {
            expect(findUnsafe(item.contentHtml)).toEqual([]);
            if (item.url !== undefined) expect(item.url).toMatch(/^https?:\/\//);
          }
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        } catch (e) {
          if (!(e instanceof FeedParseError)) throw new Error(`unexpected ${String(e)} for ${JSON.stringify(doc.slice(0, 300))}`);
          expect(e.message).not.toMatch(/\n/);
          rejected++;
        }
      }
    }
    console.log(JSON.stringify({ fuzz: { mutants: parsed + rejected, parsed, rejected } }));
    expect(parsed).toBeGreaterThan(100);
  }, 120_000);

  it('mutated hostile HTML always sanitizes to clean, stable output', () => {
    const html = [
      '<svg><a xlink:href="javascript:alert(1)"><text y="20">x</text></a></svg><p>ok</p>',
      '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
      '<a href="jav&#x09;ascript:alert(1)" onclick=alert(2) style="x">l</a><img srcset="javascript:a 1x, /b.png 2x">',
      '<textarea>@x</textarea><!--</textarea><img src=x onerror=alert(1)>--><math><mtext><style><img src=x onerror=alert(1)></style></mtext></math>',
      '<table><tr><td><form action=javascript:x><input formaction=javascript:y></form><iframe srcdoc="&lt;script&gt;x&lt;/script&gt;"></iframe></td></tr></table>',
    ];
    const rng = seededRng(99);
    let n = 0;
    for (const seed of html) {
      for (let i = 0; i < 400; i++) {
        let doc = seed;
        for (let k = 0; k < 1 + Math.floor(rng() * 5); k++) doc = mutate(doc, rng);
        const out = sanitizeHtml(doc, 'https://base.example/x/');
        expect(findUnsafe(out)).toEqual([]);
        expect(sanitizeHtml(out)).toBe(out);
        n++;
      }
    }
    expect(n).toBe(2000);
  });

  it('random bytes through the file entry point never throw', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosque-fuzz-'));
    try {
      const rng = seededRng(7);
      for (let i = 0; i < 60; i++) {
        const n = Math.floor(rng() * 3000);
        const bytes = Buffer.alloc(n);
        for (let k = 0; k < n; k++) bytes[k] = Math.floor(rng() * 256);
        // Some start like a feed, to get past the first checks.
        const file = join(dir, `f${i}`);
        writeFileSync(file, i % 2 ? Buffer.concat([Buffer.from('<?xml version="1.0"?><rss version="2.0"><channel><title>'), bytes]) : bytes);
        const r = await parseFileToJson(file);
        expect(typeof r.ok).toBe('boolean');
        expect(() => decodeFeedBytes(bytes, 'text/xml; charset=utf-16')).not.toThrow();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

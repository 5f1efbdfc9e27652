import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FeedParseError, parseFeed } from '../../../src/ingest/parse/parse.js';
import { isUserError } from '../../../src/util/errors.js';
import { findUnsafe } from './html-safety.js';

const rss2 = (items: string, channel = '') =>
  `<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>Chan</title><link>https://site.example/</link>${channel}${items}</channel></rss>`;

function noPollution(): void {
  const probe = {} as Record<string, unknown>;
  expect(probe.polluted).toBeUndefined();
  expect(probe.isAdmin).toBeUndefined();
  expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
}

async function rejects(xml: string): Promise<FeedParseError> {
  try {
    await parseFeed(xml);
  } catch (e) {
    expect(e).toBeInstanceOf(FeedParseError);
    expect(isUserError(e)).toBe(true);
    expect((e as Error).message).not.toMatch(/\n/);
    return e as FeedParseError;
  }
  throw new Error('expected the feed to be rejected');
}

describe('parseFeed: formats', () => {
  it('RSS 2.0 with dc, content:encoded, categories, guid', async () => {
    const r = await parseFeed(
      rss2(
        `<item><title>Un été chaud</title><link>https://site.example/a/1?utm_source=rss</link><guid isPermaLink="false">id-1</guid>` +
          `<pubDate>Sat, 21 Nov 2026 18:30:00 +0100</pubDate><dc:creator>Jeanne Martin</dc:creator><category>Climat</category>` +
          `<description>Résumé &lt;b&gt;court&lt;/b&gt;.</description><content:encoded><![CDATA[<p>Texte <b>complet</b>.</p>]]></content:encoded></item>`,
        '<description>Les nouvelles</description><language>fr-FR</language>',
      ),
    );
    expect(r.feed).toEqual({ title: 'Chan', siteUrl: 'https://site.example/', description: 'Les nouvelles', language: 'fr-FR' });
    expect(r.errors).toEqual([]);
    expect(r.items).toEqual([
      {
        guid: 'id-1',
        url: 'https://site.example/a/1',
        title: 'Un été chaud',
        publishedAt: '2026-11-21T17:30:00.000Z',
        author: 'Jeanne Martin',
        summary: 'Résumé court.',
        contentHtml: '<p>Texte <b>complet</b>.</p>',
        text: 'Texte complet.',
        categories: ['Climat'],
        langHint: 'fr-FR',
      },
    ]);
  });

  it('RSS 0.91 and RSS without version', async () => {
    for (const v of ['version="0.91"', 'version="0.92"', '']) {
      const r = await parseFeed(`<rss ${v}><channel><title>Old</title><item><title>A</title><link>http://old.example/a</link><description>d</description></item></channel></rss>`);
      expect(r.items.map((i) => [i.title, i.url, i.text])).toEqual([['A', 'http://old.example/a', 'd']]);
    }
  });

  it('RSS 1.0 (RDF), items beside the channel, rdf:about as guid', async () => {
    const r = await parseFeed(
      `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">` +
        `<channel rdf:about="https://r.example/"><title>RDF</title><link>https://r.example/</link><description>x</description></channel>` +
        `<item rdf:about="https://r.example/1"><title>Un</title><link>https://r.example/1</link><dc:date>2026-11-20T08:00:00+01:00</dc:date><dc:subject>Tech</dc:subject></item></rdf:RDF>`,
    );
    expect(r.feed.title).toBe('RDF');
    expect(r.items[0]).toMatchObject({ guid: 'https://r.example/1', url: 'https://r.example/1', title: 'Un', publishedAt: '2026-11-20T07:00:00.000Z', categories: ['Tech'] });
  });

  it('Atom 1.0: text constructs, xhtml content in order, alternate link, xml:base, author fallback', async () => {
    const r = await parseFeed(
      `<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://atom.example/blog/" xml:lang="en"><title type="html">A &amp;amp; B</title><subtitle>Sub</subtitle>` +
        `<link rel="self" href="/feed.xml"/><link href="./"/><author><name>Feed Author</name></author>` +
        `<entry><title type="text">1 &lt; 2</title><id>urn:uuid:1</id><link rel="edit" href="/edit/1"/><link rel="alternate" type="text/html" href="posts/1"/>` +
        `<published>2026-11-21T10:00:00+02:00</published><updated>2026-11-22T10:00:00Z</updated><category term="tech" label="Technology"/>` +
        `<summary>Short</summary><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Hello <b>world</b>, and <a href="../about">you</a>!<br/>Bye</div></content></entry></feed>`,
    );
    expect(r.feed).toEqual({ title: 'A & B', siteUrl: 'https://atom.example/blog/', description: 'Sub', language: 'en' });
    expect(r.items[0]).toEqual({
      guid: 'urn:uuid:1',
      url: 'https://atom.example/blog/posts/1',
      title: '1 < 2',
      publishedAt: '2026-11-21T08:00:00.000Z',
      author: 'Feed Author',
      summary: 'Short',
      contentHtml: '<div>Hello <b>world</b>, and <a href="https://atom.example/about" rel="noopener noreferrer nofollow">you</a>!<br />Bye</div>',
      text: 'Hello world, and you!\nBye',
      categories: ['Technology'],
      langHint: 'en',
    });
  });

  it('Atom 0.3: mode="escaped" and mode="base64"', async () => {
    const b64 = Buffer.from('<p>Encodé <script>x</script></p>').toString('base64');
    const r = await parseFeed(
      `<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>Old atom</title>` +
        `<entry><title>E1</title><link rel="alternate" type="text/html" href="http://o.example/1"/><issued>2004-01-01T00:00:00Z</issued><content type="text/html" mode="escaped">&lt;b&gt;bold&lt;/b&gt;</content></entry>` +
        `<entry><title>E2</title><content type="text/html" mode="base64">${b64}</content></entry></feed>`,
    );
    expect(r.items.map((i) => i.contentHtml)).toEqual(['<b>bold</b>', '<p>Encodé </p>']);
    expect(r.items[0].publishedAt).toBe('2004-01-01T00:00:00.000Z');
  });

  it('Atom with a prefixed root element', async () => {
    const r = await parseFeed(
      `<?xml version="1.0"?><!-- c --><a:feed xmlns:a="http://www.w3.org/2005/Atom"><a:title>P</a:title><a:entry><a:title>E</a:title><a:id>urn:e</a:id><a:link href="https://p.example/e"/><a:content type="html">&lt;b&gt;x&lt;/b&gt;</a:content></a:entry></a:feed>`,
    );
    expect(r.feed.title).toBe('P');
    expect(r.items).toMatchObject([{ guid: 'urn:e', title: 'E', url: 'https://p.example/e', contentHtml: '<b>x</b>' }]);
  });

  it('JSON Feed 1.1', async () => {
    const r = await parseFeed(
      JSON.stringify({
        version: 'https://jsonfeed.org/version/1.1',
        title: 'JSON',
        home_page_url: 'https://j.example/',
        language: 'fr',
        authors: [{ name: 'Équipe' }],
        items: [
          { id: 'a', url: '/p/a', title: 'Premier', content_html: '<p>x<img src=x onerror=alert(1)></p>', date_published: '2026-11-21T08:00:00+01:00', tags: ['t1'] },
          { id: 42, external_url: 'javascript:alert(1)', content_text: 'texte <b>brut</b>', summary: 'résumé' },
        ],
      }),
      { baseUrl: 'https://j.example/feed.json' },
    );
    expect(r.feed).toEqual({ title: 'JSON', siteUrl: 'https://j.example/', language: 'fr' });
    expect(r.items[0]).toMatchObject({ guid: 'a', url: 'https://j.example/p/a', author: 'Équipe', publishedAt: '2026-11-21T07:00:00.000Z', categories: ['t1'], langHint: 'fr' });
    expect(r.items[0].contentHtml).toBe('<p>x<img src="https://j.example/x" /></p>');
    expect(r.items[1]).toMatchObject({ guid: '42', summary: 'résumé', contentHtml: '<p>texte &lt;b&gt;brut&lt;/b&gt;</p>' });
    expect(r.items[1].url).toBeUndefined();
  });

  it('rejects non-feeds with one clear line', async () => {
    expect((await rejects('')).message).toBe('not a feed: the document is empty');
    expect((await rejects('<!DOCTYPE html><html><head><title>x</title></head><body><p>hi</p></body></html>')).message).toMatch(/HTML page/);
    expect((await rejects('<catalog><book/></catalog>')).message).toBe('not a feed: root element <catalog> is not rss, rdf:RDF or feed');
    expect((await rejects('hello world')).message).toMatch(/^not a feed/);
    expect((await rejects('<rss version="2.0"><channel><title>t</title>')).message).toMatch(/^invalid XML/);
    expect((await rejects('{"a":1}')).message).toMatch(/^not a feed: JSON/);
    expect((await rejects('{"a":')).message).toMatch(/^invalid JSON/);
  });

  it('recovers from bare ampersands (and says so)', async () => {
    const r = await parseFeed(rss2('<item><title>Tom & Jerry</title><link>http://l.example/get?a=1&b=2</link></item>'));
    expect(r.items[0]).toMatchObject({ title: 'Tom & Jerry', url: 'http://l.example/get?a=1&b=2' });
    expect(r.errors[0]).toMatch(/bare "&"/);
  });
});

describe('ING-06 prototype pollution', () => {
  const payloads = [
    rss2('<item><__proto__><polluted>yes</polluted><isAdmin>true</isAdmin></__proto__><title>x</title><link>https://a.example/1</link></item>'),
    rss2('<item><constructor><prototype><polluted>yes</polluted></prototype></constructor><title>y</title></item>'),
    rss2('<item __proto__="x" constructor="y"><title __proto__="z">z</title><__proto__ polluted="yes"/></item>'),
    rss2('<item><title>w</title><dc:creator><__proto__><polluted>yes</polluted></__proto__></dc:creator><content:encoded><__proto__><isAdmin>1</isAdmin></__proto__></content:encoded></item>'),
    `<feed xmlns="http://www.w3.org/2005/Atom"><__proto__><polluted>yes</polluted></__proto__><entry><__proto__><isAdmin>true</isAdmin></__proto__><title>a</title></entry></feed>`,
    JSON.stringify({ version: 'https://jsonfeed.org/version/1', title: 't', __proto__: { polluted: 'yes' }, items: [{ id: '1', __proto__: { isAdmin: true }, constructor: { prototype: { polluted: 'yes' } } }] }).replace('"title"', '"__proto__":{"polluted":"yes"},"title"'),
  ];
  it('no global pollution, only named typed fields', async () => {
    for (const p of payloads) {
      const r = await parseFeed(p);
      noPollution();
      for (const item of r.items) {
        expect(Object.keys(item).every((k) => ['guid', 'url', 'title', 'publishedAt', 'author', 'summary', 'contentHtml', 'text', 'categories', 'langHint'].includes(k))).toBe(true);
        expect(Object.getPrototypeOf(item)).toBe(Object.prototype);
        for (const v of Object.values(item)) expect(typeof v === 'string' || Array.isArray(v)).toBe(true);
        expect(Array.isArray(item.categories) && item.categories.every((c) => typeof c === 'string')).toBe(true);
      }
      expect(Object.getPrototypeOf(r.feed)).toBe(Object.prototype);
    }
    const first = await parseFeed(payloads[0]);
    expect(first.items[0]).toMatchObject({ title: 'x', url: 'https://a.example/1' });
  });
});

describe('ING-07 XXE and ING-08 entity expansion', () => {
  let server: Server;
  let port = 0;
  let hits = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      hits++;
      res.end('<!ENTITY leak "LEAKED">');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('external entities: rejected, nothing leaks, nothing fetched', async () => {
    const docs = [
      `<?xml version="1.0"?><!DOCTYPE rss [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]><rss version="2.0"><channel><title>&xxe;</title><item><title>a</title></item></channel></rss>`,
      `<?xml version="1.0"?><!DOCTYPE rss SYSTEM "http://127.0.0.1:${port}/x.dtd"><rss version="2.0"><channel><title>&leak;</title><item><title>a</title></item></channel></rss>`,
      `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:${port}/e"> %p;]><rss version="2.0"><channel><title>&leak;</title></channel></rss>`,
    ];
    for (const d of docs) {
      const e = await rejects(d);
      expect(e.message).not.toMatch(/root:|LEAKED/);
    }
    // A DOCTYPE with an external DTD but no entity use: parsed, the DTD never fetched.
    const ok = await parseFeed(`<?xml version="1.0"?><!DOCTYPE rss SYSTEM "http://127.0.0.1:${port}/x.dtd"><rss version="2.0"><channel><title>t</title><item><title>a</title></item></channel></rss>`);
    expect(JSON.stringify(ok)).not.toMatch(/root:|LEAKED/);
    await new Promise((r) => setTimeout(r, 50));
    expect(hits).toBe(0);
  });

  it('billion laughs (lol9) and the quadratic variant are rejected', async () => {
    let dtd = '<!ENTITY lol "lol">';
    for (let i = 2; i <= 9; i++) dtd += `<!ENTITY lol${i} "${`&lol${i === 2 ? '' : i - 1};`.repeat(10)}">`;
    await rejects(`<?xml version="1.0"?><!DOCTYPE lolz [${dtd}]><rss version="2.0"><channel><title>&lol9;</title></channel></rss>`);
    const big = 'x'.repeat(50 * 1024);
    await rejects(`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY big "${big}">]><rss version="2.0"><channel><title>t</title><item><title>${'&big;'.repeat(10_000)}</title></item></channel></rss>`);
  });
});

describe('ING-17 snippet DoS payload', () => {
  it('60,000 "&lt;" parse and normalize (timing is in bench.ts); content is escaped text', async () => {
    const r = await parseFeed(`<rss version="2.0"><channel><title>t</title><item><title>x</title><description>${'&lt;'.repeat(60_000)}</description></item></channel></rss>`);
    expect(r.items[0].contentHtml).toBe('&lt;'.repeat(60_000));
    expect(r.items[0].text).toBe('<'.repeat(60_000));
    expect(findUnsafe(r.items[0].contentHtml)).toEqual([]);
  });
});

describe('ING-21 feed-supplied URLs', () => {
  it('each link becomes absolute http(s) or is dropped; unsafe xml:base ignored', async () => {
    const r = await parseFeed(
      rss2(
        '<item><title>1</title><link>javascript:alert(document.cookie)</link></item>' +
          '<item><title>2</title><link><![CDATA[ https://x.example/"><img src=1 onerror=alert(1)> ]]></link></item>' +
          '<item><title>3</title><link>data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==</link><enclosure url="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==" type="text/html"/></item>' +
          '<item><title>4</title><atom:link href="JAVASCRIPT:alert(1)"/></item>' +
          '<item><title>5</title><link>//evil.example/x</link></item>' +
          '<item><title>6</title><link>/relative/ok</link></item>' +
          '<item xml:base="javascript:alert(\'unsafe\')"><title>7</title><link>/p/7</link></item>',
      ),
      { baseUrl: 'https://site.example/feed.xml' },
    );
    const urls = r.items.map((i) => i.url);
    expect(urls[0]).toBeUndefined();
    expect(urls[1]).toMatch(/^https:\/\/x\.example\/[^<>"\s]*$/);
    expect(urls.slice(2, 5)).toEqual([undefined, undefined, undefined]);
    expect(urls[5]).toBe('https://site.example/relative/ok');
    expect(urls[6]).toBe('https://site.example/p/7');
  });

  it('Atom entry with xml:base="javascript:…" keeps the feed base', async () => {
    const r = await parseFeed(
      `<feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://example.com/"><title>t</title><entry xml:base="javascript:alert('unsafe')"><title>a</title><link href="x"/><content type="html">&lt;a href="y"&gt;l&lt;/a&gt;</content></entry></feed>`,
    );
    expect(r.items[0].url).toBe('http://example.com/x');
    expect(r.items[0].contentHtml).toContain('href="http://example.com/y"');
  });
});

describe('ING-22 oversized or deep structures; one bad item never stops the others', () => {
  it('10,000 nested <div> in content:encoded', async () => {
    const deep = '<div>'.repeat(10_000) + 'fond' + '</div>'.repeat(10_000);
    const r = await parseFeed(rss2(`<item><title>deep</title><content:encoded><![CDATA[${deep}]]></content:encoded></item><item><title>next</title></item>`));
    expect(r.items.map((i) => i.title)).toEqual(['deep', 'next']);
    expect(r.items[0].text).toBe('fond');
  });

  it('20,000 nested XML elements inside an item', async () => {
    const r = await parseFeed(rss2(`<item><title>t</title><x>${'<y>'.repeat(20_000)}z${'</y>'.repeat(20_000)}</x></item>`));
    expect(r.items[0].title).toBe('t');
  });

  it('a 5 MB title and 100,000 attributes', async () => {
    const attrs = Array.from({ length: 100_000 }, (_, i) => `a${i}="${i}"`).join(' ');
    const r = await parseFeed(rss2(`<item ${attrs}><title>${'T'.repeat(5 * 1024 * 1024)}</title></item>`));
    expect(Buffer.byteLength(r.items[0].title)).toBeLessThanOrEqual(1024);
  });

  it('item count is capped (default 500) and reported', async () => {
    const items = Array.from({ length: 1200 }, (_, i) => `<item><title>n${i}</title><guid>g${i}</guid></item>`).join('');
    const r = await parseFeed(rss2(items));
    expect(r.items.length).toBe(500);
    expect(r.errors).toContain('700 items beyond the limit of 500 were ignored');
    expect((await parseFeed(rss2(items), { maxItems: 3 })).items.map((i) => i.guid)).toEqual(['g0', 'g1', 'g2']);
  });

  it('100,000 items: only the kept ones are parsed', async () => {
    const items = Array.from({ length: 100_000 }, (_, i) => `<item><title>n${i}</title><link>https://a.example/${i}</link></item>`).join('');
    const r = await parseFeed(rss2(items));
    expect(r.items.length).toBe(500);
    expect(r.items[499].title).toBe('n499');
    expect(r.errors).toEqual(['99500 items beyond the limit of 500 were ignored']);
    const atom = await parseFeed(`<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>${'<entry><title>e</title></entry>'.repeat(2000)}</feed>`);
    expect(atom.items.length).toBe(500);
  });

  it('"<item" inside CDATA does not break the early cut: the whole document is parsed instead', async () => {
    const r = await parseFeed(
      rss2('<item><title>1</title></item><item><title>2</title><description><![CDATA[<p>an <item> in text</p>]]></description></item><item><title>3</title></item>'),
      { maxItems: 2 },
    );
    expect(r.items.map((i) => i.title)).toEqual(['1', '2']);
    expect(r.items[1].text).toBe('an in text');
    expect(r.errors).toEqual(['1 items beyond the limit of 2 were ignored']);
  });

  it('a JSON Feed item that is not an object is reported, the others kept', async () => {
    const r = await parseFeed(JSON.stringify({ version: 'https://jsonfeed.org/version/1.1', title: 't', items: [{ id: '1', title: 'a' }, null, 'x', { id: '2', title: 'b' }] }));
    expect(r.items.map((i) => i.guid)).toEqual(['1', '2']);
    expect(r.errors).toEqual(['item 2 skipped: item is not an object', 'item 3 skipped: item is not an object']);
  });

  it('documents over the size limit are refused', async () => {
    await expect(parseFeed(rss2(''), { maxChars: 100 })).rejects.toThrow(/feed too large/);
  });
});

describe('WEB-05 double decoding through the whole pipeline', () => {
  it('title "Use &amp;lt;script&amp;gt; tags" reads literally "Use &lt;script&gt; tags"; escaped markup in content stays text', async () => {
    const r = await parseFeed(
      rss2('<item><title>Use &amp;lt;script&amp;gt; tags</title><description>&lt;p&gt;Literal: &amp;lt;img src=x onerror=alert(1)&amp;gt;&lt;/p&gt;</description></item>'),
    );
    const it0 = r.items[0];
    expect(it0.title).toBe('Use &lt;script&gt; tags');
    // XML decodes once (→ HTML source), the HTML parser once (→ text): the <img> is text, escaped on output.
    expect(it0.contentHtml).toBe('<p>Literal: &lt;img src=x onerror=alert(1)&gt;</p>');
    expect(it0.text).toBe('Literal: <img src=x onerror=alert(1)>');
    expect(findUnsafe(it0.contentHtml)).toEqual([]);
  });

  it('an HTML title (tags present) is stripped; Atom type="text" titles stay literal', async () => {
    const rss = await parseFeed(rss2('<item><title><![CDATA[<b>Tom &amp; Jerry</b> <script>alert(1)</script>]]></title></item>'));
    expect(rss.items[0].title).toBe('Tom & Jerry');
    const atom = await parseFeed(`<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><title type="text">History of the &lt;blink&gt; tag</title></entry></feed>`);
    expect(atom.items[0].title).toBe('History of the <blink> tag');
  });

  it('Atom protocol-relative links to another host are dropped', async () => {
    const r = await parseFeed(`<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://a.example/"><title>t</title><entry><title>x</title><link href="//evil.example/x"/></entry><entry><title>y</title><link href="//a.example/y"/></entry></feed>`);
    expect(r.items.map((i) => i.url)).toEqual([undefined, 'https://a.example/y']);
  });
});

describe('bases and fallbacks for feeds read without a URL', () => {
  it('rel="self" is the base when the caller gives none; an http(s) Atom id serves as URL when there is no link', async () => {
    const r = await parseFeed(
      `<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><link rel="self" href="https://s.example/blog/feed.xml"/><link href="/blog/"/>` +
        `<entry><title>a</title><link href="/blog/a"/></entry><entry><title>b</title><id>https://s.example/blog/b</id></entry><entry><title>c</title><id>tag:s.example,2026:c</id></entry></feed>`,
    );
    expect(r.feed.siteUrl).toBe('https://s.example/blog/');
    expect(r.items.map((i) => i.url)).toEqual(['https://s.example/blog/a', 'https://s.example/blog/b', undefined]);
    const withBase = await parseFeed(`<rss version="2.0"><channel><title>t</title><atom:link xmlns:atom="http://www.w3.org/2005/Atom" rel="self" href="https://self.example/rss"/><item><title>x</title><link>/x</link></item></channel></rss>`, {
      baseUrl: 'https://fetched.example/rss',
    });
    expect(withBase.items[0].url).toBe('https://fetched.example/x');
  });

  it('JSON Feed titles with entities (WordPress) are decoded once; plain ones stay literal', async () => {
    const r = await parseFeed(JSON.stringify({ version: 'https://jsonfeed.org/version/1.1', title: 'Blog &#8211; Site', items: [{ id: '1', title: 'AT&T &amp; co' }, { id: '2', title: 'a < b' }] }));
    expect(r.feed.title).toBe('Blog – Site');
    expect(r.items.map((i) => i.title)).toEqual(['AT&T & co', 'a < b']);
  });
});

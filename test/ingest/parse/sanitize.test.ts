import { describe, expect, it } from 'vitest';
import { htmlToText, MAX_HTML_DEPTH, resolveHtmlUrl, sanitizeHtml } from '../../../src/ingest/parse/sanitize.js';
import { findUnsafe, shapeOfHtml } from './html-safety.js';

const BASE = 'https://news.example/section/article.html';

/** Sanitized output must be clean, and stable when sanitized again (sanitize → serialize → re-parse). */
function clean(html: string, baseOrNull: string | null = BASE): string {
  const base = baseOrNull ?? undefined;
  const out = sanitizeHtml(html, base);
  expect(findUnsafe(out)).toEqual([]);
  expect(sanitizeHtml(out, base)).toBe(out);
  expect(sanitizeHtml(out)).toBe(out);
  return out;
}

describe('sanitizeHtml: WEB-01 feedparser key inputs', () => {
  it('script in CDATA description → "safe description"', () => {
    expect(clean(`safe<script type="text/javascript">location.href='http:/'+'/example.com/';</script> description`)).toBe('safe description');
  });

  it('img onerror → img without onerror', () => {
    expect(clean(`<img src="http://www.ragingplatypus.com/i/cam-full.jpg" onerror="location.href='http://www.ragingplatypus.com/';" />`)).toBe(
      '<img src="http://www.ragingplatypus.com/i/cam-full.jpg" />',
    );
  });

  it('iframe → its fallback content only', () => {
    expect(clean(`safe<iframe src="http://example.com/"> <b>description</b></iframe>`)).toBe('safe <b>description</b>');
  });

  it('crazy HTML: body onload, scripts split across comments and newlines', () => {
    const crazy = `<!DOCTYPE html><html><head><title>Crazy</title></head><body notRealAttribute="value"onload="executeMe();"foo="bar"
>
<!-- <script> -->
<!--
\t<script>
-->
</script>
<script

>
function executeMe() { alert(1) }
</script>
<h1>Did The Javascript Execute?</h1>
<div onmouseover='executeMe();'>I will execute here, too, if you mouse over me</div>
</body></html>`;
    const out = clean(crazy);
    expect(out).toContain('<h1>Did The Javascript Execute?</h1>');
    expect(out).toContain('<div>I will execute here, too, if you mouse over me</div>');
    expect(out).not.toMatch(/executeMe|alert/);
  });

  it('blink, meta, link, applet, object, embed, form, style: removed', () => {
    const out = clean(
      `<blink>a</blink><meta http-equiv="refresh" content="0;url=javascript:alert(1)"><link rel="stylesheet" href="http://evil/x.css"><applet code="x">b</applet><object data="x.swf">c</object><embed src="http://x/y.swf"><form action="http://evil"><input name=x><button>d</button></form><style>body{}</style>`,
    );
    expect(out).toBe('abcd');
  });
});

describe('sanitizeHtml: WEB-02 URL-scheme variants', () => {
  const evil = [
    'javascript:alert(1)',
    'JAVASCRIPT:alert(1)',
    ' javascript:alert(1)',
    '&#xA0javascript:alert(1)',
    '\u0001java\u0003script:alert(1)',
    'java&#x09;script:alert(1)',
    'java\nscript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
    'vbscript:msgbox(1)',
    'javascript://youtube.com/%0Aalert(document.domain)',
    ...['\u1680', '\u180E', '\u2000', '\u200A', '\u200B', '\u205F', '\u3000', '\u2028'].map((ws) => `${ws}javascript:alert(1)`),
  ];
  for (const v of evil) {
    it(`neutralises ${JSON.stringify(v)}`, () => {
      const attr = v.replace(/"/g, '&quot;');
      const out = clean(
        `<a href="${attr}">a</a><img src="${attr}"><img srcset="${attr} 1x"><blockquote cite="${attr}">q</blockquote><a xlink:href="${attr}">x</a><video poster="${attr}"></video><table background="${attr}"><tr><td>t</td></tr></table><iframe src="${attr}"></iframe><form action="${attr}"><button formaction="${attr}">b</button></form><object data="${attr}"></object>`,
      );
      expect(out).not.toMatch(/javascript|vbscript|data:/i);
    });
  }

  it('srcset: bad candidates removed, good ones kept and made absolute', () => {
    expect(clean(`<img srcset="javascript:alert(1) 1x, data:text/plain;base64,SGVsbG8= 2x">`)).toBe('<img />');
    expect(clean(`<img srcset="/a.jpg 1x, https://cdn.example/b.jpg 2x" src="c.jpg" alt="A">`)).toBe(
      '<img srcset="https://news.example/a.jpg 1x, https://cdn.example/b.jpg 2x" src="https://news.example/section/c.jpg" alt="A" />',
    );
  });

  it('links: http(s) and mailto kept with rel; relative made absolute; without a base, dropped', () => {
    expect(clean(`<a href="mailto:redaction@example.fr">m</a>`)).toBe('<a href="mailto:redaction@example.fr" rel="noopener noreferrer nofollow">m</a>');
    expect(clean(`<a href="../other.html#x" target="_blank" rel="opener">r</a>`)).toBe(
      '<a href="https://news.example/other.html#x" rel="noopener noreferrer nofollow">r</a>',
    );
    expect(clean(`<a href="/x">r</a><img src="y.png">`, null)).toBe('<a rel="noopener noreferrer nofollow">r</a><img />');
    expect(clean(`<img src="mailto:a@b.c">`)).toBe('<img />');
    expect(clean(`<a href="ftp://x/y">f</a><a href="tel:123">t</a>`)).toBe('<a rel="noopener noreferrer nofollow">f</a><a rel="noopener noreferrer nofollow">t</a>');
  });

  it('feedparser feed_title_unacceptable_uri: link text stays, href goes', () => {
    expect(clean(`<a href="javascript:alert(1)">safe</a>`)).toBe('<a rel="noopener noreferrer nofollow">safe</a>');
  });

  it('resolveHtmlUrl only yields absolute http(s) (+ extra schemes on demand)', () => {
    expect(resolveHtmlUrl('//cdn.example/x.png', BASE)).toBe('https://cdn.example/x.png');
    expect(resolveHtmlUrl('x.png', undefined)).toBeUndefined();
    expect(resolveHtmlUrl('javascript:alert(1)', BASE)).toBeUndefined();
    expect(resolveHtmlUrl('mailto:a@b.c', BASE)).toBeUndefined();
    expect(resolveHtmlUrl('mailto:a@b.c', BASE, ['mailto'])).toBe('mailto:a@b.c');
    expect(resolveHtmlUrl('http://', BASE)).toBeUndefined();
  });
});

describe('sanitizeHtml: WEB-03 SVG, MathML and mutation XSS', () => {
  const inputs = [
    '<svg><script>alert(1)</script></svg>',
    '<svg onload=alert(1)>',
    '<svg><a xlink:href="javascript:alert(1)"><text y="20">x</text></a></svg>',
    '<Svg Only=1 OnLoad=confirm(\'x\')>',
    '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>',
    '<listing>&lt;img onerror="alert(1);//" src=x&gt;<t t></listing>',
    `<img src=x id/=' onerror=alert(1)//'>`,
    '<textarea>@x</textarea><!--</textarea><img src=x onerror=alert(1)>-->',
    '<b><noscript><!-- </noscript><img src=x onerror=alert(1) --></noscript>',
    '<option><iframe></select><b><script>alert(1)</script>',
    '<iframe srcdoc="&lt;img src=x:x onerror=alert(1)&gt;"></iframe>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<xmp><img src=x onerror=alert(1)></xmp>',
    '<template><img src=x onerror=alert(1)></template>',
    '<a href="https://ok.example/" onclick="alert(1)" style="color:red">ok</a>',
    '<![CDATA[<script></script>]]&gt;',
    '<p>a<!--[if IE]><script>alert(1)</script><![endif]-->b</p>',
  ];
  for (const html of inputs) {
    it(`nothing executable after sanitising ${JSON.stringify(html.slice(0, 50))}`, () => {
      const out = clean(html);
      const shape = shapeOfHtml(out);
      expect([...shape.tags].filter((t) => ['svg', 'math', 'script', 'style', 'iframe', 'noscript', 'textarea', 'template'].includes(t))).toEqual([]);
      expect([...shape.attrs.keys()].filter((k) => /@on|@style|@srcdoc|@id$/.test(k))).toEqual([]);
    });
  }

  it('escaped markup inside <listing> stays text', () => {
    expect(clean('<listing>&lt;img onerror="alert(1);//" src=x&gt;</listing>')).toBe('&lt;img onerror="alert(1);//" src=x&gt;');
  });
});

describe('sanitizeHtml: WEB-04 CSS injection', () => {
  it('style attributes and elements are dropped', () => {
    const out = clean(
      `<span style="display:block;position:absolute;left:0;top:0;width:100%;height:100%;z-index:1;background-image:url(http://tracker.example/p.gif)">Some text</span>` +
        `<p style="width:expression(alert(1))">e</p><p style="behavior:url(x.htc)">b</p><style>@import url(//evil.example/x.css)</style><div style="margin:99999em">m</div>`,
    );
    expect(out).toBe('<span>Some text</span><p>e</p><p>b</p><div>m</div>');
  });

  it('id, class and name are dropped (DOM clobbering, page CSS hooks)', () => {
    expect(clean('<p id="x" class="modal" name="y">t</p>')).toBe('<p>t</p>');
  });
});

describe('sanitizeHtml: WEB-05 double decoding', () => {
  it('entity-escaped markup stays text, decoded exactly once', () => {
    const out = clean('<p>Literal: &amp;lt;img src=x onerror=alert(1)&amp;gt;</p>');
    expect(out).toBe('<p>Literal: &amp;lt;img src=x onerror=alert(1)&amp;gt;</p>');
    expect(htmlToText(out)).toBe('Literal: &lt;img src=x onerror=alert(1)&gt;');
  });

  it('text that looks like a tag after one decoding is escaped in the output', () => {
    expect(clean('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>')).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>');
  });
});

describe('sanitizeHtml: structure that must survive', () => {
  it('keeps text structure, figures, lists, tables, quotes, code', () => {
    const html =
      '<h2>Titre</h2><p>Un <em>été</em> <strong>chaud</strong>, <a href="https://x.example/a">lien</a>.</p>' +
      '<figure><img src="https://x.example/i.jpg" alt="Photo" width="600" height="400"><figcaption>Légende</figcaption></figure>' +
      '<ul><li>un</li><li>deux</li></ul><ol start="3"><li>trois</li></ol><blockquote cite="https://x.example/q">cit</blockquote>' +
      '<pre><code>x &lt; y</code></pre><table><thead><tr><th colspan="2">h</th></tr></thead><tbody><tr><td>1</td><td>2</td></tr></tbody></table>' +
      '<p>a<br>b</p><time datetime="2026-11-22">22 nov.</time><abbr title="Union européenne">UE</abbr><sup>2</sup><sub>i</sub>';
    const out = clean(html);
    for (const t of ['h2', 'em', 'strong', 'a', 'figure', 'img', 'figcaption', 'ul', 'ol', 'li', 'blockquote', 'pre', 'code', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'br', 'time', 'abbr', 'sup', 'sub']) {
      expect(shapeOfHtml(out).tags.has(t)).toBe(true);
    }
    expect(out).toContain('alt="Photo" width="600" height="400"');
    expect(out).toContain('<ol start="3">');
    expect(out).toContain('<th colspan="2">');
  });

  it('empty and whitespace input', () => {
    expect(sanitizeHtml('')).toBe('');
    expect(sanitizeHtml('   ')).toBe('');
  });
});

describe('sanitizeHtml: ING-22 oversized and deep structures', () => {
  it('drops tags nested deeper than the limit, keeps the text, stays bounded', () => {
    const deep = '<div>'.repeat(10_000) + 'fond' + '</div>'.repeat(10_000);
    const out = clean(deep);
    expect(out).toContain('fond');
    expect((out.match(/<div>/g) ?? []).length).toBe(MAX_HTML_DEPTH);
  });

  it('100,000 attributes on one element', () => {
    const attrs = Array.from({ length: 100_000 }, (_, i) => `data-a${i}="${i}"`).join(' ');
    expect(clean(`<p ${attrs} onclick="x">t</p>`)).toBe('<p>t</p>');
  });

  it('many unclosed tags and a huge run of "<"', () => {
    expect(findUnsafe(sanitizeHtml('<b><i><u>'.repeat(20_000)))).toEqual([]);
    const lt = sanitizeHtml('<'.repeat(60_000));
    expect(lt).toBe('&lt;'.repeat(60_000));
  });
});

describe('htmlToText', () => {
  it('decodes entities once, drops tags, keeps blocks as lines', () => {
    expect(htmlToText('<p>Caf&eacute; &amp; cr&egrave;me</p><p>Deux</p>')).toBe('Café & crème\n\nDeux');
    expect(htmlToText('<ul><li>un</li><li>deux</li></ul>')).toBe('- un\n- deux');
    expect(htmlToText('<p>a<script>alert(1)</script>b<style>p{}</style></p>')).toBe('ab');
    expect(htmlToText('<a href="https://x/">lien</a> <img src="https://x/i.png" alt="photo">')).toBe('lien');
    expect(htmlToText('plain &lt;b&gt;')).toBe('plain <b>');
    expect(htmlToText('')).toBe('');
  });
});

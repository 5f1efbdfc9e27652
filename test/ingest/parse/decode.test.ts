import { describe, expect, it } from 'vitest';
import { decodeFeedBytes, fixC1Controls, headerCharset, normalizeCharset, stripXmlIllegalChars, xmlDeclEncoding } from '../../../src/ingest/parse/decode.js';
import { parseFeed } from '../../../src/ingest/parse/parse.js';

const rss = (title: string, decl = '<?xml version="1.0" encoding="utf-8"?>') =>
  `${decl}<rss version="2.0"><channel><title>${title}</title><item><title>${title}</title><link>https://a.example/1</link></item></channel></rss>`;

function utf16(s: string, le: boolean, bom: boolean): Buffer {
  const body = Buffer.from(s, 'utf16le');
  if (!le) body.swap16();
  const mark = bom ? (le ? Buffer.from([0xff, 0xfe]) : Buffer.from([0xfe, 0xff])) : Buffer.alloc(0);
  return Buffer.concat([mark, body]);
}

function utf32(s: string, le: boolean, bom: boolean): Buffer {
  const cps = [...(bom ? '\uFEFF' : ''), ...s].map((c) => c.codePointAt(0)!);
  const b = Buffer.alloc(cps.length * 4);
  cps.forEach((cp, i) => (le ? b.writeUInt32LE(cp, i * 4) : b.writeUInt32BE(cp, i * 4)));
  return b;
}

describe('decodeFeedBytes: charset precedence', () => {
  it('BOM wins over declaration and header (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE)', () => {
    const doc = rss('Élysée ✓', '<?xml version="1.0" encoding="iso-8859-1"?>');
    const u8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(doc, 'utf8')]);
    expect(decodeFeedBytes(u8, 'text/xml; charset=koi8-r')).toEqual({ text: doc, charset: 'utf-8' });
    for (const le of [true, false]) {
      expect(decodeFeedBytes(utf16(doc, le, true)).text).toBe(doc);
      expect(decodeFeedBytes(utf16(doc, le, true)).charset).toBe(le ? 'utf-16le' : 'utf-16be');
      expect(decodeFeedBytes(utf32(doc, le, true)).text).toBe(doc);
      expect(decodeFeedBytes(utf32(doc, le, true)).charset).toBe(le ? 'utf-32le' : 'utf-32be');
    }
  });

  it('recognises UTF-16/32 without a BOM from the "<?" layout', () => {
    const doc = rss('naïve', '<?xml version="1.0"?>');
    expect(decodeFeedBytes(utf16(doc, true, false))).toEqual({ text: doc, charset: 'utf-16le' });
    expect(decodeFeedBytes(utf16(doc, false, false))).toEqual({ text: doc, charset: 'utf-16be' });
    expect(decodeFeedBytes(utf32(doc, true, false))).toEqual({ text: doc, charset: 'utf-32le' });
    expect(decodeFeedBytes(utf32(doc, false, false))).toEqual({ text: doc, charset: 'utf-32be' });
  });

  it('XML declaration wins over the HTTP header', () => {
    const doc = rss('Ça coûte 5 €', '<?xml version="1.0" encoding="ISO-8859-15"?>');
    const latin9 = Buffer.from(doc.replace('€', '\u00a4'), 'latin1'); // € is 0xA4 in ISO-8859-15
    const r = decodeFeedBytes(latin9, 'text/xml; charset=utf-8');
    expect(r.charset).toBe('iso-8859-15');
    expect(r.text).toContain('Ça coûte 5 €');
  });

  it('uses the header when there is no declaration', () => {
    const koi8 = Buffer.from([0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4]); // "Привет" in KOI8-R
    const doc = Buffer.concat([Buffer.from('<rss version="2.0"><channel><title>'), koi8, Buffer.from('</title></channel></rss>')]);
    const r = decodeFeedBytes(doc, 'application/rss+xml; charset="KOI8-R"');
    expect(r.charset).toBe('koi8-r');
    expect(r.text).toContain('<title>Привет</title>');
  });

  it('reads KOI8-R and Big5 from the declaration', () => {
    const koi8 = Buffer.concat([Buffer.from('<?xml version="1.0" encoding="koi8-r"?><rss version="2.0"><channel><title>'), Buffer.from([0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4]), Buffer.from('</title></channel></rss>')]);
    expect(decodeFeedBytes(koi8).text).toContain('Привет');
    const big5 = Buffer.concat([Buffer.from('<?xml version="1.0" encoding="big5"?><rss version="2.0"><channel><title>'), Buffer.from([0xa4, 0xa4, 0xa4, 0xe5]), Buffer.from('</title></channel></rss>')]);
    const r = decodeFeedBytes(big5);
    expect(r.charset).toBe('big5');
    expect(r.text).toContain('<title>中文</title>');
  });

  it('ING-18: an ISO-8859-1 body declared as UTF-8 is read as windows-1252, not mojibake', () => {
    const doc = Buffer.from(rss('Café à Paris'), 'latin1');
    const r = decodeFeedBytes(doc, 'text/xml; charset=utf-8');
    expect(r.charset).toBe('windows-1252');
    expect(r.text).toContain('Café à Paris');
    expect(r.text).not.toContain('\uFFFD');
  });

  it('ING-18: a bogus charset (header or declaration) falls back without crashing', () => {
    const doc = Buffer.from(rss('Zoë', '<?xml version="1.0" encoding="x-no-such-charset"?>'), 'utf8');
    expect(decodeFeedBytes(doc, 'text/xml; charset=bogus')).toEqual({ text: doc.toString('utf8'), charset: 'utf-8' });
    expect(decodeFeedBytes(Buffer.from('<rss/>'), 'text/xml; charset=')).toEqual({ text: '<rss/>', charset: 'utf-8' });
  });

  it('ING-18: a BOM plus whitespace before <?xml still parses', async () => {
    const doc = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('\n  \t' + rss('Hello'), 'utf8')]);
    const parsed = await parseFeed(decodeFeedBytes(doc).text);
    expect(parsed.feed.title).toBe('Hello');
  });

  it('ignores a UTF-16 declaration in an ASCII-compatible document', () => {
    const doc = Buffer.from(rss('été', '<?xml version="1.0" encoding="utf-16"?>'), 'utf8');
    expect(decodeFeedBytes(doc).charset).toBe('utf-8');
  });

  it('never throws on arbitrary bytes', () => {
    for (const b of [Buffer.alloc(0), Buffer.from([0xff]), Buffer.from([0, 0, 0]), Buffer.from([0xfe, 0xff, 0xd8]), Buffer.from([0xff, 0xfe, 0, 0, 0xff, 0xff, 0xff, 0xff])]) {
      expect(() => decodeFeedBytes(b, 'text/xml; charset=utf-32')).not.toThrow();
    }
  });
});

describe('illegal characters (ING-18)', () => {
  it('strips XML-illegal control characters, keeps tab/LF/CR', () => {
    expect(stripXmlIllegalChars('a\u0001b\u0008c\u000Bd\u000Ce\u001Ff\tg\nh\ri\uFFFEj\uFFFF')).toBe('abcdef\tg\nh\rij');
  });

  it('a feed with control characters parses and its text is clean', async () => {
    const bytes = Buffer.from(rss('Bon\u0001jour\u0008 \u000Bmonde\u000C'), 'utf8');
    const parsed = await parseFeed(decodeFeedBytes(bytes).text);
    expect(parsed.items[0].title).toBe('Bonjour monde');
  });

  it('maps C1 controls to windows-1252 characters (cp1252 read as latin-1, "&#146;")', () => {
    expect(fixC1Controls('don\u0092t \u0093quoted\u0094 \u0080 \u0081')).toBe('don\u2019t \u201Cquoted\u201D \u20AC ');
    const cp1252 = Buffer.concat([Buffer.from('<rss version="2.0"><channel><title>'), Buffer.from([0x93, 0x41, 0x94, 0x80]), Buffer.from('</title></channel></rss>')]);
    expect(decodeFeedBytes(cp1252, 'text/xml; charset=windows-1252').text).toContain('\u201CA\u201D\u20AC');
  });

  it('replaces lone surrogates', () => {
    expect(stripXmlIllegalChars('a\uD800b\uDC00c\uD83D\uDE00')).toBe('a\uFFFDb\uFFFDc\uD83D\uDE00');
  });
});

describe('charset helpers', () => {
  it('reads labels from headers and declarations', () => {
    expect(headerCharset("application/atom+xml; charset='us-ascii'")).toBe('us-ascii');
    expect(headerCharset('text/xml;charset= "UTF-8"')).toBe('UTF-8');
    expect(headerCharset('text/xml')).toBeUndefined();
    expect(xmlDeclEncoding(Buffer.from("  <?xml version='1.0' encoding='Windows-1252'?><rss/>"))).toBe('Windows-1252');
    expect(xmlDeclEncoding(Buffer.from('<rss/>'))).toBeUndefined();
  });

  it('normalizes to WHATWG names, undefined for unknown labels', () => {
    expect(normalizeCharset('ISO-8859-1')).toBe('windows-1252');
    expect(normalizeCharset('latin1')).toBe('windows-1252');
    expect(normalizeCharset('UTF8')).toBe('utf-8');
    expect(normalizeCharset('gb2312')).toBe('gbk');
    expect(normalizeCharset('UTF-32')).toBe('utf-32be');
    expect(normalizeCharset('bogus')).toBeUndefined();
    expect(normalizeCharset(undefined)).toBeUndefined();
  });
});

describe('mixed encodings', () => {
  it('a UTF-8 document with one stray latin-1 byte stays UTF-8', () => {
    const doc = Buffer.concat([Buffer.from(rss('Élysée, été, café, où'), 'utf8').subarray(0, 60), Buffer.from([0xe9]), Buffer.from(rss('Élysée, été, café, où'), 'utf8').subarray(60)]);
    const r = decodeFeedBytes(doc);
    expect(r.charset).toBe('utf-8');
    expect(r.text).toContain('Élysée, été, café, où');
  });
});

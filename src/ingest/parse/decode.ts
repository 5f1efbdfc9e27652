/**
 * Feed bytes → text.
 *
 * Charset precedence (first match wins):
 *   1. A byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE). The bytes prove it.
 *   2. UTF-16/32 recognised from the layout of the first "<?" (XML 1.0 appendix F),
 *      for documents saved without a BOM.
 *   3. The `encoding` of the XML declaration. It travels with the document and is
 *      written by whoever produced the bytes, whereas the HTTP charset is very often
 *      a web-server default (iso-8859-1 or utf-8) that nobody set on purpose.
 *   4. The `charset` parameter of the HTTP Content-Type.
 *   5. UTF-8.
 * Whatever was chosen, a document labelled UTF-8 that is not valid UTF-8 is decoded
 * as windows-1252 instead (the usual mislabelling: latin-1 bytes under a UTF-8
 * declaration), unless most of its non-ASCII bytes do form UTF-8 sequences (a
 * UTF-8 document with a few stray bytes: those become U+FFFD, the rest is kept). Unknown labels ("bogus")
 * are skipped, never fatal. Characters that XML 1.0 forbids are removed afterwards.
 *
 * Declaring UTF-16/32 in an ASCII-compatible document is a lie (the declaration
 * could not have been read otherwise), so such declarations are ignored.
 */

export interface DecodedFeed {
  text: string;
  /** WHATWG name of the charset actually used, e.g. "utf-8", "windows-1252", "koi8-r". */
  charset: string;
}

/** C0 controls other than tab/LF/CR, and the non-characters U+FFFE/U+FFFF: illegal in XML 1.0. */
const XML_ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
/** Unpaired UTF-16 surrogates (can only come from hand-made strings, e.g. JSON escapes). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * windows-1252 characters for the C1 range U+0080–U+009F ('' where cp1252 has none).
 * C1 controls in a feed are always a mis-decoding: cp1252 bytes read as latin-1
 * (Node 20's TextDecoder('windows-1252') does exactly that) or "&#146;"-style
 * references to cp1252 code points. Mapping them is what browsers do for the latter.
 */
const CP1252_C1 = [
  '\u20AC', '', '\u201A', '\u0192', '\u201E', '\u2026', '\u2020', '\u2021', '\u02C6', '\u2030', '\u0160', '\u2039', '\u0152', '', '\u017D', '',
  '', '\u2018', '\u2019', '\u201C', '\u201D', '\u2022', '\u2013', '\u2014', '\u02DC', '\u2122', '\u0161', '\u203A', '\u0153', '', '\u017E', '\u0178',
];
const C1 = /[\u0080-\u009F]/g;

/** Map C1 controls to their windows-1252 characters (see CP1252_C1). */
export function fixC1Controls(text: string): string {
  return text.replace(C1, (c) => CP1252_C1[c.charCodeAt(0) - 0x80]);
}

/** Remove XML-illegal characters, repair lone surrogates, map C1 controls (ING-18). */
export function stripXmlIllegalChars(text: string): string {
  return fixC1Controls(text.replace(XML_ILLEGAL, '').replace(LONE_SURROGATE, '\uFFFD'));
}

type Utf32 = 'utf-32le' | 'utf-32be';

function sniffBom(b: Buffer): { charset: string; skip: number } | undefined {
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xfe && b[2] === 0 && b[3] === 0) return { charset: 'utf-32le', skip: 4 };
  if (b.length >= 4 && b[0] === 0 && b[1] === 0 && b[2] === 0xfe && b[3] === 0xff) return { charset: 'utf-32be', skip: 4 };
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { charset: 'utf-8', skip: 3 };
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return { charset: 'utf-16le', skip: 2 };
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return { charset: 'utf-16be', skip: 2 };
  return undefined;
}

/** "<?" or "<" in a multi-byte layout without BOM (XML 1.0 appendix F). */
function sniffWideLayout(b: Buffer): string | undefined {
  if (b.length < 4) return undefined;
  const [a, c, d, e] = [b[0], b[1], b[2], b[3]];
  if (a === 0 && c === 0 && d === 0 && e === 0x3c) return 'utf-32be';
  if (a === 0x3c && c === 0 && d === 0 && e === 0) return 'utf-32le';
  if (a === 0 && c === 0x3c && d === 0 && e === 0x3f) return 'utf-16be';
  if (a === 0x3c && c === 0 && d === 0x3f && e === 0) return 'utf-16le';
  return undefined;
}

/** The encoding pseudo-attribute of an ASCII-compatible XML declaration. */
export function xmlDeclEncoding(b: Buffer): string | undefined {
  const head = b.subarray(0, 512).toString('latin1').replace(/^\s+/, '');
  const m = /^<\?xml\s[^>]*?\bencoding\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)/.exec(head);
  return m?.[1];
}

/** The charset parameter of a Content-Type header (quotes and spaces tolerated). */
export function headerCharset(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const m = /;\s*charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)/i.exec(contentType);
  return m?.[1];
}

/** WHATWG name for a label, or undefined when unknown. UTF-32 is handled by hand. */
export function normalizeCharset(label: string | undefined): string | undefined {
  if (!label) return undefined;
  const l = label.trim().toLowerCase();
  if (l === 'utf-32' || l === 'utf32' || l === 'ucs-4' || l === 'utf-32be') return 'utf-32be';
  if (l === 'utf-32le') return 'utf-32le';
  if (l === 'utf-16' || l === 'utf16' || l === 'ucs-2') return 'utf-16be';
  try {
    return new TextDecoder(l).encoding;
  } catch {
    return undefined;
  }
}

function decodeUtf32(b: Buffer, enc: Utf32): string {
  const parts: string[] = [];
  let chunk: number[] = [];
  const n = b.length - (b.length % 4);
  for (let i = 0; i < n; i += 4) {
    const cp = enc === 'utf-32le' ? b.readUInt32LE(i) : b.readUInt32BE(i);
    chunk.push(cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? 0xfffd : cp);
    if (chunk.length === 8192) {
      parts.push(String.fromCodePoint(...chunk));
      chunk = [];
    }
  }
  if (chunk.length) parts.push(String.fromCodePoint(...chunk));
  return parts.join('');
}

function decodeWith(b: Buffer, charset: string): string {
  if (charset === 'utf-32le' || charset === 'utf-32be') return decodeUtf32(b, charset);
  return new TextDecoder(charset, { ignoreBOM: true }).decode(b);
}

function isValidUtf8(b: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}

/**
 * For bytes that are not valid UTF-8: counts of well-formed multi-byte UTF-8
 * sequences and of bytes that fit no sequence. Mostly-UTF-8 documents with a few
 * stray latin-1 bytes stay UTF-8 (a few U+FFFD) instead of turning every accented
 * letter into mojibake.
 */
function utf8Evidence(b: Buffer): { good: number; bad: number } {
  let good = 0;
  let bad = 0;
  for (let i = 0; i < b.length; ) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    const len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    let ok = len > 0 && i + len <= b.length;
    for (let k = 1; ok && k < len; k++) ok = (b[i + k] & 0xc0) === 0x80;
    if (ok) {
      good++;
      i += len;
    } else {
      bad++;
      i++;
    }
  }
  return { good, bad };
}

const WIDE = new Set(['utf-16le', 'utf-16be', 'utf-32le', 'utf-32be']);

/** Decode feed bytes to text; never throws. See the module comment for the charset policy. */
export function decodeFeedBytes(bytes: Buffer, contentType?: string): DecodedFeed {
  const bom = sniffBom(bytes);
  let charset: string;
  let body = bytes;
  if (bom) {
    charset = bom.charset;
    body = bytes.subarray(bom.skip);
  } else {
    const wide = sniffWideLayout(bytes);
    if (wide) {
      charset = wide;
    } else {
      const declared = normalizeCharset(xmlDeclEncoding(bytes));
      const fromHeader = normalizeCharset(headerCharset(contentType));
      charset = [declared, fromHeader].find((c) => c !== undefined && !WIDE.has(c)) ?? 'utf-8';
    }
  }
  if (charset === 'utf-8' && !bom && !isValidUtf8(body)) {
    const { good, bad } = utf8Evidence(body);
    if (good <= bad) charset = 'windows-1252';
  }
  let text: string;
  try {
    text = decodeWith(body, charset);
  } catch {
    charset = 'utf-8';
    text = new TextDecoder('utf-8').decode(body);
  }
  return { text: stripXmlIllegalChars(text), charset };
}

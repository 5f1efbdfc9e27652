/**
 * Format-neutral raw item (strings pulled out of RSS, Atom or JSON Feed by
 * parse.ts) → NormalizedItem: typed, length-capped, plain-text fields, sanitized
 * HTML, absolute canonical http(s) URL.
 */
import { stableId } from '../../util/ids.js';
import { parseFeedDate } from './dates.js';
import { stripXmlIllegalChars } from './decode.js';
import { escapeHtml, htmlToText, sanitizedHtmlToText, sanitizeHtml } from './sanitize.js';

export interface NormalizedItem {
  /** Feed-supplied id (RSS guid, Atom id, JSON Feed id), else the URL, else a content hash. */
  guid: string;
  /** Absolute, canonical http(s) URL; absent when the feed gave none we can trust. */
  url?: string;
  /** Plain text (render with escaping). */
  title: string;
  /** ISO-8601 UTC. */
  publishedAt?: string;
  /** Plain text. */
  author?: string;
  /** Plain text, at most ~300 characters, cut at a word boundary. */
  summary: string;
  /** Sanitized HTML: safe to insert in a page as is. */
  contentHtml: string;
  /** Plain text of the content. */
  text: string;
  /** Plain-text category labels. */
  categories: string[];
  /** Language tag from the item or the feed (e.g. "fr", "en-GB"), unverified. */
  langHint?: string;
}

/** Field caps (STO-05), in UTF-8 bytes. */
export const LIMITS = {
  titleBytes: 1024,
  authorBytes: 512,
  urlChars: 2048,
  guidBytes: 2048,
  contentBytes: 256 * 1024,
  textBytes: 256 * 1024,
  summaryChars: 300,
  categories: 32,
  categoryBytes: 200,
} as const;

/**
 * A text-bearing field as the feed gave it: plain text, an HTML fragment, or
 * 'auto' when the format does not say (RSS titles, authors, categories): treated
 * as HTML only if it contains something tag-like.
 */
export interface RawText {
  value: string;
  type: 'text' | 'html' | 'auto';
}

export interface RawItem {
  guid?: string;
  /** RSS guid without isPermaLink="false": may serve as the link. */
  guidIsPermalink?: boolean;
  /** Candidate links, best first, as written in the feed (maybe relative). */
  links: string[];
  /** Base for relative URLs (xml:base chain, feed URL); already checked to be http(s). */
  base?: string;
  title?: RawText;
  author?: RawText;
  /** Date strings, best first (published before updated). */
  dates: string[];
  content?: RawText;
  summary?: RawText;
  categories: string[];
  lang?: string;
}

// ───────────────────────── text ─────────────────────────

/** Cut a string to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateUtf8(s: string, maxBytes: number): string {
  if (s.length * 3 <= maxBytes) return s;
  const buf = Buffer.from(s, 'utf8');
  if (buf.length <= maxBytes) return s;
  let end = maxBytes;
  while (end > 0 && (buf[end] & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString('utf8');
}

/** Length of the title made from the text of an untitled item. */
const UNTITLED_CHARS = 100;

/** A tag-like sequence: text containing one is treated as HTML, otherwise as literal text. */
const LOOKS_LIKE_HTML = /<\/?[a-zA-Z][^>]*>|<!--/;

/**
 * Plain text from a feed text field. HTML is stripped and its entities decoded;
 * plain text is taken literally (entities were already decoded once by the XML
 * parser, so "&lt;script&gt;" in the text stays that literal string). 'auto'
 * fields are HTML when they contain a tag or a comment, text otherwise.
 */
export function plainText(raw: RawText | undefined, maxBytes: number): string {
  if (!raw) return '';
  const input = stripXmlIllegalChars(raw.value.length > maxBytes * 16 ? raw.value.slice(0, maxBytes * 16) : raw.value);
  const text = raw.type === 'html' || (raw.type === 'auto' && LOOKS_LIKE_HTML.test(input)) ? htmlToText(input) : input;
  return truncateUtf8(text.replace(/\s+/g, ' ').trim(), maxBytes).trim();
}

/** Summary: plain text cut at a word boundary, with an ellipsis when cut. */
export function makeSummary(text: string, maxChars: number = LIMITS.summaryChars): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= maxChars) return flat;
  const cut = flat.slice(0, maxChars);
  const space = cut.lastIndexOf(' ');
  const base = space > maxChars * 0.6 ? cut.slice(0, space) : cut;
  return base.replace(/[\s.,;:!?\-–—]+$/, '') + '…';
}

// ───────────────────────── URLs ─────────────────────────

const TRACKING_PARAMS = new Set([
  'fbclid', 'gclid', 'dclid', 'gbraid', 'wbraid', 'msclkid', 'yclid', 'twclid', 'ttclid', 'igshid', 'mc_cid',
  'mc_eid', '_hsenc', '_hsmi', 'mkt_tok', 'oly_anon_id', 'oly_enc_id', 'vero_id', 'vero_conv', 'rb_clickid',
  's_cid', 'ns_campaign', 'ns_mchannel', 'ns_source', 'ns_medium', 'ns_linkname', 'ns_fee', 'at_medium',
  'at_campaign', 'xtor', 'cmpid', 'spm', '__twitter_impression', 'ref_src', 'ref_url', 'wt_mc', 'wt_zmc',
]);

function isTrackingParam(name: string): boolean {
  const n = name.toLowerCase();
  return n.startsWith('utm_') || TRACKING_PARAMS.has(n);
}

/**
 * Canonical form of an absolute http(s) URL: lower-case host (the URL parser does
 * this and punycodes IDNs), no default port, no credentials, no fragment, no
 * tracking parameters. Anything else (other schemes, relative, unparsable, over
 * 2 KB) → undefined.
 */
export function canonicalUrl(url: string): string | undefined {
  const s = url.trim();
  if (!s || s.length > LIMITS.urlChars) return undefined;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return undefined;
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || !u.hostname) return undefined;
  u.hash = '';
  u.username = '';
  u.password = '';
  if (u.search) {
    const kept = [...u.searchParams].filter(([k]) => !isTrackingParam(k));
    if (kept.length !== [...u.searchParams].length) {
      u.search = kept.length ? new URLSearchParams(kept).toString() : '';
    }
  }
  const href = u.href;
  return href.length > LIMITS.urlChars ? undefined : href;
}

/**
 * Resolve a feed-supplied link against an http(s) base and canonicalise it.
 * Dropped: non-http(s) schemes (javascript:, data:, vbscript:, …), relative links
 * with no base, and protocol-relative links ("//host/x") that point to another
 * host than the base (a feed has no business linking its items that way).
 */
export function resolveItemUrl(link: string, base: string | undefined): string | undefined {
  const s = link.trim();
  // "#…" only points back into the page the feed came from: not an article address.
  if (!s || s.length > LIMITS.urlChars || s.startsWith('#')) return undefined;
  if (/^[\\/]{2}/.test(s)) {
    if (!base) return undefined;
    try {
      const abs = new URL(s, base);
      if (abs.hostname !== new URL(base).hostname) return undefined;
      return canonicalUrl(abs.href);
    } catch {
      return undefined;
    }
  }
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(s)) return canonicalUrl(s);
  if (!base) return undefined;
  try {
    return canonicalUrl(new URL(s, base).href);
  } catch {
    return undefined;
  }
}

/**
 * Apply an xml:base (or any base) on top of a parent base. A base that does not
 * resolve to http(s) (javascript:, data:, …) is ignored: the parent stays.
 */
export function applyBase(parent: string | undefined, xmlBase: string | undefined): string | undefined {
  if (!xmlBase || !xmlBase.trim()) return parent;
  try {
    const u = parent ? new URL(xmlBase.trim(), parent) : new URL(xmlBase.trim());
    if ((u.protocol === 'http:' || u.protocol === 'https:') && u.hostname && u.href.length <= LIMITS.urlChars) return u.href;
  } catch {
    // unusable base
  }
  return parent;
}

// ───────────────────────── items ─────────────────────────

function contentToHtml(raw: RawText | undefined, base: string | undefined): string {
  if (!raw || !raw.value.trim()) return '';
  const capped = stripXmlIllegalChars(raw.value.length > LIMITS.contentBytes ? raw.value.slice(0, LIMITS.contentBytes) : raw.value);
  const html =
    raw.type !== 'text'
      ? capped
      : capped
          .split(/\n{2,}/)
          .map((p) => p.trim())
          .filter(Boolean)
          .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
          .join('');
  let clean = sanitizeHtml(html, base);
  // Cut, then re-sanitize to close the tags left open; leave room for those closing tags.
  for (let margin = 4096; Buffer.byteLength(clean) > LIMITS.contentBytes; margin *= 2) {
    clean = sanitizeHtml(truncateUtf8(clean, Math.max(0, LIMITS.contentBytes - margin)), base);
  }
  return clean;
}

function cleanLang(lang: string | undefined): string | undefined {
  const l = lang?.trim();
  return l && /^[A-Za-z]{2,3}([_-][A-Za-z0-9]{1,8})*$/.test(l) ? l.replace(/_/g, '-') : undefined;
}

/** Raw item → NormalizedItem. Throws only on programming errors; callers isolate items anyway. */
export function normalizeItem(raw: RawItem): NormalizedItem {
  const base = raw.base;
  let url: string | undefined;
  for (const link of raw.links) {
    url = resolveItemUrl(link, base);
    if (url) break;
  }
  if (!url && raw.guid && raw.guidIsPermalink) url = resolveItemUrl(raw.guid, undefined);

  const contentHtml = contentToHtml(raw.content ?? raw.summary, base);
  const text = truncateUtf8(sanitizedHtmlToText(contentHtml), LIMITS.textBytes);
  const summarySource = raw.content && raw.summary ? plainText(raw.summary, LIMITS.contentBytes) : text;
  // Untitled items (micro-posts) get the start of their text, so lists never show a blank line.
  const title = plainText(raw.title, LIMITS.titleBytes) || makeSummary(text, UNTITLED_CHARS);

  const guidRaw = raw.guid?.trim();
  const guid = guidRaw
    ? truncateUtf8(guidRaw, LIMITS.guidBytes)
    : (url ?? `sha256:${stableId(`${title}\n${raw.dates[0] ?? ''}\n${text.slice(0, 2000)}`)}`);

  let publishedAt: string | undefined;
  for (const d of raw.dates) {
    publishedAt = parseFeedDate(d);
    if (publishedAt) break;
  }

  const categories: string[] = [];
  for (const c of raw.categories) {
    const t = plainText({ value: c, type: 'auto' }, LIMITS.categoryBytes);
    if (t && !categories.includes(t)) categories.push(t);
    if (categories.length >= LIMITS.categories) break;
  }

  const author = plainText(raw.author, LIMITS.authorBytes);
  const item: NormalizedItem = {
    guid,
    title,
    summary: makeSummary(summarySource),
    contentHtml,
    text,
    categories,
  };
  if (url) item.url = url;
  if (publishedAt) item.publishedAt = publishedAt;
  if (author) item.author = author;
  const lang = cleanLang(raw.lang);
  if (lang) item.langHint = lang;
  return item;
}

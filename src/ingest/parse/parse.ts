/**
 * Feed text → ParsedFeed (RSS 0.9x/1.0/2.0, Atom 0.3/1.0, JSON Feed 1.x).
 *
 * XML goes through rss-parser's `parseString` (never `parseURL`: we fetch
 * ourselves), which runs xml2js/sax in strict mode: DTD entities are never
 * expanded, so XXE and billion-laughs documents are rejected (ING-07/08).
 * rss-parser's own item builders are replaced by ones that hand back the raw
 * ordered tree, so its quadratic `contentSnippet` code (ING-17) never runs and
 * nothing of the parser's objects is copied: fields are read one by one, by name,
 * as strings (ING-06, STO-05). Each item is normalized in isolation: a bad item
 * becomes an entry in `errors`, the others go on.
 */
import Parser from 'rss-parser';
import { UserError } from '../../util/errors.js';
import { stripXmlIllegalChars } from './decode.js';
import { applyBase, normalizeItem, plainText, type NormalizedItem, type RawItem, type RawText, LIMITS } from './normalize.js';
import { attr, child, childElements, children, innerXhtml, localName, nameOf, prefixOf, textContent, type XNode } from './xml-tree.js';

export type { NormalizedItem } from './normalize.js';

export interface ParsedFeedInfo {
  title: string;
  siteUrl?: string;
  description?: string;
  language?: string;
}

export interface ParsedFeed {
  feed: ParsedFeedInfo;
  items: NormalizedItem[];
  /** Non-fatal problems: items skipped, recoveries applied, items beyond the cap. */
  errors: string[];
}

export interface ParseFeedOptions {
  /** URL the feed was fetched from (or Content-Location): base for relative links. */
  baseUrl?: string;
  /** Items kept, in document order (default 500). */
  maxItems?: number;
  /** Larger documents are refused outright (default 20 M characters). */
  maxChars?: number;
}

export const DEFAULT_MAX_ITEMS = 500;
export const DEFAULT_MAX_CHARS = 20_000_000;

/** The document is not a feed we can read; the message is one line. */
export class FeedParseError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'FeedParseError';
  }
}

/** Elements of one kind looked at per item: bounds work on items stuffed with thousands of links or tags. */
const MAX_LINKS = 50;
const MAX_CATEGORY_NODES = 200;

/** Items normalized between two yields to the event loop. */
const YIELD_EVERY = 20;

/** Raw text-field cap before any processing (the normalizer caps again, tighter). */
const RAW_TEXT_CAP = 64 * 1024;
const RAW_CONTENT_CAP = LIMITS.contentBytes;

// ───────────────────────── XML through rss-parser ─────────────────────────

type RawDoc = { kind: 'atom'; root: XNode } | { kind: 'rss'; root: XNode; channel: XNode | undefined; items: XNode[] };

interface BuilderHooks {
  buildAtomFeed(xmlObj: Record<string, unknown>): unknown;
  buildRSS0_9(xmlObj: Record<string, unknown>): unknown;
  buildRSS1(xmlObj: Record<string, unknown>): unknown;
  buildRSS2(xmlObj: Record<string, unknown>): unknown;
}

function ownNode(o: Record<string, unknown>, key: string): XNode | undefined {
  const v = Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as XNode) : undefined;
}

function rssDoc(root: XNode | undefined): RawDoc {
  if (!root) return { kind: 'rss', root: {}, channel: undefined, items: [] };
  const channel = child(root, 'channel');
  // RSS 0.9x/2.0 put items in the channel; RSS 1.0 (RDF) beside it.
  const items = [...(channel ? children(channel, 'item') : []), ...children(root, 'item')];
  return { kind: 'rss', root, channel, items };
}

/** A parser whose builders return the raw ordered tree instead of rss-parser's items. */
function makeXmlParser(): Parser {
  const parser = new Parser({
    defaultRSS: 2,
    xml2js: { explicitChildren: true, preserveChildrenOrder: true, charsAsChildren: true, includeWhiteChars: true },
  } as Parser.ParserOptions<Record<string, unknown>, Record<string, unknown>>);
  const hooks = parser as unknown as BuilderHooks;
  hooks.buildAtomFeed = (x) => ({ kind: 'atom', root: ownNode(x, 'feed') ?? {} }) satisfies RawDoc;
  hooks.buildRSS0_9 = (x) => rssDoc(ownNode(x, 'rss'));
  hooks.buildRSS2 = (x) => rssDoc(ownNode(x, 'rss'));
  hooks.buildRSS1 = (x) => rssDoc(ownNode(x, 'rdf:RDF'));
  return parser;
}

function oneLineMessage(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.replace(/\s+/g, ' ').trim().slice(0, 200);
}

async function parseXml(xml: string): Promise<RawDoc> {
  return (await makeXmlParser().parseString(xml)) as unknown as RawDoc;
}

/** Bare "&" that starts no entity or character reference: the commonest feed XML error. */
const BARE_AMP = /&(?!(?:[A-Za-z][A-Za-z0-9._-]*|#[0-9]+|#x[0-9A-Fa-f]+);)/g;

async function parseXmlWithRecovery(xml: string, errors: string[]): Promise<RawDoc> {
  try {
    return await parseXml(xml);
  } catch (first) {
    const msg = oneLineMessage(first);
    if (/not recognized|Unable to parse/i.test(msg)) throw first;
    // One repair only: escape bare ampersands. Undeclared entities (&xxe;) stay and
    // are still rejected, so XXE and entity bombs cannot slip through here.
    const fixed = xml.replace(BARE_AMP, '&amp;');
    if (fixed === xml) throw first;
    const doc = await parseXml(fixed).catch(() => {
      throw first;
    });
    errors.push(`recovered from invalid XML (${msg}) by escaping bare "&"`);
    return doc;
  }
}

// ───────────────────────── field readers ─────────────────────────

function text(n: XNode | undefined, cap = RAW_TEXT_CAP): string | undefined {
  if (!n) return undefined;
  const t = textContent(n, cap);
  return t.trim() ? t : undefined;
}

function firstText(n: XNode, names: string[], cap = RAW_TEXT_CAP): string | undefined {
  for (const name of names) {
    for (const c of children(n, name)) {
      const t = text(c, cap);
      if (t !== undefined) return t;
    }
  }
  return undefined;
}

const XHTML_NS = 'http://www.w3.org/1999/xhtml';
const LOOKS_LIKE_MARKUP = /<\/?[a-zA-Z][^>]*>/;

function decodeBase64(s: string): string {
  try {
    return Buffer.from(s.replace(/\s+/g, ''), 'base64').toString('utf8');
  } catch {
    return '';
  }
}

/**
 * An Atom text construct (title, subtitle, summary, content, rights), Atom 1.0
 * `type` (text/html/xhtml or a MIME type) and Atom 0.3 `mode` (xml/escaped/base64).
 */
function atomText(n: XNode | undefined, cap: number): RawText | undefined {
  if (!n) return undefined;
  if (attr(n, 'src') !== undefined && !text(n)) return undefined; // out-of-line content
  const type = (attr(n, 'type') ?? 'text').trim().toLowerCase();
  const mode = (attr(n, 'mode') ?? '').trim().toLowerCase();
  const isXhtml = type === 'xhtml' || type === 'application/xhtml+xml' || (mode === 'xml' && childElements(n).length > 0);
  if (isXhtml && mode !== 'escaped' && mode !== 'base64') {
    const html = innerXhtml(n, cap);
    return html.trim() ? { value: html, type: 'html' } : undefined;
  }
  // Atom 1.0: a MIME type that is neither text/* nor XML means base64 content (RFC 4287 §4.1.3.3).
  const mime = type.includes('/');
  const base64 = mode === 'base64' || (mime && !type.startsWith('text/') && !type.endsWith('+xml') && !type.endsWith('/xml'));
  let value = textContent(n, base64 ? cap * 2 : cap);
  if (base64) value = stripXmlIllegalChars(decodeBase64(value)).slice(0, cap);
  if (!value.trim()) return undefined;
  const html = type === 'html' || type === 'text/html' || mode === 'escaped' || type.endsWith('+xml') || type.endsWith('/xml') || (base64 && LOOKS_LIKE_MARKUP.test(value));
  return { value, type: html ? 'html' : 'text' };
}

/** RSS fields hold HTML or text without saying which: treat them as HTML. */
function rssHtml(n: XNode | undefined, cap: number): RawText | undefined {
  const t = text(n, cap);
  return t === undefined ? undefined : { value: t, type: 'html' };
}

/** RSS text whose kind the format leaves open (titles): HTML only if it has tags. */
function rssAuto(n: XNode | undefined, cap = RAW_TEXT_CAP): RawText | undefined {
  const t = text(n, cap);
  return t === undefined ? undefined : { value: t, type: 'auto' };
}

/** Media RSS description (YouTube, podcasts), directly or inside media:group: a last-resort content. */
function mediaDescription(n: XNode): RawText | undefined {
  const d = child(n, 'media:description') ?? (() => {
    const g = child(n, 'media:group');
    return g ? child(g, 'media:description') : undefined;
  })();
  const t = text(d, RAW_CONTENT_CAP);
  return d && t !== undefined ? { value: t, type: attr(d, 'type') === 'html' ? 'html' : 'text' } : undefined;
}

/** "jane@example.com (Jane Doe)" → "Jane Doe"; otherwise unchanged. */
function rssAuthorName(s: string): string {
  const m = /^\s*\S+@\S+\s*\((.+)\)\s*$/.exec(s);
  return m ? m[1] : s;
}

function xmlBase(n: XNode): string | undefined {
  return attr(n, 'xml:base');
}

function xmlLang(n: XNode): string | undefined {
  return attr(n, 'xml:lang') ?? attr(n, 'lang');
}

function isXhtmlBody(n: XNode): boolean {
  return localName(n) === 'body' && (attr(n, 'xmlns') === XHTML_NS || prefixOf(n) === 'xhtml' || prefixOf(n) === '');
}

/** Atom <link> elements → hrefs, alternate (HTML first) before the rest. */
function atomLinks(n: XNode, base: string | undefined): { href: string; base: string | undefined }[] {
  const scored: { href: string; base: string | undefined; score: number }[] = [];
  for (const l of childElements(n)) {
    if (localName(l) !== 'link') continue;
    const href = attr(l, 'href');
    if (!href) continue;
    if (scored.length >= MAX_LINKS) break;
    const rel = (attr(l, 'rel') ?? 'alternate').trim().toLowerCase();
    const type = (attr(l, 'type') ?? '').toLowerCase();
    let score = rel === 'alternate' ? 3 : rel === 'self' || rel === 'enclosure' || rel === 'replies' || rel === 'edit' ? 0 : 1;
    if (score === 3 && (type === '' || type.includes('html'))) score = 4;
    if (score > 0) scored.push({ href, base: applyBase(base, xmlBase(l)), score });
  }
  return scored.sort((a, b) => b.score - a.score).map(({ href, base: b }) => ({ href, base: b }));
}

/** Resolve an href against its own base; protocol-relative ones are left to resolveItemUrl's same-host rule. */
function resolveAgainst(href: string, base: string | undefined): string {
  if (!base || /^\s*[\\/]{2}/.test(href)) return href;
  try {
    return new URL(href.trim(), base).href;
  } catch {
    return href;
  }
}

// ───────────────────────── RSS ─────────────────────────

function rssItem(item: XNode, channelBase: string | undefined, feedLang: string | undefined): RawItem {
  const base = applyBase(channelBase, xmlBase(item));
  const links: string[] = [];
  for (const l of children(item, 'link').slice(0, MAX_LINKS)) {
    const t = text(l, LIMITS.urlChars * 2);
    if (t) links.push(t.trim());
  }
  for (const { href, base: b } of atomLinks({ '#name': 'x', $$: children(item, 'atom:link', 'atom10:link', 'a10:link') }, base)) {
    links.push(resolveAgainst(href, b));
  }
  const guidNode = child(item, 'guid');
  const guid = text(guidNode, LIMITS.guidBytes * 2)?.trim() ?? attr(item, 'rdf:about');
  const permalinkAttr = guidNode ? attr(guidNode, 'isPermaLink') : undefined;
  const body = childElements(item).find(isXhtmlBody);
  const encoded = firstText(item, ['content:encoded', 'fullitem'], RAW_CONTENT_CAP);
  const atomContent = atomText(child(item, 'atom:content'), RAW_CONTENT_CAP);
  const content: RawText | undefined =
    (encoded !== undefined ? { value: encoded, type: 'html' } : undefined) ??
    (body ? { value: innerXhtml(body, RAW_CONTENT_CAP), type: 'html' } : undefined) ??
    atomContent;
  const description =
    rssHtml(child(item, 'description'), RAW_CONTENT_CAP) ?? rssHtml(child(item, 'dc:description', 'itunes:summary', 'atom:summary'), RAW_CONTENT_CAP);
  const authorText = firstText(item, ['author', 'dc:creator', 'dc:author', 'itunes:author', 'dc:contributor']);
  const categories = children(item, 'category', 'dc:subject')
    .slice(0, MAX_CATEGORY_NODES)
    .map((c) => text(c, 400) ?? attr(c, 'term') ?? '')
    .filter(Boolean);
  return {
    guid,
    guidIsPermalink: guidNode !== undefined && permalinkAttr?.trim().toLowerCase() !== 'false',
    links,
    base,
    title: rssAuto(child(item, 'title', 'dc:title')),
    author: authorText ? { value: rssAuthorName(authorText), type: 'auto' } : undefined,
    dates: ['pubDate', 'dc:date', 'atom:published', 'published', 'dcterms:issued', 'dcterms:created', 'atom:updated', 'updated', 'dcterms:modified', 'a10:updated']
      .map((name) => firstText(item, [name], 200))
      .filter((d): d is string => d !== undefined),
    content: content ?? description ?? mediaDescription(item),
    summary: content ? description : undefined,
    categories,
    lang: firstText(item, ['dc:language'], 50)?.trim() ?? xmlLang(item) ?? feedLang,
  };
}

function rssFeedInfo(doc: Extract<RawDoc, { kind: 'rss' }>, base: string | undefined): ParsedFeedInfo {
  const ch = doc.channel ?? doc.root;
  const siteLink = firstText(ch, ['link'], LIMITS.urlChars * 2)?.trim();
  const atomSite = atomLinks({ '#name': 'x', $$: children(ch, 'atom:link', 'atom10:link') }, base).find(() => true);
  const info: ParsedFeedInfo = { title: plainText(rssAuto(child(ch, 'title', 'dc:title')), LIMITS.titleBytes) };
  const site = siteLink ?? (atomSite ? resolveAgainst(atomSite.href, atomSite.base) : undefined);
  if (site) {
    const url = resolveFeedUrl(site, base);
    if (url) info.siteUrl = url;
  }
  const desc = plainText(rssHtml(child(ch, 'description', 'itunes:summary', 'dc:description'), RAW_TEXT_CAP), 4096);
  if (desc) info.description = desc;
  const lang = firstText(ch, ['language', 'dc:language'], 50)?.trim() ?? xmlLang(ch) ?? xmlLang(doc.root);
  if (lang) info.language = lang;
  return info;
}

// ───────────────────────── Atom ─────────────────────────

function atomPersonName(n: XNode | undefined): string | undefined {
  if (!n) return undefined;
  return firstText(n, childElements(n).map(nameOf).filter((nm) => nm === 'name' || nm.endsWith(':name')), 512) ?? text(n, 512);
}

function atomItem(entry: XNode, feedBase: string | undefined, feedLang: string | undefined, feedAuthor: string | undefined): RawItem {
  const base = applyBase(feedBase, xmlBase(entry));
  const named = (...names: string[]) => childElements(entry).find((c) => names.includes(localName(c)));
  const titleNode = named('title');
  const contentNode = named('content');
  const summaryNode = named('summary');
  const contentBase = contentNode ? applyBase(base, xmlBase(contentNode)) : base;
  const authorNode = childElements(entry).find((c) => localName(c) === 'author' || localName(c) === 'creator');
  const authorName = authorNode ? (localName(authorNode) === 'creator' ? text(authorNode, 512) : atomPersonName(authorNode)) : feedAuthor;
  const dates = ['published', 'issued', 'created', 'date', 'updated', 'modified']
    .map((name) => {
      const c = named(name);
      return c ? text(c, 200) : undefined;
    })
    .filter((d): d is string => d !== undefined);
  const categories = childElements(entry)
    .filter((c) => localName(c) === 'category' || nameOf(c) === 'dc:subject')
    .slice(0, MAX_CATEGORY_NODES)
    .map((c) => attr(c, 'label') ?? attr(c, 'term') ?? text(c, 400) ?? '')
    .filter(Boolean);
  return {
    guid: text(named('id'), LIMITS.guidBytes * 2)?.trim(),
    // No link at all: an http(s) id is the entry's address (common in hand-made feeds).
    guidIsPermalink: !childElements(entry).some((c) => localName(c) === 'link'),
    links: atomLinks(entry, base).map(({ href, base: b }) => resolveAgainst(href, b)),
    base: contentBase,
    title: titleNode ? atomText(titleNode, RAW_TEXT_CAP) : undefined,
    author: authorName ? { value: authorName, type: 'text' } : undefined,
    dates,
    content: atomText(contentNode, RAW_CONTENT_CAP) ?? atomText(summaryNode, RAW_CONTENT_CAP) ?? mediaDescription(entry),
    summary: contentNode && summaryNode ? atomText(summaryNode, RAW_CONTENT_CAP) : undefined,
    categories,
    lang: (contentNode ? xmlLang(contentNode) : undefined) ?? xmlLang(entry) ?? feedLang,
  };
}

function resolveFeedUrl(href: string, base: string | undefined): string | undefined {
  try {
    const u = base ? new URL(href.trim(), base) : new URL(href.trim());
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname && u.href.length <= LIMITS.urlChars ? u.href : undefined;
  } catch {
    return undefined;
  }
}

// ───────────────────────── JSON Feed ─────────────────────────

function str(o: unknown, key: string, cap = RAW_TEXT_CAP): string | undefined {
  if (o === null || typeof o !== 'object' || Array.isArray(o) || !Object.prototype.hasOwnProperty.call(o, key)) return undefined;
  const v = (o as Record<string, unknown>)[key];
  if (typeof v !== 'string' || !v.trim()) return undefined;
  return stripXmlIllegalChars(v.length > cap ? v.slice(0, cap) : v);
}

function arr(o: unknown, key: string): unknown[] {
  if (o === null || typeof o !== 'object' || !Object.prototype.hasOwnProperty.call(o, key)) return [];
  const v = (o as Record<string, unknown>)[key];
  return Array.isArray(v) ? v : [];
}

function jsonAuthor(o: unknown): string | undefined {
  const list = arr(o, 'authors');
  for (const a of list) {
    const n = str(a, 'name', 512);
    if (n) return n;
  }
  const single = o !== null && typeof o === 'object' && Object.prototype.hasOwnProperty.call(o, 'author') ? (o as Record<string, unknown>).author : undefined;
  return str(single, 'name', 512);
}

function parseJsonFeed(json: string, opts: ParseFeedOptions): { info: ParsedFeedInfo; raws: (() => RawItem)[]; total: number } {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (e) {
    throw new FeedParseError(`invalid JSON: ${oneLineMessage(e)}`);
  }
  const version = str(doc, 'version', 200);
  if (!version || !/^https?:\/\/jsonfeed\.org\/version\//.test(version)) throw new FeedParseError('not a feed: JSON without a jsonfeed.org "version"');
  const base = applyBase(opts.baseUrl, str(doc, 'feed_url', LIMITS.urlChars)) ?? opts.baseUrl;
  const info: ParsedFeedInfo = { title: plainText(rawTextOf(str(doc, 'title')), LIMITS.titleBytes) };
  const home = str(doc, 'home_page_url', LIMITS.urlChars);
  const site = home ? resolveFeedUrl(home, base) : undefined;
  if (site) info.siteUrl = site;
  const desc = plainText(rawTextOf(str(doc, 'description')), 4096);
  if (desc) info.description = desc;
  const lang = str(doc, 'language', 50);
  if (lang) info.language = lang;
  const feedAuthor = jsonAuthor(doc);
  const items = arr(doc, 'items');
  const raws = items.map((it) => (): RawItem => {
    if (it === null || typeof it !== 'object' || Array.isArray(it)) throw new Error('item is not an object');
    const id = Object.prototype.hasOwnProperty.call(it, 'id') ? (it as Record<string, unknown>).id : undefined;
    const html = str(it, 'content_html', RAW_CONTENT_CAP);
    const plain = str(it, 'content_text', RAW_CONTENT_CAP);
    const summary = str(it, 'summary');
    const author = jsonAuthor(it) ?? feedAuthor;
    return {
      guid: typeof id === 'string' ? id.slice(0, LIMITS.guidBytes) : typeof id === 'number' && Number.isFinite(id) ? String(id) : undefined,
      links: [str(it, 'url', LIMITS.urlChars * 2), str(it, 'external_url', LIMITS.urlChars * 2)].filter((u): u is string => !!u),
      base,
      title: rawTextOf(str(it, 'title')),
      author: rawTextOf(author),
      dates: [str(it, 'date_published', 200), str(it, 'date_modified', 200)].filter((d): d is string => !!d),
      content: html !== undefined ? { value: html, type: 'html' } : plain !== undefined ? { value: plain, type: 'text' } : summary ? { value: summary, type: 'text' } : undefined,
      summary: summary && (html !== undefined || plain !== undefined) ? { value: summary, type: 'text' } : undefined,
      categories: arr(it, 'tags').filter((t): t is string => typeof t === 'string').slice(0, LIMITS.categories),
      lang: str(it, 'language', 50) ?? lang,
    };
  });
  return { info, raws, total: items.length };
}

/**
 * JSON Feed text fields are plain text by the spec, but no XML layer has decoded
 * anything yet and many producers (WordPress) write entities: so a value with
 * tags or entities is read as HTML (decoded once), anything else literally.
 */
function rawTextOf(s: string | undefined): RawText | undefined {
  if (s === undefined) return undefined;
  return { value: s, type: /<\/?[a-zA-Z][^>]*>|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+\d*);/.test(s) ? 'html' : 'text' };
}

const PROLOG_THEN_PREFIXED_FEED = /^((?:\s|<\?[^>]*>|<!--(?:[^-]|-(?!->))*-->|<!DOCTYPE[^>[]*>)*)<([A-Za-z_][\w.-]*):feed([\s>/])/;

/**
 * "<atom:feed xmlns:atom=…>" → "<feed xmlns:atom=…>": rss-parser only recognises an
 * unprefixed root; children keep their prefix (the Atom readers match local names).
 */
function unprefixAtomRoot(xml: string): string {
  const m = PROLOG_THEN_PREFIXED_FEED.exec(xml.slice(0, 4096));
  if (!m) return xml;
  const close = `</${m[2]}:feed>`;
  const at = xml.lastIndexOf(close);
  if (at < m[0].length) return xml;
  return `${m[1]}<feed${m[3]}${xml.slice(m[0].length, at)}</feed>${xml.slice(at + close.length)}`;
}

const ITEM_START = /<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)[\s>/]/g;
const ROOT_START = /<((?:[A-Za-z_][\w.-]*:)?(rss|RDF|feed))[\s>/]/;

/**
 * When the document holds more than `maxItems` items, the document cut just
 * before item maxItems+1 and closed again, and the number of item start tags seen.
 * A text scan: a count inflated by "<item" inside CDATA only makes the cut earlier
 * than needed, and a cut inside CDATA or a comment makes the short document
 * invalid, which the caller detects.
 */
function cutAfterItems(xml: string, maxItems: number): { xml: string; total: number } | undefined {
  ITEM_START.lastIndex = 0;
  let total = 0;
  let cutAt = -1;
  for (let m = ITEM_START.exec(xml); m; m = ITEM_START.exec(xml)) {
    total++;
    if (total === maxItems + 1) cutAt = m.index;
  }
  if (cutAt < 0) return undefined;
  const root = ROOT_START.exec(xml);
  if (!root || root.index > cutAt) return undefined;
  const closing = root[2] === 'rss' ? `</channel></${root[1]}>` : `</${root[1]}>`;
  return { xml: xml.slice(0, cutAt) + closing, total };
}

/**
 * The feed's own absolute rel="self" URL: the base for relative links when the
 * caller has none (a feed read from a file).
 */
function selfLink(n: XNode): string | undefined {
  for (const l of childElements(n)) {
    if (localName(l) !== 'link' || (attr(l, 'rel') ?? '').trim().toLowerCase() !== 'self') continue;
    const href = attr(l, 'href');
    const abs = href ? applyBase(undefined, href) : undefined;
    if (abs) return abs;
  }
  return undefined;
}

// ───────────────────────── entry point ─────────────────────────

function describeFailure(e: unknown, xml: string): string {
  const msg = oneLineMessage(e);
  const head = xml.slice(0, 2000).toLowerCase();
  if (/not recognized/i.test(msg)) {
    if (/<html[\s>]|<!doctype html/.test(head)) return 'not a feed: this is an HTML page';
    const root = /<([A-Za-z_][\w:.-]*)/.exec(xml.replace(/<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<![^>]*>/g, ''))?.[1];
    return `not a feed: root element <${root ?? '?'}> is not rss, rdf:RDF or feed`;
  }
  if (/Unable to parse/i.test(msg)) return 'not a feed: no XML element found';
  if (/Non-whitespace before first tag/i.test(msg)) return 'not a feed: the document does not start with XML markup';
  if (/<html[\s>]|<!doctype html/.test(head)) return `not a feed: this looks like an HTML page (${msg})`;
  return `invalid XML: ${msg}`;
}

/**
 * Parse feed text (already decoded, see decodeFeedBytes). Throws FeedParseError
 * (a UserError with a one-line message) when the document is not a readable feed;
 * problems with single items end up in `errors`.
 */
export async function parseFeed(xml: string, opts: ParseFeedOptions = {}): Promise<ParsedFeed> {
  const maxItems = Math.max(0, Math.floor(opts.maxItems ?? DEFAULT_MAX_ITEMS));
  const maxChars = opts.maxChars ?? DEFAULT_MAX_CHARS;
  if (xml.length > maxChars) throw new FeedParseError(`feed too large: ${xml.length} characters (limit ${maxChars})`);
  let input = stripXmlIllegalChars(xml.replace(/^\uFEFF/, '')).trimStart();
  if (!input) throw new FeedParseError('not a feed: the document is empty');
  const baseUrl = applyBase(undefined, opts.baseUrl);
  const errors: string[] = [];

  let info: ParsedFeedInfo;
  let raws: (() => RawItem)[];
  let total: number;
  if (input.startsWith('{')) {
    ({ info, raws, total } = parseJsonFeed(input, { ...opts, baseUrl }));
  } else {
    let doc: RawDoc | undefined;
    let totalSeen: number | undefined;
    input = unprefixAtomRoot(input);
    const cut = cutAfterItems(input, maxItems);
    if (cut) {
      // Parse only the items we keep (the tree of a 100k-item feed costs seconds and
      // hundreds of MB). If the cut fell somewhere odd (inside CDATA or a comment),
      // the short document fails to parse and the whole one is parsed instead.
      const attemptErrors: string[] = [];
      doc = await parseXmlWithRecovery(cut.xml, attemptErrors).catch(() => undefined);
      if (doc) {
        errors.push(...attemptErrors);
        totalSeen = cut.total;
      }
    }
    if (!doc) {
      try {
        doc = await parseXmlWithRecovery(input, errors);
      } catch (e) {
        throw new FeedParseError(describeFailure(e, input));
      }
    }
    if (doc.kind === 'atom') {
      const root = doc.root;
      const base = applyBase(baseUrl ?? selfLink(root), xmlBase(root));
      const named = (...names: string[]) => childElements(root).find((c) => names.includes(localName(c)));
      const feedLang = xmlLang(root);
      info = { title: plainText(atomText(named('title'), RAW_TEXT_CAP), LIMITS.titleBytes) };
      const site = atomLinks(root, base)[0];
      const siteUrl = site ? resolveFeedUrl(site.href, site.base) : undefined;
      if (siteUrl) info.siteUrl = siteUrl;
      const desc = plainText(atomText(named('subtitle', 'tagline'), RAW_TEXT_CAP), 4096);
      if (desc) info.description = desc;
      if (feedLang) info.language = feedLang;
      const feedAuthor = atomPersonName(named('author'));
      const entries = childElements(root).filter((c) => localName(c) === 'entry');
      total = totalSeen ?? entries.length;
      raws = entries.slice(0, maxItems).map((e) => () => atomItem(e, base, feedLang, feedAuthor));
    } else {
      const docBase = baseUrl ?? (doc.channel ? selfLink(doc.channel) : undefined);
      const channelBase = applyBase(applyBase(docBase, xmlBase(doc.root)), doc.channel ? xmlBase(doc.channel) : undefined);
      info = rssFeedInfo(doc, channelBase);
      total = totalSeen ?? doc.items.length;
      raws = doc.items.slice(0, maxItems).map((it) => () => rssItem(it, channelBase, info.language));
    }
  }

  const items: NormalizedItem[] = [];
  const kept = raws.slice(0, maxItems);
  for (let i = 0; i < kept.length; i++) {
    // Let other work (HTTP requests, timers) run between batches of items.
    if (i > 0 && i % YIELD_EVERY === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      items.push(normalizeItem(kept[i]()));
    } catch (e) {
      errors.push(`item ${i + 1} skipped: ${oneLineMessage(e)}`);
    }
  }
  if (total > maxItems) errors.push(`${total - maxItems} items beyond the limit of ${maxItems} were ignored`);
  return { feed: info, items, errors };
}

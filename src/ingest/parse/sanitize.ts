/**
 * Feed HTML → HTML that is safe to put in a page or an e-mail as is.
 *
 * An allow-list of text and structure tags with a few inert attributes; every URL
 * attribute is resolved against the item's base and kept only when it is absolute
 * http(s) (or mailto: for links). Nothing executable or styling survives: no
 * script/style/iframe/object/embed/form/svg/math/meta/link/base, no on* or style
 * attributes, no id/class/name (DOM clobbering, page CSS hooks).
 */
import sanitize from 'sanitize-html';
import { compile } from 'html-to-text';

/** Tags nested deeper than this are dropped (their text is kept): bounds work on hostile trees. */
export const MAX_HTML_DEPTH = 256;

/** Tags kept by sanitizeHtml (everything else is dropped, its text kept unless it is not text). */
export const ALLOWED_TAGS: readonly string[] = [
  'p', 'br', 'hr', 'div', 'span', 'section', 'article', 'aside', 'header', 'footer', 'nav', 'main', 'address',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
  'a', 'img', 'figure', 'figcaption', 'picture',
  'ul', 'ol', 'li', 'dl', 'dt', 'dd',
  'blockquote', 'q', 'cite', 'em', 'strong', 'b', 'i', 'u', 's', 'strike', 'del', 'ins', 'sub', 'sup', 'small',
  'big', 'mark', 'abbr', 'acronym', 'dfn', 'time', 'tt', 'code', 'pre', 'kbd', 'samp', 'var', 'bdi', 'bdo', 'wbr',
  'details', 'summary', 'center',
  'table', 'caption', 'colgroup', 'col', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td',
];

const GLOBAL_ATTRS = ['title', 'lang', 'dir'];

/** Attributes kept per tag ('*': on every allowed tag). */
export const ALLOWED_ATTRS: Readonly<Record<string, readonly string[]>> = {
  '*': GLOBAL_ATTRS,
  a: ['href', 'hreflang', 'rel'],
  img: ['src', 'srcset', 'alt', 'width', 'height'],
  blockquote: ['cite'],
  q: ['cite'],
  del: ['cite', 'datetime'],
  ins: ['cite', 'datetime'],
  time: ['datetime'],
  abbr: ['title'],
  ol: ['start', 'reversed', 'type'],
  ul: ['type'],
  li: ['value'],
  th: ['colspan', 'rowspan', 'scope', 'headers', 'abbr'],
  td: ['colspan', 'rowspan', 'headers'],
  col: ['span'],
  colgroup: ['span'],
  table: ['summary'],
  details: ['open'],
};

/**
 * Disallowed tags whose content is dropped too (not text, or a mutation-XSS vehicle).
 * object/applet/iframe are not listed: what they contain is fallback content for readers.
 */
const NON_TEXT_TAGS = [
  'script', 'style', 'textarea', 'option', 'select', 'xmp', 'noscript', 'noembed', 'noframes', 'template',
  'title', 'svg', 'math', 'plaintext', 'head',
];

const URL_ATTRS = ['href', 'src', 'cite'];
const LINK_REL = 'noopener noreferrer nofollow';

/**
 * Resolve a URL found in HTML against `baseUrl`; keep it only if the result is
 * http(s) (or one of `extraSchemes`). Relative URLs without a usable base are dropped,
 * so is anything the WHATWG parser rejects.
 */
export function resolveHtmlUrl(value: string, baseUrl: string | undefined, extraSchemes: readonly string[] = []): string | undefined {
  const v = value.trim();
  if (!v || v.length > 2048) return undefined;
  // Invisible or control characters in front, or a script scheme once they are removed:
  // junk that could only be an obfuscation attempt, even if it would resolve as relative.
  if (LEADING_INVISIBLE.test(v) || SCRIPT_SCHEME.test(v.replace(INVISIBLE, ''))) return undefined;
  let u: URL;
  try {
    u = baseUrl ? new URL(v, baseUrl) : new URL(v);
  } catch {
    return undefined;
  }
  const scheme = u.protocol.slice(0, -1);
  if (scheme === 'http' || scheme === 'https') return u.host ? u.href : undefined;
  if (extraSchemes.includes(scheme)) return u.href;
  return undefined;
}

const INVISIBLE = /[\p{Cc}\p{Cf}\p{Z}\s]/gu;
const LEADING_INVISIBLE = /^[\p{Cc}\p{Cf}\p{Z}]/u;
const SCRIPT_SCHEME = /^(?:java|vb|live|ecma|j|mocha)script:|^data:/i;

/** Split a srcset into candidates (HTML's algorithm, simplified): URLs may contain commas. */
function parseSrcset(value: string): { url: string; descriptor: string }[] {
  const out: { url: string; descriptor: string }[] = [];
  let i = 0;
  while (i < value.length) {
    while (i < value.length && /[\s,]/.test(value[i])) i++;
    if (i >= value.length) break;
    const start = i;
    while (i < value.length && !/\s/.test(value[i])) i++;
    let url = value.slice(start, i);
    let descriptor = '';
    if (url.endsWith(',')) {
      url = url.replace(/,+$/, '');
    } else {
      const d = i;
      let depth = 0;
      while (i < value.length && !(value[i] === ',' && depth === 0)) {
        if (value[i] === '(') depth++;
        else if (value[i] === ')') depth = Math.max(0, depth - 1);
        i++;
      }
      descriptor = value.slice(d, i).trim();
      i++;
    }
    if (url) out.push({ url, descriptor });
  }
  return out;
}

function resolveSrcset(value: string, baseUrl: string | undefined): string | undefined {
  const out: string[] = [];
  for (const { url, descriptor } of parseSrcset(value)) {
    const abs = resolveHtmlUrl(url, baseUrl);
    if (!abs || (descriptor && !/^\d+(\.\d+)?[wx]$/.test(descriptor))) continue;
    // A comma inside a kept URL would split it on the way back in: percent-encode it.
    const safe = abs.replace(/,/g, '%2C');
    out.push(descriptor ? `${safe} ${descriptor}` : safe);
  }
  return out.length ? out.join(', ') : undefined;
}

function baseOk(baseUrl: string | undefined): string | undefined {
  return baseUrl ? resolveHtmlUrl(baseUrl, undefined) : undefined;
}

function optionsFor(baseUrl: string | undefined): sanitize.IOptions {
  const base = baseOk(baseUrl);
  return {
    allowedTags: [...ALLOWED_TAGS],
    allowedAttributes: Object.fromEntries(Object.entries(ALLOWED_ATTRS).map(([k, v]) => [k, [...v]])),
    allowedSchemes: ['http', 'https'],
    allowedSchemesByTag: { a: ['http', 'https', 'mailto'] },
    allowedSchemesAppliedToAttributes: ['href', 'src', 'cite', 'srcset'],
    allowProtocolRelative: false,
    allowVulnerableTags: false,
    disallowedTagsMode: 'discard',
    nonTextTags: NON_TEXT_TAGS,
    nestingLimit: MAX_HTML_DEPTH,
    parseStyleAttributes: false,
    enforceHtmlBoundary: false,
    selfClosing: ['img', 'br', 'hr', 'wbr', 'col'],
    transformTags: {
      // Runs before attribute filtering: resolve every URL attribute to absolute
      // http(s) or drop it, and force rel on links.
      '*': (tagName, attribs) => {
        const out: sanitize.Attributes = {};
        for (const name of Object.keys(attribs)) {
          const value = attribs[name];
          if (typeof value !== 'string') continue;
          if (URL_ATTRS.includes(name)) {
            const abs = resolveHtmlUrl(value, base, tagName === 'a' && name === 'href' ? ['mailto'] : []);
            if (abs) out[name] = abs;
          } else if (name === 'srcset') {
            const s = resolveSrcset(value, base);
            if (s) out[name] = s;
          } else if (name !== 'rel') {
            out[name] = value;
          }
        }
        if (tagName === 'a') out.rel = LINK_REL;
        return { tagName, attribs: out };
      },
    },
  };
}

/** Sanitize untrusted HTML (see module comment). `baseUrl` resolves relative links. */
export function sanitizeHtml(html: string, baseUrl?: string): string {
  if (!html) return '';
  let implied = false;
  const options = optionsFor(baseUrl);
  options.onCloseTag = (_name, isImplied) => {
    if (isImplied) implied = true;
  };
  const once = sanitize(html, options).trim();
  // When the parser closed elements implicitly (a <p> or <td> left open, often inside
  // a dropped element), sanitize-html can emit nesting that a browser would rebuild
  // differently (<p>a<p>b</p></p>). A second pass over the output normalizes it, so
  // what we store re-parses to exactly itself (WEB-03). Only paid for such input.
  return implied ? sanitize(once, optionsFor(baseUrl)).trim() : once;
}

/** Escape text for an HTML text or attribute context. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const TEXT_OPTIONS: Parameters<typeof compile>[0] = {
  wordwrap: false,
  preserveNewlines: false,
  decodeEntities: true,
  limits: { maxDepth: MAX_HTML_DEPTH, maxInputLength: 4 * 1024 * 1024, ellipsis: '' },
  selectors: [
    { selector: 'a', options: { ignoreHref: true } },
    { selector: 'img', format: 'skip' },
    { selector: 'h1', options: { uppercase: false } },
    { selector: 'h2', options: { uppercase: false } },
    { selector: 'h3', options: { uppercase: false } },
    { selector: 'h4', options: { uppercase: false } },
    { selector: 'h5', options: { uppercase: false } },
    { selector: 'h6', options: { uppercase: false } },
    { selector: 'table', format: 'block' },
    { selector: 'tr', format: 'block' },
    { selector: 'th', format: 'inline' },
    { selector: 'td', format: 'inline' },
    { selector: 'ul', options: { itemPrefix: '- ' } },
    { selector: 'script', format: 'skip' },
    { selector: 'style', format: 'skip' },
    { selector: 'noscript', format: 'skip' },
    { selector: 'template', format: 'skip' },
    { selector: 'svg', format: 'skip' },
    { selector: 'math', format: 'skip' },
    { selector: 'head', format: 'skip' },
    { selector: 'title', format: 'skip' },
  ],
};

/** Compiled once: html-to-text's option handling is far costlier than a conversion. */
const convertToText = compile(TEXT_OPTIONS);

/** Plain text of an HTML fragment: entities decoded once, block structure kept as newlines. */
export function htmlToText(html: string): string {
  if (!html) return '';
  if (!/[<&]/.test(html)) return collapseText(html);
  return collapseText(convertToText(html));
}

const BLOCK_TAGS = new Set([
  'p', 'div', 'section', 'article', 'aside', 'header', 'footer', 'nav', 'main', 'address', 'h1', 'h2', 'h3', 'h4',
  'h5', 'h6', 'figure', 'figcaption', 'ul', 'ol', 'dl', 'dt', 'dd', 'blockquote', 'pre', 'table', 'caption', 'tr',
  'details', 'summary', 'center', 'hr', 'picture',
]);
const TAG = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*>/g;
const ENTITY = /&(amp|lt|gt|quot|apos|#39|#x[0-9a-fA-F]{1,6}|#[0-9]{1,7});/g;

function decodeBasicEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(ENTITY, (m, e: string) => {
    switch (e) {
      case 'amp': return '&';
      case 'lt': return '<';
      case 'gt': return '>';
      case 'quot': return '"';
      case 'apos':
      case '#39': return "'";
    }
    const cp = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : m;
  });
}

/**
 * Plain text of HTML produced by sanitizeHtml, in one linear pass. Only valid on
 * sanitizer output, whose shape is known: no comments or raw-text elements, every
 * ">" and "<" in text and attribute values escaped, only basic entities left.
 * Much cheaper than building a DOM (html-to-text) for every item.
 */
export function sanitizedHtmlToText(html: string): string {
  if (!html) return '';
  const parts: string[] = [];
  let last = 0;
  for (const m of html.matchAll(TAG)) {
    parts.push(decodeBasicEntities(html.slice(last, m.index)));
    last = m.index! + m[0].length;
    const tag = m[2].toLowerCase();
    if (tag === 'br') parts.push('\n');
    else if (tag === 'li') parts.push(m[1] ? '' : '\n- ');
    else if (tag === 'td' || tag === 'th') parts.push(' ');
    else if (BLOCK_TAGS.has(tag)) parts.push('\n\n');
  }
  parts.push(decodeBasicEntities(html.slice(last)));
  return collapseText(parts.join(''));
}

/** Trim lines, drop runs of blank lines, collapse horizontal whitespace. */
export function collapseText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t\f\v\u00a0]+/g, ' ')
    .replace(/ ?\n[ \n]*/g, (m) => (m.split('\n').length > 2 ? '\n\n' : '\n'))
    .trim();
}

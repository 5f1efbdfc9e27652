import type { Edition, EditionItem, Lang } from '../model.js';
import { EDITION_LABELS, formatEditionDate } from './labels.js';
import { markdownToSafeHtml } from './safe-html.js';
import { md } from './escape.js';
import { SlotValues, fillMarkdown, renderBlocks } from './fragments.js';

export interface RenderContext {
  lang: Lang;
  /** Subscriber's first name or e-mail local part, shown in the header. */
  readerName?: string;
  /** Subscriber's home place name, shown in the header. */
  placeName?: string;
  /** The link an item's title points to (the click-tracking redirect on the web and in mail). */
  linkFor(item: EditionItem): string;
  /** Link for an "also covered by" entry. */
  linkForAlso?(item: EditionItem, index: number): string;
  /** Time the edition is read against, for "3 h ago". */
  now: Date;
  siteTitle?: string;
  /** Readable topic name in the subscriber's language (default: the id). */
  topicLabel?(id: string): string;
}

export interface RenderedEdition {
  json: string;
  markdown: string;
  html: string;
}

/**
 * Renders an edition once into its three shared forms. The web edition and
 * the newsletter use these, so both show the same items, order and reasons.
 * Feed text is escaped before it becomes Markdown, and the HTML that marked
 * produces is sanitized again: no markup from a feed can survive into a page.
 * The HTML is put together from fragments converted once per process and
 * reused across editions (src/edition/fragments.ts): the same bytes as
 * converting the whole Markdown (renderEditionDirect), at a fraction of the cost.
 */
export function renderEdition(edition: Edition, ctx: RenderContext): RenderedEdition {
  const slots = new SlotValues();
  const blocks = editionBlocks(edition, ctx, slots);
  let r = renderBlocks(blocks, slots);
  if (!r) {
    // A block that could join another (hostile feed text): the whole document at once.
    const markdown = fillMarkdown(blocks.join('\n\n') + '\n', slots) ?? renderMarkdown(edition, ctx);
    r = { markdown, html: markdownToSafeHtml(markdown) };
  }
  return { json: editionJsonText(edition), markdown: r.markdown, html: htmlDocument(edition, ctx, r.html) };
}

/** renderEdition without reused fragments: the whole Markdown through marked and the sanitizer (the reference the fast way is tested against). */
export function renderEditionDirect(edition: Edition, ctx: RenderContext): RenderedEdition {
  const markdown = renderMarkdown(edition, ctx);
  return { json: editionJsonText(edition), markdown, html: htmlDocument(edition, ctx, markdownToSafeHtml(markdown)) };
}

function editionJsonText(edition: Edition): string {
  return JSON.stringify(editionJson(edition), null, 2);
}

/** What the JSON form contains: the edition without anything private beyond its id. */
export function editionJson(edition: Edition) {
  return {
    id: edition.id,
    date: edition.date,
    lang: edition.lang,
    personalized: edition.personalized,
    settingsVersion: edition.settingsVersion,
    createdAt: edition.createdAt,
    sections: edition.sections,
    items: edition.items,
    metrics: edition.metrics,
  };
}

export function renderMarkdown(edition: Edition, ctx: RenderContext): string {
  return editionBlocks(edition, ctx, INLINE).join('\n\n') + '\n';
}

/** Where the parts of an edition that differ between subscribers go while it is laid out. */
interface Slots {
  /** A link destination (mdUrl's output). */
  link(href: string): string;
  /** Text, escaped with md() on the way; `spaced`: with a space or the line's end on both sides, never at a line's start. */
  text(raw: string, spaced?: boolean): string;
}
const INLINE: Slots = { link: (href) => href, text: (raw) => md(raw) };

/**
 * The edition's Markdown as one-line blocks (the document is the blocks
 * separated by blank lines). The reader's name and place, the reasons and
 * the links go through `slots`.
 */
function editionBlocks(edition: Edition, ctx: RenderContext, slots: Slots): string[] {
  const L = EDITION_LABELS[ctx.lang];
  const colon = ctx.lang === 'fr' ? ' :' : ':';
  const byId = new Map(edition.items.map((it) => [it.articleId, it]));
  const link = (text: string, url: string) => {
    const href = mdUrl(url);
    return href ? `[${md(text)}](${slots.link(href)})` : md(text);
  };
  const out: string[] = [];
  out.push(`# ${md(ctx.siteTitle ?? 'Kiosque')} — ${md(formatEditionDate(edition.date, ctx.lang))}`);
  const sub = [ctx.placeName ? `${L.near} ${slots.text(ctx.placeName)}` : '', ctx.readerName ? `${L.preparedFor} ${slots.text(ctx.readerName)}` : '']
    .filter(Boolean)
    .join(', ');
  if (sub) out.push(`*${sub}*`);
  if (!edition.items.length) out.push(L.empty);
  const now = ctx.now.getTime();
  for (const section of edition.sections) {
    const items = section.itemIds.map((id) => byId.get(id)).filter((x): x is EditionItem => !!x);
    if (!items.length) continue;
    out.push(`## ${md(section.title)}`);
    for (const it of items) {
      out.push(`### ${link(it.title, ctx.linkFor(it))}`);
      const hours = Math.max(0, Math.floor((now - Date.parse(it.publishedAt)) / 3600_000));
      // The "local" scope topic is shown through the place instead.
      const topics = it.topics.filter((t) => t !== 'local').slice(0, 2).map((t) => md(ctx.topicLabel?.(t) ?? t));
      const meta = [md(it.source), L.hoursAgo(hours), ...topics, it.place ? md(it.place) : ''].filter(Boolean);
      out.push(`*${meta.join(' · ')}*`);
      if (it.summary) out.push(md(it.summary));
      if (it.reasons.length) out.push(`> **${L.why}${colon}** ${it.reasons.map((r) => slots.text(r.text, true)).join(' · ')}`);
      if (it.alsoCoveredBy.length) {
        const links = it.alsoCoveredBy.map((a, i) => link(a.source, ctx.linkForAlso?.(it, i) ?? a.url ?? ''));
        out.push(`${L.alsoCoveredBy}${colon} ${links.join(', ')}`);
      }
    }
  }
  const m = edition.metrics;
  out.push('---', `*${L.diversity}${colon} ${m.sources} ${L.sources}, ${Math.round(m.topicCoverage * 100)} % ${L.topics}*`);
  return out;
}

export { markdownToSafeHtml };

/**
 * The start of a page or an e-mail, up to the title: doctype, language,
 * charset, viewport, light and dark schemes (`extraMeta`: more meta lines).
 */
export function documentHead(lang: Lang, title: string, extraMeta = ''): string {
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
${extraMeta}<title>${escapeHtml(title)}</title>
`;
}

function htmlDocument(edition: Edition, ctx: RenderContext, body: string): string {
  const title = `${ctx.siteTitle ?? 'Kiosque'} — ${formatEditionDate(edition.date, ctx.lang)}`;
  return `${documentHead(ctx.lang, title)}<style>
body{font-family:Georgia,'Times New Roman',serif;max-width:44rem;margin:0 auto;padding:1rem;line-height:1.5;color:#1a1a1a;background:#fffdf8}
h1{font-size:1.9rem;border-bottom:3px double #1a1a1a;padding-bottom:.3rem}
h2{font-family:Helvetica,Arial,sans-serif;text-transform:uppercase;letter-spacing:.06em;font-size:.95rem;border-top:1px solid #1a1a1a;padding-top:.5rem;margin-top:2rem}
h3{font-size:1.25rem;margin:.2rem 0}
h3 a{color:inherit;text-decoration:none}
h3 a:hover{text-decoration:underline}
blockquote{margin:.3rem 0;padding:.2rem .7rem;border-left:3px solid #b8860b;color:#444;font-size:.9rem}
em{color:#555}
@media (prefers-color-scheme:dark){body{background:#121212;color:#eee}h1,h2{border-color:#eee}blockquote{color:#bbb}em{color:#aaa}}
</style>
</head>
<body>
${body}
</body>
</html>
`;
}

export { md };

/** A URL fit for Markdown link parentheses: only http(s), with parentheses and spaces encoded; null otherwise. */
export function mdUrl(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  return u.toString().replace(/[()\s<>]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

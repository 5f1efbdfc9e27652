/**
 * The newsletter message of one edition for one subscriber: rendered from the
 * edition's Markdown (the same Markdown as the web edition, so the same items,
 * order and reasons) into an inline-styled HTML e-mail and a plain-text part.
 * Pure: everything it needs comes in as arguments.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Edition, EditionItem, Lang, Subscriber } from '../model.js';
import { markdownToSafeHtml, renderMarkdown, escapeHtml, documentHead } from '../edition/render.js';
import { formatEditionDate } from '../edition/labels.js';
import { topicLabel as defaultTopicLabel } from '../personalize/labels.js';
import { signToken } from '../util/tokens.js';
import { stableId } from '../util/ids.js';
import type { OutgoingMail } from '../mail/mailer.js';
import { oneLineHeader } from '../mail/mailer.js';

export const UNSUBSCRIBE_PURPOSE = 'newsletter-unsubscribe';
export const CONFIRM_PURPOSE = 'newsletter-confirm';
/** How long a confirmation link works. */
export const CONFIRM_TTL_DAYS = 7;

export interface MessageContext {
  baseUrl: string;
  secret: string;
  siteTitle?: string;
  /** Domain for Message-IDs and List-Id (default: the host of baseUrl). */
  mailDomain?: string;
  /** Readable topic names (default: the built-in labels). */
  topicLabel?(id: string, lang: Lang): string;
  /** The subscriber now gets fewer editions because they have not read any for a long time (they are told so). */
  reducedCadence?: boolean;
  /** Path of the profile and preferences page on the web site. */
  profilePath?: string;
}

// ───────────────────────── identities and tokens ─────────────────────────

export function mailDomainOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).hostname || 'kiosque.localhost';
  } catch {
    return 'kiosque.localhost';
  }
}

/**
 * The Message-ID of a subscriber's edition of a date: the same on every
 * retry and restart, so a receiver (or an operator) can recognise a repeat.
 */
export function editionMessageId(subscriberId: string, date: string, domain: string): string {
  return `edition.${date}.${stableId(`message:${subscriberId}:${date}`)}@${domain}`;
}

/** The idempotency key of one edition send, also carried as X-Edition-Key. */
export const editionKey = (subscriberId: string, date: string): string => `edition/${date}/${subscriberId}`;

/**
 * Salted hash of a normalised address for the suppression list: the address
 * cannot be read back, but a re-import of it is recognised (STO-10).
 */
export function suppressionHash(secret: string, email: string): string {
  return createHmac('sha256', secret).update(`suppress\n${email.trim().toLowerCase()}`).digest('base64url');
}

/** Opaque one-click unsubscribe token: names the subscriber record, bound to its address. */
export function unsubscribeToken(secret: string, sub: Pick<Subscriber, 'id' | 'email'>): string {
  return signToken({ s: sub.id, h: suppressionHash(secret, sub.email).slice(0, 8) }, secret, UNSUBSCRIBE_PURPOSE);
}

export function unsubscribeUrl(baseUrl: string, secret: string, sub: Pick<Subscriber, 'id' | 'email'>): string {
  return `${baseUrl}/u/${unsubscribeToken(secret, sub)}`;
}

export function confirmUrl(baseUrl: string, secret: string, sub: Pick<Subscriber, 'id'>, now: Date): string {
  const exp = Math.floor(now.getTime() / 1000) + CONFIRM_TTL_DAYS * 86400;
  // Short on purpose: Fastify's default maxParamLength is 100 characters.
  return `${baseUrl}/newsletter/confirm/${signToken({ s: sub.id, exp }, secret, CONFIRM_PURPOSE)}`;
}

/** The click-tracking link of an item in one message: the web's click token plus the message it came from. */
export function mailClickLink(baseUrl: string, secret: string, edition: Edition, item: EditionItem, messageKey: string, articleId = item.articleId): string {
  return `${baseUrl}/c/${mailClickToken(secret, edition, item, messageKey, articleId)}`;
}

function mailClickToken(secret: string, edition: Edition, item: EditionItem, messageKey: string, articleId: string): string {
  return signToken({ s: edition.subscriberId, a: articleId, e: edition.id, p: item.position, m: messageKey }, secret, 'click');
}

// ───────────────────────── words ─────────────────────────

const WORDS = {
  fr: {
    weeklyOf: 'la semaine du',
    why: (date: string) => `Vous recevez cet e-mail parce que vous vous êtes abonné·e à l'édition de Kiosque le ${date}.`,
    whyNoDate: "Vous recevez cet e-mail parce que vous vous êtes abonné·e à l'édition de Kiosque.",
    cadence: { daily: 'chaque jour', weekdays: 'du lundi au vendredi', weekly: 'une fois par semaine' },
    youGet: (c: string) => `Vous la recevez ${c}.`,
    profile: 'Mon profil et mes préférences',
    unsubscribe: 'Se désabonner',
    reduced:
      "Vous n'avez ouvert aucun article depuis un moment : nous vous envoyons désormais l'édition une fois par semaine. Pour la recevoir de nouveau à votre rythme, il suffit de lire un article ou de changer vos préférences.",
    confirmSubject: (site: string) => `Confirmez votre abonnement à ${site}`,
    confirmIntro: (site: string) => `Bonjour, quelqu'un (vous, sans doute) a demandé à recevoir chaque matin l'édition personnalisée de ${site} à cette adresse.`,
    confirmAction: 'Confirmer mon abonnement',
    confirmIgnore: "Si ce n'est pas vous, ignorez ce message : vous ne recevrez rien d'autre.",
  },
  en: {
    weeklyOf: 'the week of',
    why: (date: string) => `You are getting this e-mail because you subscribed to the Kiosque edition on ${date}.`,
    whyNoDate: 'You are getting this e-mail because you subscribed to the Kiosque edition.',
    cadence: { daily: 'every day', weekdays: 'Monday to Friday', weekly: 'once a week' },
    youGet: (c: string) => `You get it ${c}.`,
    profile: 'My profile and preferences',
    unsubscribe: 'Unsubscribe',
    reduced:
      "You have not opened a story for a while, so we now send the edition once a week. To get it at your usual pace again, just read a story or change your preferences.",
    confirmSubject: (site: string) => `Please confirm your ${site} subscription`,
    confirmIntro: (site: string) => `Hello, someone (probably you) asked to receive the personalised ${site} edition at this address.`,
    confirmAction: 'Confirm my subscription',
    confirmIgnore: 'If it was not you, ignore this message: you will get nothing else.',
  },
} as const;

/** Intl formatters are costly to build: one per language and shape, reused. */
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(lang: Lang, shape: 'short' | 'long'): Intl.DateTimeFormat {
  const key = `${lang}:${shape}`;
  let f = formatters.get(key);
  if (!f) {
    const opts: Intl.DateTimeFormatOptions =
      shape === 'short' ? { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' } : { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' };
    formatters.set(key, (f = new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', opts)));
  }
  return f;
}

function shortDate(date: string, lang: Lang): string {
  return formatter(lang, 'short').format(new Date(`${date}T12:00:00Z`));
}

function longDay(iso: string, lang: Lang): string {
  return formatter(lang, 'long').format(new Date(iso));
}

/** Plain one-line text of a headline, cut at a word near `max` characters. */
export function headlineText(title: string, max = 90): string {
  const t = oneLineHeader(title.normalize('NFC'));
  if (t.length <= max) return t;
  const cut = t.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).replace(/[\s,;:.–—-]+$/, '')}…`;
}

/**
 * A subject that reads like a newspaper's front page: the title, the day and
 * the top story, in the subscriber's language. No name placeholder anywhere.
 */
export function editionSubject(edition: Edition, opts: { siteTitle?: string; weekly?: boolean } = {}): string {
  const site = opts.siteTitle ?? 'Kiosque';
  const lang = edition.lang;
  const day = opts.weekly ? `${WORDS[lang].weeklyOf} ${shortDate(edition.date, lang).replace(/^\S+\s/, '')}` : shortDate(edition.date, lang);
  const top = edition.items.slice().sort((a, b) => a.position - b.position)[0];
  const capDay = day.charAt(0).toUpperCase() + day.slice(1);
  return oneLineHeader(top ? `${site} · ${capDay} — ${headlineText(top.title)}` : `${site} · ${capDay}`);
}

// ───────────────────────── HTML e-mail ─────────────────────────

const FONT_SERIF = "Georgia,'Times New Roman',serif";
const FONT_SANS = 'Helvetica,Arial,sans-serif';
/** Inline styles per tag (mail clients drop most <style> rules; these survive). */
const INLINE: Record<string, string> = {
  h1: `margin:0 0 6px;font-family:${FONT_SERIF};font-size:28px;line-height:1.2;font-weight:bold;color:#1a1a1a;border-bottom:3px double #1a1a1a;padding-bottom:6px`,
  h2: `margin:26px 0 8px;font-family:${FONT_SANS};font-size:13px;letter-spacing:1px;text-transform:uppercase;color:#1a1a1a;border-top:1px solid #1a1a1a;padding-top:8px`,
  h3: `margin:16px 0 4px;font-family:${FONT_SERIF};font-size:20px;line-height:1.3;color:#1a1a1a`,
  p: `margin:0 0 10px;font-family:${FONT_SERIF};font-size:16px;line-height:1.5;color:#1a1a1a`,
  a: 'color:#1d4e89;text-decoration:none',
  em: 'color:#555555;font-style:italic',
  strong: 'font-weight:bold',
  blockquote: `margin:4px 0 12px;padding:4px 12px;border-left:3px solid #b8860b;font-family:${FONT_SANS};font-size:13px;color:#444444`,
  hr: 'border:0;border-top:1px solid #cccccc;margin:24px 0',
  ul: 'margin:0 0 10px;padding-left:20px',
  ol: 'margin:0 0 10px;padding-left:20px',
  li: `font-family:${FONT_SERIF};font-size:16px;line-height:1.5`,
  code: 'font-family:monospace',
};

const STYLED_TAG = new RegExp(`<(${Object.keys(INLINE).join('|')})(?=[\\s>/])`, 'g');

/**
 * Adds the inline styles and classes to HTML that markdownToSafeHtml already
 * sanitised: its tags come from a fixed list and carry only href/rel, so
 * inserting constant attributes after the tag name is safe (and much cheaper
 * than a second sanitiser pass).
 */
export function inlineStyles(safeHtml: string): string {
  return safeHtml.replace(STYLED_TAG, (_m, tag: string) => `<${tag} class="k-${tag}" style="${INLINE[tag]}"`);
}

function emailDocument(lang: Lang, title: string, preheader: string, bodyHtml: string, footerHtml: string): string {
  return `${documentHead(lang, title, '<meta name="supported-color-schemes" content="light dark">\n')}<style>
:root{color-scheme:light dark;supported-color-schemes:light dark}
@media (max-width:600px){.k-card td{padding-left:14px !important;padding-right:14px !important}.k-h1{font-size:24px !important}.k-h3{font-size:18px !important}}
@media (prefers-color-scheme:dark){
.k-outer,.k-outer>tbody>tr>td{background:#0f0f0f !important}
.k-card,.k-card td{background:#1b1b1b !important;color:#eeeeee !important}
.k-h1,.k-h2,.k-h3,.k-p,.k-li,.k-strong{color:#eeeeee !important;border-color:#eeeeee !important}
.k-a{color:#8ab4f8 !important}.k-em,.k-blockquote,.k-footer,.k-footer p{color:#bbbbbb !important}
}
</style>
</head>
<body style="margin:0;padding:0;background:#f4f1ea;-webkit-text-size-adjust:100%">
<div style="display:none;max-height:0;overflow:hidden;opacity:0;font-size:1px;line-height:1px;color:#f4f1ea">${escapeHtml(preheader)}</div>
<table role="presentation" class="k-outer" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f4f1ea">
<tr><td align="center" style="padding:16px 8px;background:#f4f1ea">
<table role="presentation" class="k-card" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:640px;background:#fffdf8;color:#1a1a1a;border:1px solid #e3dccb">
<tr><td style="padding:24px 28px 8px;background:#fffdf8">
${bodyHtml}
</td></tr>
<tr><td class="k-footer" style="padding:16px 28px 24px;font-family:${FONT_SANS};font-size:12px;line-height:1.5;color:#555555;border-top:1px solid #e3dccb;background:#fffdf8">
${footerHtml}
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;
}

function footerParts(sub: Subscriber, lang: Lang, links: { profile: string; unsubscribe: string }, reduced: boolean) {
  const W = WORDS[lang];
  const consentAt = sub.consents.newsletter.granted ? sub.consents.newsletter.at : undefined;
  const why = consentAt ? W.why(longDay(consentAt, lang)) : W.whyNoDate;
  const cadence = W.youGet(W.cadence[sub.frequency]);
  const p = (s: string) => `<p class="k-p" style="margin:0 0 8px;font-family:${FONT_SANS};font-size:12px;line-height:1.5;color:#555555">${s}</p>`;
  const a = (href: string, label: string) => `<a class="k-a" href="${escapeHtml(href)}" style="color:#1d4e89;text-decoration:underline">${escapeHtml(label)}</a>`;
  const html = [
    reduced ? p(`<strong class="k-strong">${escapeHtml(W.reduced)}</strong>`) : '',
    p(`${escapeHtml(why)} ${escapeHtml(cadence)}`),
    p(`${a(links.profile, W.profile)} · ${a(links.unsubscribe, W.unsubscribe)}`),
  ].join('\n');
  return { html };
}

export interface EditionMessage extends OutgoingMail {
  messageId: string;
  headers: Record<string, string>;
  html: string;
  /** The Markdown the message was rendered from (the web edition's form). */
  markdown: string;
}

/**
 * The e-mail of one edition for its subscriber. Links go through the click
 * redirect with a token naming this message; the footer says why they get it
 * and links to their profile and to unsubscribe; List-Unsubscribe (one HTTPS
 * URI) and List-Unsubscribe-Post are set once each (EML-01).
 * `reuseStoryHtml` (default true) converts each story's Markdown to HTML once
 * per process and puts this message's click tokens in; false renders the
 * whole message directly (same bytes, tested).
 */
export function buildEditionMessage(edition: Edition, sub: Subscriber, ctx: MessageContext, opts: { reuseStoryHtml?: boolean } = {}): EditionMessage {
  const lang = edition.lang;
  const domain = ctx.mailDomain ?? mailDomainOf(ctx.baseUrl);
  const messageId = editionMessageId(sub.id, edition.date, domain);
  const messageKey = stableId(messageId).slice(0, 10);
  const label = ctx.topicLabel ?? defaultTopicLabel;
  const renderWith = (link: (it: EditionItem, articleId: string) => string) =>
    renderMarkdown(edition, {
      lang,
      ...(sub.name ? { readerName: sub.name } : {}),
      ...(sub.home?.name ? { placeName: sub.home.name } : {}),
      ...(ctx.siteTitle ? { siteTitle: ctx.siteTitle } : {}),
      now: new Date(edition.createdAt),
      topicLabel: (id) => label(id, lang),
      linkFor: (it) => link(it, it.articleId),
      linkForAlso: (it, i) => link(it, it.alsoCoveredBy[i]!.articleId),
    });
  // Rendered with a placeholder for each click token (in the order they are asked for), the
  // Markdown → safe HTML conversion of a story is the same in every message showing it and is
  // reused; the tokens (URL-safe, left as they are by the conversion) go in afterwards.
  let body: string | null = null;
  let markdown: string | null = null;
  let textOf: ((footerHtml: string) => string | null) | undefined;
  if (opts.reuseStoryHtml !== false) {
    const tokens: string[] = [];
    const template = renderWith((it, articleId) => (tokens.push(mailClickToken(ctx.secret, edition, it, messageKey, articleId)), `${ctx.baseUrl}/c/${LINK_MARK}`));
    const blocks = storyBlocks(template);
    markdown = fillTokens(template, tokens);
    body = blocks === null ? null : fillTokens(blocks.html, tokens);
    if (blocks && markdown !== null && body !== null) {
      textOf = (footerHtml) =>
        fillTokens(blocks.text === null ? htmlToPlain(`${blocks.html}<hr>${footerHtml}`) : plainFinish(blocks.text + plainMarkup(`<hr>${footerHtml}`)), tokens);
    }
  }
  // The direct way (and the way for anything unusual, e.g. a link that did not come out as one link).
  if (markdown === null || body === null) {
    markdown = renderWith((it, articleId) => mailClickLink(ctx.baseUrl, ctx.secret, edition, it, messageKey, articleId));
    body = inlineStyles(markdownToSafeHtml(markdown));
    textOf = undefined;
  }
  const unsubscribe = unsubscribeUrl(ctx.baseUrl, ctx.secret, sub);
  const profile = `${ctx.baseUrl}${ctx.profilePath ?? '/me'}`;
  const footer = footerParts(sub, lang, { profile, unsubscribe }, !!ctx.reducedCadence);
  const subject = editionSubject(edition, { ...(ctx.siteTitle ? { siteTitle: ctx.siteTitle } : {}), weekly: sub.frequency === 'weekly' || !!ctx.reducedCadence });
  const top = edition.items.slice(0, 3).map((it) => headlineText(it.title, 60));
  const preheader = top.join(' · ') || formatEditionDate(edition.date, lang);
  const html = emailDocument(lang, subject, preheader, body, footer.html);
  // The text part comes from the sanitised HTML (never from feed text directly: EML-07).
  const text = textOf?.(footer.html) ?? htmlToPlain(`${body}<hr>${footer.html}`);
  return {
    to: sub.email,
    subject,
    text,
    html,
    markdown,
    messageId,
    date: edition.date,
    headers: {
      'List-Unsubscribe': `<${unsubscribe}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'List-Id': `${oneLineHeader(ctx.siteTitle ?? 'Kiosque').replace(/[<>"]/g, '')} <edition.${domain}>`,
      'X-Edition-Key': editionKey(sub.id, edition.date),
    },
  };
}

/** Stands for a click token while a message is rendered: random per process, so no feed text can hold it. */
const LINK_MARK = `kq${randomBytes(9).toString('hex')}t`;
const LINK_MARK_RE = new RegExp(LINK_MARK, 'g');

/** The template with each placeholder replaced by the next token; null unless there is exactly one placeholder per token. */
function fillTokens(template: string, tokens: readonly string[]): string | null {
  let i = 0;
  const out = template.replace(LINK_MARK_RE, () => tokens[i++] ?? '');
  return i === tokens.length ? out : null;
}

/**
 * A block that could join the next one in Markdown (a list item, indented
 * text, a fence, raw HTML, a link definition): a document with one is not
 * converted block by block.
 */
const JOINING_BLOCK = /^(?:\s|[*+-](?:\s|$)|\d{1,9}[.)](?:\s|$)|[[<`~|])/;
/** A story block's styled safe HTML and the first step of its text part; text null when the pieces rule does not hold. */
interface StoryBlock {
  html: string;
  text: string | null;
}
const blockCache = new Map<string, StoryBlock>();
const BLOCK_CACHE_MAX = 5000;

/**
 * inlineStyles(markdownToSafeHtml(markdown)) of a rendered edition, and the
 * first step of its text part, block by block (blocks are separated by blank
 * lines and never join), each block kept for the next message showing the
 * same story. Null when the document has a block that could join another.
 */
function storyBlocks(markdown: string): StoryBlock | null {
  let html = '';
  let text: string | null = '';
  for (const block of markdown.split('\n\n')) {
    if (!block) continue;
    let out = blockCache.get(block);
    if (out === undefined) {
      if (JOINING_BLOCK.test(block)) return null;
      const h = inlineStyles(markdownToSafeHtml(block));
      out = { html: h, text: h === '' || (h.startsWith('<') && h.endsWith('\n')) ? plainMarkup(h) : null };
      // Bounded: a simple reset is enough (a run's stories repeat within minutes, not across runs).
      if (blockCache.size >= BLOCK_CACHE_MAX) blockCache.clear();
      blockCache.set(block, out);
    }
    html += out.html;
    text = text === null || out.text === null ? null : text + out.text;
  }
  return { html, text };
}

/** Forgets the kept story blocks (a send run calls it at its end: the header block holds the reader's name). */
export function clearStoryCache(): void {
  blockCache.clear();
}

/** inlineStyles(markdownToSafeHtml(markdown)) block by block through the cache; null when a block could join the next. */
export function styledSafeHtml(markdown: string): string | null {
  return storyBlocks(markdown)?.html ?? null;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
const decodeEntities = (s: string): string =>
  s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : '';
    }
    return ENTITIES[e.toLowerCase()] ?? m;
  });

/**
 * The plain-text part, from the sanitised HTML of the message (EML-07). That
 * HTML only ever holds the few tags markdownToSafeHtml allows, so a small
 * converter does (html-to-text cost as much as all the rest of a message):
 * headings and paragraphs become blocks, links "text [ url ]", rules a line.
 */
export function htmlToPlain(html: string): string {
  return plainFinish(plainMarkup(html));
}

/**
 * htmlToPlain's first step: tags become line breaks and markers. It works
 * tag by tag, so for pieces of HTML that each start with a tag and end with a
 * line break, the step of the whole is the steps of the pieces put together.
 */
function plainMarkup(html: string): string {
  return html
    .replace(/\s*\n\s*/g, ' ')
    .replace(/<a\b[^>]*?href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/gi, (_m, href: string, label: string) => {
      const text = label.replace(/<[^>]*>/g, '').trim();
      const url = decodeEntities(href);
      return decodeEntities(text) === url ? url : `${text} [ ${url} ]`;
    })
    .replace(/<h1\b[^>]*>/gi, '\n\n')
    .replace(/<\/h1>/gi, '\n' + '='.repeat(40) + '\n')
    .replace(/<h2\b[^>]*>([\s\S]*?)<\/h2>/gi, (_m, x: string) => `\n\n\n${x.toUpperCase()}\n`)
    .replace(/<h3\b[^>]*>/gi, '\n\n■ ')
    .replace(/<li\b[^>]*>/gi, '\n- ')
    .replace(/<blockquote\b[^>]*>\s*(<p\b[^>]*>)?/gi, '\n> ')
    .replace(/<hr\b[^>]*>/gi, '\n\n' + '-'.repeat(40) + '\n')
    .replace(/<br\b[^>]*>/gi, '\n')
    .replace(/<\/(p|h3|ul|ol|blockquote)>/gi, '\n')
    .replace(/<p\b[^>]*>/gi, '\n')
    .replace(/<[^>]*>/g, '');
}

/** htmlToPlain's second step, on the whole text: entities, spaces, blank lines. */
function plainFinish(markup: string): string {
  const t = decodeEntities(markup)
    .split('\n')
    .map((l) => l.replace(/[ \t\u00a0]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  // Feed text shown escaped in the HTML comes back as tag-like text here; it has no business in a text part (EML-07).
  return `${t.replace(/<\/?[A-Za-z][^<>]{0,500}>/g, '')}\n`;
}

/**
 * The double opt-in message: the first and only message before the address
 * is confirmed. Transactional, so it carries no List-Unsubscribe (EML-09).
 */
export function buildConfirmationMessage(sub: Subscriber, ctx: Pick<MessageContext, 'baseUrl' | 'secret' | 'siteTitle' | 'mailDomain'>, now: Date): OutgoingMail & { messageId: string } {
  const W = WORDS[sub.lang];
  const site = ctx.siteTitle ?? 'Kiosque';
  const url = confirmUrl(ctx.baseUrl, ctx.secret, sub, now);
  const domain = ctx.mailDomain ?? mailDomainOf(ctx.baseUrl);
  const p = (s: string) => `<p class="k-p" style="${INLINE.p}">${s}</p>`;
  const body = [
    `<h1 class="k-h1" style="${INLINE.h1}">${escapeHtml(site)}</h1>`,
    p(escapeHtml(W.confirmIntro(site))),
    p(
      `<a class="k-a" href="${escapeHtml(url)}" style="display:inline-block;padding:10px 18px;background:#1d4e89;color:#ffffff;text-decoration:none;font-family:${FONT_SANS};font-size:15px;border-radius:4px">${escapeHtml(W.confirmAction)}</a>`,
    ),
    p(`<em class="k-em" style="${INLINE.em}">${escapeHtml(W.confirmIgnore)}</em>`),
  ].join('\n');
  const subject = W.confirmSubject(site);
  return {
    to: sub.email,
    subject,
    html: emailDocument(sub.lang, subject, W.confirmIntro(site), body, ''),
    text: `${W.confirmIntro(site)}\n\n${W.confirmAction}${sub.lang === 'fr' ? ' :' : ':'} ${url}\n\n${W.confirmIgnore}\n`,
    messageId: `confirm.${stableId(`confirm:${sub.id}`)}@${domain}`,
  };
}

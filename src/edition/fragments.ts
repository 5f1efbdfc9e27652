/**
 * Reused Markdown → safe HTML fragments for rendering many editions.
 *
 * An edition's Markdown is a list of one-line blocks separated by blank lines
 * (src/edition/render.ts). Laid out with a placeholder ("slot") for each
 * per-subscriber part — click links, the reader's name and place, reason
 * texts — most blocks are the same in every edition of a build that shows
 * the same story, so each distinct block is converted (marked, then
 * sanitize-html) once and kept. The values go into the converted HTML
 * afterwards:
 * - a link slot takes the href as is: only hrefs that marked and
 *   sanitize-html would leave unchanged are slotted (plainHref);
 * - a text slot takes the safe HTML of the escaped text rendered alone,
 *   kept too: only texts whose rendering cannot depend on their neighbours
 *   are slotted (plainText).
 * Anything else stays in the block, which is then converted as it is. A
 * block that could join its neighbour (a list item, indented code, a fence,
 * raw HTML, a link definition) sends the whole edition the direct way.
 * The blocks and texts an edition brings that were not seen before are
 * converted together in one call (convertTogether).
 * The result is byte for byte the direct rendering (test/edition/fragments.test.ts).
 */
import { randomBytes } from 'node:crypto';
import { markdownToSafeHtml } from './safe-html.js';
import { md } from './escape.js';

/** Random per process, so no feed text can hold one. */
const SLOT_ID = `kq${randomBytes(12).toString('hex')}`;
/** Stands for a link's destination: an https URL, so marked makes it a link and sanitize-html keeps it. */
export const LINK_SLOT = `https://${SLOT_ID}h.invalid/`;
/** Stands for a piece of escaped text: letters and digits only, like the edges of the texts it stands for. */
export const TEXT_SLOT = `${SLOT_ID}t`;
const SLOT_RE = new RegExp(`${LINK_SLOT.replace(/[./]/g, '\\$&')}|${TEXT_SLOT}`, 'g');

/**
 * An href that marked (encodeURI, then %25 back to %) and sanitize-html
 * (entity decoding and re-escaping of the attribute) leave as it is, and
 * that ends a Markdown link destination where the slot would.
 */
const PLAIN_HREF = /^https?:\/\/[A-Za-z0-9\-._~:/?#@!$+,;=%]+$/;
export const plainHref = (href: string): boolean => PLAIN_HREF.test(href);

/**
 * Escaped text (md()'s output) whose HTML is the same wherever it stands in
 * a line of template text: no leading or trailing white space (a line's
 * edges are trimmed), and nothing GFM would turn into a link (its extent and
 * whether it is one depend on the neighbours). Everything else Markdown reads
 * specially is escaped by md(), so what is left is plain text; the slot
 * checks that it renders alone as text only. Next to a template character
 * that is not a space (emphasis around a name), its first and last
 * characters must also be letters or digits, as the slot's are, so the
 * emphasis opens and closes the same way.
 */
const SPACED_TEXT = /^\S(?:[^\n]*\S)?$/;
const TIGHT_TEXT = /^[\p{L}\p{N}](?:[^\n]*[\p{L}\p{N}])?$/u;
const AUTOLINK_LIKE = /@|:\/\/|www\./i;
export const plainText = (escaped: string, spaced: boolean): boolean =>
  (spaced ? SPACED_TEXT : TIGHT_TEXT).test(escaped) && !AUTOLINK_LIKE.test(escaped);

/**
 * A block that could join the next (or the previous) one when the blocks are
 * one document: list items, indented code, blank lines, fences, raw HTML,
 * link reference definitions, or more than one line.
 */
const JOINING_BLOCK = /^(?:\s|[*+-](?:[ \t]|$)|\d{1,9}[.)](?:[ \t]|$)|[[<`~|])|\n/;

/** A map that keeps at most about 2×max entries: when full it starts afresh, keeping the previous generation for lookups. */
export class BoundedCache<V> {
  private current = new Map<string, V>();
  private previous = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    const v = this.current.get(key);
    if (v !== undefined) return v;
    const old = this.previous.get(key);
    if (old !== undefined) this.set(key, old);
    return old;
  }
  set(key: string, value: V): void {
    if (this.current.size >= this.max) {
      this.previous = this.current;
      this.current = new Map();
    }
    this.current.set(key, value);
  }
  clear(): void {
    this.current.clear();
    this.previous.clear();
  }
  get size(): number {
    return this.current.size + this.previous.size;
  }
}

/** Collects the values of the slots of one edition, in the order the layout asks for them. */
export class SlotValues {
  /** Per slot in order: what goes into the Markdown, and into the safe HTML. */
  readonly markdown: string[] = [];
  readonly html: string[] = [];
  readonly isText: boolean[] = [];
  /** The slot for a link destination (mdUrl's output), or the href itself when it is not plain. */
  link(href: string): string {
    if (!plainHref(href)) return href;
    this.markdown.push(href);
    this.html.push(href);
    this.isText.push(false);
    return LINK_SLOT;
  }
  /**
   * The slot for text (escaped with md() for the Markdown), or the escaped
   * text itself when its rendering could depend on its place. `spaced`: the
   * text never starts a line and has a space (or the line's end) on both sides.
   */
  text(raw: string, spaced = false): string {
    const escaped = md(raw);
    if (!plainText(escaped, spaced)) return escaped;
    // null: seen before, and it renders as more than text.
    const html = plainTextHtml(raw) ?? textCache.get(escaped);
    if (html === null) return escaped;
    this.markdown.push(escaped);
    // undefined: not converted yet; renderBlocks converts it with the edition's other new fragments.
    this.html.push(html ?? PENDING);
    this.isText.push(true);
    return TEXT_SLOT;
  }
}

/**
 * Text of letters, marks, digits, punctuation, symbols and spaces (and line
 * breaks, which md() makes spaces) whose md() escaping is plain (plainText):
 * marked gives back what md() escaped as the characters themselves, and
 * sanitize-html escapes &, < and > again, so its safe HTML is the text with
 * line breaks as spaces and those three escaped — no conversion needed.
 * Checked against the converter on random text (test/edition/fragments.test.ts).
 */
const TEXT_BY_RULE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}\r\n]*$/u;
export function plainTextHtml(raw: string): string | null {
  if (!TEXT_BY_RULE.test(raw)) return null;
  return raw.replace(/[\r\n]+/g, ' ').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Stands for the HTML of a text slot not converted yet. */
const PENDING = `${SLOT_ID}p`;

/** Fills the slots of `template` in order; null unless there is exactly one slot per value, each of the right kind. */
export function fillMarkdown(template: string, slots: SlotValues): string | null {
  let i = 0;
  let ok = true;
  const out = template.replace(SLOT_RE, (m) => {
    const k = i++;
    if (k >= slots.markdown.length || (m === TEXT_SLOT) !== slots.isText[k]) {
      ok = false;
      return m;
    }
    return slots.markdown[k]!;
  });
  return ok && i === slots.markdown.length ? out : null;
}

/** A block laid out with slots, cut at its slots: its Markdown, its safe HTML (null: the block could join another). */
interface BlockEntry {
  markdown: string[];
  html: string[] | null;
  /** Per slot: a text slot (else a link slot). */
  isText: boolean[];
}

const BLOCK_CACHE_MAX = 10_000;
// Reasons name the stories a reader read: a build meets a few thousand distinct ones.
const TEXT_CACHE_MAX = 20_000;
const blockCache = new BoundedCache<BlockEntry>(BLOCK_CACHE_MAX);
/** An escaped text's safe HTML when rendered alone (inside <p>), or null when it renders as more than text. */
const textCache = new BoundedCache<string | null>(TEXT_CACHE_MAX);

/** Cuts a block's Markdown and safe HTML at its slots; null HTML when a slot did not come out once, in order, as it went in. */
function blockEntry(block: string, html: string | null): BlockEntry {
  const isText = (block.match(SLOT_RE) ?? []).map((m) => m === TEXT_SLOT);
  let parts: string[] | null = null;
  if (html !== null) {
    const htmlSlots = (html.match(SLOT_RE) ?? []).map((m) => m === TEXT_SLOT);
    if (htmlSlots.length === isText.length && htmlSlots.every((t, j) => t === isText[j])) parts = html.split(SLOT_RE);
  }
  return { markdown: block.split(SLOT_RE), html: parts, isText };
}

/** Only text: a lone paragraph without tags inside. */
const LONE_PARAGRAPH = /^<p>([^<]*)<\/p>\n$/;

/** A paragraph put between fragments converted together, to cut the HTML apart again. */
const SEPARATOR = `${SLOT_ID}s`;
const SEPARATOR_HTML = `<p>${SEPARATOR}</p>\n`;

/**
 * Converts fragments in one marked + sanitize-html pass (a call costs far
 * more than the few lines of one fragment): blocks that cannot join, with a
 * paragraph of their own between them, come out as the concatenation of
 * their conversions. One call per fragment if the pieces do not come out
 * one per fragment.
 */
function convertTogether(fragments: readonly string[]): string[] {
  if (fragments.length === 1) return [markdownToSafeHtml(fragments[0]!)];
  const out = markdownToSafeHtml(fragments.join(`\n\n${SEPARATOR}\n\n`)).split(SEPARATOR_HTML);
  return out.length === fragments.length ? out : fragments.map((f) => markdownToSafeHtml(f));
}

/**
 * The Markdown and safe HTML of an edition laid out as one-line `blocks`
 * with `slots`: the Markdown is the blocks filled and separated by blank
 * lines, the HTML what markdownToSafeHtml gives for it. Null when some block
 * could join another or a slot did not come out as it went in (the caller
 * then converts the whole document).
 */
export function renderBlocks(blocks: readonly string[], slots: SlotValues): { markdown: string; html: string } | null {
  const entries: (BlockEntry | undefined)[] = new Array(blocks.length);
  let missing = false;
  for (let b = 0; b < blocks.length; b++) {
    const e = blockCache.get(blocks[b]!);
    if (e !== undefined && e.html === null) return null;
    entries[b] = e;
    if (e === undefined) missing = true;
  }
  if ((missing || slots.html.includes(PENDING)) && !convertNew(blocks, entries, slots)) return null;
  let markdown = '';
  let html = '';
  let k = 0;
  for (let b = 0; b < blocks.length; b++) {
    const e = entries[b]!;
    if (e.html === null) return null;
    markdown += e.markdown[0]!;
    html += e.html[0]!;
    for (let j = 0; j < e.isText.length; j++, k++) {
      if (slots.isText[k] !== e.isText[j]) return null;
      markdown += slots.markdown[k]! + e.markdown[j + 1]!;
      html += slots.html[k]! + e.html[j + 1]!;
    }
    markdown += b === blocks.length - 1 ? '\n' : '\n\n';
  }
  return k === slots.markdown.length ? { markdown, html } : null;
}

/**
 * Converts and keeps an edition's blocks and slotted texts not seen before,
 * all in one pass, and fills in `entries` and the texts' HTML; false when
 * one of them sends this edition the direct way.
 */
function convertNew(blocks: readonly string[], entries: (BlockEntry | undefined)[], slots: SlotValues): boolean {
  const fragments: string[] = [];
  const seen = new Set<string>();
  for (let b = 0; b < blocks.length; b++) {
    const block = blocks[b]!;
    if (entries[b] !== undefined || seen.has(block)) continue;
    seen.add(block);
    if (JOINING_BLOCK.test(block)) blockCache.set(block, { markdown: [block], html: null, isText: [] });
    else fragments.push(block);
  }
  const blockCount = fragments.length;
  for (let k = 0; k < slots.html.length; k++) {
    const text = slots.markdown[k]!;
    if (!slots.isText[k] || slots.html[k] !== PENDING || seen.has(text)) continue;
    seen.add(text);
    // Such a text is never slotted again (a slotted text shares a line with template text).
    if (JOINING_BLOCK.test(text)) textCache.set(text, null);
    else fragments.push(text);
  }
  const converted = fragments.length ? convertTogether(fragments) : [];
  for (let i = 0; i < fragments.length; i++) {
    if (i < blockCount) blockCache.set(fragments[i]!, blockEntry(fragments[i]!, converted[i]!));
    else textCache.set(fragments[i]!, LONE_PARAGRAPH.exec(converted[i]!)?.[1] ?? null);
  }
  for (let b = 0; b < blocks.length; b++) {
    const e = (entries[b] ??= blockCache.get(blocks[b]!));
    if (e === undefined || e.html === null) return false;
  }
  for (let k = 0; k < slots.html.length; k++) {
    if (!slots.isText[k] || slots.html[k] !== PENDING) continue;
    const h = textCache.get(slots.markdown[k]!);
    // Renders as more than text: this edition goes the direct way, and later ones keep the text in its block.
    if (h === undefined || h === null) return false;
    slots.html[k] = h;
  }
  return true;
}

/** Forgets the kept fragments (they hold feed text and readers' names; a long-lived process may drop them after a build). */
export function clearFragmentCache(): void {
  blockCache.clear();
  textCache.clear();
}

/** Entries kept, for tests and benchmarks. */
export function fragmentCacheSize(): { blocks: number; texts: number } {
  return { blocks: blockCache.size, texts: textCache.size };
}

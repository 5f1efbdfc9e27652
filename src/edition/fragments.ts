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
 * The result is byte for byte the direct rendering (test/edition/fragments.test.ts).
 */
import { randomBytes } from 'node:crypto';
import { markdownToSafeHtml } from './safe-html.js';

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
   * The slot for escaped text (md()'s output), or the text itself when its
   * rendering could depend on its place. `spaced`: the text never starts a
   * line and has a space (or the line's end) on both sides.
   */
  text(escaped: string, spaced = false): string {
    const html = plainText(escaped, spaced) ? textHtml(escaped) : null;
    if (html === null) return escaped;
    this.markdown.push(escaped);
    this.html.push(html);
    this.isText.push(true);
    return TEXT_SLOT;
  }
}

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

function blockEntry(block: string): BlockEntry {
  let e = blockCache.get(block);
  if (e === undefined) {
    const isText = (block.match(SLOT_RE) ?? []).map((m) => m === TEXT_SLOT);
    let html: string[] | null = null;
    if (!JOINING_BLOCK.test(block)) {
      const h = markdownToSafeHtml(block);
      const htmlSlots = (h.match(SLOT_RE) ?? []).map((m) => m === TEXT_SLOT);
      // Each slot must come out once, in order, as it went in.
      if (htmlSlots.length === isText.length && htmlSlots.every((t, j) => t === isText[j])) html = h.split(SLOT_RE);
    }
    e = { markdown: block.split(SLOT_RE), html, isText };
    blockCache.set(block, e);
  }
  return e;
}

/**
 * The Markdown and safe HTML of an edition laid out as one-line `blocks`
 * with `slots`: the Markdown is the blocks filled and separated by blank
 * lines, the HTML what markdownToSafeHtml gives for it. Null when some block
 * could join another or a slot did not come out as it went in (the caller
 * then converts the whole document).
 */
export function renderBlocks(blocks: readonly string[], slots: SlotValues): { markdown: string; html: string } | null {
  let markdown = '';
  let html = '';
  let k = 0;
  for (let b = 0; b < blocks.length; b++) {
    const e = blockEntry(blocks[b]!);
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

/** Only text: a lone paragraph without tags inside. */
const LONE_PARAGRAPH = /^<p>([^<]*)<\/p>\n$/;

function textHtml(escaped: string): string | null {
  let h = textCache.get(escaped);
  if (h === undefined) {
    h = LONE_PARAGRAPH.exec(markdownToSafeHtml(escaped))?.[1] ?? null;
    textCache.set(escaped, h);
  }
  return h;
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

/**
 * Read-only accessors over the ordered tree xml2js builds with
 * `explicitChildren + preserveChildrenOrder + charsAsChildren`: every element is
 * `{ '#name', $?: attributes, $$?: children in document order }` and every text or
 * CDATA run is `{ '#name': '__text__', _: string }`.
 *
 * Parser objects are never copied, spread or assigned: callers get strings and
 * child lists through these functions, which only read own, named properties of
 * the expected type (prototype-pollution payloads such as an element named
 * `__proto__` are just elements with an odd name).
 */

export type XNode = Record<string, unknown>;

const TEXT = '__text__';

function own(o: unknown, key: string): unknown {
  return o !== null && typeof o === 'object' && Object.prototype.hasOwnProperty.call(o, key) ? (o as XNode)[key] : undefined;
}

export function isElement(n: unknown): n is XNode {
  return n !== null && typeof n === 'object' && !Array.isArray(n) && typeof own(n, '#name') === 'string' && own(n, '#name') !== TEXT;
}

export function nameOf(n: XNode): string {
  const v = own(n, '#name');
  return typeof v === 'string' ? v : '';
}

/** Element name without its prefix ("content:encoded" → "encoded"). */
export function localName(n: XNode): string {
  const name = nameOf(n);
  const i = name.indexOf(':');
  return i === -1 ? name : name.slice(i + 1);
}

export function prefixOf(n: XNode): string {
  const name = nameOf(n);
  const i = name.indexOf(':');
  return i === -1 ? '' : name.slice(0, i);
}

/** Children in document order (elements and text runs). */
export function childNodes(n: XNode): unknown[] {
  const c = own(n, '$$');
  return Array.isArray(c) ? c : [];
}

interface ChildIndex {
  elements: XNode[];
  byName: Map<string, XNode[]>;
}

/** Per-node index of child elements, built once: items with 100k children stay linear. */
const INDEX = new WeakMap<XNode, ChildIndex>();

function indexOf(n: XNode): ChildIndex {
  let idx = INDEX.get(n);
  if (!idx) {
    const elements = childNodes(n).filter(isElement);
    const byName = new Map<string, XNode[]>();
    for (const e of elements) {
      const name = nameOf(e);
      const list = byName.get(name);
      if (list) list.push(e);
      else byName.set(name, [e]);
    }
    idx = { elements, byName };
    INDEX.set(n, idx);
  }
  return idx;
}

/** Child elements in document order (the returned array must not be modified). */
export function childElements(n: XNode): readonly XNode[] {
  return indexOf(n).elements;
}

/** Child elements whose full name (with prefix) is one of `names`, in document order. */
export function children(n: XNode, ...names: string[]): XNode[] {
  const idx = indexOf(n);
  if (names.length === 1) return [...(idx.byName.get(names[0]) ?? [])];
  const wanted = new Set(names);
  return idx.elements.filter((c) => wanted.has(nameOf(c)));
}

export function child(n: XNode, ...names: string[]): XNode | undefined {
  const idx = indexOf(n);
  for (const name of names) {
    const found = idx.byName.get(name);
    if (found) return found[0];
  }
  return undefined;
}

export function attr(n: XNode, name: string): string | undefined {
  const v = own(own(n, '$'), name);
  return typeof v === 'string' ? v : undefined;
}

/** Attribute names of an element (own keys of the attribute map, strings only). */
export function attrNames(n: XNode): string[] {
  const a = own(n, '$');
  if (a === null || typeof a !== 'object') return [];
  return Object.keys(a).filter((k) => typeof (a as XNode)[k] === 'string');
}

/**
 * Concatenated text of an element and its descendants, stopping once `maxChars`
 * have been collected (bounds work on huge or deeply nested fields).
 */
export function textContent(n: XNode, maxChars = Infinity): string {
  const parts: string[] = [];
  let total = 0;
  const stack: unknown[] = [...childNodes(n)].reverse();
  while (stack.length && total < maxChars) {
    const c = stack.pop();
    if (c !== null && typeof c === 'object' && own(c, '#name') === TEXT) {
      const t = own(c, '_');
      if (typeof t === 'string') {
        parts.push(t);
        total += t.length;
      }
    } else if (isElement(c)) {
      const kids = childNodes(c);
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
    }
  }
  const s = parts.join('');
  return s.length > maxChars ? s.slice(0, maxChars) : s;
}

const VOID_TAGS = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr']);

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttr(s: string): string {
  return escapeText(s).replace(/"/g, '&quot;');
}

/**
 * Serialize the children of an inline-XHTML element back to HTML markup, for the
 * sanitizer to filter. Prefixes are dropped ("xhtml:b" → "b"); xmlns attributes are
 * skipped. Iterative, and elements deeper than `maxDepth` are flattened to their text.
 */
export function innerXhtml(n: XNode, maxChars = Infinity, maxDepth = 256): string {
  const out: string[] = [];
  let total = 0;
  type Step = { node: unknown; depth: number } | { close: string };
  const stack: Step[] = childNodes(n)
    .map((node) => ({ node, depth: 1 }))
    .reverse();
  const push = (s: string) => {
    out.push(s);
    total += s.length;
  };
  while (stack.length && total < maxChars) {
    const step = stack.pop()!;
    if ('close' in step) {
      push(step.close);
      continue;
    }
    const c = step.node;
    if (c !== null && typeof c === 'object' && own(c, '#name') === TEXT) {
      const t = own(c, '_');
      if (typeof t === 'string') push(escapeText(t));
    } else if (isElement(c)) {
      if (step.depth > maxDepth) {
        push(escapeText(textContent(c, maxChars - total)));
        continue;
      }
      const tag = localName(c).toLowerCase().replace(/[^a-z0-9-]/g, '');
      if (!tag) continue;
      let open = '<' + tag;
      for (const a of attrNames(c)) {
        if (a === 'xmlns' || a.startsWith('xmlns:') || !/^[A-Za-z_][A-Za-z0-9_.:-]*$/.test(a)) continue;
        const name = a.includes(':') && !a.startsWith('xml:') ? a.slice(a.indexOf(':') + 1) : a;
        open += ` ${name}="${escapeAttr(attr(c, a) ?? '')}"`;
      }
      push(open + '>');
      if (VOID_TAGS.has(tag)) continue;
      stack.push({ close: `</${tag}>` });
      const kids = childNodes(c);
      for (let i = kids.length - 1; i >= 0; i--) stack.push({ node: kids[i], depth: step.depth + 1 });
    }
  }
  return out.join('');
}

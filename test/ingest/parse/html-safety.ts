/**
 * Strict checker for sanitized HTML: re-parses the markup with htmlparser2 (the
 * parser family sanitize-html uses) and lists everything a browser could execute
 * or that could restyle the page. Independent of the sanitizer's own config, so a
 * config mistake shows up here.
 */
import { Parser } from 'htmlparser2';

const FORBIDDEN_TAGS = new Set([
  'script', 'style', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'param', 'form', 'input', 'button',
  'textarea', 'select', 'option', 'svg', 'math', 'meta', 'link', 'base', 'noscript', 'template', 'xmp', 'plaintext',
  'noembed', 'noframes', 'title', 'head', 'html', 'body', 'video', 'audio', 'source', 'track', 'canvas', 'portal',
  'marquee', 'blink', 'keygen', 'isindex', 'listing', 'image', 'layer', 'ilayer', 'bgsound', 'set', 'animate',
]);

/** Attributes that must never appear, whatever their value. */
const FORBIDDEN_ATTRS = new Set([
  'style', 'srcdoc', 'formaction', 'action', 'xlink:href', 'background', 'poster', 'data', 'dynsrc', 'lowsrc',
  'codebase', 'classid', 'archive', 'ping', 'usemap', 'longdesc', 'manifest', 'profile', 'itemid', 'id', 'name',
  'class', 'target', 'http-equiv', 'content', 'xmlns', 'is', 'slot', 'contenteditable', 'autofocus',
]);

const URL_ATTRS = new Set(['href', 'src', 'cite']);

function urlProblem(tag: string, attr: string, value: string): string | undefined {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return `${tag}[${attr}] is not an absolute URL: ${JSON.stringify(value)}`;
  }
  const ok = u.protocol === 'http:' || u.protocol === 'https:' || (tag === 'a' && attr === 'href' && u.protocol === 'mailto:');
  if (!ok) return `${tag}[${attr}] has scheme ${u.protocol} (${JSON.stringify(value.slice(0, 60))})`;
  if (value !== value.trim() || /[\u0000-\u001f]/.test(value)) return `${tag}[${attr}] has spaces or control characters`;
  return undefined;
}

/** Everything wrong with `html` from a safety standpoint; [] when it is clean. */
export function findUnsafe(html: string): string[] {
  const problems: string[] = [];
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (FORBIDDEN_TAGS.has(name)) problems.push(`<${name}> element`);
        if (name.includes(':')) problems.push(`namespaced <${name}> element`);
        for (const [attr, value] of Object.entries(attribs)) {
          const a = attr.toLowerCase();
          if (a.startsWith('on')) problems.push(`${name}[${a}] event handler`);
          else if (FORBIDDEN_ATTRS.has(a) || a.includes(':')) problems.push(`${name}[${a}] attribute`);
          else if (URL_ATTRS.has(a)) {
            const p = urlProblem(name, a, value);
            if (p) problems.push(p);
          } else if (a === 'srcset') {
            for (const part of value.split(',')) {
              const url = part.trim().split(/\s+/)[0];
              const p = url ? urlProblem(name, 'srcset', url) : undefined;
              if (p) problems.push(p);
            }
          }
          if (a === 'rel' && name === 'a' && value !== 'noopener noreferrer nofollow') problems.push(`a[rel]=${value}`);
          if (/javascript:|vbscript:|data:text\/html/i.test(value) && !URL_ATTRS.has(a) && a !== 'srcset' && a !== 'title' && a !== 'alt') {
            problems.push(`${name}[${a}] carries a script URL`);
          }
        }
        if (name === 'a' && !('rel' in attribs) && 'href' in attribs) problems.push('a without rel');
      },
      oncomment() {
        problems.push('HTML comment (can hide conditional comments / mutation payloads)');
      },
      oncdatastart() {
        problems.push('CDATA section');
      },
      onprocessinginstruction(name) {
        problems.push(`processing instruction or doctype ${name}`);
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true, recognizeCDATA: true },
  );
  parser.write(html);
  parser.end();
  return problems;
}

/** Text content of an HTML fragment as htmlparser2 sees it (entities decoded), whitespace collapsed. */
export function textOfHtml(html: string): string {
  let out = '';
  let skip = 0;
  const parser = new Parser(
    {
      onopentag(name) {
        if (name === 'script' || name === 'style') skip++;
      },
      onclosetag(name) {
        if ((name === 'script' || name === 'style') && skip > 0) skip--;
      },
      ontext(t) {
        if (!skip) out += t;
      },
    },
    { decodeEntities: true },
  );
  parser.write(html);
  parser.end();
  return out.replace(/\s+/g, ' ').trim();
}

export interface HtmlShape {
  tags: Set<string>;
  /** "tag@attr=value" for every attribute. */
  attrs: Map<string, string>;
}

/** Element names and attributes present in an HTML fragment. */
export function shapeOfHtml(html: string): HtmlShape {
  const tags = new Set<string>();
  const attrs = new Map<string, string>();
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        tags.add(name);
        for (const [a, v] of Object.entries(attribs)) attrs.set(`${name}@${a}`, v);
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  return { tags, attrs };
}

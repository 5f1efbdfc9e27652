import xml2js from 'xml2js';
import type { FeedRecord, Lang, NewFeed } from '../model.js';
import { UserError } from '../util/errors.js';

const MAX_OPML_BYTES = 50 * 1024 * 1024;

export interface OpmlFeed extends NewFeed {}

/**
 * Reads the feeds of an OPML document. A feed's section is the title of the
 * outline that contains it (nested sections are joined with " / "); feeds at
 * the top level get `defaultSection`. Outlines without an http(s) xmlUrl are
 * skipped and counted, never fatal.
 */
export async function parseOpml(
  text: string,
  opts: { defaultSection?: string } = {},
): Promise<{ feeds: OpmlFeed[]; skipped: number; title?: string }> {
  if (Buffer.byteLength(text) > MAX_OPML_BYTES) throw new UserError('OPML file is larger than 50 MiB');
  let doc: any;
  try {
    doc = await xml2js.parseStringPromise(text.replace(/^\uFEFF/, ''), {
      explicitArray: true,
      explicitCharkey: false,
      mergeAttrs: false,
    });
  } catch (e) {
    throw new UserError(`not a valid OPML file: ${String((e as Error).message).split('\n')[0]}`);
  }
  const opml = doc?.opml;
  const body = opml?.body?.[0];
  if (!opml || !body) throw new UserError('not an OPML file: no <opml><body>');
  const feeds: OpmlFeed[] = [];
  const seen = new Set<string>();
  let skipped = 0;
  const walk = (outlines: any[] | undefined, path: string[]) => {
    for (const o of outlines ?? []) {
      const a = (o && typeof o === 'object' && o.$) || {};
      const label = attr(a, 'title') ?? attr(a, 'text');
      const xmlUrl = attr(a, 'xmlUrl') ?? attr(a, 'xmlurl');
      if (xmlUrl) {
        const url = httpUrl(xmlUrl);
        if (!url || seen.has(url)) {
          skipped++;
        } else {
          seen.add(url);
          const lang = langOf(attr(a, 'language') ?? attr(a, 'lang'));
          feeds.push({
            url,
            title: (label ?? url).slice(0, 300),
            section: (path.join(' / ') || opts.defaultSection || 'À la une').slice(0, 120),
            ...(lang ? { lang } : {}),
            ...(httpUrl(attr(a, 'htmlUrl') ?? '') ? { siteUrl: httpUrl(attr(a, 'htmlUrl')!)! } : {}),
            ...(attr(a, 'country') ? { country: attr(a, 'country')!.toUpperCase().slice(0, 2) } : {}),
            ...(attr(a, 'region') ? { region: attr(a, 'region')!.slice(0, 120) } : {}),
          });
        }
      }
      if (Array.isArray(o?.outline)) walk(o.outline, xmlUrl ? path : label ? [...path, label] : path);
    }
  };
  walk(body.outline, []);
  const title = typeof opml.head?.[0]?.title?.[0] === 'string' ? opml.head[0].title[0] : undefined;
  return { feeds, skipped, ...(title ? { title } : {}) };
}

/** Writes feeds as OPML 2.0, one outline per section. */
export function toOpml(feeds: FeedRecord[], title = 'Kiosque feeds'): string {
  const bySection = new Map<string, FeedRecord[]>();
  for (const f of [...feeds].sort((a, b) => a.section.localeCompare(b.section) || a.title.localeCompare(b.title))) {
    const list = bySection.get(f.section) ?? [];
    list.push(f);
    bySection.set(f.section, list);
  }
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<opml version="2.0">',
    `  <head><title>${xmlEscape(title)}</title></head>`,
    '  <body>',
  ];
  for (const [section, list] of bySection) {
    lines.push(`    <outline text="${xmlEscape(section)}" title="${xmlEscape(section)}">`);
    for (const f of list) {
      const attrs = [
        `type="rss"`,
        `text="${xmlEscape(f.title)}"`,
        `title="${xmlEscape(f.title)}"`,
        `xmlUrl="${xmlEscape(f.url)}"`,
        f.siteUrl ? `htmlUrl="${xmlEscape(f.siteUrl)}"` : '',
        f.lang ? `language="${f.lang}"` : '',
        f.country ? `country="${xmlEscape(f.country)}"` : '',
        f.region ? `region="${xmlEscape(f.region)}"` : '',
      ].filter(Boolean);
      lines.push(`      <outline ${attrs.join(' ')}/>`);
    }
    lines.push('    </outline>');
  }
  lines.push('  </body>', '</opml>', '');
  return lines.join('\n');
}

function attr(a: Record<string, unknown>, name: string): string | undefined {
  const v = Object.prototype.hasOwnProperty.call(a, name) ? a[name] : undefined;
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

function langOf(v: string | undefined): Lang | undefined {
  const l = v?.toLowerCase().slice(0, 2);
  return l === 'fr' || l === 'en' ? l : undefined;
}

/** The URL as an absolute http(s) URL string, or undefined. */
export function httpUrl(raw: string): string | undefined {
  try {
    const u = new URL(raw.trim());
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    if (u.username || u.password) return undefined;
    u.hash = '';
    return u.toString();
  } catch {
    return undefined;
  }
}

export function xmlEscape(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

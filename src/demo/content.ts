import { readFileSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { UserError } from '../util/errors.js';
import { xmlEscape } from '../ingest/opml.js';

/** feeds/demo/: fictional sample feeds and subscribers written for Kiosque's offline demo. */
export const DEMO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../feeds/demo');

const DemoItem = z.object({
  key: z.string().min(1),
  url: z.string().optional(),
  title: z.string().min(1),
  hoursAgo: z.number().min(0).max(24 * 30),
  author: z.string().optional(),
  categories: z.array(z.string()).default([]),
  summary: z.string().default(''),
  html: z.string().min(1),
});
const DemoFeed = z.object({
  key: z.string().regex(/^[a-z0-9-]+$/),
  title: z.string(),
  section: z.string(),
  lang: z.enum(['fr', 'en']),
  country: z.string().length(2).optional(),
  region: z.string().optional(),
  siteUrl: z.string(),
  format: z.enum(['rss2', 'atom', 'rss1']).default('rss2'),
  encoding: z.enum(['utf-8', 'iso-8859-1']).default('utf-8'),
  items: z.array(DemoItem),
});
const DemoSubscriber = z.object({
  key: z.string(),
  email: z.string(),
  name: z.string().optional(),
  lang: z.enum(['fr', 'en']),
  home: z.string().optional(),
  country: z.string().optional(),
  timezone: z.string(),
  editionTime: z.string(),
  followTopics: z.array(z.string()).default([]),
  muteTopics: z.array(z.string()).default([]),
  /** Languages of stories wanted besides their own. */
  languages: z.array(z.enum(['fr', 'en'])).default([]),
  consents: z.object({ personalization: z.boolean(), tracking: z.boolean(), newsletter: z.boolean() }),
  clicks: z.array(z.object({ item: z.string(), hoursAgo: z.number() })).default([]),
});

export type DemoFeed = z.infer<typeof DemoFeed>;
export type DemoItem = z.infer<typeof DemoItem>;
export type DemoSubscriber = z.infer<typeof DemoSubscriber>;

export function loadDemoContent(dir = DEMO_DIR): { feeds: DemoFeed[]; subscribers: DemoSubscriber[] } {
  const read = (name: string) => {
    try {
      return JSON.parse(readFileSync(resolve(dir, name), 'utf8'));
    } catch (e) {
      throw new UserError(`cannot read demo content ${resolve(dir, name)}: ${(e as Error).message}`);
    }
  };
  const feeds = z.object({ feeds: z.array(DemoFeed) }).parse(read('feeds.json')).feeds;
  let subscribers: DemoSubscriber[] = [];
  try {
    subscribers = z.object({ subscribers: z.array(DemoSubscriber) }).parse(read('subscribers.json')).subscribers;
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
  }
  return { feeds, subscribers };
}

/** The link an item is published under. */
export function demoItemUrl(feed: DemoFeed, item: DemoItem): string {
  return item.url ?? `${feed.siteUrl.replace(/\/+$/, '')}/${item.key}`;
}

/**
 * Renders a demo feed as real feed XML, with dates relative to `now` so the
 * demo always has fresh news. Formats and encodings vary on purpose: the
 * ingest stage has to cope with all of them.
 */
export function renderDemoFeed(feed: DemoFeed, now: Date, selfUrl: string): Buffer {
  const date = (it: DemoItem) => new Date(now.getTime() - it.hoursAgo * 3600_000);
  const items = [...feed.items].sort((a, b) => a.hoursAgo - b.hoursAgo);
  const e = xmlEscape;
  let xml: string;
  const encodingDecl = feed.encoding === 'iso-8859-1' ? 'ISO-8859-1' : 'UTF-8';
  if (feed.format === 'atom') {
    xml = [
      `<?xml version="1.0" encoding="${encodingDecl}"?>`,
      `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${feed.lang}">`,
      `<title>${e(feed.title)}</title>`,
      `<id>${e(feed.siteUrl)}/</id>`,
      `<link rel="alternate" href="${e(feed.siteUrl)}"/>`,
      `<link rel="self" href="${e(selfUrl)}"/>`,
      `<updated>${(items[0] ? date(items[0]) : now).toISOString()}</updated>`,
      ...items.map((it) =>
        [
          '<entry>',
          `<title>${e(it.title)}</title>`,
          `<id>tag:${new URL(feed.siteUrl).hostname},2026:${e(it.key)}</id>`,
          `<link rel="alternate" href="${e(demoItemUrl(feed, it))}"/>`,
          `<published>${date(it).toISOString()}</published>`,
          `<updated>${date(it).toISOString()}</updated>`,
          it.author ? `<author><name>${e(it.author)}</name></author>` : '',
          ...it.categories.map((c) => `<category term="${e(c)}"/>`),
          `<summary>${e(it.summary)}</summary>`,
          `<content type="html">${e(it.html)}</content>`,
          '</entry>',
        ].join(''),
      ),
      '</feed>',
    ].join('\n');
  } else if (feed.format === 'rss1') {
    xml = [
      `<?xml version="1.0" encoding="${encodingDecl}"?>`,
      '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">',
      `<channel rdf:about="${e(selfUrl)}"><title>${e(feed.title)}</title><link>${e(feed.siteUrl)}</link><description>${e(feed.title)}</description><dc:language>${feed.lang}</dc:language>`,
      `<items><rdf:Seq>${items.map((it) => `<rdf:li rdf:resource="${e(demoItemUrl(feed, it))}"/>`).join('')}</rdf:Seq></items></channel>`,
      ...items.map((it) =>
        [
          `<item rdf:about="${e(demoItemUrl(feed, it))}">`,
          `<title>${e(it.title)}</title>`,
          `<link>${e(demoItemUrl(feed, it))}</link>`,
          `<dc:date>${date(it).toISOString()}</dc:date>`,
          it.author ? `<dc:creator>${e(it.author)}</dc:creator>` : '',
          ...it.categories.map((c) => `<dc:subject>${e(c)}</dc:subject>`),
          `<description>${e(it.summary)}</description>`,
          `<content:encoded>${e(it.html)}</content:encoded>`,
          '</item>',
        ].join(''),
      ),
      '</rdf:RDF>',
    ].join('\n');
  } else {
    xml = [
      `<?xml version="1.0" encoding="${encodingDecl}"?>`,
      '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:atom="http://www.w3.org/2005/Atom">',
      '<channel>',
      `<title>${e(feed.title)}</title><link>${e(feed.siteUrl)}</link><description>${e(feed.title)}</description><language>${feed.lang}</language>`,
      `<atom:link rel="self" href="${e(selfUrl)}" type="application/rss+xml"/>`,
      `<lastBuildDate>${now.toUTCString()}</lastBuildDate>`,
      ...items.map((it) =>
        [
          '<item>',
          `<title>${e(it.title)}</title>`,
          `<link>${e(demoItemUrl(feed, it))}</link>`,
          `<guid isPermaLink="false">${e(feed.key)}:${e(it.key)}</guid>`,
          `<pubDate>${date(it).toUTCString()}</pubDate>`,
          it.author ? `<dc:creator>${e(it.author)}</dc:creator>` : '',
          ...it.categories.map((c) => `<category>${e(c)}</category>`),
          `<description>${e(it.summary)}</description>`,
          `<content:encoded>${e(it.html)}</content:encoded>`,
          '</item>',
        ].join(''),
      ),
      '</channel>',
      '</rss>',
    ].join('\n');
  }
  if (feed.encoding === 'iso-8859-1') {
    // Characters outside Latin-1 become numeric references, as a real Latin-1 feed would write them.
    return Buffer.from(xml.replace(/[^\u0000-\u00ff]/gu, (c) => `&#${c.codePointAt(0)};`), 'latin1');
  }
  return Buffer.from(xml, 'utf8');
}

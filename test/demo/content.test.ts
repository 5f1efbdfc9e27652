import { readFileSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import xml2js from 'xml2js';
import { loadDemoContent } from '../../src/demo/content.js';
import { parseOpml } from '../../src/ingest/opml.js';

/**
 * Checks the hand-written demo content (feeds/demo/*.json) and the starting
 * feed list (feeds/feeds.opml): shape, cross-references and the properties the
 * demo relies on (multi-source stories, same-link duplicates, unsafe markup
 * for the sanitizer, Latin-1 feeds). No network: the OPML is only parsed.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const readJson = (rel: string) => JSON.parse(readFileSync(resolve(ROOT, rel), 'utf8'));

interface Item {
  key: string;
  url: string;
  title: string;
  hoursAgo: number;
  author: string;
  categories: string[];
  summary: string;
  html: string;
}
interface Feed {
  key: string;
  title: string;
  section: string;
  lang: string;
  country: string;
  region?: string;
  siteUrl: string;
  format: string;
  encoding: string;
  items: Item[];
}
interface Subscriber {
  key: string;
  email: string;
  name: string;
  lang: string;
  home: string;
  country: string;
  timezone: string;
  editionTime: string;
  followTopics: string[];
  muteTopics: string[];
  consents: { personalization: boolean; tracking: boolean; newsletter: boolean };
  clicks: { item: string; hoursAgo: number }[];
}

const feeds: Feed[] = readJson('feeds/demo/feeds.json').feeds;
const subscribers: Subscriber[] = readJson('feeds/demo/subscribers.json').subscribers;
const items = feeds.flatMap((f) => f.items.map((item) => ({ feed: f, item })));
const byKey = new Map(items.map((x) => [x.item.key, x]));

/** Topic ids of the taxonomy the subscribers' follow/mute lists may use. */
const TOPICS = [
  'international', 'politique', 'economie', 'sciences', 'technologie', 'sante',
  'environnement', 'culture', 'sport', 'societe', 'faits-divers', 'local',
];

/** Same event, reworded by different outlets: near-duplicate clustering should group each set. */
const STORIES: Record<string, string[]> = {
  'storm Armelle': ['lq-une-tempete-armelle', 'bzh-tempete-armelle-nuit', 'dl-storm-armelle-france'],
  'ECB rate cut': ['lq-eco-bce-taux', 'dl-ecb-rate-cut'],
  'France v New Zealand': ['si-xv-france-all-blacks', 'sd-france-all-blacks'],
  'OL v OM': ['si-ol-om', 'ly-ol-om-derby', 'ms-om-defaite-lyon'],
  'Ariane 6 CO2 satellite': ['so-ariane6-climat', 'lb-ariane6-co2-satellite'],
  'WHO antimicrobial report': ['js-oms-antibioresistance', 'dl-who-antimicrobial'],
  'Montréal snowstorm': ['mn-montreal-tempete-neige', 'io-first-snowstorm'],
  'Manchester derby': ['sd-manchester-derby', 'mc-derby-draw'],
  'Alouettes Eastern Final': ['sd-alouettes-eastern-final', 'io-alouettes-fans'],
};

const plainText = (html: string) =>
  html.replace(/<script[\s\S]*?<\/script>/gi, ' ').replace(/<[^>]+>/g, ' ').replace(/&[a-z]+;/g, ' ');
const wordCount = (html: string) => plainText(html).split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;

describe('demo feeds (feeds/demo/feeds.json)', () => {
  it('has 14-20 feeds in French and English, at least 100 items, 7-10 per feed', () => {
    expect(feeds.length).toBeGreaterThanOrEqual(14);
    expect(feeds.length).toBeLessThanOrEqual(20);
    expect(items.length).toBeGreaterThanOrEqual(100);
    expect(new Set(feeds.map((f) => f.lang))).toEqual(new Set(['fr', 'en']));
    for (const f of feeds) {
      expect(f.items.length, f.key).toBeGreaterThanOrEqual(7);
      expect(f.items.length, f.key).toBeLessThanOrEqual(10);
    }
  });

  it('gives every feed its fields', () => {
    for (const f of feeds) {
      expect(f.key, f.key).toMatch(/^[a-z0-9-]+$/);
      for (const field of ['title', 'section', 'country', 'siteUrl'] as const) {
        expect(typeof f[field] === 'string' && f[field].length > 0, `${f.key}.${field}`).toBe(true);
      }
      expect(['fr', 'en'], f.key).toContain(f.lang);
      expect(f.country, f.key).toMatch(/^[A-Z]{2}$/);
      expect(['rss2', 'atom', 'rss1'], f.key).toContain(f.format);
      expect(['utf-8', 'iso-8859-1'], f.key).toContain(f.encoding);
      expect(new URL(f.siteUrl).hostname, f.key).toMatch(/\.example$/);
    }
    expect(new Set(feeds.map((f) => f.format))).toEqual(new Set(['rss2', 'atom', 'rss1']));
    expect(feeds.some((f) => f.encoding === 'iso-8859-1')).toBe(true);
    expect(feeds.filter((f) => f.region).length).toBeGreaterThanOrEqual(4);
  });

  it('uses unique keys for feeds and items', () => {
    expect(new Set(feeds.map((f) => f.key)).size).toBe(feeds.length);
    expect(byKey.size).toBe(items.length);
  });

  it('gives every item a title, author, categories, summary, a 120-300 word body and an https .example link', () => {
    for (const { feed, item } of items) {
      const where = `${feed.key}/${item.key}`;
      expect(item.key, where).toMatch(/^[a-z0-9-]+$/);
      expect(item.title.length, where).toBeGreaterThan(10);
      expect(item.author.length, where).toBeGreaterThan(2);
      expect(item.categories.length, where).toBeGreaterThan(0);
      expect(item.summary.length, where).toBeGreaterThan(40);
      expect(item.html, where).toMatch(/^<p[ >]/);
      const words = wordCount(item.html);
      expect(words, where).toBeGreaterThanOrEqual(120);
      expect(words, where).toBeLessThanOrEqual(300);
      const url = new URL(item.url);
      expect(url.protocol, where).toBe('https:');
      expect(url.hostname, where).toBe(new URL(feed.siteUrl).hostname);
      // every link and image in the body points to a reserved domain (or is a deliberate javascript: trap)
      for (const m of item.html.matchAll(/(?:href|src)="([^"]*)"/g)) {
        const target = m[1]!;
        if (target.startsWith('javascript:')) continue;
        expect(new URL(target).hostname, `${where}: ${target}`).toMatch(/\.example$/);
      }
    }
  });

  it('dates items between 1 and 60 hours ago, most within 36 hours', () => {
    for (const { item } of items) {
      expect(item.hoursAgo, item.key).toBeGreaterThanOrEqual(1);
      expect(item.hoursAgo, item.key).toBeLessThanOrEqual(60);
    }
    const recent = items.filter(({ item }) => item.hoursAgo <= 36).length;
    expect(recent / items.length).toBeGreaterThan(0.6);
  });

  it('keeps ISO-8859-1 feeds within Latin-1', () => {
    for (const f of feeds.filter((x) => x.encoding === 'iso-8859-1')) {
      for (const item of f.items) {
        const text = [item.title, item.author, item.summary, item.html, ...item.categories].join(' ');
        const outside = [...text].filter((c) => c.codePointAt(0)! > 0xff);
        expect(outside, `${f.key}/${item.key}`).toEqual([]);
      }
    }
  });

  it('covers each multi-source story in at least two feeds', () => {
    expect(Object.keys(STORIES).length).toBeGreaterThanOrEqual(6);
    for (const [story, keys] of Object.entries(STORIES)) {
      const found = keys.map((k) => byKey.get(k));
      expect(found.every(Boolean), story).toBe(true);
      expect(new Set(found.map((x) => x!.feed.key)).size, story).toBeGreaterThanOrEqual(2);
      // reworded, not copied: titles differ
      expect(new Set(found.map((x) => x!.item.title)).size, story).toBe(keys.length);
    }
  });

  it('publishes exactly two articles under the same link in two feeds of the same publisher', () => {
    const byUrl = new Map<string, { feed: Feed; item: Item }[]>();
    for (const x of items) byUrl.set(x.item.url, [...(byUrl.get(x.item.url) ?? []), x]);
    const shared = [...byUrl.values()].filter((v) => v.length > 1);
    expect(shared.length).toBe(2);
    for (const copies of shared) {
      expect(new Set(copies.map((c) => c.feed.key)).size).toBe(copies.length);
      expect(new Set(copies.map((c) => c.feed.siteUrl)).size).toBe(1);
      expect(new Set(copies.map((c) => c.item.html)).size).toBe(1);
    }
  });

  it('includes unsafe markup for the sanitizer to remove', () => {
    const all = items.map(({ item }) => item.html);
    expect(all.some((h) => /<script\b/i.test(h))).toBe(true);
    expect(all.some((h) => /\sonerror=/i.test(h))).toBe(true);
    expect(all.some((h) => /href="javascript:/i.test(h))).toBe(true);
    expect(all.some((h) => /\sstyle="/i.test(h))).toBe(true);
  });

  it('includes sensitive health and religion stories', () => {
    const cats = (x: { item: Item }) => x.item.categories.map((c) => c.toLowerCase());
    expect(items.filter((x) => cats(x).some((c) => c === 'religion')).length).toBeGreaterThanOrEqual(2);
    expect(items.filter((x) => cats(x).some((c) => c === 'santé' || c === 'health')).length).toBeGreaterThanOrEqual(2);
  });
});

describe('demo subscribers (feeds/demo/subscribers.json)', () => {
  it('has 6-8 subscribers with unique keys and example.org addresses', () => {
    expect(subscribers.length).toBeGreaterThanOrEqual(6);
    expect(subscribers.length).toBeLessThanOrEqual(8);
    expect(new Set(subscribers.map((s) => s.key)).size).toBe(subscribers.length);
    expect(new Set(subscribers.map((s) => s.email)).size).toBe(subscribers.length);
    for (const s of subscribers) expect(s.email, s.key).toMatch(/^[a-z0-9.-]+@example\.org$/);
  });

  it('gives every subscriber a language, home, valid time zone, edition time, topics and consents', () => {
    for (const s of subscribers) {
      expect(['fr', 'en'], s.key).toContain(s.lang);
      expect(s.name.length, s.key).toBeGreaterThan(0);
      expect(s.home.trim().length, s.key).toBeGreaterThan(0);
      expect(s.country, s.key).toMatch(/^[A-Z]{2}$/);
      expect(() => new Intl.DateTimeFormat('en', { timeZone: s.timezone }), s.key).not.toThrow();
      expect(s.editionTime, s.key).toMatch(/^([01]\d|2[0-3]):[0-5]\d$/);
      for (const t of [...s.followTopics, ...s.muteTopics]) expect(TOPICS, `${s.key}: ${t}`).toContain(t);
      for (const c of ['personalization', 'tracking', 'newsletter'] as const) {
        expect(typeof s.consents[c], `${s.key}.${c}`).toBe('boolean');
      }
    }
    expect(new Set(subscribers.map((s) => s.lang))).toEqual(new Set(['fr', 'en']));
  });

  it('only clicks on existing items, after they were published', () => {
    for (const s of subscribers) {
      expect(new Set(s.clicks.map((c) => c.item)).size, s.key).toBe(s.clicks.length);
      for (const c of s.clicks) {
        const target = byKey.get(c.item);
        expect(target, `${s.key} clicks unknown item ${c.item}`).toBeDefined();
        expect(c.hoursAgo, `${s.key}/${c.item}`).toBeGreaterThanOrEqual(0);
        expect(c.hoursAgo, `${s.key}/${c.item}`).toBeLessThanOrEqual(target!.item.hoursAgo);
      }
    }
  });

  it('covers the profiles the demo needs', () => {
    const personalized = subscribers.filter((s) => s.consents.personalization);
    expect(subscribers.some((s) => s.clicks.length === 0 && s.consents.personalization)).toBe(true); // cold start
    expect(subscribers.some((s) => !s.consents.personalization)).toBe(true); // refused personalization
    expect(subscribers.some((s) => s.followTopics.includes('sante'))).toBe(true);
    for (const s of personalized.filter((x) => x.clicks.length > 0)) {
      expect(s.clicks.length, s.key).toBeGreaterThanOrEqual(5);
      expect(s.clicks.length, s.key).toBeLessThanOrEqual(15);
    }
  });
});

describe('starting feed list (feeds/feeds.opml)', () => {
  const text = readFileSync(resolve(ROOT, 'feeds/feeds.opml'), 'utf8');

  it('is well-formed OPML with 40-70 feeds grouped in sections', async () => {
    const doc = await xml2js.parseStringPromise(text, { strict: true });
    expect(doc.opml.$.version).toBe('2.0');
    const sections: any[] = doc.opml.body[0].outline;
    const feedsIn = (s: any): any[] => (s.outline ?? []).filter((o: any) => o.$?.xmlUrl);
    expect(sections.length).toBeGreaterThanOrEqual(10);
    for (const s of sections) {
      expect(s.$.text, 'section label').toBeTruthy();
      expect(s.$.xmlUrl, `section ${s.$.text} is not itself a feed`).toBeUndefined();
      expect(feedsIn(s).length, s.$.text).toBeGreaterThan(0);
    }
    const all = sections.flatMap(feedsIn).map((o: any) => o.$);
    expect(all.length).toBeGreaterThanOrEqual(40);
    expect(all.length).toBeLessThanOrEqual(70);
    expect(new Set(all.map((a: any) => a.xmlUrl)).size).toBe(all.length);
    for (const a of all) {
      expect(a.type, a.xmlUrl).toBe('rss');
      expect(a.text && a.title, a.xmlUrl).toBeTruthy();
      expect(new URL(a.xmlUrl).protocol, a.xmlUrl).toBe('https:');
      expect(new URL(a.htmlUrl).protocol, a.htmlUrl).toBe('https:');
      expect(['fr', 'en'], a.xmlUrl).toContain(a.language);
    }
    expect(new Set(all.map((a: any) => a.language))).toEqual(new Set(['fr', 'en']));
  });

  it('names the sections of both editions', () => {
    const labels = [...text.matchAll(/<outline text="([^"]+)" title="[^"]+" language="(fr|en)">/g)].map((m) => `${m[2]}:${m[1]}`);
    for (const l of ['fr:À la une', 'fr:International', 'fr:France', 'fr:Économie', 'fr:Sciences', 'fr:Tech', 'fr:Santé', 'fr:Culture', 'fr:Sport', 'fr:Régions']) {
      expect(labels).toContain(l);
    }
    for (const l of ['en:World', 'en:Business', 'en:Science', 'en:Tech', 'en:Sport', 'en:UK regions']) expect(labels).toContain(l);
  });
});

describe('the project reads the content', () => {
  it('loadDemoContent accepts both demo files', () => {
    const content = loadDemoContent();
    expect(content.feeds.length).toBe(feeds.length);
    expect(content.subscribers.length).toBe(subscribers.length);
  });

  it('parseOpml reads every feed with its section, language and region', async () => {
    const { feeds: listed, skipped } = await parseOpml(readFileSync(resolve(ROOT, 'feeds/feeds.opml'), 'utf8'));
    expect(skipped).toBe(0);
    expect(listed.length).toBeGreaterThanOrEqual(40);
    expect(listed.every((f) => f.lang === 'fr' || f.lang === 'en')).toBe(true);
    expect(listed.find((f) => f.url.includes('england/manchester'))).toMatchObject({ section: 'UK regions', region: 'Greater Manchester', country: 'GB' });
    expect(listed.find((f) => f.url === 'https://www.leprogres.fr/rss')).toMatchObject({ section: 'Régions', lang: 'fr', region: 'Auvergne-Rhône-Alpes' });
  });
});

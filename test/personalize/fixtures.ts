/** Small synthetic articles and subscribers for the personalization tests. */
import type { Article, Lang, PlaceMention, Subscriber } from '../../src/model.js';
import { activeSubscriber } from '../../src/subscribers/subscriber.js';

export const NOW = Date.parse('2026-11-22T06:00:00.000Z');
export const hoursAgo = (h: number) => new Date(NOW - h * 3_600_000).toISOString();

export const LYON: PlaceMention = {
  name: 'Lyon',
  geoId: 'geonames:2996944',
  kind: 'city',
  countryCode: 'FR',
  admin1: '84',
  lat: 45.764,
  lon: 4.8357,
  confidence: 0.9,
};
export const PARIS: PlaceMention = { ...LYON, name: 'Paris', geoId: 'geonames:2988507', admin1: '11', lat: 48.8566, lon: 2.3522 };
export const BERLIN: PlaceMention = { ...LYON, name: 'Berlin', geoId: 'geonames:2950159', countryCode: 'DE', admin1: '16', lat: 52.52, lon: 13.405 };

/** Stems from a short text, TF-IDF-like weights (L2-normalized). */
export function vectorOf(words: string[]): { terms: string[]; weights: number[] } {
  const tf = new Map<string, number>();
  for (const w of words) tf.set(w, (tf.get(w) ?? 0) + 1);
  const terms = [...tf.keys()];
  const raw = terms.map((t) => 1 + Math.log(tf.get(t)!));
  const norm = Math.sqrt(raw.reduce((a, b) => a + b * b, 0));
  return { terms, weights: raw.map((r) => r / norm) };
}

let seq = 0;
export function article(o: {
  id?: string;
  title?: string;
  feedId?: string;
  topic?: string;
  topics?: { id: string; score: number }[];
  words?: string[];
  places?: PlaceMention[];
  hours?: number;
  clusterId?: string;
  section?: string;
  text?: string;
  mainCountry?: string;
  lang?: Lang;
}): Article {
  const id = o.id ?? `a${++seq}`;
  const words = o.words ?? [o.topic ?? 'misc', `${id}w`];
  const topics = o.topics ?? (o.topic ? [{ id: o.topic, score: 0.9 }] : []);
  return {
    id,
    feedId: o.feedId ?? 'f1',
    guidHash: id,
    url: `https://example.org/${id}`,
    title: o.title ?? `Title ${id}`,
    publishedAt: hoursAgo(o.hours ?? 2),
    fetchedAt: hoursAgo(o.hours ?? 2),
    summary: `Summary of ${id}`,
    contentHtml: '<p>x</p>',
    text: o.text ?? `Text of ${id} `.repeat(40),
    categories: [],
    section: o.section ?? 'Actualités',
    simhash: '0000000000000000',
    clusterId: o.clusterId ?? `c-${id}`,
    tags: {
      lang: o.lang ?? 'fr',
      keywords: words.slice(0, 5).map((w) => ({ term: w, stem: w, weight: 1 })),
      vector: vectorOf(words),
      topics,
      places: o.places ?? [],
      mainCountry: o.mainCountry ?? (o.places?.[0]?.countryCode),
      taggedAt: hoursAgo(1),
      taggerVersion: 'test',
    },
  };
}

export function subscriber(o: Partial<Subscriber> = {}): Subscriber {
  return activeSubscriber({ id: o.id ?? 's1', email: 's1@example.org', at: hoursAgo(1000), source: 'test' }, { editionTime: '06:00', ...o });
}

export const TOPICS = ['sport', 'politique', 'economie', 'culture', 'sciences', 'international'];

/** A day's worth of articles over several topics and feeds. */
export function corpus(perTopic = 8): Article[] {
  const out: Article[] = [];
  TOPICS.forEach((t, ti) => {
    for (let k = 0; k < perTopic; k++) {
      out.push(
        article({
          id: `${t}-${k}`,
          topic: t,
          feedId: `f${(k % 4) + 1}`,
          words: [t, `${t}x`, `${t}-${k % 3}`, `w${ti}-${k}`],
          hours: 1 + ((k * 5 + ti) % 30),
        }),
      );
    }
  });
  return out;
}

/**
 * Synthetic data and a timing of the planning core alone (no storage, no
 * rendering), for `kiosque bench editions` and for sizing: how long does
 * prepareBuild take, and how long one subscriber's edition.
 */
import type { Article, Click, PlaceMention } from '../model.js';
import { seededRng, type Rng } from '../util/random.js';
import { planForSubscriber, prepareBuild, type PlanSubscriber } from './plan.js';
import { TAXONOMY_TOPICS } from './settings.js';
import { noPreferences } from '../subscribers/subscriber.js';

const CITIES: Omit<PlaceMention, 'confidence'>[] = [
  { name: 'Paris', geoId: 'geonames:2988507', kind: 'city', countryCode: 'FR', admin1: '11', lat: 48.8566, lon: 2.3522 },
  { name: 'Lyon', geoId: 'geonames:2996944', kind: 'city', countryCode: 'FR', admin1: '84', lat: 45.764, lon: 4.8357 },
  { name: 'Marseille', geoId: 'geonames:2995469', kind: 'city', countryCode: 'FR', admin1: '93', lat: 43.2965, lon: 5.3698 },
  { name: 'Rennes', geoId: 'geonames:2983990', kind: 'city', countryCode: 'FR', admin1: '53', lat: 48.1173, lon: -1.6778 },
  { name: 'Berlin', geoId: 'geonames:2950159', kind: 'city', countryCode: 'DE', admin1: '16', lat: 52.52, lon: 13.405 },
  { name: 'London', geoId: 'geonames:2643743', kind: 'city', countryCode: 'GB', admin1: 'ENG', lat: 51.5074, lon: -0.1278 },
];

/** Zipf-ish term draw over a vocabulary: [term, idf-like weight] (frequent terms weigh less, as in TF-IDF). */
function term(rng: Rng, vocab: number): [string, number] {
  const rank = Math.floor(Math.pow(rng(), 2.5) * vocab);
  return [`t${rank}`, Math.log(1 + vocab / (1 + rank)) * (0.5 + rng())];
}

export interface SyntheticWorld {
  articles: Article[];
  clicks: Click[];
  subscribers: PlanSubscriber[];
  /** Each subscriber's own clicks (articleId, at). */
  history: Map<string, { articleId: string; at: string }[]>;
  now: number;
}

/** A day of `articles` candidates (plus 2 older days for histories) and subscribers with `clicksPer` clicks each. */
export function syntheticWorld(opts: { articles: number; subscribers: number; clicksPer?: number; seed?: number; now?: number }): SyntheticWorld {
  const rng = seededRng(opts.seed ?? 1);
  const now = opts.now ?? Date.parse('2026-11-22T06:00:00.000Z');
  const vocab = 30_000;
  const all: Article[] = [];
  const total = opts.articles * 3;
  for (let k = 0; k < total; k++) {
    const topic = TAXONOMY_TOPICS[Math.floor(rng() * TAXONOMY_TOPICS.length)]!;
    const terms = new Map<string, number>();
    for (let j = 0; j < 100; j++) {
      const [t, w] = term(rng, vocab);
      terms.set(t, w);
    }
    const norm = Math.sqrt([...terms.values()].reduce((a, b) => a + b * b, 0));
    const city = CITIES[Math.floor(rng() * CITIES.length)]!;
    const id = `a${k}`;
    const at = new Date(now - (k < opts.articles ? rng() * 30 : 36 + rng() * 48) * 3_600_000).toISOString();
    all.push({
      id,
      feedId: `f${Math.floor(rng() * 60)}`,
      guidHash: id,
      title: `Article ${k}`,
      publishedAt: at,
      fetchedAt: at,
      summary: '',
      contentHtml: '',
      text: 'x'.repeat(500),
      categories: [],
      section: rng() < 0.05 ? 'À la une' : 'Actualités',
      simhash: '0000000000000000',
      clusterId: rng() < 0.2 ? `c${Math.floor(k / 3)}` : `c-${id}`,
      tags: {
        lang: 'fr',
        keywords: [],
        vector: { terms: [...terms.keys()], weights: [...terms.values()].map((w) => w / norm) },
        topics: [
          { id: topic, score: 0.7 },
          { id: TAXONOMY_TOPICS[Math.floor(rng() * TAXONOMY_TOPICS.length)]!, score: 0.2 },
        ],
        places: rng() < 0.6 ? [{ ...city, confidence: 0.8 }] : [],
        mainCountry: city.countryCode,
        taggedAt: at,
        taggerVersion: 'synthetic',
      },
    });
  }
  const clicks: Click[] = [];
  const history = new Map<string, { articleId: string; at: string }[]>();
  const subscribers: PlanSubscriber[] = [];
  const clicksPer = opts.clicksPer ?? 50;
  for (let s = 0; s < opts.subscribers; s++) {
    const id = `s${s}`;
    const home = CITIES[s % CITIES.length]!;
    subscribers.push({
      id,
      lang: s % 3 === 0 ? 'en' : 'fr',
      home: { name: home.name, countryCode: home.countryCode, admin1: home.admin1, lat: home.lat, lon: home.lon },
      prefs: noPreferences(),
      diversity: 0.5,
      consents: { personalization: { granted: true, at: new Date(now).toISOString(), source: 'bench' } },
    });
    const mine: { articleId: string; at: string }[] = [];
    for (let c = 0; c < clicksPer; c++) {
      const a = all[Math.floor(rng() * all.length)]!;
      const at = new Date(Math.min(now, Date.parse(a.publishedAt) + 3_600_000)).toISOString();
      mine.push({ articleId: a.id, at });
      if (clicks.length < 200_000) clicks.push({ id: `k${s}-${c}`, subscriberId: id, articleId: a.id, at });
    }
    history.set(id, mine);
  }
  return { articles: all, clicks, subscribers, history, now };
}

export interface PlanBench {
  articles: number;
  candidates: number;
  subscribers: number;
  prepareMs: number;
  perEditionMs: number;
}

/** Times prepareBuild once and planForSubscriber for every synthetic subscriber (one core). */
export function benchPlanning(opts: { articles: number; subscribers: number; seed?: number }): PlanBench {
  const w = syntheticWorld(opts);
  // CPU time of this process (not wall time): fair on a shared machine.
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const t0 = cpu();
  const build = prepareBuild({ articles: w.articles, clicks: w.clicks, now: w.now });
  const t1 = cpu();
  const rng = seededRng(opts.seed ?? 1);
  for (const s of w.subscribers) planForSubscriber(build, s, w.history.get(s.id)!, rng);
  const t2 = cpu();
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return {
    articles: w.articles.length,
    candidates: build.candidates.length,
    subscribers: w.subscribers.length,
    prepareMs: r(t1 - t0),
    perEditionMs: r((t2 - t1) / Math.max(1, w.subscribers.length)),
  };
}

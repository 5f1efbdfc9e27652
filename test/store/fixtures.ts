/** Small valid records for store tests (French and English content). */
import type { Article, ArticleTags, Click, Edition, StoryCluster, Subscriber } from '../../src/model.js';

export function article(n: number | string, over: Partial<Article> = {}): Article {
  const day = typeof n === 'number' ? String(1 + (n % 28)).padStart(2, '0') : '10';
  return {
    id: `a${n}`,
    feedId: 'f1',
    guidHash: `g${n}`,
    url: `https://exemple.fr/article/${n}`,
    title: `Élections régionales : résultat ${n}`,
    publishedAt: `2026-11-${day}T08:00:00.000Z`,
    fetchedAt: '2026-11-22T06:00:00.000Z',
    summary: 'Les électeurs ont voté dimanche.',
    contentHtml: '<p>Les électeurs ont voté <em>dimanche</em>.</p>',
    text: 'Les électeurs ont voté dimanche.',
    categories: ['Politique'],
    section: 'France',
    simhash: '0123456789abcdef',
    clusterId: `c${n}`,
    ...over,
  };
}

export function tags(over: Partial<ArticleTags> = {}): ArticleTags {
  return {
    lang: 'fr',
    keywords: [{ term: 'élections', stem: 'élect', weight: 0.9 }],
    vector: { terms: ['élect', 'vot'], weights: [0.8, 0.6] },
    topics: [{ id: 'politique', score: 0.7 }],
    places: [{ name: 'Rennes', geoId: 'geonames:2983990', kind: 'city', countryCode: 'FR', admin1: '53', lat: 48.11, lon: -1.68, confidence: 0.9 }],
    mainCountry: 'FR',
    taggedAt: '2026-11-22T06:01:00.000Z',
    taggerVersion: 't1',
    ...over,
  };
}

export function cluster(id: string, over: Partial<StoryCluster> = {}): StoryCluster {
  return {
    id,
    leadArticleId: 'a1',
    articleIds: ['a1', 'a2'],
    feedIds: ['f1', 'f2'],
    firstSeenAt: '2026-11-20T08:00:00.000Z',
    updatedAt: '2026-11-21T08:00:00.000Z',
    ...over,
  };
}

const consent = { granted: true, at: '2026-11-01T10:00:00.000Z', source: 'signup-form' };

export function subscriber(id: string, over: Partial<Subscriber> = {}): Subscriber {
  return {
    id,
    email: `${id}@exemple.fr`,
    name: 'Élodie Martin',
    lang: 'fr',
    home: { name: 'Rennes', geoId: 'geonames:2983990', countryCode: 'FR', lat: 48.11, lon: -1.68 },
    timezone: 'Europe/Paris',
    editionTime: '07:00',
    frequency: 'daily',
    consents: { personalization: consent, tracking: consent, newsletter: consent },
    prefs: { followTopics: ['sport'], muteTopics: [], followPlaces: [], mutePlaces: [], followSources: [], muteSources: [], feedback: [] },
    diversity: 0.3,
    status: 'active',
    createdAt: '2026-11-01T10:00:00.000Z',
    bounceCount: 0,
    ...over,
  };
}

export function click(id: string, over: Partial<Click> = {}): Click {
  return { id, subscriberId: 's1', articleId: 'a1', editionId: 'e1', position: 1, section: 'une', reason: 'top-story', at: '2026-11-21T09:00:00.000Z', ...over };
}

export function edition(id: string, subscriberId: string, date: string, over: Partial<Edition> = {}): Edition {
  return {
    id,
    subscriberId,
    date,
    lang: 'fr',
    personalized: true,
    settingsVersion: 1,
    createdAt: `${date}T05:00:00.000Z`,
    sections: [{ id: 'une', title: 'À la une', itemIds: ['a1'] }],
    items: [
      {
        articleId: 'a1',
        clusterId: 'c1',
        title: 'Élections régionales',
        url: 'https://exemple.fr/article/1',
        source: 'Exemple',
        feedId: 'f1',
        summary: 'Les électeurs ont voté.',
        publishedAt: '2026-11-20T08:00:00.000Z',
        topics: ['politique'],
        alsoCoveredBy: [],
        section: 'une',
        position: 1,
        score: 0.8,
        scoreParts: { relevance: 0.5, recency: 0.3 },
        reasons: [{ code: 'top-story', text: 'À la une partout' }],
      },
    ],
    metrics: { intraListDiversity: 0.5, topicEntropy: 1.2, topicCoverage: 0.4, calibrationKl: 0.1, sources: 3, localShare: 0.2, nationalShare: 0.5, worldShare: 0.3 },
    ...over,
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An edition with two sections, French and hostile text, for the newsletter tests. */
import type { Edition, EditionItem, Subscriber } from '../../src/model.js';
import { activeSubscriber } from '../../src/subscribers/subscriber.js';

export function item(n: number, over: Partial<EditionItem> = {}): EditionItem {
  return {
    articleId: `a${n}`,
    clusterId: `c${n}`,
    title: `Titre ${n} : les électeurs de Rennes votent`,
    url: `https://exemple.fr/article/${n}`,
    source: 'Ouest Exemple',
    feedId: 'f1',
    summary: `Résumé de l'article ${n}.`,
    publishedAt: '2026-11-22T04:00:00.000Z',
    topics: ['politique'],
    place: 'Rennes',
    alsoCoveredBy: [],
    section: 'une',
    position: n,
    score: 1 - n / 10,
    scoreParts: { relevance: 0.5 },
    reasons: [{ code: 'near-you', text: `Près de chez vous (${n})`, ref: 'Rennes' }],
    ...over,
  };
}

export function editionFor(sub: Pick<Subscriber, 'id' | 'lang'>, date = '2026-11-22', over: Partial<Edition> = {}): Edition {
  const items = [
    item(1, {
      title: 'Breaking\r\nBcc: attacker@evil.test\r\nX-Injected: 1 <script>alert(1)</script>',
      summary: 'Texte <img src=x onerror=alert(1)> et [lien](javascript:alert(1)).',
      alsoCoveredBy: [{ source: 'Le Quotidien', feedId: 'f2', articleId: 'a9', url: 'https://quotidien.test/9', title: 'Autre titre' }],
    }),
    item(2, { url: 'javascript:alert(2)' }),
    item(3, { section: 'monde', topics: ['international'], place: undefined, reasons: [{ code: 'explore', text: 'Pour élargir vos horizons' }] }),
  ];
  return {
    id: `ed-${sub.id}-${date}`,
    subscriberId: sub.id,
    date,
    lang: sub.lang,
    personalized: true,
    settingsVersion: 1,
    createdAt: `${date}T05:00:00.000Z`,
    sections: [
      { id: 'une', title: 'À la une', itemIds: ['a1', 'a2'] },
      { id: 'monde', title: 'Monde', itemIds: ['a3'] },
    ],
    items,
    metrics: { intraListDiversity: 0.5, topicEntropy: 1.2, topicCoverage: 0.4, calibrationKl: 0.1, sources: 3, localShare: 0.2, nationalShare: 0.5, worldShare: 0.3 },
    ...over,
  };
}

export function subscriberFor(id: string, over: Partial<Subscriber> = {}): Subscriber {
  const at = '2026-11-01T10:00:00.000Z';
  return activeSubscriber(
    { id, email: `${id}@exemple.fr`, at, source: 'test' },
    {
      // Header injection attempts in the name and the place (EML-01).
      name: 'Élodie\r\nBcc: victim@evil.test',
      home: { name: 'Rennes\r\nX-Evil: 1', countryCode: 'FR', lat: 48.11, lon: -1.68 },
      confirmedAt: at,
      lastEngagedAt: '2026-11-21T10:00:00.000Z',
      ...over,
    },
  );
}

/** A stored edition around given items, in two sections (top, for you), for the rendering tests. */
import type { Edition, EditionItem } from '../../src/model.js';

export function editionOf(items: EditionItem[], over: Partial<Edition> = {}): Edition {
  return {
    id: 'e1',
    subscriberId: 's1',
    date: '2026-11-22',
    lang: 'fr',
    personalized: true,
    settingsVersion: 1,
    createdAt: '2026-11-22T06:00:00.000Z',
    sections: [
      { id: 'top', title: 'À la une', itemIds: items.filter((i) => i.section === 'top').map((i) => i.articleId) },
      { id: 'foryou', title: 'Pour vous', itemIds: items.filter((i) => i.section === 'foryou').map((i) => i.articleId) },
    ],
    items,
    metrics: { intraListDiversity: 0.8, topicEntropy: 1.5, topicCoverage: 0.6, calibrationKl: 0.1, sources: 5, localShare: 0.2, nationalShare: 0.5, worldShare: 0.3 },
    ...over,
  };
}

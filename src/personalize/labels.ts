/** Subscriber-facing words of the edition, in French and English. */
import type { Lang } from '../model.js';

const TOPIC_LABELS: Record<string, { fr: string; en: string }> = {
  international: { fr: 'International', en: 'World' },
  politique: { fr: 'Politique', en: 'Politics' },
  economie: { fr: 'Économie', en: 'Business' },
  sciences: { fr: 'Sciences', en: 'Science' },
  technologie: { fr: 'Technologie', en: 'Technology' },
  sante: { fr: 'Santé', en: 'Health' },
  environnement: { fr: 'Environnement', en: 'Environment' },
  culture: { fr: 'Culture', en: 'Culture' },
  sport: { fr: 'Sport', en: 'Sport' },
  societe: { fr: 'Société', en: 'Society' },
  'faits-divers': { fr: 'Faits divers', en: 'Crime & incidents' },
  local: { fr: 'Local', en: 'Local' },
  religion: { fr: 'Religion', en: 'Religion' },
  sexualite: { fr: 'Sexualité', en: 'Sexuality' },
};

/** Readable topic name; unknown ids are shown as they are. */
export function topicLabel(id: string, lang: Lang, extra?: Record<string, { fr?: string; en?: string }>): string {
  return extra?.[id]?.[lang] ?? TOPIC_LABELS[id]?.[lang] ?? id;
}

export const SECTION_TITLES = {
  top: { fr: 'À la une', en: 'Top stories' },
  'for-you': { fr: 'Pour vous', en: 'For you' },
  more: { fr: "L'essentiel", en: 'Essentials' },
  'near-you': { fr: 'Près de chez vous', en: 'Near you' },
  discover: { fr: 'À découvrir', en: 'Discover' },
} as const;
export type SectionId = keyof typeof SECTION_TITLES;

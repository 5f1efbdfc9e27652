import type { Lang } from '../model.js';

/** The words of an edition, in the subscriber's language. */
export const EDITION_LABELS = {
  fr: {
    edition: 'Édition du',
    preparedFor: 'préparée pour',
    near: 'Édition de',
    why: 'Pourquoi cet article',
    alsoCoveredBy: 'Aussi couvert par',
    read: 'Lire',
    empty: 'Rien de nouveau pour le moment.',
    hoursAgo: (h: number) => (h < 1 ? "à l'instant" : h < 24 ? `il y a ${h} h` : `il y a ${Math.round(h / 24)} j`),
    diversity: 'Diversité de cette édition',
    sources: 'sources',
    topics: 'rubriques',
  },
  en: {
    edition: 'Edition of',
    preparedFor: 'prepared for',
    near: 'Edition for',
    why: 'Why this story',
    alsoCoveredBy: 'Also covered by',
    read: 'Read',
    empty: 'Nothing new yet.',
    hoursAgo: (h: number) => (h < 1 ? 'just now' : h < 24 ? `${h} h ago` : `${Math.round(h / 24)} d ago`),
    diversity: 'Diversity of this edition',
    sources: 'sources',
    topics: 'topics',
  },
} as const satisfies Record<Lang, unknown>;

const dateFormats = new Map<Lang, Intl.DateTimeFormat>();
/** Formatted dates by language and date: formatting costs more than rendering the rest of a header, and a build has one or two dates. */
const formattedDates = new Map<string, string>();

export function formatEditionDate(date: string, lang: Lang): string {
  const key = `${lang}:${date}`;
  let s = formattedDates.get(key);
  if (s === undefined) {
    let f = dateFormats.get(lang);
    if (!f) {
      f = new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
      dateFormats.set(lang, f);
    }
    s = f.format(new Date(`${date}T12:00:00Z`));
    if (formattedDates.size >= 1000) formattedDates.clear();
    formattedDates.set(key, s);
  }
  return s;
}

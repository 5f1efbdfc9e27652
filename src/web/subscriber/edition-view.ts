/**
 * What the edition page shows, built from the stored Edition record, so the
 * web edition has exactly the items, order and reasons of the edition that
 * was built (and of the newsletter). Links are signed /c/ tokens.
 */
import type { Edition, EditionItem, Lang } from '../../model.js';
import { webClickLink } from '../../edition/build.js';
import { formatEditionDate } from '../../edition/labels.js';
import { LABELS } from '../i18n.js';

export interface ItemView {
  articleId: string;
  anchor: string;
  title: string;
  href: string;
  summary: string;
  source: string;
  feedId: string;
  ago: string;
  publishedAt: string;
  topics: { id: string; label: string }[];
  place?: string;
  reasons: string[];
  also: { source: string; title: string; href: string }[];
  lead: boolean;
}

export interface EditionView {
  id: string;
  date: string;
  dateLabel: string;
  personalized: boolean;
  settingsVersion: number;
  sections: { id: string; title: string; items: ItemView[] }[];
  metrics: { sources: number; topics: number; ild: number };
  count: number;
}

export function editionView(edition: Edition, opts: { secret: string; lang: Lang; now: Date; topicLabel: (id: string) => string }): EditionView {
  const L = LABELS[opts.lang];
  const byId = new Map(edition.items.map((it) => [it.articleId, it]));
  const link = (it: EditionItem, articleId?: string) => webClickLink('', opts.secret, edition, it, articleId);
  let first = true;
  const sections = edition.sections
    .map((s) => ({
      id: s.id,
      title: s.title,
      items: s.itemIds
        .map((id) => byId.get(id))
        .filter((x): x is EditionItem => !!x)
        .map((it): ItemView => {
          const hours = Math.max(0, Math.floor((opts.now.getTime() - Date.parse(it.publishedAt)) / 3600_000));
          const view: ItemView = {
            articleId: it.articleId,
            anchor: `a-${it.position}`,
            title: it.title,
            href: link(it),
            summary: it.summary,
            source: it.source,
            feedId: it.feedId,
            ago: L.hoursAgo(hours),
            publishedAt: it.publishedAt,
            topics: it.topics.filter((t) => t !== 'local').slice(0, 3).map((t) => ({ id: t, label: opts.topicLabel(t) })),
            reasons: it.reasons.map((r) => r.text),
            also: it.alsoCoveredBy.slice(0, 4).map((a) => ({ source: a.source, title: a.title, href: link(it, a.articleId) })),
            lead: first,
            ...(it.place ? { place: it.place } : {}),
          };
          first = false;
          return view;
        }),
    }))
    .filter((s) => s.items.length);
  return {
    id: edition.id,
    date: edition.date,
    dateLabel: formatEditionDate(edition.date, opts.lang),
    personalized: edition.personalized,
    settingsVersion: edition.settingsVersion,
    sections,
    metrics: {
      sources: edition.metrics.sources,
      topics: new Set(edition.items.map((i) => i.topics[0]).filter(Boolean)).size,
      ild: Math.round(edition.metrics.intraListDiversity * 100) / 100,
    },
    count: edition.items.length,
  };
}

/** Why an item is in the edition, in the subscriber's language. */
import type { Lang, Reason } from '../model.js';
import type { RelevancePart } from './settings.js';

export interface ExplainInput {
  lang: Lang;
  /** Raw parts in [0, 1] and the weights used (normalized or not). */
  parts: Record<RelevancePart, number>;
  weights: Record<RelevancePart, number>;
  pinned: boolean;
  explore: boolean;
  /** Swapped in to keep a narrowing edition broad (another of the subscriber's topics). */
  broaden?: boolean;
  /**
   * The clicked (or liked) article that contributed most, if any; or a function
   * that finds it, called only when the reason would be shown (finding it
   * compares the item with the subscriber's latest reads).
   */
  becauseOf?: BecauseOf | (() => BecauseOf | undefined);
  followedTopic?: { id: string; label: string };
  followedSource?: string;
  /** Exploration topic, readable. */
  topicLabel?: string;
  nearPlace?: string;
  /** Number of sources covering the story. */
  sources: number;
  max?: number;
}

export interface BecauseOf {
  articleId: string;
  title: string;
  kind: 'click' | 'like';
}

const T = {
  fr: {
    pick: 'Choix de la rédaction',
    explore: (t?: string) => (t ? `Nouveau pour vous : ${t}, hors de vos sujets habituels` : 'Nouveau pour vous : hors de vos sujets habituels'),
    broaden: (t?: string) => (t ? `Aussi pour vous : ${t}, pour garder une édition variée` : 'Aussi pour vous : pour garder une édition variée'),
    topic: (t: string) => `Vous suivez le sujet ${t}`,
    source: (s: string) => `Vous suivez ${s}`,
    read: (t: string) => `Parce que vous avez lu « ${t} »`,
    like: (t: string) => `Vous avez demandé plus d'articles comme « ${t} »`,
    near: (p: string) => `Près de chez vous : ${p}`,
    popular: "Populaire aujourd'hui",
    top: (n: number) => (n > 1 ? `À la une : traité par ${n} sources` : 'À la une aujourd’hui'),
  },
  en: {
    pick: "Editor's pick",
    explore: (t?: string) => (t ? `New for you: ${t}, outside your usual topics` : 'New for you: outside your usual topics'),
    broaden: (t?: string) => (t ? `Also for you: ${t}, to keep your edition broad` : 'Also for you: to keep your edition broad'),
    topic: (t: string) => `You follow ${t}`,
    source: (s: string) => `You follow ${s}`,
    read: (t: string) => `Because you read “${t}”`,
    like: (t: string) => `You asked for more like “${t}”`,
    near: (p: string) => `Near you: ${p}`,
    popular: 'Popular today',
    top: (n: number) => (n > 1 ? `Top story: covered by ${n} sources` : 'In the news today'),
  },
} as const;

/** Share of the relevance a part accounts for. */
function share(input: ExplainInput, ...keys: RelevancePart[]): number {
  let total = 0;
  let part = 0;
  for (const k of Object.keys(input.weights) as RelevancePart[]) {
    const c = (input.weights[k] ?? 0) * (input.parts[k] ?? 0);
    total += c;
    if (keys.includes(k)) part += c;
  }
  return total > 0 ? part / total : 0;
}

/**
 * Reasons, most telling first (at most `max`, default 3); never empty: an
 * item with no stronger reason is "in the news today".
 */
export function explainItem(input: ExplainInput): Reason[] {
  const t = T[input.lang] ?? T.en;
  const max = input.max ?? 3;
  const out: Reason[] = [];
  if (input.pinned) out.push({ code: 'editors-pick', text: t.pick });
  if (input.explore) out.push({ code: 'explore', text: t.explore(input.topicLabel), ref: input.topicLabel });
  else if (input.broaden) out.push({ code: 'broaden', text: t.broaden(input.topicLabel), ref: input.topicLabel });
  if (input.followedTopic) out.push({ code: 'followed-topic', text: t.topic(input.followedTopic.label), ref: input.followedTopic.id });
  if (input.followedSource) out.push({ code: 'followed-source', text: t.source(input.followedSource), ref: input.followedSource });
  // Past `max` reasons it would be cut off anyway.
  const b = input.becauseOf && !input.explore && out.length < max && share(input, 'content', 'covisit') >= 0.2 ? (typeof input.becauseOf === 'function' ? input.becauseOf() : input.becauseOf) : undefined;
  if (b) {
    out.push(
      b.kind === 'like'
        ? { code: 'more-like-this', text: t.like(b.title), ref: b.articleId }
        : { code: 'because-you-read', text: t.read(b.title), ref: b.articleId },
    );
  }
  if (input.nearPlace && input.parts.local >= 0.3) out.push({ code: 'near-you', text: t.near(input.nearPlace), ref: input.nearPlace });
  if (input.parts.popularity >= 0.5) out.push({ code: 'popular', text: t.popular });
  if (!input.pinned && (input.parts.editorial >= 0.5 || out.length === 0)) {
    out.push({ code: 'top-story', text: t.top(input.sources) });
  }
  return out.slice(0, max);
}

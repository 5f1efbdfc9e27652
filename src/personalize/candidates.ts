/**
 * Candidates of a build: recent articles, one per story cluster, the others
 * of the cluster listed as "also covered by", minus what editors blocked.
 * (What a subscriber muted or already clicked is removed per subscriber in
 * the plan, from the same list.)
 */
import type { EditorSettings } from './settings.js';
import type { PreparedArticle } from './articles.js';
import type { StoryCluster } from '../model.js';

export interface Candidate {
  /** The article shown (best source of its cluster). */
  lead: PreparedArticle;
  clusterId: string;
  /** Other articles of the same story, best first. */
  alsoCoveredBy: PreparedArticle[];
  /** Feed ids covering the story. */
  feedIds: string[];
  pinned: boolean;
  /** Earliest publication in the cluster (when the story broke). */
  firstMs: number;
}

/** Substantive text: a story's "complete" version. */
const SUBSTANTIVE_CHARS = 400;

/**
 * Best source of a story, in order: an article editors pinned; the cluster's
 * own lead (chosen when clustering); else the earliest article with a
 * substantive text (the one that broke the story properly); else the longest.
 */
export function rankWithinCluster(
  members: readonly PreparedArticle[],
  opts: { pinnedArticleIds: ReadonlySet<string>; leadArticleId?: string },
): PreparedArticle[] {
  const key = (p: PreparedArticle): [number, number, number, number] => [
    opts.pinnedArticleIds.has(p.id) ? 0 : 1,
    p.id === opts.leadArticleId ? 0 : 1,
    (p.article.text?.length ?? 0) >= SUBSTANTIVE_CHARS ? 0 : 1,
    p.publishedMs,
  ];
  return [...members].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < 3; i++) if (ka[i] !== kb[i]) return ka[i]! - kb[i]!;
    const sub = ka[2] === 0;
    if (sub) return ka[3] - kb[3] || a.id.localeCompare(b.id);
    return (b.article.text?.length ?? 0) - (a.article.text?.length ?? 0) || a.id.localeCompare(b.id);
  });
}

export function isBlocked(p: PreparedArticle, blockedSources: ReadonlySet<string>, blockedTopics: ReadonlySet<string>): boolean {
  if (blockedSources.has(p.feedId)) return true;
  return p.topics.some((t, i) => blockedTopics.has(t.id) && (i === 0 || t.score >= 0.5));
}

export function selectCandidates(input: {
  articles: readonly PreparedArticle[];
  clusters?: readonly StoryCluster[];
  settings: EditorSettings;
  now: number;
}): Candidate[] {
  const { settings, now } = input;
  const since = now - settings.candidateWindowHours * 3_600_000;
  // A little slack into the future absorbs clock skew between publishers.
  const until = now + 3_600_000;
  const blockedSources = new Set(settings.blocked.sources);
  const blockedTopics = new Set(settings.blocked.topics);
  const pinnedArticleIds = new Set(settings.pinned.articleIds);
  const pinnedClusterIds = new Set(settings.pinned.clusterIds);
  const leads = new Map<string, string>();
  for (const c of input.clusters ?? []) leads.set(c.id, c.leadArticleId);

  const byCluster = new Map<string, PreparedArticle[]>();
  const seen = new Set<string>();
  for (const p of input.articles) {
    if (seen.has(p.id)) continue;
    seen.add(p.id);
    const pinned = pinnedArticleIds.has(p.id);
    if (!pinned && (p.publishedMs < since || p.publishedMs > until)) continue;
    if (isBlocked(p, blockedSources, blockedTopics)) continue;
    const list = byCluster.get(p.clusterId);
    if (list) list.push(p);
    else byCluster.set(p.clusterId, [p]);
  }
  const out: Candidate[] = [];
  for (const [clusterId, members] of byCluster) {
    const ranked = rankWithinCluster(members, { pinnedArticleIds, leadArticleId: leads.get(clusterId) });
    const lead = ranked[0]!;
    const feedIds = [...new Set(ranked.map((m) => m.feedId))];
    out.push({
      lead,
      clusterId,
      // One entry per other source: the same feed twice is not more coverage.
      alsoCoveredBy: ranked.slice(1).filter((m, i, arr) => m.feedId !== lead.feedId && arr.findIndex((x) => x.feedId === m.feedId) === i),
      feedIds,
      pinned: pinnedClusterIds.has(clusterId) || members.some((m) => pinnedArticleIds.has(m.id)),
      firstMs: Math.min(...members.map((m) => m.publishedMs)),
    });
  }
  // Stable order: newest first, then id.
  out.sort((a, b) => b.lead.publishedMs - a.lead.publishedMs || a.clusterId.localeCompare(b.clusterId));
  return out;
}

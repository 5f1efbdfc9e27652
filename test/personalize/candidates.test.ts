import { describe, expect, it } from 'vitest';
import { prepareArticle } from '../../src/personalize/articles.js';
import { selectCandidates } from '../../src/personalize/candidates.js';
import { DEFAULT_SETTINGS } from '../../src/personalize/settings.js';
import { TermDict } from '../../src/personalize/vectors.js';
import { article, NOW } from './fixtures.js';

const dict = new TermDict();
const prep = (xs: ReturnType<typeof article>[]) => xs.map((a) => prepareArticle(a, dict));

describe('candidates', () => {
  it('keeps one article per story, best source first, within the window', () => {
    const arts = prep([
      article({ id: 'late', clusterId: 'c1', feedId: 'f2', hours: 1 }),
      article({ id: 'early', clusterId: 'c1', feedId: 'f1', hours: 5 }),
      article({ id: 'short', clusterId: 'c1', feedId: 'f3', hours: 9, text: 'brief' }),
      article({ id: 'old', hours: 40 }),
      article({ id: 'alone', hours: 3 }),
    ]);
    const c = selectCandidates({ articles: arts, settings: DEFAULT_SETTINGS, now: NOW });
    expect(c.map((x) => x.lead.id).sort()).toEqual(['alone', 'early']);
    const story = c.find((x) => x.clusterId === 'c1')!;
    expect(story.alsoCoveredBy.map((a) => a.id)).toEqual(['late', 'short']);
    expect(story.feedIds).toHaveLength(3);
  });

  it('prefers the cluster lead and pinned articles, drops blocked sources and topics', () => {
    const arts = prep([
      article({ id: 'a', clusterId: 'c1', hours: 5 }),
      article({ id: 'b', clusterId: 'c1', feedId: 'f2', hours: 1 }),
      article({ id: 'blocked', feedId: 'bad' }),
      article({ id: 'people', topic: 'people' }),
    ]);
    const clusters = [{ id: 'c1', leadArticleId: 'b', articleIds: ['a', 'b'], feedIds: [], firstSeenAt: '', updatedAt: '' }];
    const settings = { ...DEFAULT_SETTINGS, blocked: { sources: ['bad'], topics: ['people'] } };
    let c = selectCandidates({ articles: arts, clusters, settings, now: NOW });
    expect(c.map((x) => x.lead.id)).toEqual(['b']);
    c = selectCandidates({ articles: arts, clusters, settings: { ...settings, pinned: { articleIds: ['a'], clusterIds: [] } }, now: NOW });
    expect(c[0]!.lead.id).toBe('a');
    expect(c[0]!.pinned).toBe(true);
  });
});

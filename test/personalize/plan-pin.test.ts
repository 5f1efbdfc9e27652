/**
 * Pins a few whole plans (items in order, sections, scores, reasons, metrics)
 * so speed work on the planning path cannot change what subscribers get.
 * When ranking or diversity changes on purpose, refresh the snapshot with
 * `npx vitest run test/personalize/plan-pin.test.ts -u` and say so in the commit.
 */
import { describe, expect, it } from 'vitest';
import { syntheticWorld } from '../../src/personalize/bench.js';
import { planForSubscriber, prepareBuild, type PlanSubscriber } from '../../src/personalize/plan.js';
import { seededRng } from '../../src/util/random.js';

describe('pinned plans', () => {
  it('same items, order, reasons and metrics for varied subscribers', () => {
    const w = syntheticWorld({ articles: 400, subscribers: 12, clicksPer: 30, seed: 11 });
    const build = prepareBuild({ articles: w.articles, clicks: w.clicks, now: w.now, sources: { f1: { title: 'Le Quotidien', country: 'FR' } } });
    const some = w.articles.slice(0, 600);
    const variants: ((s: PlanSubscriber, i: number) => PlanSubscriber)[] = [
      (s) => s,
      (s) => ({ ...s, prefs: { ...s.prefs, muteTopics: ['sport', 'politique'], followTopics: ['sciences'] } }),
      (s) => ({ ...s, consents: { personalization: { granted: false, at: '2026-11-01T00:00:00.000Z', source: 't' } } }),
      (s) => ({ ...s, home: undefined, diversity: 1 }),
      (s, i) => ({
        ...s,
        diversity: 0,
        prefs: {
          ...s.prefs,
          followSources: ['f1'],
          muteSources: ['f2'],
          feedback: [
            { articleId: some[i * 7]!.id, signal: 1, at: '2026-11-21T08:00:00.000Z' },
            { articleId: some[i * 7 + 1]!.id, signal: -1, at: '2026-11-21T09:00:00.000Z' },
          ],
        },
      }),
      (s) => ({ ...s, lang: 'en' }),
    ];
    const out = w.subscribers.map((s, i) => {
      const sub = variants[i % variants.length]!(s, i);
      const plan = planForSubscriber(build, sub, i === 11 ? [] : w.history.get(s.id)!, seededRng(100 + i));
      return {
        subscriber: sub.id,
        personalized: plan.personalized,
        items: plan.items.map((it) => [it.articleId, it.section, it.position, it.score, it.reasons.map((r) => `${r.code}: ${r.text}`).join(' | '), it.alsoCoveredBy.length, it.place ?? '']),
        sections: plan.sections.map((s) => `${s.id}: ${s.itemIds.length}`),
        metrics: plan.metrics,
        target: plan.target,
      };
    });
    expect(out).toMatchSnapshot();
  });
});
